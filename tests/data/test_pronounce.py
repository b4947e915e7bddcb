import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.pronounce import hyphenate, rhyme_candidates, rhyme_part, rhymes, stresses, syllable_count, tokens, words

# words the CMU dict knows, those it does not, and things that are not English words at all
KNOWN = ["together", "little", "star", "beautiful", "wonder", "diamond", "everything", "Hallelujah", "don't"]
UNKNOWN = ["glorbify", "flumpering", "zxqv", "brrrap", "snorbled", "qwertyuiop"]
ODD = ["привет", "你好", "naïve", "Zoë", "éclair", "x" * 2000, "la" * 1000]


def test_words_are_lowercase_tokens_with_apostrophes_kept():
    assert words("Don’t STOP me now!! 42 😀 naïve-café") == ["don't", "stop", "me", "now", "naïve", "café"]
    assert tokens("Don’t STOP") == ["Don't", "STOP"]
    assert words("😀 🎵 42 ... !!!") == []


@pytest.mark.parametrize(("word", "count"), [("together", 3), ("little", 2), ("star", 1), ("beautiful", 3),
                                             ("Wonder", 2), ("everything", 3), ("don't", 1)])
def test_syllables_come_from_the_cmu_dict(word, count):
    assert syllable_count(word) == count


@pytest.mark.parametrize(("word", "count"), [("glorbify", 3), ("flumpering", 3), ("snorbled", 2), ("glade", 1)])
def test_unknown_words_get_syllables_from_their_spelling(word, count):
    assert syllable_count(word) == count


def test_anything_without_letters_has_no_syllables_and_anything_with_letters_has_some():
    for thing in ["", "42", "😀", "...", "🎵🎶"]:
        assert syllable_count(thing) == 0 and stresses(thing) == "" and rhyme_part(thing) is None
    for word in KNOWN + UNKNOWN + ODD:
        assert syllable_count(word) >= 1


def test_stress_marks_strong_syllables_and_leaves_small_words_weak():
    assert stresses("together") == "010"
    assert stresses("twinkle") == "10"
    assert stresses("beautiful")[0] == "1"
    for small in ["a", "the", "of", "to", "and", "in"]:
        assert stresses(small) == "0"
    for big in ["star", "love", "night"]:
        assert stresses(big) == "1"


@pytest.mark.parametrize("word", KNOWN + UNKNOWN + ODD)
def test_hyphenation_cuts_the_word_into_its_syllables(word):
    pieces = hyphenate(word)
    assert "".join(pieces) == word
    assert len(pieces) == syllable_count(word) == len(stresses(word))
    assert all(pieces[:-1]) and (pieces[-1] or len(pieces) > 1)


def test_together_is_hyphenated_where_a_singer_expects():
    assert "-".join(hyphenate("together")) == "to-geth-er"
    assert "-".join(hyphenate("Twinkle")) == "Twin-kle"
    assert "-".join(hyphenate("evening")) == "eve-ning"  # not 'e-vening': the middle vowel is elided


@pytest.mark.parametrize(("word", "sung"), [("anymore", "a-ny-more"), ("demonstrate", "de-mon-strate"),
                                            ("horoscopes", "ho-ro-scopes"), ("eloquence", "e-lo-quence"),
                                            ("distributed", "dis-trib-u-ted")])
def test_a_silent_final_e_is_not_cut_off_as_a_syllable(word, sung):
    assert "-".join(hyphenate(word)) == sung  # 'any-mo-re', 'demon-stra-te' were printed under the notes


@pytest.mark.parametrize(("word", "pieces"), [("fire", ["fire", ""]), ("Our", ["Our", ""]), ("hours", ["hours", ""]),
                                              ("desire", ["de", "sire", ""]), ("tired", ["tired", ""])])
def test_a_glide_the_spelling_does_not_write_is_sung_on_from_the_word(word, pieces):
    assert hyphenate(word) == pieces  # not 'fi-re', 'O-ur', 'ti-red': the word is printed once, then held


@pytest.mark.parametrize(("word", "pieces"), [("flower", ["flow", "er"]), ("lion", ["li", "on"]),
                                              ("poem", ["po", "em"]), ("power", ["pow", "er"])])
def test_a_syllable_the_spelling_writes_keeps_its_letters(word, pieces):
    assert hyphenate(word) == pieces


def test_true_rhymes_share_the_sound_but_not_the_word():
    assert rhymes("star", "are") and rhymes("night", "light") and rhymes("Love", "dove")
    assert not rhymes("star", "star")  # the same word
    assert not rhymes("light", "delight")  # same consonant before the vowel: an identical rhyme
    assert not rhymes("cat", "dog")
    assert rhymes("glorb", "snorb")  # unknown words rhyme by spelling
    assert not rhymes("😀", "star")


def test_rhyme_candidates_are_real_rhymes():
    found = rhyme_candidates("star")
    assert {"far", "car", "are"} <= set(found)
    assert "star" not in found
    assert all(rhymes(word, "star") for word in found[:50])
    assert rhyme_candidates("glorbify") == []
    assert rhyme_candidates("") == []


def test_a_two_thousand_character_theme_is_handled_quickly():
    theme = ("Sing of the moon 🌙 and the sea, сердце, 心 — " * 60)[:2000]
    started = time.perf_counter()
    found = words(theme)
    assert sum(syllable_count(w) for w in found) > 300
    assert all(len(hyphenate(w)) == syllable_count(w) for w in found)
    assert time.perf_counter() - started < 2.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_no_text_ever_raises(text):
    for word in [*words(text), text]:
        count = syllable_count(word)
        assert len(stresses(word)) == count
        pieces = hyphenate(word)
        assert "".join(pieces) == word
        if count:
            assert len(pieces) == count
        rhyme_part(word)
        rhymes(word, "star")
