"""Notes spelled as a musician spells them in a key: in the note text, the score and the sentences alike."""

from __future__ import annotations

import pytest

from data.events import FLAT_NAMES, SHARP_NAMES, Key, Note
from data.notation import format_notes, parse_seed
from data.pitch_spelling import Speller, as_typed, note_name

MODES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian"]
KEYS = [Key.parse(f"{letter}{accidental} {mode}") for letter in "CDEFGAB" for accidental in ("", "#", "b")
        for mode in MODES]


@pytest.mark.parametrize(("key", "pitches", "names"), [
    ("F# minor", [65, 66, 64], ["E#4", "F#4", "E4"]),  # the leading tone is E#, not F natural
    ("C# minor", [60, 61], ["B#3", "C#4"]),  # B#3 is middle C
    ("F# major", [65], ["E#4"]),  # a scale note with its own letter
    ("A minor", [68, 66, 70], ["G#4", "F#4", "Bb4"]),  # raised 7th and 6th, the flat second
    ("C major", [61, 63, 66, 68, 70], ["C#4", "Eb4", "F#4", "Ab4", "Bb4"]),
    ("G minor", [66, 64], ["F#4", "E4"]),
    ("Bb major", [71, 64], ["B4", "E4"]),  # the raised 4th of a flat key: E natural, not Fb
    ("G# minor", [67], ["G4"]),  # its leading tone would be F double sharp: the plain name instead
])
def test_notes_are_spelled_for_the_key(key, pitches, names):
    assert [note_name(p, Key.parse(key)) for p in pitches] == names


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_each_name_is_a_scale_note_or_one_accidental_from_one(key):
    scale = {pc: note_name(60 + pc, key, octave=False) for pc in key.scale}
    assert len({name[0] for name in scale.values()}) == 7  # seven letters, one per scale note
    for pc in set(range(12)) - set(key.scale):
        name = note_name(60 + pc, key, octave=False)
        assert len(name) <= 2  # never a double sharp or flat
        neighbours = {scale.get((pc - 1) % 12), scale.get((pc + 1) % 12)}
        plain = name in (SHARP_NAMES[pc], FLAT_NAMES[pc])  # where one accidental cannot reach it
        assert any(n and n[0] == name[0] for n in neighbours) or plain, (pc, name)


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_note_text_reads_back_to_the_same_pitches(key):
    pitches = list(range(55, 80))
    text = format_notes([Note(p, 12) for p in pitches], 48, spelling=key)
    assert [n.pitch for n in parse_seed(text).notes] == pitches


@pytest.mark.parametrize("key, typed, named", [
    (Key(1, "major", "Db"), ["C#", "E#", "G#:q"], "C# major"),
    (Key(6, "major", "F#"), ["Gb4", "bb", "Db5:h"], "Gb major"),
    (Key(10, "minor", "Bb"), ["A#", "c#", "E#"], "A# minor"),
    (Key(8, "major", "Ab"), ["G#", "B#", "D#"], "Ab major"),  # G# major: eight sharps, no such signature
    (Key(1, "major", "Db"), ["C#", "Eb"], "Db major"),  # both kinds typed: as it was
    (Key(1, "major", "Db"), ["1", "b7", "#4"], "Db major"),  # jianpu's marks are not letters
    (Key(0, "major", "C"), ["C#", "D"], "C major"),
])
def test_a_guessed_key_is_named_with_the_accidentals_typed(key, typed, named):
    assert str(as_typed(key, typed)) == named


def test_a_sharp_name_writes_sharps_where_its_signature_exists():
    assert not Key(1, "major", "C#").uses_flats and not Key(10, "minor", "A#").uses_flats
    assert Key(8, "major", "G#").uses_flats and Key(1, "major", "Db").uses_flats
    assert Speller.for_key(Key(1, "major", "C#")).name(65) == "E#4"
