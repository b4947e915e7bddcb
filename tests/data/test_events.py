import pytest

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note, decode_notes, encode_notes


@pytest.mark.parametrize(
    ("text", "tonic", "mode", "name"),
    [("C", 0, "major", "C"), ("F# minor", 6, "minor", "F#"), ("Bbm", 10, "minor", "Bb"),
     ("D dorian", 2, "dorian", "D"), ("a aeolian", 9, "minor", "A"), ("Eb major", 3, "major", "Eb"),
     ("E-flat major", 3, "major", "Eb"), ("F sharp minor", 6, "minor", "F#"), ("B flat", 10, "major", "Bb"),
     ("D mixo", 2, "mixolydian", "D"), ("E phryg", 4, "phrygian", "E"), ("A aeol", 9, "minor", "A"),
     ("G min.", 7, "minor", "G"), ("C major scale", 0, "major", "C"), ("key of G", 7, "major", "G"),
     ("the key of F# minor", 6, "minor", "F#"), ("D dorian mode", 2, "dorian", "D"),
     ("A harmonic minor", 9, "minor", "A"), ("C natural minor", 0, "minor", "C"),
     ("A minor pentatonic", 9, "minor", "A"),
     ("G major pentatonic", 7, "major", "G"), ("E b minor", 3, "minor", "Eb"), ("C-major", 0, "major", "C"),
     ("Es dur", 3, "major", "Eb"), ("As-Dur", 8, "major", "Ab"), ("fis moll", 6, "minor", "F#"),
     ("Cs", 1, "major", "C#"), ("h-moll", 11, "minor", "B"), ("H minor", 11, "minor", "B"),
     ("H-Dur", 11, "major", "B"),
     # past seven sharps or flats, as musicians write them (a G# major reply was titled so, its notes in Ab)
     ("G# major", 8, "major", "Ab"), ("D# major", 3, "major", "Eb"), ("Db minor", 1, "minor", "C#"),
     ("Fb major", 4, "major", "E"), ("G# lydian", 8, "lydian", "Ab"), ("A# minor", 10, "minor", "A#"),
     ("C# major", 1, "major", "C#"), ("Cb major", 11, "major", "Cb"), ("G# mixolydian", 8, "mixolydian", "G#")],
)
def test_keys_parse_from_what_musicians_type(text, tonic, mode, name):
    key = Key.parse(text)
    assert (key.tonic, key.mode, key.name) == (tonic, mode, name)


@pytest.mark.parametrize(("text", "meter"), [("6/8", (6, 8)), ("6-8", (6, 8)), ("3 4", (3, 4)), ("6:8", (6, 8)),
                                             ("C", (4, 4)), ("common time", (4, 4)), ("Cut  Time", (2, 2)),
                                             ("alla breve", (2, 2)), ("¾", (3, 4)), ("3/4 time", (3, 4)),
                                             ("waltz", (3, 4)), ("Slip Jig", (9, 8)), ("jig time", (6, 8)),
                                             ("march", (2, 4))])
def test_meters_parse_from_what_musicians_type(text, meter):
    parsed = Meter.parse(text)
    assert (parsed.numerator, parsed.denominator) == meter


@pytest.mark.parametrize(("bad", "why"), [("4", ""), ("time", ""), ("tango", ""), ("4/3", "lower number"),
                                          ("13/8", "upper")])
def test_bad_meters_say_what_to_type(bad, why):
    with pytest.raises(MusicError, match="`6/8`") as info:
        Meter.parse(bad)
    assert why in str(info.value)


def test_modes_share_their_parent_scale_and_move_to_c():
    assert Key.parse("D dorian").scale == Key.parse("C major").scale
    assert Key.parse("D dorian").transpose_to_c == 0
    assert Key.parse("G major").transpose_to_c == 5  # G -> C is a fourth up (smallest move)
    assert Key.parse("E minor").transpose_to_c == 5  # parent G major -> C
    assert Key.parse("A minor").stable == frozenset({9, 0, 4})
    assert Key.parse("D dorian").stable == frozenset({2, 5, 9})


@pytest.mark.parametrize("bad", ["J major", "C blues", "", "do major", "D mi", "C scale of"])
def test_bad_keys_say_what_to_type(bad):
    with pytest.raises(MusicError, match="`"):
        Key.parse(bad)


@pytest.mark.parametrize(("typed", "named", "suggested"), [
    ("C blues", "'blues'", "`C dorian`"), ("Bb blues", "'blues'", "`Bb mixolydian`"),
    ("A pentatonic", "'pentatonic'", "`A minor`"), ("G lydain", "'lydain'", "`D dorian`")])
def test_an_unknown_mode_is_named_as_typed_with_the_nearest_modes(typed, named, suggested):
    """"C blues" is C and a word, not C-flat and "lues"."""
    with pytest.raises(MusicError) as info:
        Key.parse(typed)
    assert named in str(info.value) and suggested in str(info.value)


def test_meters():
    assert Meter.parse("6/8").bar_ticks == 36
    assert Meter.parse("3/4").bar_ticks == 36
    assert Meter.parse(" 4/4 ").bar_ticks == 48
    for bad in ["4/5", "x", "0/4", "13/8"]:
        with pytest.raises(MusicError):
            Meter.parse(bad)


def test_encoding_inserts_bar_lines_and_decodes_back():
    notes = [Note(60, 12), Note(62, 12), Note(64, 24), Note(None, 12), Note(67, 36)]
    tokens = encode_notes(notes, bar_ticks=48)
    assert tokens == ["p60", "d12", "p62", "d12", "p64", "d24", "|", "r", "d12", "p67", "d36", "|"]
    assert decode_notes(tokens) == notes


def test_melody_length_in_bars():
    melody = Melody((Note(60, 48), Note(62, 12)), meter=Meter(4, 4))
    assert melody.bars == 2
    assert melody.onsets() == [0, 48]
