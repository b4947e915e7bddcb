"""Meter: the beats, grouping and accents of every meter the model knows, and what a tempo means in it."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pretty_midi
import pytest
from music21 import converter

from data.events import TPQ, Key, Melody, Meter, Note
from data.midi import arrangement_to_midi, melody_to_midi, melody_with_chords_to_midi, midi_lyrics, seed_from_midi
from data.theory import melody_to_musicxml, score_to_musicxml
from model.config import MELODY_CHECKPOINT
from model.lstm import load_checkpoint

# meter: beats, beat_ticks, compound, grouping (in units), strong_ticks, taste group
TABLE = {
    "1/4": (1, 12, False, (1,), {0}, "duple"),
    "2/4": (2, 12, False, (1, 1), {0}, "duple"),
    "3/4": (3, 12, False, (1, 1, 1), {0}, "triple"),
    "4/4": (4, 12, False, (1, 1, 1, 1), {0, 24}, "duple"),
    "5/4": (5, 12, False, (3, 2), {0, 36}, "odd"),
    "6/4": (2, 36, True, (3, 3), {0, 36}, "compound"),
    "2/2": (2, 24, False, (1, 1), {0}, "duple"),
    "3/2": (3, 24, False, (1, 1, 1), {0}, "triple"),
    "4/2": (4, 24, False, (1, 1, 1, 1), {0, 48}, "duple"),
    "6/2": (2, 72, True, (3, 3), {0, 72}, "compound"),
    "3/8": (3, 6, False, (1, 1, 1), {0}, "triple"),
    "4/8": (4, 6, False, (1, 1, 1, 1), {0, 12}, "duple"),
    "5/8": (5, 6, False, (3, 2), {0, 18}, "odd"),
    "6/8": (2, 18, True, (3, 3), {0, 18}, "compound"),
    "7/8": (7, 6, False, (2, 2, 3), {0, 24}, "odd"),
    "9/8": (3, 18, True, (3, 3, 3), {0}, "compound"),
    "12/8": (4, 18, True, (3, 3, 3, 3), {0, 36}, "compound"),
}


def test_the_table_covers_every_meter_the_model_knows():
    _, vocab, _ = load_checkpoint(MELODY_CHECKPOINT, "cpu")
    known = {t.split(":", 1)[1] for t in vocab.itos if t.startswith("meter:")}
    assert known | {"5/4", "7/8"} == set(TABLE)  # 5/4 and 7/8 the arranger supports too


@pytest.mark.parametrize(("text", "row"), TABLE.items())
def test_meter_facts(text, row):
    m = Meter.parse(text)
    assert (m.beats, m.beat_ticks, m.compound, m.grouping, m.strong_ticks, m.group) == row
    assert m.unit_ticks == 4 * TPQ // m.denominator
    assert sum(m.grouping) * m.unit_ticks == m.beats * m.beat_ticks == m.bar_ticks
    assert m.strong_ticks <= {s * m.unit_ticks for s in _starts(m.grouping)}  # accents fall on group starts


def _starts(grouping: tuple[int, ...]) -> list[int]:
    return [sum(grouping[:i]) for i in range(len(grouping))]


@pytest.mark.parametrize(("text", "grouping", "strong"), [("8/8", (3, 3, 2), {0, 18}), ("10/8", (3, 3, 2, 2), {0, 36}),
                                                         ("11/8", (3, 3, 3, 2), {0, 36}), ("9/4", (3, 3, 3), {0})])
def test_other_meters_the_parser_accepts(text, grouping, strong):
    m = Meter.parse(text)
    assert (m.grouping, m.strong_ticks) == (grouping, strong)
    assert m.group == ("compound" if text == "9/4" else "odd")


@pytest.mark.parametrize(("text", "bpm", "quarter"), [("4/4", 110, 110), ("6/8", 110, 165), ("6/4", 60, 180),
                                                      ("2/2", 60, 120), ("3/8", 120, 60), ("12/8", 80, 120)])
def test_tempo_counts_felt_beats(text, bpm, quarter):
    m = Meter.parse(text)
    assert m.quarter_bpm(bpm) == quarter
    assert m.beat_bpm(quarter) == bpm


# ---- what the files say ----------------------------------------------------------------------------
def jig(tempo: int = 100) -> Melody:
    """Two bars of 6/8: eighths and a dotted-quarter ending."""
    notes = [Note(p, 6) for p in (67, 71, 74, 67, 71, 74, 72, 76, 74)] + [Note(67, 18)]
    return Melody(tuple(notes), Key(7), Meter(6, 8), tempo)


def metronome(xml: bytes) -> tuple[float, float]:
    """(beats per minute, quarter lengths of the beat) of the score's first metronome mark."""
    mark = next(converter.parseData(xml, format="musicxml").recurse().getElementsByClass("MetronomeMark"))
    return mark.number, float(mark.referent.quarterLength)


@pytest.mark.parametrize(("text", "beat"), [("6/8", 1.5), ("6/4", 3.0), ("2/2", 2.0), ("4/4", 1.0), ("3/8", 0.5)])
def test_the_metronome_mark_shows_the_felt_beat(text, beat):
    m = Meter.parse(text)
    tune = Melody(tuple(Note(60, m.unit_ticks) for _ in range(m.numerator)), Key(0), m, 100)
    assert metronome(melody_to_musicxml(tune)) == (100, beat)
    staves = [("Lead", [(0, m.bar_ticks, (60,))], None)]
    assert metronome(score_to_musicxml(staves, Key(0), m, 100, m.bar_ticks)) == (100, beat)


def test_six_eight_musicxml_marks_a_dotted_quarter():
    xml = melody_to_musicxml(jig()).decode()
    assert "<beat-unit>quarter</beat-unit>" in xml and "<beat-unit-dot" in xml
    assert "<per-minute>100</per-minute>" in xml


def test_six_eight_midi_runs_at_one_and_a_half_quarters_per_beat():
    tune = jig(100)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_to_midi(tune)))
    _, tempi = pm.get_tempo_changes()
    assert tempi[0] == pytest.approx(150)
    assert pm.instruments[0].notes[-1].end == pytest.approx(2 * 2 * 60 / 100, abs=0.01)  # two bars of two beats


def test_every_midi_writer_agrees_on_the_felt_beat():
    tune = jig(100)
    beat_seconds = 60 / 100
    lyrics = ["la"] * len(tune.notes)
    assert midi_lyrics(melody_to_midi(tune, lyrics=lyrics))[-1][0] == pytest.approx(3 * beat_seconds, abs=0.01)
    chords = pretty_midi.PrettyMIDI(io.BytesIO(melody_with_chords_to_midi(tune, [(0, 18, (55,)), (18, 18, (50,))])))
    assert chords.instruments[1].notes[1].start == pytest.approx(beat_seconds, abs=0.01)

    track = SimpleNamespace(name="Lead", program=0, is_drum=False, notes=[(0, tune.meter.bar_ticks, 60, 90)])
    band = pretty_midi.PrettyMIDI(io.BytesIO(arrangement_to_midi([track], 100, tune.meter, tune.key)))
    assert band.get_tempo_changes()[1][0] == pytest.approx(150)
    assert band.instruments[0].notes[0].end == pytest.approx(2 * beat_seconds, abs=0.01)


def test_a_midi_seed_tempo_is_read_in_felt_beats_of_its_meter():
    seed = seed_from_midi(melody_to_midi(jig(100)))
    assert (seed.meter, seed.tempo) == (Meter(6, 8), 100)


@pytest.mark.parametrize(("text", "rests"), [("6/4", [1, 1, 3]), ("6/8", [0.5, 0.5, 1.5]), ("4/4", [1, 2]),
                                             ("12/8", [0.5, 0.5, 1.5, 3]), ("7/8", [0.5, 1, 0.5])])
def test_an_unfinished_bar_is_padded_by_beats(text, rests):
    m = Meter.parse(text)
    first = {"6/4": 12, "6/8": 6, "4/4": 12, "12/8": 6, "7/8": 18}[text]
    score = converter.parseData(melody_to_musicxml(Melody((Note(60, first),), Key(0), m, 100)), format="musicxml")
    assert [float(r.quarterLength) for r in score.recurse().getElementsByClass("Rest")] == rests


@pytest.mark.parametrize(("text", "bpm"), [("4/4", 110), ("3/4", 110), ("6/8", 110), ("12/8", 110), ("2/2", 78),
                                           ("3/2", 78), ("6/4", 78), ("3/8", 156)])
def test_the_default_tempo_suits_the_felt_beat(text, bpm):
    """Tempo counts felt beats, so a long beat gets a slower default (6/4 at 110 dotted halves would race)."""
    from studio.requests import MelodyRequest

    meter = Meter.parse(text)
    assert meter.default_bpm == bpm
    assert MelodyRequest(notes="C E G", meter=text).tempo == bpm
    assert 75 <= meter.quarter_bpm(bpm) <= 240  # never the 330 quarters a flat 110 gave 6/4
    assert MelodyRequest(notes="C E G", meter=text, tempo=90).tempo == 90  # a typed tempo always wins
