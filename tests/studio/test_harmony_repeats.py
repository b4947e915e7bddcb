"""A song's repeated bars take the chords their first statement took (studio.harmony.repeats)."""

from __future__ import annotations

import pytest

from data.events import Key, Melody, Meter
from data.notation import parse_seed
from studio.harmony import harmonizer as harmonizer_module
from studio.harmony.harmonizer import default_harmonizer
from studio.harmony.repeats import bar_contents, repeated_spans

# Cahirciveen, a jig of the folk corpus (its first 8 bars): bar 5 restates bar 1
CAHIRCIVEEN = ("C5:e. D5:s C5:e B4:e C5:e D5:e | E5:e. D5:s C5:e D5:e G4:e. A4:s | B4:e A4:e G4:e F4:e E4:e F4:e | "
               "G4:e C5:e D5:e C5:q G4:e | C5:e. D5:s C5:e B4:e C5:e D5:e | E5:e D5:e C5:e D5:e G4:e. A4:s | "
               "B4:e A4:e G4:e F4:e E4:e F4:e | G4:e C5:e D5:e C5:q E5:s F5:s")


def melody(text: str, meter: Meter | None = None) -> Melody:
    return Melody(parse_seed(text, max_notes=256).notes, Key(0), meter or Meter())


def halves(m: Melody) -> list[tuple[int, int]]:
    half = m.meter.bar_ticks // 2
    return [(start, start + half) for start in range(0, m.ticks, half)]


def test_a_restated_bar_is_tied_span_for_span_to_its_first_statement():
    m = melody("C4 E4 G4 C5 | D4 F4 A4 F4 | C4 E4 G4 C5 | G4:w")
    assert repeated_spans(m, halves(m)) == {4: 0, 5: 1}


def test_a_note_held_over_the_bar_line_sounds_in_the_next_bar_too():
    held = melody("C4 D4 E4 G4:h E4:q C4:h G4:q E4:q C4:h")  # the G of bar 1 sounds through beat 1 of bar 2
    beat = held.meter.beat_ticks
    assert bar_contents(held)[1] == ((0, 67, beat), (beat, 64, beat), (2 * beat, 60, 2 * beat))
    assert repeated_spans(held, halves(held)) == {4: 2, 5: 3}  # bar 3 sounds as bar 2 does
    one_note = melody("C4:w | C4:w | C4:w")
    assert repeated_spans(one_note, halves(one_note)) == {}  # a bar of one held note repeats nothing


@pytest.mark.parametrize("rhythm", ["half-bar", "bar"])
def test_a_restated_opening_gets_the_opening_chords_again(rhythm, monkeypatch):
    m = Melody(parse_seed(CAHIRCIVEEN, max_notes=256).notes, Key(0), Meter.parse("6/8"))
    bar = m.meter.bar_ticks

    def bar_chords(result, b: int) -> list[str]:
        return [c.symbol for c in result.chords if b * bar <= c.start < (b + 1) * bar]

    result = default_harmonizer().harmonize(m, rhythm, "pop")
    assert bar_chords(result, 4) == bar_chords(result, 0) == (["C", "G"] if rhythm == "half-bar" else ["C"])
    monkeypatch.setattr(harmonizer_module, "REPEAT_TIE", 0.0)  # without the lean, bar 5 went its own way
    assert bar_chords(default_harmonizer().harmonize(m, rhythm, "pop"), 4) != bar_chords(result, 0)
