"""Which bars to rewrite, as users name them: "3-4", "2,5", "3-4, 7", "bars 3 and 4", "the last two bars", "the
second half" (``read_spec``), and back to text (``spec_text``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from data.errors import MusicError, opt
from data.numbers import number_words, ordinal
from studio.options import MELODY

MAX_BARS = int(MELODY["bars"].high)  # the longest melody the model writes, and so the longest it rewrites
MAX_SPEC = 100  # characters of a bars spec
_SPEC = re.compile(r"(\d{1,3})(?:-(\d{1,3}))?")
_EXAMPLES = ("3-4", "2,5", "3-4,7")
_CARDINALS = {number_words(str(n)): n for n in range(1, 21)}  # "seven": 7
_ORDINALS = {ordinal(word): n for word, n in _CARDINALS.items()}  # "seventh": 7


def _plain_numbers(text: str, bars: int) -> str:
    """Bars named in words as numbers and ranges: "bar seven", "the third bar", "the last two bars", "the first
    half", "5 to the end", "from 5" (``bars``: how many the melody has)."""
    text = re.sub(r"\b(?:measures?|bars?)\b", "bars", text)
    text = re.sub(r"\b(" + "|".join(_CARDINALS) + r")\b", lambda m: str(_CARDINALS[m[1]]), text)
    half = bars // 2
    text = re.sub(r"\bfirst half\b", f"1-{max(half, 1)}", text)
    text = re.sub(r"\bsecond half\b", f"{half + 1}-{bars}", text)
    text = re.sub(r"\blast (\d{1,3}) bars\b", lambda m: f"{max(bars - int(m[1]) + 1, 1)}-{bars}", text)
    text = re.sub(r"\bfirst (\d{1,3}) bars\b", lambda m: f"1-{m[1]}", text)
    text = re.sub(r"\b(?:from )?(\d{1,3}) (?:on|onwards?)\b|\bfrom (\d{1,3})\b",
                  lambda m: f"{m[1] or m[2]}-{bars}", text)
    text = re.sub(r"\b(?:the )?(?:last|end)\b", str(bars), text)
    text = re.sub(r"\b(" + "|".join(_ORDINALS) + r")\b", lambda m: str(_ORDINALS[m[1]]), text)
    text = re.sub(r"\b(\d{1,3})(?:st|nd|rd|th)\b", r"\1", text)
    return re.sub(r"\b(?:the|bars|only|please)\b", " ", text)


def read_spec(spec: str, bars: int = MAX_BARS) -> tuple[int, ...]:
    """The bar numbers a spec names, sorted, each once: "3-4" (a range; "4-3" too), "2,5", "3-4, 7", "2 5", "bars 3
    and 4", and in words (``_plain_numbers``; ``bars``: how many the melody has, for "the last two bars").
    MusicError with examples when it can't be read (no check against a melody yet: see ``plan``)."""
    text = (spec or "").strip()
    bare = _plain_numbers(re.sub(r"^bars?\b\s*:?", "", text.lower()), bars).strip()  # "bar:5" as in the Apps menu
    joined = re.sub(r"\s*(?:-|–|—|\.\.|\bto\b)\s*", "-", bare)  # "3 - 4", "3–4", "3..4", "3 to 4"
    parts = [p for p in re.split(r"(?:[,;&+\s]|\band\b)+", joined) if p] if len(text) <= MAX_SPEC else []
    numbers: set[int] = set()
    for part in parts:
        match = _SPEC.fullmatch(part)
        if match is None:
            parts = []
            break
        low, high = int(match[1]), int(match[2] or match[1])
        numbers.update(range(min(low, high), max(low, high) + 1))
    if not parts:
        examples = ", ".join(opt("bars", e) for e in _EXAMPLES)
        raise MusicError(f"I can't read the bars `{text[:40]}`. Give a range or a list of bar numbers, e.g. "
                         f"{examples}.", "bars", _EXAMPLES[0])
    return tuple(sorted(numbers))


def spec_text(numbers: Iterable[int]) -> str:
    """Bar numbers as a spec, runs as ranges: (3, 4, 7) -> "3-4,7"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def example_bars(total: int) -> str:
    """Bars worth suggesting in a melody of ``total`` bars: two in its middle ("2-3" of 4), or the last."""
    if total <= 2:
        return str(total)
    first = max(2, total // 2)
    return f"{first}-{first + 1}" if first + 1 < total or total == 3 else str(first)
