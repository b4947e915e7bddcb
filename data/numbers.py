"""Numbers in words to sing: "2" -> "two", "99" -> "ninety-nine", "1999" -> "nineteen ninety-nine", "3rd" -> "third".

Words set to music are sung, and a digit has no syllables until it is said: ``spell_numbers`` writes the numbers of
a text as a singer would say them (years as years, long digit strings digit by digit).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
             "twelve": "twelfth"}
_NUMBER = re.compile(r"(?<![\d.,])(\d+)(?:\.(\d+))?(st|nd|rd|th|s)?(?![\d.,]?\d)", re.I)
_GROUPED = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 1,000 -> 1000


def _below_thousand(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else "")
    rest = n % 100
    return f"{_ONES[n // 100]} hundred" + (f" and {_below_thousand(rest)}" if rest else "")


def number_words(digits: str) -> str:
    """A string of digits as it is said: below a million in words, and the years 1100-1999 and 2010-2099 as years
    are said ("nineteen ninety-nine", "twenty twenty-four"); longer or zero-led strings digit by digit."""
    n = int(digits)
    if len(digits) > 6 or (len(digits) > 1 and digits[0] == "0"):
        return " ".join(_ONES[int(d)] for d in digits)
    if n < 1000:
        return _below_thousand(n)
    high, low = divmod(n, 100)
    if 1100 <= n < 2000 or 2010 <= n < 2100:  # 1999, 1850, 2024: said as years, in two pairs
        return f"{_below_thousand(high)} " + ("hundred" if low == 0 else f"oh {_ONES[low]}" if low < 10
                                               else _below_thousand(low))
    thousands, rest = divmod(n, 1000)
    return f"{_below_thousand(thousands)} thousand" + (f" and {_below_thousand(rest)}" if 0 < rest < 100 else
                                             f" {_below_thousand(rest)}" if rest else "")


def _last_word(words: str, change: Callable[[str], str]) -> str:
    """``words`` with its last word (after a space or a hyphen) changed."""
    cut = max(words.rfind(" "), words.rfind("-"))
    return words[:cut + 1] + change(words[cut + 1:])


def ordinal(words: str) -> str:
    """The ordinal of a number in words: "twenty-one" -> "twenty-first"."""
    return _last_word(words, lambda w: _ORDINALS.get(w) or (w[:-1] + "ieth" if w.endswith("y") else w + "th"))


def plural(words: str) -> str:
    """A number in words as a decade or a count of them: "nineteen sixty" -> "nineteen sixties"."""
    return _last_word(words, lambda w: w[:-1] + "ies" if w.endswith("y") else w + ("es" if w.endswith("x") else "s"))


def spell_numbers(text: str) -> str:
    """``text`` with every number written out in words: "1st" as "first", "the 90s" as "the nineties", "3.5" as
    "three point five", "1,000" as "one thousand"."""
    if not any(c.isdigit() for c in text):
        return text

    def say(match: re.Match[str]) -> str:
        said = number_words(match[1])
        if match[2]:
            said += " point " + " ".join(_ONES[int(d)] for d in match[2])
        suffix = (match[3] or "").lower()
        return f" {ordinal(said) if suffix in ('st', 'nd', 'rd', 'th') else plural(said) if suffix else said} "

    return _NUMBER.sub(say, _GROUPED.sub("", text))
