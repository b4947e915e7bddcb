"""Chord charts' and tabs' ``x2``: what comes before it, played that many times (typed notes and chords)."""

from __future__ import annotations

import re
from collections.abc import Collection

from data.errors import MusicError

_TIMES = re.compile(r"[x×]([2-8])", re.IGNORECASE)
BAR_LINES = ("|", "||")


def times(token: str) -> int | None:
    """How many times ``x2`` to ``x8`` (``×2`` too) plays what comes before it; None for any other token."""
    match = _TIMES.fullmatch(token)
    return None if match is None else int(match[1])


def repeated(tokens: list[str], marks: Collection[str]) -> list[str]:
    """Typed notes' tokens with each ``x2`` written out: after notes, the notes since the last bar line (`C E G x2`,
    `| C D | E F x2`); after a bar line, the line so far (since the start or the last ``x``), bar lines and all
    (`| C E G C | D E F G | x2` is four bars). ``marks``: the tokens that are not notes (bar lines and the like)."""
    out: list[str] = []
    line = 0  # where the line the next ``x`` after a bar line repeats starts
    for token in tokens:
        count = times(token)
        if count is None:
            out.append(token)
            continue
        after_bar = bool(out) and out[-1] in BAR_LINES
        start = line if after_bar else max((i + 1 for i, t in enumerate(out) if t in BAR_LINES), default=0)
        while start < len(out) and out[start] in BAR_LINES:  # the line's opening bar line is there already
            start += 1
        if not any(t not in marks for t in out[start:]):
            raise MusicError(f"`{token}` repeats the notes before it, and there are none. Put it after them, e.g. "
                             f"`C E G {token}` or `| C E G C | {token}`.")
        out += out[start:] * (count - 1)
        line = len(out)
    return out
