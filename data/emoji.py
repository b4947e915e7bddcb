"""Emoji as the words they stand for, for a lyric theme: "🌧️" -> "cloud rain", "❤️🔥" -> "heart fire".

Discord users often give a theme as emoji. Each symbol's Unicode name holds its words ("CLOUD WITH RAIN"); the
words of the naming scheme (with, heavy, black, sign, face ...) are left out.
"""

from __future__ import annotations

import unicodedata

_NAMING = frozenset(("with", "heavy", "black", "white", "sign", "face", "symbol", "small", "large", "medium", "mark",
                     "emoji", "modifier", "type", "of", "and", "the", "variation", "selector", "combining", "smiling",
                     "grinning", "slightly", "open", "mouth", "eyes", "squared", "negative", "circled", "button"))


def emoji_words(text: str) -> str:
    """``text`` with each emoji or other pictograph replaced by the words of its name (lowercase, spaced)."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) == "So":
            words = [w for w in unicodedata.name(char, "").lower().replace("-", " ").split() if w not in _NAMING]
            out.append(f" {' '.join(words)} ")
        elif unicodedata.category(char) not in ("Mn", "Sk", "Cf"):  # variation selectors, skin tones, joiners
            out.append(char)
    return "".join(out)
