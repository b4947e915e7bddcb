"""Emoji read as the words of their names, for lyric themes (data.emoji)."""

import pytest

from data.emoji import emoji_words


@pytest.mark.parametrize(("text", "words"), [
    ("🌧️", "cloud rain"), ("❤️🔥", "heart fire"), ("🌊 at night", "water wave at night"), ("⭐", "star"),
    ("👨‍👩‍👧", "man woman girl"), ("rain", "rain"), ("café au lait", "café au lait"),
])
def test_emoji_words(text, words):
    assert " ".join(emoji_words(text).split()) == words
