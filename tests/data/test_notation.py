import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import MusicError
from data.events import Meter, Note
from data.notation import MAX_SEED_NOTES, format_notes, parse_seed


def pitches(text: str) -> list[int | None]:
    return [n.pitch for n in parse_seed(text).notes]


def test_relative_octaves_pick_the_nearest_note():
    assert pitches("C E G") == [60, 64, 67]
    assert pitches("C B") == [60, 59]  # B below, not a major seventh up
    assert pitches("G C") == [67, 72]
    assert pitches("A B C") == [69, 71, 72]


def test_explicit_octaves_accidentals_and_lilypond_marks():
    assert pitches("C5 Eb F#3 Bb") == [72, 75, 54, 58]
    assert pitches("C C' C") == [60, 72, 72]
    assert pitches("c# db") == [61, 61]


def test_solfege_midi_numbers_and_rests():
    assert pitches("do re mi fa sol la ti do") == [60, 62, 64, 65, 67, 69, 71, 72]
    assert pitches("60 64 67") == [60, 64, 67]
    assert pitches("C R E rest G") == [60, None, 64, None, 67]


def test_durations_persist_and_dots_apply_to_one_note():
    notes = parse_seed("C4:q D4:e E4 G4:h. A:8 B.").notes
    assert [n.ticks for n in notes] == [12, 6, 6, 36, 6, 9]
    assert [n.ticks for n in parse_seed("C:16 D:2 E:8t").notes] == [3, 24, 4]


def test_typed_tokens_are_kept_exactly_and_bar_lines_ignored():
    seed = parse_seed("  C4:q  D  | e ")
    assert seed.text == "C4:q D | e"
    assert len(seed.notes) == 3


def test_bar_lines_typed_against_notes_are_bar_lines():
    seed = parse_seed("G|C E G C|D ||E")
    assert seed.typed == ("G", "|", "C", "E", "G", "C", "|", "D", "||", "E")
    assert pitches("G|C E G C|D") == pitches("G | C E G C | D")


def test_a_pattern_that_climbs_off_the_piano_is_explained():
    with pytest.raises(MusicError) as info:  # after a typed octave each letter is the nearest pitch: it climbs
        parse_seed(" ".join(["C4 E G", *["C E G"] * 11]))
    assert "climbing" in str(info.value) and "`C4 E G C | C4 E G C`" in str(info.value)
    assert len(parse_seed(" | ".join(["C4 E G C"] * 8)).notes) == 32  # the fix the message suggests works
    assert max(pitches(" ".join(["C E G"] * 12))) - min(pitches(" ".join(["C E G"] * 12))) == 7  # no octave typed


def test_letters_without_octaves_keep_a_tune_in_one_register():
    """Twinkle typed as letters fell a fourth a phrase (each letter the nearest pitch to the one before), from C6 to
    C3 after the move into range. The octaves are now chosen for the whole tune: it reads as it is sung."""
    twinkle = "C C G G | A A G:h | F F E E | D D C:h | G G F F | E E D:h | G G F F | E E D:h | C C G G | A A G:h"
    assert pitches(twinkle)[:8] == [60, 60, 67, 67, 69, 69, 67, 65] and max(pitches(twinkle)) - min(
        pitches(twinkle)) == 9
    assert pitches("D G B G B A G E D") == [62, 67, 71, 67, 71, 69, 67, 64, 62]  # Amazing Grace, not a drift
    assert pitches("E E F G G F E D C C D E E D D") == [64, 64, 65, 67, 67, 65, 64, 62, 60, 60, 62, 64, 64, 62, 62]
    scale = pitches("C D E F G A B C D E F G A B C")  # steps are always the near way: a long scale never breaks
    assert [b - a for a, b in itertools.pairwise(scale)] == [2, 2, 1, 2, 2, 2, 1] * 2
    assert pitches("C E G") == [60, 64, 67] and pitches("C E G C") == [60, 64, 67, 72]
    # its first phrase alone (14 letters, no drift) fell a fourth too: C4 C4 G3 G3, moved up to C5 C5 G4 G4
    assert pitches("C C G G A A G:h F F E E D D C:h") == [60, 60, 67, 67, 69, 69, 67, 65, 65, 64, 64, 62, 62, 60]
    assert pitches("G | C E G C") == [67, 72, 76, 79, 84]  # a short seed keeps its nearest octaves: it rises
    # a tune's pickup still rises into its first bar: `D | G B d` is sol-do, not a fifth down (the phrase alone
    # read D4 | G3 B3 D4: the register pulled the whole tune under its pickup)
    jig = pitches("D:e | G:q B:e d:q B:e | c:q A:e F#:q A:e | G:q B:e d:q g:e | f#:e d c A:q. | G:q. G:q")
    assert jig[:4] == [62, 67, 71, 74] and jig[-1] == 67


def test_letters_are_moved_into_a_singable_range_with_their_contour():
    """Typed without any octave, the notes move by octaves into F3-C6 and keep their shape; with octaves typed, they
    stay where typed, each letter after one the nearest pitch to the note before."""
    arpeggios = pitches("G | C E G C | D F A D | E:h C:h")
    assert max(arpeggios) <= 84 and min(arpeggios) >= 53 and max(arpeggios) - min(arpeggios) <= 19
    assert pitches("G4 | C E G C | D F A D")[-1] == 98  # D7: the nearest pitch every time from a typed G4
    assert pitches("A B C D E F G A B C D") == pitches("A3 B C D E F G A B C D")
    assert pitches("C B A G F E D C B A G") == pitches("C5 B A G F E D C B A G")  # a long descent moves up
    # the reply's continuation pasted after the seed keeps the seed where it was
    assert pitches("G | C E G C | D F A D ➜ E6:q C6:q")[:9] == pitches("G | C E G C | D F A D")


def test_kana_accents_and_parentheses_read_as_notes():
    assert pitches("ド レ ミ ファ ソ") == pitches("ドレミファソ") == pitches("do re mi fa so")
    assert pitches("Do Ré Mi") == pitches("do re mi")
    assert pitches("(C E G)") == pitches("C E G")


@pytest.mark.parametrize(("text", "needle", "fix"), [
    ("CEG", "put a space between notes, `C E G`", "C E G"), ("C-E-G", "`C E G`", "C E G"),
    ("C4-E4-G4", "`C4 E4 G4`", "C4 E4 G4"), ("C/E/G", "`C E G`", "C E G"), ("AbCEb", "`Ab C Eb`", "Ab C Eb"),
    ("cab", "`c a b`", "c a b"), ("E F G:q~G:q", "a tie is one longer note here, e.g. `G:h`", "E F G:h"),
    ("E F G4~ G4", "`G:h` for `G:q~ G:q`", "E F G4:h"),
    ("c'' d'' e''", "Mark only the first, `c'' d e`", "c'' d e"),
    ("H A G", "the German H, type `B`", "B A G"), ("h4 a g", "e.g. `B4`", "B4 A G"),
    ("E ♯F G", "after the letter, `F#`", "E F# G"), ("E #F4 G", "`F#4`", "E F#4 G"),
    ("C4q D4e E4h", "put a colon before its length, `C4:q`", "C4:q D4:e E4:h"),
    ("C E G :h", "`:h` is a length with no note: write it right after the note, with no space, e.g. `G:h`",
     "C E G:h"),
    ("C4 D4 Eb5h.", "`Eb5:h.`", "C4 D4 Eb5:h."), ("Es G B", "the German name, type `Eb`", "Eb G B"),
    ("C major scale", "names a key or scale, not a note", "C D E"),
    ("twinkle twinkle star", "`twinkle` is a word, not a note", "C C G"),
    ("[CEG] D", "a melody plays one note at a time: type them one after another, `C E G`", "C E G"),
    ("[C4Eb4G4]:h", "`C4 Eb4 G4`. To put chords under a tune, use", "C4 Eb4 G4"),
])
def test_notes_run_together_marked_twice_or_named_otherwise_get_a_fix_to_type(text, needle, fix):
    with pytest.raises(MusicError) as info:
        parse_seed(text)
    assert needle in str(info.value)
    assert len(parse_seed(fix).notes) == 3  # the fix it shows reads


@pytest.mark.parametrize(("symbol", "tones"), [
    ("Am", "A C E"), ("Gm7", "G Bb D F"), ("F#m", "F# A C#"), ("Bbmaj7", "Bb D F A"), ("Bdim", "B D F"),
    ("Cmaj7", "C E G B"), ("C7sus4", "C F G Bb"), ("Cadd9", "C E G D"), ("Ebm7b5", "Eb Gb Bbb Db"),
    ("F#dim7", "F# A C Eb"), ("Abm", "Ab Cb Eb"),
])
def test_chord_symbols_get_their_notes_as_an_example(symbol, tones):
    """Every note of the chord, spelled as a musician spells it (`Cmaj7` once said `C E G`)."""
    with pytest.raises(MusicError) as info:
        parse_seed(f"C4 D4 {symbol} E4:h")
    assert "chord symbol" in str(info.value) and f"`{tones}` for `{symbol}`" in str(info.value)
    assert pitches(tones)  # the example reads as notes


@pytest.mark.parametrize("typed", ["Am F C G", "| C | G7 | Am F |", "Dm7 G7 Cmaj7"])
def test_a_progression_typed_for_a_tune_says_how_to_write_one_over_it(typed):
    """Chords where a tune is needed (`/arrange notes:"Am F C G"`): the way to a tune over them, and their notes."""
    with pytest.raises(MusicError) as info:
        parse_seed(typed)
    said = str(info.value)
    assert "reads as chords" in said and f"melody(chords={typed})" in said and "` for `" in said


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("| |", "empty"),
        ("C X G", "`X`"),
        ("C:z", "duration"),
        ("C9", "piano"),
        ("200", "MIDI"),
        (" ".join(["C"] * (MAX_SEED_NOTES + 1)), "more than"),
    ],
)
def test_bad_input_names_the_problem_and_shows_an_example(text, needle):
    with pytest.raises(MusicError) as info:
        parse_seed(text)
    message = str(info.value)
    assert needle in message
    assert "`" in message  # every message shows something to type


def test_formatted_notes_parse_back_to_the_same_notes():
    notes = [Note(67, 6), Note(69, 6), Note(71, 12), Note(None, 24), Note(72, 48)]
    text = format_notes(notes, bar_ticks=48)
    assert text == "G4:e A4:e B4:q R:h | C5:w |"
    assert parse_seed(text).notes == tuple(notes)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_melody_or_a_clear_error(text):
    try:
        seed = parse_seed(text)
    except MusicError as exc:
        assert str(exc) and "`" in str(exc)
    else:
        assert seed.notes
        assert all(n.ticks > 0 for n in seed.notes)
        assert all(n.pitch is None or 0 <= n.pitch <= 127 for n in seed.notes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["C", "D#", "Eb5", "fa", "R", "62", "G:e", "A.", "B:h.", "|"]), min_size=1,
                max_size=20))
def test_note_like_text_always_parses(tokens):
    """Every note is read, or the reply says the notes climbed off the piano (letters without octaves go to the
    nearest pitch, so B fa C G D# A D# climbs a tritone or a fifth at a time) and how to stop it."""
    if all(t == "|" for t in tokens):
        return
    try:
        seed = parse_seed(" ".join(tokens))
    except MusicError as exc:
        assert "outside the piano's range" in str(exc) and "Give the octave" in str(exc)
        return
    assert len(seed.notes) == sum(t != "|" for t in tokens)


def test_a_natural_sign_and_a_trailing_ellipsis_read_as_musicians_mean_them():
    """`A♮` is A (it was "I don't know the note"); `C E G ...` or `C E G…` ("and go on") is C E G."""
    assert [n.pitch for n in parse_seed("F# G A♮ B").notes] == [66, 67, 69, 71]
    for text in ("C E G ...", "C E G…", "C E G …"):
        assert parse_seed(text).typed == ("C", "E", "G")
    assert [n.ticks for n in parse_seed("C:q.. D").notes] == [21, 21]  # two dots stay a double dot


def test_abcs_low_octave_comma_before_a_length_is_explained():
    """`C:h B,:h` (ABC's B, in letter notation) was "`:h` is a length with no note"; commas still separate notes."""
    with pytest.raises(MusicError, match=r"`B,:h`: a comma separates notes .* `B3:h`, or `B:h` for the nearest B"):
        parse_seed("C:h B,:h")
    assert [n.pitch for n in parse_seed("C, D, E,").notes] == [60, 62, 64]
    assert [n.pitch for n in parse_seed("C:q, D:h, E").notes] == [60, 62, 64]


def test_odd_lengths_print_as_sums_of_lengths_that_read_back():
    """A note held over a bar line for a length with no one name (a waltz's five quarters) was `G4:5/1`; it is
    written as the lengths a musician ties, `G4:w+q`, and a fraction only where no three lengths add up to it."""
    notes = [Note(60, 96), Note(62, 15), Note(64, 60), Note(65, 54), Note(67, 1)]
    text = format_notes(notes, bar_ticks=48)
    assert text == "C4:w.+h | D4:q+s E4:w+q | F4:w+e | G4:1/12"
    assert parse_seed(text).notes == tuple(notes)
    assert [n.ticks for n in parse_seed("G:h.+h A:q+e.").notes] == [60, 21]
    assert [n.ticks for n in parse_seed("C:8 D:5/4").notes] == [6, 15]  # `8` alone stays an eighth


def test_a_tune_that_marks_only_its_long_notes_keeps_quarters_after_them():
    """`C C G G A A G:h F F E E D D C:h` (Twinkle as most people type it) held F F E E D D as halves: a length
    carries on, so the second phrase ran at half speed and /analyze counted 6 bars. A tune whose first note has
    no length marks only its long ones: after a half the bare notes are quarters again. Typed from the start with a
    length, lengths still carry on (`C:h D E F`, LilyPond's way), and runs of eighths stay eighths."""
    def ticks(text: str) -> list[int]:
        return [n.ticks for n in parse_seed(text).notes]

    assert ticks("C C G G A A G:h F F E E D D C:h") == [12] * 6 + [24] + [12] * 6 + [24]
    assert ticks("C:h D E F") == [24] * 4
    assert ticks("C D:e E F G") == [12, 6, 6, 6, 6]
    assert ticks("E D C D E E E:h D D D:h") == [12] * 6 + [24, 12, 12, 24]


def test_x2_plays_the_notes_before_it_again():
    """Chord charts and tabs write `x2`: `C E G x2` was "I don't know the note `x2`"."""
    assert parse_seed("C E G x2").typed == ("C", "E", "G") * 2
    assert parse_seed("C E G ×3").typed == ("C", "E", "G") * 3
    barred = parse_seed("| C E G C | x2 D E F G", meter=Meter(4, 4))
    assert barred.typed == ("|", "C", "E", "G", "C", "|", "C", "E", "G", "C", "|", "D", "E", "F", "G")
    assert [n.pitch for n in parse_seed("C D | E F x2").notes] == [60, 62, 64, 65, 64, 65]  # since the bar line
    line = parse_seed("| C E G C | D E F G | x2 C:w", meter=Meter(4, 4))  # after a bar line: the line so far
    assert line.typed == ("|", *"CEGC", "|", *"DEFG", "|", *"CEGC", "|", *"DEFG", "|", "C:w")
    assert [n.pitch for n in parse_seed("1=D 1 2 3 x2").notes] == [62, 64, 66] * 2  # jianpu too
    with pytest.raises(MusicError, match="repeats the notes before it, and there are none"):
        parse_seed("x2 C E G")
