"""bench.leadsheets: its songs parse, and each lead sheet has one cell per bar of its melody."""

from __future__ import annotations

import pytest

from bench.leadsheets import SONGS, cells, judge, triad
from studio.harmony.harmonizer import harmonize_melody
from studio.inputs import melody_from_notes


def test_chord_symbols_read_as_triads():
    assert triad("F#m7") == (6, "m") and triad("Bb") == (10, "") and triad("G7") == (7, "")
    assert triad("Bdim") == (11, "dim") and triad("Cmaj7") == (0, "")


@pytest.mark.parametrize("song", SONGS, ids=[s.name for s in SONGS])
def test_each_lead_sheet_fits_its_melody(song):
    melody = melody_from_notes(song.notes, key=song.key, meter=song.meter).melody
    assert len(cells(song)) == melody.bars
    agree, total, _, _, shown = judge(song, harmonize_melody(melody, "half-bar", "pop"))
    assert len(shown) == melody.bars and 0 < agree <= total
