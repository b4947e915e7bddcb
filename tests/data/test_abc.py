"""ABC notation read into letter notation and notes, and melodies written back as ABC tunes."""

from __future__ import annotations

import random

import pytest

from data.abc import is_abc, read_abc
from data.abc_write import melody_abc
from data.errors import MusicError
from data.events import DURATIONS, Key, Melody, Meter, Note
from data.notation import parse_seed

KESH = """X:1
T:The Kesh
M:6/8
L:1/8
Q:3/8=120
K:G
|:GAG GAB|ABA ABd|edd gdd|edB dBA:|
w: words are skipped
"""
COOLEYS = "X:1 T:Cooley's M:4/4 L:1/8 R:reel K:Emin |:D2|EB{c}BA B2 EB|~B2 AB dBAG|FDAD BDAD|FDAD dAFD|"


def notes_of(text: str) -> list[tuple[int | None, int]]:
    return [(n.pitch, n.ticks) for n in parse_seed(text, max_notes=1000).notes]


def test_a_tune_pasted_on_many_lines_gives_its_notes_key_meter_tempo_and_title():
    tune = read_abc(KESH)
    assert (str(tune.key), str(tune.meter), tune.tempo, tune.title) == ("G major", "6/8", 120, "The Kesh")
    assert tune.notes.startswith("G4:e A4:e G4:e G4:e A4:e B4:e | A4:e B4:e A4:e")
    assert len(notes_of(KESH)) == 48 and {t for _, t in notes_of(KESH)} == {6}  # four bars of six eighths, twice



def test_line_breaks_typed_as_backslash_n_are_line_breaks():
    """ABC copied out of a string (`X:1\\nK:G\\nGABc dedB`) lost its key and its first bar: `K:G\\nGABc` read as
    one field."""
    for breaks in ("\n", "\\n", "\\r\\n"):
        tune = read_abc(breaks.join(("X:1", "M:4/4", "K:G", "GABc dedB")))
        assert (str(tune.key), tune.notes) == ("G major", "G4:e A4:e B4:e C5:e D5:e E5:e D5:e B4:e"), breaks

def test_a_tune_on_one_line_with_a_pickup_grace_notes_decorations_and_repeats():
    tune = read_abc(COOLEYS)
    assert (str(tune.key), str(tune.meter), tune.title) == ("E minor", "4/4", "Cooley's")
    assert notes_of(COOLEYS)[:5] == [(62, 12), (64, 6), (71, 6), (71, 6), (69, 6)]  # D2 | E B {c} B A
    seed = parse_seed(COOLEYS, meter=Meter.parse("4/4"))
    assert seed.pickup == 12 and seed.abc  # the short first bar is a pickup
    assert 66 in [p for p, _ in notes_of(COOLEYS)]  # F is F# in E minor


def test_accidentals_last_to_the_bar_line_and_the_key_signature_applies():
    # K:D (F# C#): ^G holds for the next G in the bar, =F is F natural, a new bar forgets both
    assert [p for p, _ in notes_of("X:1 K:D ^G G =F F | G F c |")] == [68, 68, 65, 65, 67, 66, 73]
    assert [p for p, _ in notes_of("X:1 K:F B _B, ^^C __E |")] == [70, 58, 62, 62]
    assert read_abc("X:1 K:F ^c |").notes == "C#5:e"  # spelled as typed, not as the key would
    assert [p for p, _ in notes_of("X:1 K:C C, c c' C,, |")] == [48, 72, 84, 36]


@pytest.mark.parametrize(("body", "expected"), [
    ("A A2 A/2 A/ A3 A3/2", [6, 12, 3, 3, 18, 9]),  # L:1/8 is 6 ticks: lengths multiply it
    ("A>B c<d", [9, 3, 3, 9]),  # broken rhythm
    ("(3ABc d", [4, 4, 4, 6]),  # three in the time of two
    ("A2- | A B", [18, 6]),  # a tie over a bar line is one note
    ("[CEG]2 z [ce]", [12, 6, 6]),  # a chord is its top note
])
def test_lengths_ties_tuplets_and_chords(body, expected):
    read = notes_of(f"X:1 L:1/8 K:C {body}|")
    assert [t for _, t in read] == expected
    if "[CEG]" in body:
        assert [p for p, _ in read] == [67, None, 76]


def test_a_body_without_its_header_is_read_as_abc_only_where_letters_cannot_read_it():
    seed = parse_seed("GABc dedB|dedB dedB|")
    assert seed.abc and [n.ticks for n in seed.notes] == [6] * 16 and seed.notes[3].pitch == 72
    assert not parse_seed("Ab Bb | C").abc and [n.pitch for n in parse_seed("Ab Bb | C").notes] == [68, 70, 72]
    with pytest.raises(MusicError, match="put a space between notes"):
        parse_seed("CEG")  # no bar line: a typo of letters, not a tune
    assert not is_abc("C:q E:h G") and not is_abc("1=D 1 2 3")


@pytest.mark.parametrize(("text", "needle"), [
    ("X:1 K:H GAB|", "`K:H`"), ("X:1 M:7/9 K:G GAB|", "`M:7/9`"), ("X:1 L:x K:G A|", "`L:x`"),
    ("X:1 T:Only a header K:G", "no notes"), ("X:1 K:G G & A|", "`&` is not ABC"),
    ("X:1 K:G [GB |", "never closes"), ("X:1 K:G Z2 |", "`M:4/4`"),
])
def test_bad_abc_says_what_is_wrong_and_what_to_type(text, needle):
    with pytest.raises(MusicError) as info:
        parse_seed(text)
    said = str(info.value)
    assert needle in said and ("e.g. `X:1" in said or "Write it like" in said)  # and what to type instead


def test_repeats_and_endings_are_played_as_written():
    played = [(p, 6) for p in (60, 62, 64, 65, 60, 62, 67, 69)]  # C D E F, C D G A
    assert notes_of("X:1 K:C |:C D|[1 E F:|[2 G A|]") == played
    assert notes_of("X:1 K:C |:C D|1 E F:|2 G A||") == played
    played = [p for p, _ in notes_of("X:1 K:C C D:|E F::G A:|B c|")]
    assert played == [60, 62] * 2 + [64, 65] * 2 + [67, 69] * 2 + [71, 72]


def test_whole_bar_rests_and_a_long_tune_read_to_a_bar_line():
    assert notes_of("X:1 M:3/4 K:C Z2 | C6 |") == [(None, 36), (None, 36), (60, 36)]  # a rest a bar
    tune = read_abc("X:1 M:2/4 L:1/8 K:C " + "CDEF|" * 20, max_notes=30)
    assert tune.notes.count("|") == 6 and len(parse_seed(tune.notes).notes) == 28  # 7 bars of 4: to a bar line
    assert tune.cut == "The tune has 80 notes as played; I read the first 28."
    two_parts = "X:1 M:2/4 L:1/8 K:C |:CDEF|GABc:||:cBAG|FEDC:|"  # 32 notes as played
    cut = read_abc(two_parts, max_notes=20)  # 20 would end a bar inside the B part; the A part twice is 16
    assert cut.notes.count("C4:e") == 2 and cut.notes.endswith("C5:e") and cut.cut.endswith("the first 16.")


def test_only_the_first_voice_of_a_tune_in_parts_is_read():
    tune = "X:1\nM:2/4\nK:G\nV:1\nGA Bc|\nV:2\nB,C DE|\nV:1\ndc BA|"
    assert [p for p, _ in notes_of(tune)] == [67, 69, 71, 72]
    assert [p for p, _ in notes_of("X:1 K:G [V:S] GA Bc|[V:A] B,C DE|")] == [67, 69, 71, 72]


def test_a_tune_without_a_meter_gets_the_one_its_bars_measure():
    assert str(read_abc("X:1 K:C CDEF | GABc |]").meter) == "2/4"
    assert str(read_abc("X:1 K:C E | A2 B c2 d | e4 |").meter) == "3/4"  # a pickup and a short last bar aside
    assert read_abc("X:1 K:C CDEF | GA |]").meter is None  # bars of two lengths: no meter to say


@pytest.mark.parametrize("text", ["X:1\nK:D\nM:6/8\nQ:3/8=100\nA|dfa agf|e2d", "X:1 K:D M:6/8 Q:3/8=100 A|dfa agf|e2d",
                                  "X:1\nM:4/4\nK:D\nM:6/8\nQ:3/8=100\nA|dfa agf|e2d"])
def test_meter_and_tempo_written_after_the_key_but_before_the_notes_are_the_tunes(text):
    """`K:` ends the header by the standard, but tunes typed by hand put `M:` after it: a jig, not 3/4 bars."""
    tune = read_abc(text)
    assert str(tune.meter) == "6/8" and tune.tempo == 100
    assert tune.notes == "A4:e | D5:e F#5:e A5:e A5:e G5:e F#5:e | E5:q D5:e"


def test_essen_tunes_end_a_full_bar_at_a_line_end_without_a_bar_line():
    essen = "X:1\nM:4/2\nL:1/4\nK:G\nG2 | _B2B2c2c2 | d4d4\nz2d4d2 | d2e2=f2d2 | d4z2\nd2 | d2e2=f2d2 |"
    seed = parse_seed(essen, max_notes=100, meter=Meter.parse("4/2"))
    assert seed.pickup == 24 and seed.text.count("|") == 6  # after d4d4, and d4z2 + d2 join as one bar
    assert notes_of("X:1 M:3/4 K:C Z3 | C6 |")[:3] == [(None, 36)] * 3  # bars of rest, a bar each


def test_32nd_notes_are_rounded_to_the_grid_and_a_run_keeps_its_length():
    tune = read_abc("X:1 M:2/4 L:1/8 K:D d/4e/4f/4g/4 a3/2 z/ A2|")  # four 32nds: 1.5 ticks each
    assert [t for _, t in notes_of(tune.notes)] == [1, 2, 1, 2, 9, 3, 12] and "32nd notes are rounded" in tune.cut


def test_only_the_first_tune_is_read():
    assert read_abc("X:1\nK:G\nGAB|\nX:2\nK:D\ndef|").notes == "G4:e A4:e B4:e"


def merged_rests(notes) -> list[tuple[int | None, int]]:
    out: list[tuple[int | None, int]] = []
    for n in notes:
        if n.pitch is None and out and out[-1][0] is None:
            out[-1] = (None, out[-1][1] + n.ticks)
        else:
            out.append((n.pitch, n.ticks))
    return out


def test_a_melody_written_as_abc_reads_back_note_for_note():
    rng = random.Random(7)
    lengths = [d for d in DURATIONS if d <= 24]
    for _ in range(60):
        key = Key(rng.randrange(12), rng.choice(["major", "minor", "dorian", "mixolydian"]))
        meter = Meter.parse(rng.choice(["4/4", "3/4", "6/8", "2/4", "2/2", "9/8"]))
        notes: list[Note] = []
        while len(notes) < 24:
            if rng.random() < 0.1:  # triplets come in threes
                ticks = rng.choice([4, 8])
                notes += [Note(rng.randrange(48, 90), ticks) for _ in range(3)]
                continue
            notes.append(Note(None if rng.random() < 0.08 else rng.randrange(40, 96), rng.choice(lengths)))
        pickup = rng.choice([0, notes[0].ticks % meter.bar_ticks])  # a pickup ends at the bar line with a note
        melody = Melody(tuple(notes), key, meter, 100, seed_len=3, pickup=pickup)
        abc = melody_abc(melody)
        tune = read_abc(abc)
        assert (tune.key, tune.meter) == (key, meter), abc
        back = parse_seed(abc, max_notes=1000, meter=meter)
        assert merged_rests(back.notes) == merged_rests(notes), abc  # a rest over a bar line is two rests
        assert back.pickup == pickup, abc


def test_words_go_under_each_line_of_music_a_syllable_a_note():
    notes = parse_seed("C D E F | G A B c | c B A G | F E D C | E:w").notes  # five bars: two lines of music
    syllables = ["twin-", "kle", "twin-", "kle", "lit-", "tle", "star", None, "how", "I", "won-", "der", "what", "you",
                 "are", "so", "high"]
    abc = melody_abc(Melody(notes, Key(0), Meter(), 100), lyrics=syllables)
    assert abc.splitlines()[5:] == ["C2 D2 E2 F2 | G2 A2 B2 c2 | c2 B2 A2 G2 | F2 E2 D2 C2 |",
                                    "w: twin-kle twin-kle lit-tle star * how I won-der what you are so",
                                    "E8 |]", "w: high"]
    assert [n.pitch for n in parse_seed(abc).notes] == [n.pitch for n in notes]  # the words are skipped on reading


def test_what_an_abc_tune_looks_like():
    notes = parse_seed("A4:e | D5:e F#5:e A5:e A5:q F#5:e | E5:et F#5:et G5:et B5:e A5:q. | D5:h.").notes
    melody = Melody(notes, Key.parse("D major"), Meter.parse("6/8"), 110, seed_len=4, pickup=6)
    assert melody_abc(melody, "Test") == (  # beamed by the beat, the first note the model wrote marked
        "X:1\nT:Test\nM:6/8\nL:1/8\nQ:3/8=110\nK:D\n"
        "A | dfa \"^➜\"a2f | (3efgb a3 | d6 |]")


def test_a_tune_with_a_pickup_ends_with_its_short_bar():
    seed = parse_seed("X:1 M:6/8 K:G D|GAG GAB|dBG G2:|", meter=Meter.parse("6/8"))
    assert seed.pickup == 6 and seed.ticks == 2 * (6 + 36 + 30)  # the last bar and the pickup make a bar
    assert notes_of("X:1 M:6/8 K:G D|GAG GAB|dBG G2:|")[7:11] == [(74, 6), (71, 6), (67, 6), (67, 12)]


def test_a_pickup_after_a_full_bar_takes_its_time_from_that_bars_last_note():
    tune = read_abc("X:1 M:6/8 L:1/8 K:G GAG GAB|dBG G3|| B|dBG AGE|")  # played dBG G2 B | dBG AGE
    assert tune.notes.endswith("D5:e B4:e G4:e G4:q B4:e || D5:e B4:e G4:e A4:e G4:e E4:e")


def test_a_long_tune_with_chords_is_cut_at_a_bar_line_not_at_a_chord_symbol():
    tune = read_abc('X:1 M:2/4 L:1/8 K:C CDEF | GABc | "G"de "C"fg | FEDC |', max_notes=10)
    assert tune.notes.endswith("B4:e C5:e") and tune.cut.endswith("I read the first 8.")  # not d e of bar 3


def test_a_short_bar_that_the_next_does_not_complete_holds_its_last_note():
    seed = parse_seed("X:1 M:2/4 L:1/8 K:C CDEF|G2|ABcd|", meter=Meter.parse("2/4"))  # G2 is half a bar
    assert [(n.pitch, n.ticks) for n in seed.notes][4:6] == [(67, 24), (69, 6)] and seed.pickup == 0
