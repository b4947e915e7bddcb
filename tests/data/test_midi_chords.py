"""A file of block chords read as chord symbols (``data.midi_chords``): real MIDI files written with pretty_midi."""

from __future__ import annotations

import io

import pretty_midi
import pytest

from data.midi_chords import chord_name, chords_from_midi

C, G, AM, F, DM, E7 = [60, 64, 67], [55, 59, 62], [57, 60, 64], [53, 57, 60], [50, 53, 57], [52, 56, 59, 62]


def midi_file(parts: dict[str, list[tuple[float, float, int]]], meter: tuple[int, int] = (4, 4)) -> bytes:
    """A file at 100 bpm; notes as (start beat, end beat, pitch), released a little early as a player does."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(*meter, 0))
    beat = 0.6
    for name, notes in parts.items():
        part = pretty_midi.Instrument(0, name=name)
        part.notes += [pretty_midi.Note(80, p, s * beat, e * beat - 0.02) for s, e, p in notes]
        pm.instruments.append(part)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def block(chords: list[list[int]], beats: list[float]) -> list[tuple[float, float, int]]:
    notes, now = [], 0.0
    for chord, length in zip(chords, beats, strict=True):
        notes += [(now, now + length, p) for p in chord]
        now += length
    return notes


TUNE = [(i, i + 1, p) for i, p in enumerate([72, 74, 76, 77, 79, 77, 76, 74, 72, 71, 72, 74, 76, 74, 72, 72])]


@pytest.mark.parametrize(("parts", "meter", "text"), [
    ({"Keys": block([C, G, AM, F], [4] * 4)}, (4, 4), "| C | G | Am | F |"),
    ({"Keys": block([C, G, AM, F], [2] * 4)}, (4, 4), "| C G | Am F |"),  # two a bar
    ({"Keys": block([C, F, G, C], [3, 3, 2, 4])}, (4, 4), "| C / / F | F G | C |"),  # beat by beat
    ({"Keys": block([AM, DM, E7, AM], [3] * 4)}, (3, 4), "| Am | Dm | E7 | Am |"),
    ({"Keys": [(3 * i, 3 * i + 1, p) for i, c in enumerate([C, F, G, C]) for p in c]}, (3, 4),
     "| C | F | G | C |"),  # a stab on each downbeat: the silent beats keep the chord
    ({"Keys": [(t / 2, t / 2 + 0.5, p) for j, c in enumerate([C, G, AM, F]) for t in range(8 * j, 8 * j + 8)
               for p in c]}, (4, 4), "| C | G | Am | F |"),  # pumping eighths
    ({"Keys": block([[64, 67, 72], [62, 67, 71], [64, 69, 72], [65, 69, 72]], [4] * 4)}, (4, 4),
     "| C | G | Am | F |"),  # inversions
    ({"Keys": [(s + 0.02 * (p % 3), e, p) for s, e, p in block([C, G, AM, F], [4] * 4)]}, (4, 4),
     "| C | G | Am | F |"),  # played by hand: each chord's notes spread over 24 ms
    ({"Keys": block([[64, 67, 72], [62, 67, 71], [64, 69, 72], [65, 69, 72]], [4] * 4),
      "Bass": [(4 * i, 4 * i + 4, p) for i, p in enumerate([36, 43, 45, 41])]}, (4, 4), "| C | G | Am | F |"),
])
def test_block_chords_read_as_symbols(parts, meter, text):
    found = chords_from_midi(midi_file(parts, meter))
    assert found is not None and found.text == text and found.tempo == 100
    assert (found.meter.numerator, found.meter.denominator) == meter


@pytest.mark.parametrize("parts", [
    {"Flute": TUNE, "Keys": block([C, G, AM, F], [4] * 4)},  # a tune over chords: the tune is the melody
    {"Piano": block([C, G, AM, F], [4] * 4) + [(s, e, p + 12) for s, e, p in TUNE]},  # one hand each
    {"Harp": [(i / 2, i / 2 + 0.5, c[i % 3]) for j, c in enumerate([C, G, AM, F]) for i in range(8 * j, 8 * j + 8)]},
])
def test_a_file_with_a_tune_or_broken_chords_is_not_read_as_chords(parts):
    assert chords_from_midi(midi_file(parts)) is None


def test_a_chorale_in_one_part_is_a_tune_not_a_progression():
    """Bach's chorales chordified into one part (a hymn on one piano staff): a chord on every beat, but the top
    voice moves on most of them, so it is the tune to continue."""
    from music21 import corpus, midi

    for name in ("bach/bwv66.6", "bach/bwv269", "bach/bwv1.6"):
        data = midi.translate.streamToMidiFile(corpus.parse(name).chordify()).writestr()
        assert chords_from_midi(data) is None, name


def test_chords_are_named_by_their_tones_and_bass():
    assert chord_name({0: 1, 4: 1, 7: 1, 9: 1}, 9) == (9, "m7")  # A in the bass: Am7
    assert chord_name({0: 1, 4: 1, 7: 1, 9: 1}, 0) == (0, "6")  # C in the bass: C6
    assert chord_name({7: 1, 11: 1, 2: 1, 5: 1}, 7) == (7, "7")
    assert chord_name({9: 1, 0: 1, 4: 1, 2: 0.1}, 9) == (9, "m")  # a short passing D changes nothing
    assert chord_name({0: 1, 7: 1}, 0) == (0, "5")
    assert chord_name({0: 1}, 0) is None


def test_a_long_progression_is_cut_at_the_longest_melody():
    found = chords_from_midi(midi_file({"Keys": block([C, G, AM, F] * 20, [4] * 80)}), max_bars=64)
    assert found is not None and found.bars == 64 and found.left_out == 16


def test_chords_beside_a_tune_are_read_under_it():
    """A songwriter's sketch: a tune, a chords track and a bass. The chords are read from the tune's first bar line:
    a pickup has no chord of its own."""
    from data.midi_chords import chords_under

    bass = [(4 * i, 4 * i + 4, p) for i, p in enumerate([36, 43, 45, 40])]
    sketch = midi_file({"Flute": TUNE, "Keys": block([C, G, AM, C], [4] * 4), "Bass": bass})
    found = chords_under(sketch)
    assert found is not None and found.text == "| C | G | Am | C |" and found.track == 2
    pickup = midi_file({"Voice": [(3, 4, 67)] + [(s + 4, e + 4, p) for s, e, p in TUNE[:12]],
                        "Keys": [(s + 4, e + 4, p) for s, e, p in block([C, F, G], [4] * 3)]})
    assert chords_under(pickup).text == "| C | F | G |"  # from bar 1, not the pickup's bar
    assert chords_under(midi_file({"Flute": TUNE, "Bass": bass})) is None  # no part plays chords
    assert chords_under(midi_file({"Keys": block([C, G], [4, 4])})) is None  # chords and no tune


def test_chords_voiced_above_a_sung_line_leave_the_line_the_tune():
    """A sketch whose piano chords sit above a low vocal line (a baritone's, octave 3): the line is the melody and
    the chords are under it, not a file of chords whose top voice is the tune; a bass below chords is still a bass."""
    from data.midi import seed_from_midi
    from data.midi_chords import chords_under

    voice = [(s, e, p - 24) for s, e, p in TUNE]  # C3 to G3
    sketch = midi_file({"Piano": block([C, G, AM, F], [4] * 4), "Voice": voice})
    assert chords_from_midi(sketch) is None
    assert [n.pitch for n in seed_from_midi(sketch).notes if n.pitch][:4] == [48, 50, 52, 53]
    assert chords_under(sketch).text == "| C | G | Am | F |"
    bass = [(4 * i, 4 * i + 4, p) for i, p in enumerate([36, 43, 45, 41])]
    assert chords_from_midi(midi_file({"Keys": block([C, G, AM, F], [4] * 4), "Bass": bass})).text == (
        "| C | G | Am | F |")


def test_a_lead_sheets_chord_symbols_are_its_chords():
    """A MusicXML lead sheet has no chord part, only symbols over the tune (`<harmony>`, as MuseScore and my own
    replies write them): they are its chords, bar by bar from the tune's first bar line, slash basses and all."""
    from data.events import Key, Melody, Meter, Note
    from data.midi_chords import chords_under
    from data.theory import melody_to_musicxml_with_chords

    tune = Melody(tuple(Note(p, 12) for p in [64, 62, 60, 62, 64, 64, 64, 62, 62, 62, 64, 67, 64, 62, 60, 60]),
                  Key(0), Meter(), 100)
    sheet = melody_to_musicxml_with_chords(tune, [(0, "C"), (48, "G7/B"), (96, "Am"), (120, "F"), (144, "Bbmaj7")])
    found = chords_under(sheet)
    assert found is not None and found.track == 0 and found.text == "| C | G7/B | Am F | A#maj7 |"  # sharps: the
    # caller spells them in the key
    assert chords_under(melody_to_musicxml_with_chords(tune, [])) is None
