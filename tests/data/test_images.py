"""The committed images (`data/images.txt.gz`): lyric words that name a thing a listener can see, hear or touch."""

from __future__ import annotations

from data.images import DEFAULT_PATH, is_image, load_images


def test_images_are_things_not_ideas_or_qualities():
    images = load_images()
    assert DEFAULT_PATH.stat().st_size < 100_000 and 2_000 < len(images) < 8_000
    assert {"window", "rain", "night", "mother", "river", "lights", "hands", "fire", "moon"} <= images
    assert not {"sensation", "visual", "administrative", "condensed", "love", "physics", "the", "sure"} & images


def test_a_word_is_read_as_its_most_used_noun():
    # lemma -> part of speech -> (sense-tagged count, first synset); synset -> lexicographer file
    index = {"hand": {"noun": (100, 1), "verb": (5, 9)}, "hands": {"noun": (0, 2)},
             "physic": {"noun": (0, 1)}, "physics": {"noun": (3, 3)},
             "light": {"noun": (12, 4), "adj": (12, 9), "verb": (4, 9)}, "visual": {"adj": (3, 9), "noun": (0, 1)},
             "alarm": {"noun": (5, 5)}}
    lexfiles = {1: 8, 2: 26, 3: 9, 4: 19, 5: 12}  # body, state, cognition, phenomenon, feeling
    assert is_image("hands", index, lexfiles)  # hand's body part, not WordNet's "hands" (custody)
    assert not is_image("physics", index, lexfiles)  # the science, not "physic" (a medicine)
    assert is_image("light", index, lexfiles) and is_image("lights", index, lexfiles)
    assert not is_image("visual", index, lexfiles)  # mostly an adjective
    assert not is_image("alarm", index, lexfiles)  # first a feeling
    assert not is_image("handed", {**index, "handed": {"adj": (1, 9)}}, lexfiles)  # a verb's form, not a hand


def test_verb_forms_letters_and_symbols_are_not_images():
    """The list held "barking", "grounded", "rained" (their stems are nouns) and "at", "br", "au" (WordNet's
    chemical elements)."""
    images = load_images()
    assert not {"barking", "grounded", "rained", "waved", "at", "am", "br", "au", "is", "s"} & images
    assert {"ox", "bark", "wave", "waves", "day's"} <= images
