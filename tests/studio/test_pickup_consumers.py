"""A typed pickup (``G | C E G C``) puts chords, arrangement sections and lyric stresses on the real downbeats."""

from __future__ import annotations

from data.events import Meter
from studio.harmony.harmonizer import harmonize_melody
from studio.inputs import melody_from_notes
from studio.lyrics.setting import phrases

TUNE = "G | C E G C | F A C A | G B D B | C:w"


def test_typed_bar_lines_give_the_melody_its_pickup():
    melody = melody_from_notes(TUNE, "C major").melody
    assert melody.pickup == Meter().beat_ticks
    assert melody_from_notes("C E G C | F A C A", "C major").melody.pickup == 0


def test_chords_change_on_the_downbeats_after_a_pickup():
    result = harmonize_melody(melody_from_notes(TUNE, "C major").melody, rhythm="bar")
    # one chord per full bar (no cell for a one-beat pickup): C (C E G C), one holding F A C (F A C A: F, or the
    # chorale style's ii7, Dm7), G (G B D B), C
    cells = [cell.strip() for cell in result.chord_text.split("|")[1:5]]
    assert cells[0] == "C" and cells[1] in ("F", "Dm7") and cells[2:] == ["G", "C"]
    assert harmonize_melody(melody_from_notes(TUNE, "C major").melody, "bar", "pop").chord_text.split("|")[1:5] == [
        " C ", " F ", " G ", " C "]


def test_no_chord_sounds_before_the_first_downbeat_after_a_one_beat_pickup():
    """The pickup's bar is padded with a rest so that bars count from the downbeat. No chord is played over that
    rest (it sounded three beats before the tune began), nor over a pickup of a beat or less: lead sheets write the
    first chord on the first downbeat. A longer pickup is harmonised from its first note."""
    melody = melody_from_notes(TUNE, "C major").melody
    bar = Meter().bar_ticks
    for rhythm in ("beat", "half-bar", "bar"):
        result = harmonize_melody(melody, rhythm, "pop")
        assert result.chords[0].start == bar
        assert all(a.start + a.ticks == b.start for a, b in zip(result.chords, result.chords[1:], strict=False))
        assert result.chord_text.count("|") == 5  # four full bars
    longer = melody_from_notes("E F G | " + TUNE.split("| ", 1)[1], "C major").melody
    result = harmonize_melody(longer, "half-bar", "pop")
    assert result.chords[0].start == bar - longer.pickup  # under the E, not over the rest before it
    assert result.chord_text.count("|") == 6  # the pickup's bar has a cell, one chord: a pickup leads in
    assert len(result.chord_text.split("|")[1].split()) == 1 and result.chords[1].start == bar


def test_the_same_tune_without_its_pickup_bar_line_is_misread():
    result = harmonize_melody(melody_from_notes(TUNE.replace("|", ""), "C major").melody, rhythm="bar")
    assert result.chord_text != harmonize_melody(melody_from_notes(TUNE, "C major").melody, rhythm="bar").chord_text


def test_lyric_stresses_fall_on_the_downbeats_after_a_pickup():
    melody = melody_from_notes("G | C E G C | F A C:h | R:w", "C major").melody
    template = "".join(p.template for p in phrases(melody))
    # the pickup is weak; each bar's 1st and 3rd beats are strong (4/4)
    assert template.startswith("w" + "SwSw" + "SwS")
