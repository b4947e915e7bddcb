"""The harmoniser, word-setter, arranger, taste model and MIDI seeds all read a meter the way ``Meter`` does."""

from __future__ import annotations

import pytest

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from studio.arrange.parts import pulse
from studio.harmony.harmonizer import melody_spans, span_ticks
from studio.lyrics.setting import GRID, _level, phrases
from studio.midi_melody import midi_request
from studio.taste.features import FEATURE_NAMES, features

METERS = ["6/4", "3/8", "6/8", "4/4", "3/4", "2/4", "12/8", "9/8", "2/2", "3/2"]


def one_note_per_beat(m: Meter, bars: int = 2) -> Melody:
    return Melody(tuple(Note(60 + k % 5, m.beat_ticks) for k in range(bars * m.beats)), Key(0), m, 100)


def test_six_four_and_three_eight():
    six_four, three_eight = Meter(6, 4), Meter(3, 8)
    assert span_ticks(six_four, "beat") == (36, "beat")  # two dotted halves, not six quarters
    assert span_ticks(three_eight, "beat") == (6, "beat")  # three eighths, not one beat a bar
    assert span_ticks(three_eight, "half-bar") == (18, "bar")
    assert pulse(six_four).group_starts() == [0, 36]
    assert pulse(three_eight).group_starts() == [0, 6, 12]
    assert [_level(p, six_four) for p in range(0, 72, 12)] == [3, 0, 0, 2, 0, 0]
    assert [_level(p, three_eight) for p in range(0, 18, 6)] == [3, 1, 1]
    taste = {text: dict(zip(FEATURE_NAMES, features({"meter": text}), strict=True)) for text in ("6/4", "3/8")}
    assert (taste["6/4"]["meter_compound"], taste["6/4"]["meter_duple"]) == (1, 0)
    assert (taste["3/8"]["meter_triple"], taste["3/8"]["meter_compound"]) == (1, 0)


@pytest.mark.parametrize("text", METERS)
def test_everyone_counts_the_same_beats(text):
    m = Meter.parse(text)
    beats = [k * m.beat_ticks for k in range(m.beats)]
    assert span_ticks(m, "beat") == (m.beat_ticks, "beat" if m.beats > 1 else "bar")
    assert [p for p in range(0, m.bar_ticks, GRID) if _level(p, m) >= 1] == beats
    assert pulse(m).group_starts() == beats


@pytest.mark.parametrize("text", METERS)
def test_harmoniser_and_word_setter_accent_the_same_beats(text):
    m = Meter.parse(text)
    tune = one_note_per_beat(m)
    expected = [onset % m.bar_ticks in m.strong_ticks for onset in tune.onsets()]
    assert [span.strong for span in melody_spans(tune, m.beat_ticks)] == expected
    assert "".join(p.template for p in phrases(tune)) == "".join("S" if s else "w" for s in expected)


@pytest.mark.parametrize("text", ["6/4", "3/8", "6/8", "4/4", "5/4", "7/8"])
def test_taste_groups_are_the_meters(text):
    x = dict(zip(FEATURE_NAMES, features({"meter": text}), strict=True))
    assert [name for name in FEATURE_NAMES if name.startswith("meter_") and x[name] == 1] == [
        f"meter_{Meter.parse(text).group}"]


def test_a_midi_seed_keeps_its_speed_in_felt_beats():
    jig = Melody(tuple(Note(60 + k % 5, 6) for k in range(12)), Key(0), Meter(6, 8), 100)
    data = melody_to_midi(jig)  # dotted quarter = 100 is quarter = 150 in the file
    assert (midi_request(data)[0].meter, midi_request(data)[0].tempo) == ("6/8", 100)
    assert midi_request(data, meter="3/4")[0].tempo == 150  # the same speed counted in quarters
    assert midi_request(data, meter="3/4", tempo=90)[0].tempo == 90
