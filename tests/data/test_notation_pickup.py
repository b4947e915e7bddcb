"""Typed bar lines: a short first bar is a pickup, a full bar is fine, an over-full or short middle bar is an error."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from data.bar_lines import check_bars
from data.errors import MusicError
from data.events import DURATIONS, Meter, Note
from data.notation import continue_text, format_note, format_notes, parse_seed

FOUR, SIX, THREE = Meter(4, 4), Meter(6, 8), Meter(3, 4)


@pytest.mark.parametrize(("text", "meter", "pickup"), [
    ("G | C E G C", FOUR, 12),  # a quarter before the first downbeat
    ("G:e A:e | B:q C D E", FOUR, 12),
    ("G A B | C", FOUR, 36),
    ("D:e | G:q B:e A:q G:e", SIX, 6),
    ("E:q | A A B | C", THREE, 12),  # the last bar may be short: the continuation fills it
    ("G A |", FOUR, 24),
    ("C D E F | G A B C", FOUR, 0),  # a full first bar starts on a downbeat
    ("C D E F G", FOUR, 0),  # no bar lines: a downbeat, unchecked (today's behaviour)
    ("| C D E F G", FOUR, 0),  # a bar line before the first note changes nothing
    ("C:h. D:h | E:q F G:h", FOUR, 0),  # D is held over the bar line (a tie), the bar line typed after it
    ("G | C D E F:h", FOUR, 12),  # the last note may be held into the bar the continuation fills
])
def test_bar_lines_give_the_pickup(text, meter, pickup):
    assert parse_seed(text, meter=meter).pickup == pickup
    assert parse_seed(text).pickup == 0  # without a meter nothing is checked


@pytest.mark.parametrize(("text", "meter", "pickup", "typed"), [
    ("G | C E G C | D:h. |", FOUR, 12, "G | C E G C | D:h."),  # the last bar matches the pickup, as tunes end
    ("C E G C | D:h ||", FOUR, 0, "C E G C | D:h"),
    ("D:e | G:q B:e A:q G:e | G:q. G:q |]", SIX, 6, "D:e | G:q B:e A:q G:e | G:q. G:q"),
])
def test_a_short_last_bar_closed_by_a_bar_line_ends_the_tune(text, meter, pickup, typed):
    """A whole tune typed as written, its short last bar closed: no error, and the seed reads without that bar line
    (a continuation fills the bar, and the reply typed back reads the same)."""
    seed = parse_seed(text, meter=meter)
    assert seed.pickup == pickup and " ".join(seed.typed) == typed
    assert parse_seed(typed, meter=meter).notes == seed.notes


def test_repeat_signs_are_bar_lines():
    """`|: C D E F :|` was "I don't understand the duration in `:`": a repeat sign reads as the bar line it is."""
    seed = parse_seed("G | C E G C :|: D F A D :|", meter=FOUR)
    assert seed.pickup == 12 and len(seed.notes) == 9
    assert parse_seed("|: C4:q D4:q E4:h :|").notes == parse_seed("C4:q D4:q E4:h").notes


def test_a_closing_bar_line_keeps_the_error_of_a_short_bar_before_the_last():
    with pytest.raises(MusicError, match="Bar 2 has 3 beats in 4/4"):
        parse_seed("G | C E G | D:h. |", meter=FOUR)


def test_an_over_full_bar_is_named_with_its_notes_and_a_fix():
    with pytest.raises(MusicError) as info:
        parse_seed("G | C D E F G", meter=FOUR)
    message = str(info.value)
    assert message.startswith("Bar 2 has 5 beats in 4/4: `C D E F G`")
    assert "take a note out or add a bar line" in message and "`C D E F | G`" in message
    assert info.value.option == "notes" and parse_seed(f"G | {info.value.example}", meter=FOUR).pickup == 12


@pytest.mark.parametrize(("text", "meter", "lengths"), [
    # Mary had a little lamb as people type it: after `E:h` the D's would be halves (6 beats in a bar); the bar
    # lines say they are quarters
    ("E D C D | E E E:h | D D D:h | E G G:h", FOUR, [12] * 6 + [24] + [12, 12, 24] + [12, 12, 24]),
    ("E:h F G | A", FOUR, [24, 12, 12, 12]),
    ("G | C:h D | E F G", THREE, [12, 24, 12, 12, 12, 12]),  # after a pickup, in 3/4
    ("C:h D:h | E F", FOUR, [24, 24, 24, 24]),  # the kept length fits: it stays (the last bar may be short)
    # the kept half fits only held over the bar line into a bar that then overflows: the bar lines mean a quarter
    ("G | C E G | B:h G | C:h.", THREE, [12, 12, 12, 12, 24, 12, 36]),
    ("C:h D | E:w", FOUR, [24, 24, 48]),  # the kept half fills the bar exactly: it stays
    # bar by bar: the kept half fills bar 2 (A is a half), and only quarters fill bar 3
    ("A B C5 D5 | E5:h A | G F E D | E:h. A:q", FOUR, [12] * 4 + [24, 24] + [12] * 4 + [36, 12]),
    ("C:e D E F G A B C | D E", FOUR, [6] * 10),  # a run of eighths typed once stays eighths
    # only the lengths that are not quarters typed: after an eighth, the bare C and B are quarters too
    ("C5 C5 D5:q. E5:e | C5 B A:q. E5:e | C5 D5 E5:e D5:e C5:q | B4:h A4:q E5:q", FOUR,
     [12, 12, 18, 6, 12, 12, 18, 6, 12, 12, 6, 6, 12, 24, 12, 12]),
])
def test_notes_without_a_length_are_quarters_when_the_bar_lines_say_so(text, meter, lengths):
    assert [n.ticks for n in parse_seed(text, meter=meter).notes] == lengths


def test_bar_lines_that_fit_neither_reading_keep_the_error():
    with pytest.raises(MusicError, match="Bar 1 has 7 beats in 4/4"):  # as quarters, A would be held over the bar
        parse_seed("C:h G. A | B", meter=FOUR)


@pytest.mark.parametrize(("text", "meter", "message", "fix"), [
    # notes typed without a length keep the one before: whole notes; as quarters the bar after the tie is full
    ("A:w | A A", THREE, "Bar 2 has 9 beats in 3/4: `A A`. A note typed without a length keeps the one before it: "
     "`A A` are `:w` here. For quarter notes write `A:q A:q`.", "A:w | A:q A:q"),
    # three half notes: as quarters too bar 1 is over-full, so it is the mistake
    ("E:h F G | A B C", THREE, "Bar 1 has 6 beats in 3/4: `E:h F G` — take a note out or add a bar line, e.g. "
     "`E:h F | G`. A note typed without a length keeps the one before it: `F G` are `:h` here.", "E:h F | G"),
    # read with F and G as quarters bar 1 is full: the mistake is bar 2, and the error names it
    ("E:h F G | A B C D E", FOUR, "Bar 2 has 5 beats in 4/4: `A B C D E` — take a note out or add a bar line, e.g. "
     "`A B C D | E`.", "E:h F G | A B C D | E"),
    # a run of eighths typed once is meant, and not explained; the bar line goes where it fits
    ("C:e D E F G A B C D E | F", FOUR, "Bar 1 has 5 beats in 4/4: `C:e D E F G A B C D E` — take a note out or add "
     "a bar line, e.g. `C:e D E F G A B C | D E`.", "C:e D E F G A B C | D E"),
    # a tune whose first note has no length marks only its long notes: `A B` after the half are quarters
    ("C D E F G:h A B | C", FOUR, "Bar 1 has 8 beats in 4/4: `C D E F G:h A B` — take a note out or add a bar line, "
     "e.g. `C D E F | G:h A B`.", "C D E F | G:h A B"),
])
def test_an_over_full_bar_says_why_and_the_fix_reads(text, meter, message, fix):
    with pytest.raises(MusicError) as info:
        parse_seed(text, meter=meter)
    assert str(info.value) == message
    assert info.value.example in fix and parse_seed(fix, meter=meter).pickup == 0


def test_a_short_bar_named_where_every_reading_fails_is_the_latest():
    """``A G`` after an eighth are eighths as typed (bar 2 short), quarters in the reading that fills it: bar 3, short
    in every reading, is the mistake."""
    with pytest.raises(MusicError, match=r"^Bar 3 has 3 beats in 4/4: `E4:h G4`"):
        parse_seed("G4 | C5:q. B4:e A4 G4 | E4:h G4 | C5:h. | C5:w", meter=FOUR)


def test_a_short_bar_says_which_notes_kept_a_short_length():
    with pytest.raises(MusicError) as info:
        parse_seed("C:w | D:e E F | G:w", meter=FOUR)
    assert "Bar 2 has 1.5 beats in 4/4" in str(info.value)
    assert "A note typed without a length keeps the one before it: `E F` are `:e` here." in str(info.value)


@pytest.mark.parametrize(("text", "meter", "start"), [
    ("C D E F G | A", FOUR, "Bar 1 has 5 beats in 4/4"),
    ("D:e | G:q. A:e B:q G:q", SIX, "Bar 2 has 8 eighths in 6/8"),
    ("G | C D E F | G A B C D", FOUR, "Bar 3 has 5 beats in 4/4"),
])
def test_over_full_bars_anywhere(text, meter, start):
    with pytest.raises(MusicError, match=start):
        parse_seed(text, meter=meter)


def test_a_short_bar_in_the_middle_is_an_error_that_says_why():
    with pytest.raises(MusicError) as info:
        parse_seed("G | C D | E F G A", meter=FOUR)
    message = str(info.value)
    assert message.startswith("Bar 2 has 2 beats in 4/4: `C D`")
    assert "only the first bar may be short (a pickup) and the last" in message
    assert "`G | C E G C | D`" in message


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(DURATIONS), min_size=1, max_size=24), st.sampled_from([FOUR, SIX, THREE]),
       st.integers(0, 47))
def test_format_notes_reads_back_with_its_pickup(durations, meter, offset):
    """Notes written by format_notes from any place in a bar where a note ends on the first bar line pass the bar check
    and parse back to the same notes with that place as their pickup. (Where a note is held over the first bar line,
    the bar line can't be typed: ``MidiSeed.opening`` puts rests first instead.)"""
    start = offset % meter.bar_ticks
    pickup = (meter.bar_ticks - start) % meter.bar_ticks
    assume(not pickup or pickup in {sum(durations[:i + 1]) for i in range(len(durations))})
    notes = [Note(60 + i % 5, d) for i, d in enumerate(durations)]
    seed = parse_seed(format_notes(notes, meter.bar_ticks, start=start), meter=meter, max_notes=100)
    assert seed.notes == tuple(notes)
    assert seed.pickup == pickup


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(DURATIONS), min_size=1, max_size=12),
       st.lists(st.sampled_from(DURATIONS), min_size=1, max_size=12), st.booleans())
def test_notes_after_a_seed_keep_its_bars(seed_durations, more, pickup):
    """What "More like this" sends (the seed as typed, then kept notes from ``continue_text``) passes the bar check
    with the seed's pickup."""
    notes = [Note(60, d) for d in seed_durations]
    text = f"G | {format_notes(notes, 48)}" if pickup else " ".join(format_note(n) for n in notes)
    seed = parse_seed(text, meter=FOUR, max_notes=100)
    after = continue_text(seed, [Note(62, d) for d in more], FOUR.bar_ticks)
    again = parse_seed(f"{seed.text} {after}", meter=FOUR, max_notes=100)
    assert again.pickup == seed.pickup
    assert again.notes == seed.notes + tuple(Note(62, d) for d in more)


def test_a_seed_ending_on_a_bar_line_gets_one_before_what_follows():
    seed = parse_seed("G | C E G C", meter=FOUR)
    assert continue_text(seed, [Note(74, 24), Note(72, 24)], 48) == "| D5:h C5:h |"
    assert continue_text(parse_seed("G | C E G C |", meter=FOUR), [Note(74, 24)], 48) == "D5:h"
    assert continue_text(parse_seed("C E G", meter=FOUR), [Note(74, 12), Note(72, 12)], 48) == "D5:q | C5:q"


def test_check_bars_needs_the_meter_it_is_given():
    seed = parse_seed("G | C E G")
    assert check_bars(seed, FOUR) == 12
    assert check_bars(seed, THREE) == 12
    with pytest.raises(MusicError, match="Bar 2 has 3 beats in 2/4"):
        check_bars(seed, Meter(2, 4))


def test_an_over_full_stretch_gets_every_bar_line_it_needs():
    """One bar line typed between two phrases of several bars: the fix puts a bar line where every bar starts, and
    it reads (before, it added only the first and the second bar was still over-full)."""
    with pytest.raises(MusicError) as info:
        parse_seed("E D C D E E E:h D:q D D:h E:q G G:h | E:q D C D", meter=FOUR)
    assert info.value.example == "E D C D | E E E:h | D:q D D:h | E:q G G:h"
    assert len(parse_seed(f"{info.value.example} | E:q D C D", meter=FOUR).notes) == 17
