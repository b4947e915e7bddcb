"""Jianpu (numbered notation) seeds, and notes written back as jianpu that read the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.bar_lines import check_bars
from data.errors import MusicError
from data.events import DURATIONS, MODE_OFFSET, Key, Melody, Meter, Note
from data.jianpu import EXAMPLE, do_token, is_jianpu, jianpu_notes, melody_jianpu, pin, written_meter
from data.notation import parse_seed, stored_notes
from data.tunes import load_index


def pitches(text: str, key: str | None = None) -> list[int | None]:
    return [n.pitch for n in parse_seed(text, key=Key.parse(key) if key else None).notes]


def ticks(text: str) -> list[int]:
    return [n.ticks for n in parse_seed(text).notes]


def test_degrees_are_read_in_the_key_given_or_c():
    assert pitches("1 2 3 4 5 6 7 1'") == [60, 62, 64, 65, 67, 69, 71, 72]
    assert pitches("1 2 3 5", "D major") == [62, 64, 66, 69]
    assert pitches("1 2 3 5", "G major") == [67, 69, 71, 74]  # the plain octave starts at the 1 in octave 4
    assert pitches("6, 7, 1 2 3", "A minor") == [57, 59, 60, 62, 64]  # 1=C: a minor key counts from its major's 1
    assert pitches("2 3 4 5", "D dorian") == [62, 64, 65, 67]  # D dorian has C's signature: 1=C, 2 its tonic


@pytest.mark.parametrize(("text", "rest", "meter"), [
    ("1=G 6/8 5,_ | 1 3_", "1=G 5,_ | 1 3_", "6/8"),
    ("3/4 1=D 1 2 3", "1=D 1 2 3", "3/4"),  # before the key line too
    ("１＝Ｇ　６／８　５", "1=G 5", "6/8"),  # full-width, as a Chinese keyboard types it
    ("1 2 3/4", "1 2 3/4", None),  # not beside a key line: not a time signature
    ("C:q D:q E:h", "C:q D:q E:h", None),
])
def test_a_time_signature_beside_the_key_line_is_taken_out(text, rest, meter):
    assert written_meter(text) == (rest, meter)


def test_a_key_line_in_the_seed_wins_and_may_change():
    assert pitches("1=D 1 2 3 5") == [62, 64, 66, 69]
    assert pitches("1=D 1 2 3", "F major") == [62, 64, 66]
    assert pitches("1=Bb 1") == pitches("1=bB 1") == pitches("1=♭B 1") == pitches("1=bb 1") == [70]
    assert pitches("1=F# 1") == pitches("1=#f 1") == [66]
    assert pitches("1=C 1 2 | 1=G 1 2") == [60, 62, 67, 69]


def test_octave_marks_in_their_ascii_and_unicode_forms_stack():
    assert pitches("1' 1· 1˙ 1\u0307 1''") == [72, 72, 72, 72, 84]
    assert pitches("1, .1 1\u0323 5,, ..5") == [48, 48, 48, 43, 43]
    assert pitches("#4 b7 ♯1 ♭3 #4' b7,") == [66, 70, 61, 63, 78, 58]


def test_rests_underlines_dots_and_dashes_set_durations():
    assert [(n.pitch, n.ticks) for n in parse_seed("1 0 0_ 2").notes] == [(60, 12), (None, 12), (None, 6), (62, 12)]
    assert ticks("1_ 2__ 3_. 4. 5.. 6\u0332 7\u0333") == [6, 3, 9, 18, 21, 6, 3]
    assert ticks("1 - 2 - - 3 - - - 4-- 5 --") == [24, 36, 48, 36, 36]
    assert ticks("1:et 2:et 3:et 4:h") == [4, 4, 4, 24]
    assert ticks("1 2 3") == [12, 12, 12]  # unlike letter notes, a plain number is always a quarter


def test_bar_lines_pickups_and_notes_held_over_a_bar():
    four, six = Meter(4, 4), Meter(6, 8)
    assert parse_seed("5 | 1 1 5 5 | 6 6 5 -", meter=four).pickup == 12
    assert parse_seed("5,_ | 1. 2_ 3_ 1_", meter=six).pickup == 6
    held = parse_seed("1 2 3 4 | 5 - - - | - 3 2 1", meter=four)  # 5 held over the bar line
    assert [n.ticks for n in held.notes] == [12, 12, 12, 12, 60, 12, 12, 12] and held.pickup == 0
    assert pitches("3 4|5 - - -|") == [64, 65, 67]  # bar lines may touch the notes
    with pytest.raises(MusicError) as error:
        parse_seed("1 2 3 | 4 5 6 7 1' | 2'", meter=four)
    assert "Bar 2" in error.value.message


def test_what_reads_as_jianpu():
    assert is_jianpu("1 2 3 5") and is_jianpu("1=D C4:q") and is_jianpu("5, | 1 - 2_ 3_")
    assert not is_jianpu("60 64 67") and not is_jianpu("C E G") and not is_jianpu("C - E") and not is_jianpu("b3")
    assert pitches("60 64 67") == [60, 64, 67] and pitches("C - E") == [60, None, 64]  # letters keep `-` as a rest
    assert pitches("b3 b4") == [59, 71] and pitches("1=C b3") == [63]  # `b3` alone is the note B3


def test_a_reply_with_a_jianpu_seed_and_letter_notes_after_it_reads_back():
    assert pitches("1=D 1 2 3 E4:q F#4:e | G4 -") == [62, 64, 66, 64, 66, 67]
    assert ticks("1=D 1 2 3 E4:q F#4:e | G4 -") == [12, 12, 12, 12, 6, 18]
    assert [n.pitch for n in stored_notes("1=D 1 2 3 ➜ E4:q A4:h |")] == [62, 64, 66, 64, 69]


@pytest.mark.parametrize(("typed", "names"), [
    ("1 2 8", "`8`"), ("1 2 1#", "`1#`"), ("#b1", "`#b1`"), ("1',", "`1',`"), ("- 1", "`-`"), ("1___", "`1___`"),
    ("1=H 1", "`1=H`"), ("0' 1", "`0'`"), ("1'''''' 1", "`1''''''`"), ("1=D 1 2 /", "`/`"), ("1=D", "no notes"),
    ("1,2,3", "`1,2,3`"),
])
def test_bad_jianpu_names_the_token_and_shows_an_example(typed, names):
    with pytest.raises(MusicError) as error:
        parse_seed(typed)
    assert names in error.value.message and error.value.option == "notes"
    assert f"`{EXAMPLE}`" in error.value.message or "`1'`" in error.value.message
    parse_seed(EXAMPLE, meter=Meter(4, 4))  # the example itself reads


def test_numbers_mixed_with_letters_hint_at_jianpu():
    with pytest.raises(MusicError) as error:
        parse_seed("C4 D4 E4 1")  # mostly letters: the number is the odd one out
    assert "`1`" in error.value.message and "jianpu" in error.value.message


@pytest.mark.parametrize("typed, bad", [("1 2 x", "x"), ("1 2 C", "C"), ("1 2 r 3", "r"), ("1 2 3 5 60", "60")])
def test_mostly_jianpu_names_the_token_that_is_not(typed, bad):
    with pytest.raises(MusicError) as error:  # not "`1` is outside the piano's range" (a MIDI number)
        parse_seed(typed)
    assert f"`{bad}` as numbered notation" in error.value.message and error.value.option == "notes"


def test_full_width_input_method_forms_read_as_ascii():
    typed = parse_seed("１=Ｄ ５， ｜ １ １ ３ ５ ｜ ６ ５ ３ －")  # a Chinese input method in full-width mode
    assert typed.notes == parse_seed("1=D 5, | 1 1 3 5 | 6 5 3 -").notes and typed.jianpu
    assert parse_seed("Ｃ Ｅ Ｇ").notes == parse_seed("C E G").notes


def test_pin_fixes_the_key_jianpu_is_read_in():
    assert pin("1 2 3", Key.parse("E minor")) == "1=G 1 2 3"
    assert pin("1 2 3", Key.parse("Eb major")) == "1=Eb 1 2 3" and pin("1 2 3", None) == "1=C 1 2 3"
    assert pin("1=D 1 2 3", Key.parse("G major")) == "1=D 1 2 3"
    assert pin("C E G", Key.parse("G major")) == "C E G" and pin("", None) == ""


def test_writing_jianpu():
    notes = parse_seed("C4:q D4:e E4:e G4:h A4:e. B4:s C5:h. R:q F#3:q Bb4:h").notes
    assert jianpu_notes(notes, 48) == "1 2_ 3_ 5 - | 6_. 7__ 1' - - | 0 #4, b7 - |"
    assert jianpu_notes(parse_seed("C5:w.").notes, 36, key=Key.parse("F major")) == "5 - - | - - - |"
    assert jianpu_notes(parse_seed("C:5/2 D:5/4").notes, 36) == "1. - 2:q+s |"
    assert [n.ticks for n in parse_seed("1=C 2:q+s").notes] == [15]  # read back
    melody = Melody((*parse_seed("1=D 5, | 1 2 3").notes, Note(66, 24), Note(62, 12)), Key.parse("B minor"),
                    Meter(3, 4), seed_len=4, pickup=12)
    assert melody_jianpu(melody) == "1=D 3/4 5, | 1 2 3 | ➜ 3 - 1 |"  # a meter not 4/4 on the key line
    assert written_meter(melody_jianpu(melody))[1] == "3/4"


def _round_trip(notes: list[Note], key: Key, meter: Meter, start: int = 0) -> None:
    text = f"{do_token(key)} {jianpu_notes(notes, meter.bar_ticks, start, key)}"  # as replies write it
    seed = parse_seed(text, max_notes=10_000)
    assert list(seed.notes) == list(notes), text
    if start == 0:
        check_bars(seed, meter)  # its bar lines fit the meter


def test_corpus_tunes_round_trip_in_many_keys_and_meters():
    tunes = load_index()
    picked = {meter: [t for t in tunes if t.meter == meter][:40] for meter in ("4/4", "3/4", "6/8", "2/4", "9/8")}
    assert all(len(p) == 40 for p in picked.values())
    for meter, group in picked.items():
        for i, tune in enumerate(group):
            mode = list(MODE_OFFSET)[i % len(MODE_OFFSET)]
            shift = (i * 5) % 12 - 5
            key = Key((Key.parse(tune.key).tonic + shift) % 12, mode)
            notes = [Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in tune.notes]
            _round_trip(notes, key, Meter.parse(meter))
            opening = parse_seed(tune.seed, meter=Meter.parse(meter))  # a pickup: bar lines after it
            _round_trip(list(opening.notes), key, Meter.parse(meter), (Meter.parse(meter).bar_ticks - opening.pickup)
                        % Meter.parse(meter).bar_ticks)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(36, 96)), st.sampled_from(DURATIONS)), min_size=1,
                max_size=30), st.integers(0, 11), st.sampled_from(list(MODE_OFFSET)))
def test_any_notes_round_trip(pairs, tonic, mode):
    _round_trip([Note(p, t) for p, t in pairs], Key(tonic, mode), Meter(6, 8))


def test_a_token_that_starts_like_jianpu_but_reads_as_neither_is_a_clear_error():
    with pytest.raises(MusicError, match="I don't know the note `b0<`"):  # was endless recursion (found by hypothesis)
        parse_seed("b0<")
