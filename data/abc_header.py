"""The header of an ABC tune (``data.abc``): its fields (``X: T: M: L: Q: K:``), pasted on many lines or on one,
split from the body, and the key, meter, unit length and tempo they give."""

from __future__ import annotations

import contextlib
import re
from fractions import Fraction

from data.errors import MusicError
from data.events import TPQ, Key, Meter

WHOLE = 4 * TPQ  # ticks in a whole note: ABC lengths are fractions of one
FIELD = re.compile(r"(?:^|(?<=\s))([A-Za-z]):")  # a header field where a line or a word starts
_KEY_VALUE = re.compile(
    r"\s*((?:[A-Ga-g][#b]?\s*(?:maj\w*|min\w*|m|ion\w*|dor\w*|phr\w*|lyd\w*|mix\w*|aeo\w*|loc\w*)?)|none|HP|Hp)"
    r"(?![A-Za-z#])(?:\s+(?:\w+=\S+|(?:treble|bass|alto|tenor|perc)\d?|[-+]8(?:va)?)(?=\s|$))*",
    re.I)  # `K:G`, `K:A dorian`, `K:Emin clef=treble`, `K:F bass -8va`
_STRUCTURED = {"X": r"\S*", "M": r"\S*", "L": r"\S*",
               "Q": r'(?:"[^"]*"\s*)?(?:(?:\d+/\d+\s*=\s*)?\d+)?(?:\s*"[^"]*")?'}  # field values that are one word


def split_header(text: str) -> tuple[dict[str, str], str]:
    """The header's fields (the first of each, but ``_late_fields``) and the body. A field is its line; on one
    line, a value runs to the next field, ``K:`` (the last, by the standard) holds a key, and the body starts after
    it. A ``\\n`` typed (ABC copied out of a string: `X:1\\nK:G\\nGABc`) is a line break."""
    text = re.sub(r"\\r\\n|\\[nr]", "\n", text or "")
    text = re.sub(r"(?m)^\s*%[^\n]*\\[ \t]*\n[^\n]*\n?|^\s*%[^\n]*\n?", "", text or "")  # comment lines
    text = re.sub(r"%[^\n]*", "", text).strip()  # and comments after something
    text = re.split(r"\n\s*\n", text, maxsplit=1)[0]  # an empty line ends a tune (what follows is other text)
    fields: dict[str, str] = {}
    if not FIELD.match(text):
        return fields, _body_lines(text)
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if not FIELD.match(line.strip()):  # the body, with no K: line before it
            return fields, _body_lines("\n".join(lines[n:]))
        rest, ended = _line_fields(line.strip(), fields, one_line=len(lines) == 1)
        if ended or rest.strip():
            return fields, _body_lines(_late_fields("\n".join([rest, *lines[n + 1:]]), fields))
    return fields, ""


def _late_fields(body: str, fields: dict[str, str]) -> str:
    """The body without the ``M:``, ``L:`` and ``Q:`` fields written before its first note, after ``K:``
    (``K:D\nM:6/8\nA|dfa``): they set the tune's meter, unit and tempo, as ABC tools read them, into ``fields``."""
    while field := re.match(rf"\s*([MLQ]):[ \t]*({'|'.join(_STRUCTURED[k] for k in 'MLQ')})", body):
        fields[field[1]] = field[2].strip()
        body = body[field.end():]
    return body


def _line_fields(line: str, fields: dict[str, str], one_line: bool) -> tuple[str, bool]:
    """Reads the fields on one header line into ``fields``: what follows them on the line (the body), and whether
    the header ended (at ``K:``, or at a second tune's ``X:``). Only a tune pasted on ``one_line`` has its body
    after a field other than ``K:``; on many lines a field is its whole line."""
    matches = list(FIELD.finditer(line))
    for i, match in enumerate(matches):
        letter, last = match[1], i + 1 == len(matches)
        value = line[match.end(): len(line) if last else matches[i + 1].start()]
        if letter == "X" and "X" in fields:  # a second tune: only the first is read
            return "", True
        if letter == "K":
            key = _KEY_VALUE.match(value)
            fields["K"] = key[1] if key else (value.split() or [""])[0]
            return (value[key.end():] if key else "") + line[len(line) if last else matches[i + 1].start():], True
        if last and one_line and letter in _STRUCTURED:  # `L:1/8 |:GABc`: the value is a word, the rest the body
            word = re.match(rf"\s*({_STRUCTURED[letter]})", value)
            assert word is not None
            fields.setdefault(letter, word[1])
            return value[word.end():], False
        if last and one_line and (bar := re.search(r"\S*\|", value)):  # `T:The Kesh |:GAB`: a title, the body
            fields.setdefault(letter, value[: bar.start()].strip())
            return value[bar.start():], False
        fields.setdefault(letter, value.strip())
    return "", False


def _body_lines(body: str) -> str:
    """The body with its field lines as inline fields (``K:`` ``L:`` ``M:`` ``V:``), stopping at a second tune's
    ``X:``; the other fields (``w:`` words, ``P:`` parts…) are left out."""
    out = []
    for line in body.splitlines():
        field = re.match(r"\s*([H-Zh-z]):(.*)", line)  # (A: to G: would be a note and a repeat sign)
        if field is None:
            out.append(line)
        elif field[1] == "X":
            break
        elif field[1] in "KLMV":
            out.append(f"[{field[1]}:{field[2].strip()}]")
    return "\n".join(out)


def abc_key(value: str) -> Key:
    """``K:`` -> Key (``none`` and the bagpipe ``HP``: C major, as ABC tools read them); clefs are skipped."""
    value = re.sub(r"\s+(\w+=\S+|(treble|bass|alto|tenor|perc)\d?|[-+]8(va)?)(?=\s|$)", "", value).strip()
    if not value or value.lower() == "none" or value in ("HP", "Hp"):
        return Key(0)
    if value[:1].upper() in "ABCDEFG":  # ABC's keys are A-G (not the German H that Key.parse reads)
        with contextlib.suppress(MusicError):
            return Key.parse(value)
    raise MusicError(f"I can't read the ABC key `K:{value}`. Write it like `K:G`, `K:Em`, `K:Ador` or `K:D mix`.")


def abc_meter(value: str) -> Meter | None:
    value = value.strip()
    if value.lower() in ("", "none"):
        return None
    try:
        return Meter.parse({"C": "4/4", "C|": "2/2"}.get(value, value))
    except MusicError:
        raise MusicError(f"I can't read the ABC meter `M:{value}`. Write it like `M:4/4`, `M:6/8` or `M:C`.") from None


def abc_unit(value: str) -> Fraction:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not match or int(match[1]) == 0 or int(match[2]) == 0:
        raise MusicError(f"I can't read the ABC unit length `L:{value.strip()}`. Write it like `L:1/8`.")
    return Fraction(int(match[1]), int(match[2]))


def abc_tempo(value: str, unit: Fraction, meter: Meter) -> int | None:
    """``Q:1/4=120`` (or an old ``Q:120``, in units) -> beats a minute of the meter's felt beat; None if unreadable
    or outside 30-300 (the meter's own tempo is used then)."""
    value = re.sub(r'"[^"]*"', "", value)
    match = re.search(r"(?:(\d+)/(\d+)\s*=\s*)?(\d+)\s*$", value.strip())
    if not match:
        return None
    per = Fraction(int(match[1]), int(match[2])) if match[1] else unit
    bpm = round(int(match[3]) * per * WHOLE / meter.beat_ticks) if per else 0
    return bpm if 30 <= bpm <= 300 else None
