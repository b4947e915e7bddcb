"""A slur filter: words whose SHA-256 digest is listed in ``blocklist.txt`` are never printed.

The list holds digests, not words. A word is normalised before hashing (lowercase, curly quotes
straightened, a possessive 's dropped, look-alike digits and symbols read as letters, letters repeated
three or more times cut to two), and whole words are matched, so 'raccoon' or 'spice' pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

MASK = "***"
_LOOKALIKE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_TOKEN = re.compile(r"[\w@$'’]+(?:!+[\w@$'’]+)*")


@cache
def digests() -> frozenset[str]:
    """The SHA-256 hex digests shipped in ``data/blocklist.txt``."""
    text = resources.files("data").joinpath("blocklist.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def digest(word: str) -> str:
    """The SHA-256 hex digest of a word as stored in the list (the word is not normalised here)."""
    return hashlib.sha256(word.encode("utf-8")).hexdigest()


def _forms(word: str) -> set[str]:
    lower = word.lower().replace("’", "'").strip("'!")
    lower = re.sub(r"'s$", "", lower)
    forms = {lower, lower.translate(_LOOKALIKE)}
    forms |= {re.sub(r"(.)\1{2,}", r"\1\1", form) for form in forms}
    return {form.replace("'", "") for form in forms if form}


def is_blocked(word: str, extra: Iterable[str] = ()) -> bool:
    """Whether ``word`` is a listed slur; ``extra`` digests are checked too (tests and local additions)."""
    listed = digests() | frozenset(extra)
    return any(digest(form) in listed for form in _forms(word))


def clean(text: str, mask: str = MASK, extra: Iterable[str] = ()) -> str:
    """``text`` with every blocked word replaced by ``mask``; everything else is left as it was."""
    extra = frozenset(extra)
    return _TOKEN.sub(lambda m: mask if is_blocked(m.group(), extra) else m.group(), text or "")


def has_blocked(text: str, extra: Iterable[str] = ()) -> bool:
    """Whether any word of ``text`` is blocked (for rejecting a generated line outright)."""
    extra = frozenset(extra)
    return any(is_blocked(m.group(), extra) for m in _TOKEN.finditer(text or ""))
