"""Words that stay with a melody made from one written for them (``studio.lyrics.carry``)."""

from __future__ import annotations

from dataclasses import replace

from data.events import Key, Melody, Meter, Note
from data.notation import parse_seed
from studio.lyrics.carry import carried_words

WORDS = ["Hold", "me", "close", "and", "nev-", "er", "let", "me", "go", "the", "night", "is", "long", "and", "slow"]


def melody(text: str, pickup: int = 0) -> Melody:
    return Melody(parse_seed(text, max_notes=500).notes, Key(0), Meter(), 100, pickup=pickup)


SUNG = melody("C D E C | D F E C | D:h. B:q | C:h. C:q | D:h D:q D:q")


def test_another_key_or_octave_keeps_every_syllable_on_its_note():
    up = replace(SUNG, notes=tuple(Note(n.pitch + 14, n.ticks) for n in SUNG.notes))
    assert carried_words(SUNG, WORDS, up) == tuple(WORDS)


def test_more_bars_keep_the_words_and_sing_nothing_new():
    longer = replace(SUNG, notes=(*SUNG.notes, *melody("E F G A | C5:w").notes))
    assert carried_words(SUNG, WORDS, longer) == (*WORDS, None, None, None, None, None)


def test_a_rewritten_bar_sings_its_words_on_its_first_notes_or_loses_them():
    busier = melody("C D E C | D F E C | D:q. E:e F:q D:q | C:h. C:q | D:h D:q D:q")  # bar 3: 4 notes for 2 words
    assert carried_words(SUNG, WORDS, busier) == (*WORDS[:10], None, None, *WORDS[10:])  # go, the; then held
    sparser = melody("C D E C | D:w | D:h. B:q | C:h. C:q | D:h D:q D:q")  # bar 2: one note for "nev- er let me"
    kept = carried_words(SUNG, WORDS, sparser)
    assert kept[:4] == ("Hold", "me", "close", "and") and kept[4] is None and kept[5:] == tuple(WORDS[8:])


def test_a_word_cut_by_a_bar_that_lost_its_words_ends_where_it_is_cut():
    sung = melody("C D E C | D:w")
    cut = carried_words(sung, ["Hold", "me", "to", "geth-", "er"], melody("C D E C | D:h E:h"))
    assert cut == ("Hold", "me", "to", "geth-", "er", None)  # bar 2 has room: kept
    lost = carried_words(sung, ["Hold", "me", "to", "geth-", "er"], melody("C D E C | R:w"))
    assert lost == ("Hold", "me", "to", "geth", None)


def test_another_meter_or_no_words_carries_nothing():
    assert carried_words(SUNG, WORDS, replace(SUNG, meter=Meter(3, 4))) is None
    assert carried_words(SUNG, None, SUNG) is None
    with_pickup = melody("G | C D E C | D:w", pickup=12)
    assert carried_words(with_pickup, ["Oh", "hold", "me", "close", "and", "go"], with_pickup) == (
        "Oh", "hold", "me", "close", "and", "go")
