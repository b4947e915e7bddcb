"""/melody restates bars as folk tunes do: the planned bars come back note for note, the rest still holds."""

from __future__ import annotations

import numpy as np
import pytest

from data.events import Key
from data.form import MAX_OFFSET, FormTable, bar_spans
from data.notation import parse_seed
from studio import restate as restate_module
from studio.originality import longest_shared
from studio.requests import MelodyRequest

from ..studio.test_originality import corpus_passage


@pytest.fixture
def fifth_restates_first(monkeypatch):
    """A table that makes bars 5 and 6 restate bars 1 and 2, and nothing else."""
    counts = np.zeros((17, MAX_OFFSET + 1, MAX_OFFSET + 1), np.int64)
    counts[:, :, 0] = 1
    counts[5, 0] = 0
    counts[5, 0, 4] = 1
    counts[6, 4] = 0
    counts[6, 4, 4] = 1
    monkeypatch.setattr(restate_module, "load_form", lambda: FormTable(counts, np.ones(14), np.ones(14)))


@pytest.mark.parametrize(("seed", "meter", "pickup"), [("C4:q D4:q E4:q F4:q | G4:h E4:h", "4/4", 0),
                                                       ("A4:e B4:e C5:e D5:e C5:e B4:e | A4:q. E5:q.", "6/8", 0),
                                                       ("G4:q | C5:q E5:q D5:q | C5:h G4:q", "3/4", 12)])
async def test_planned_bars_come_back_note_for_note(composer, fifth_restates_first, seed, meter, pickup):
    request = MelodyRequest(seed, seed=5, meter=meter, bars=8, key="C major")
    result = await composer.melody(request)
    melody = result.melody
    bar = melody.meter.bar_ticks
    assert melody.pickup == pickup
    assert melody.ticks == pickup + 8 * bar
    spans = bar_spans(melody.notes, (bar - pickup) if pickup else bar, bar)
    assert [melody.notes[slice(*spans[b])] for b in (5, 6)] == [melody.notes[slice(*spans[b])] for b in (1, 2)]
    assert melody.notes[-1].pitch % 12 == Key.parse("C major").tonic  # the ending is still the ending
    assert melody.notes[: len(parse_seed(seed, meter=melody.meter).notes)] == parse_seed(seed, meter=melody.meter).notes
    again = await composer.melody(request)
    assert again.melody == melody


async def test_the_bar_the_seed_ends_in_comes_back_as_the_model_finished_it(composer, fifth_restates_first):
    result = await composer.melody(MelodyRequest("C E G", seed=2, bars=8, key="C major"))  # bar 1 ends in its notes
    melody = result.melody
    spans = bar_spans(melody.notes, 48, 48)
    assert melody.notes[slice(*spans[5])] == melody.notes[slice(*spans[1])]  # bar 1, completed, came back
    assert melody.ticks == 8 * 48


def test_the_seed_restated_does_not_count_as_copying_the_corpus():
    opening = corpus_passage(3, 0, 14)
    notes = [*opening, *opening]
    assert longest_shared(notes, len(opening)).notes >= 12
    assert longest_shared(notes, len(opening), own=[(len(opening), len(notes))]).notes <= 1


async def test_the_ending_is_drawn_by_how_usual_its_step_into_the_final_is(composer, monkeypatch):
    """The last two bars are written in three takes and one kept by the corpus's steps into a tune's last note
    (one take ended on a 4th or 5th leap in a quarter of the replies, the corpus's tunes in 5%). With a table
    whose tunes all end by a step, replies end by a step more often than with one whose tunes all end by a leap."""
    from data.form import load_form

    real = load_form()
    steps, leaps = np.zeros(14), np.zeros(14)
    steps[1:3], leaps[5:8] = 1, 1

    async def ends_by_step(ends: np.ndarray) -> int:
        monkeypatch.setattr(restate_module, "load_form", lambda: FormTable(real.counts, real.joins, ends))
        count = 0
        for seed in range(12):
            result = await composer.melody(MelodyRequest("C E G", seed=seed, bars=8, key="C major", count=1))
            pitches = [n.pitch for n in result.melody.notes if n.pitch is not None]
            count += abs(pitches[-1] - pitches[-2]) in (1, 2)
        return count

    by_step, by_leap = await ends_by_step(steps), await ends_by_step(leaps)
    assert by_step >= by_leap + 3, (by_step, by_leap)
