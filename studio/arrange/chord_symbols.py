"""Typed chord symbols: `C Am F G7` (one chord per bar) or `| C | Am | F G7 | C |` (bars with several chords)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from data.chord_kinds import QUALITIES
from data.errors import MusicError
from data.events import LETTER_PC, Key
from data.pitch_spelling import note_name
from data.repeats import times

MAX_CHORD_BARS = 64
EXAMPLE = "`C Am F G7` (one chord per bar) or `| C | Am | F G7 | C |`"
_SYMBOL = re.compile(r"([A-Ga-g])([#♯b♭]?)(6/9|[^/]*)(?:/([A-G])([#♯b♭]?))?")  # root, kind (6/9 has a slash), bass


@dataclass(frozen=True)
class ChordSymbol:
    """One typed chord: root and optional bass as pitch classes, semitones above the root, canonical text."""

    root: int
    intervals: tuple[int, ...]
    suffix: str
    text: str
    bass: int | None = None  # a slash chord's bass pitch class

    @property
    def pitch_classes(self) -> frozenset[int]:
        tones = {(self.root + i) % 12 for i in self.intervals}
        return frozenset(tones if self.bass is None else tones | {self.bass})


def _pc(letter: str, accidental: str) -> int:
    return (LETTER_PC[letter.upper()] + {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)) % 12


def _spelled(letter: str, accidental: str) -> str:
    return letter.upper() + {"♯": "#", "♭": "b"}.get(accidental, accidental)


def parse_chord_symbol(token: str) -> ChordSymbol:
    """'Am', 'F#m7', 'Bb/D', 'Gsus4', 'Cmaj7' -> ChordSymbol; anything else raises MusicError with an example."""
    match = _SYMBOL.fullmatch(token.strip())
    if token.strip().upper().rstrip(".") in ("N.C", "NC"):
        raise MusicError(f"`{token}` (no chord) isn't something I play yet: give that bar a chord, or hold the one "
                         f"before with `%` (a bar) or `/` (a beat), e.g. `| C | % | F G |`.")
    if not match or match[3] not in QUALITIES:
        kinds = "m, 7, maj7, m7, dim, aug, sus4, sus2, add9, 6, 9, maj9, m9, 11, 13, 7b9, m7b5, dim7"
        raise MusicError(f"I can't read the chord `{token}`. Write a root A-G with # or b and a kind ({kinds}), "
                         f"e.g. {EXAMPLE}.")
    letter, accidental, kind, bass_letter, bass_accidental = match.groups()
    suffix, intervals = QUALITIES[kind]
    root = _pc(letter, accidental)
    bass = _pc(bass_letter, bass_accidental or "") if bass_letter else None
    text = _spelled(letter, accidental) + suffix + (f"/{_spelled(bass_letter, bass_accidental or '')}"
                                                   if bass_letter else "")
    return ChordSymbol(root, intervals, suffix, text, None if bass == root else bass)


Moved = tuple[int, str, int | None]  # a chord's new root pitch class, kind suffix and bass (None: its root)


def respelled(text: str, move: Callable[[ChordSymbol], Moved], key: Key) -> str:
    """Typed chords each changed by ``move``, written as they were typed (bar lines, `%`, `/`, dashes and `x2`
    kept), roots and basses spelled as ``key`` spells its notes (`Bb` in C major, `F#` in G, `G#` in A minor)."""

    def name(pc: int) -> str:
        return note_name(pc, key, octave=False)

    def token(match: re.Match[str]) -> str:
        typed = match[0]
        if typed in ("%", "/", "-") or times(typed) is not None:
            return typed
        if not _reads(typed):  # `C-F-G-C`: each chord between the dashes
            return "-".join(map(one, _dashed([typed])))
        return one(typed)

    def one(typed: str) -> str:
        root, suffix, bass = move(parse_chord_symbol(typed))
        return name(root) + suffix + ("" if bass is None or bass == root else f"/{name(bass)}")

    return re.sub(r"[^\s,|]+", token, text.strip())


def transposed(text: str, shift: int, key: Key) -> str:
    """Typed chords moved ``shift`` semitones, as typed, spelled in ``key`` (``respelled``): `Am F C G`, 5, D minor
    -> `Dm Bb F C`."""
    return respelled(text, lambda c: (c.root + shift, c.suffix, None if c.bass is None else c.bass + shift), key)


def _repeated(cells: list[list[str]]) -> list[list[str]]:
    """Bars with chord charts' ``x2`` (to ``x8``, ``data.repeats.times``) written out: the bars so far (since the
    start or the last ``x``) that many times (`Am F C G x2`, `| C | F | x2 | G | C |`)."""
    out: list[list[str]] = []
    line = 0
    for cell in cells:
        count = times(" ".join(cell))
        if count is None:
            out.append(cell)
            continue
        if line == len(out):
            raise MusicError(f"`{cell[0]}` repeats the chords before it, and there are none. Put it after them, "
                             f"e.g. `Am F C G {cell[0]}`.")
        out += out[line:] * (count - 1)
        line = len(out)
    return out


def _dashed(tokens: list[str]) -> list[str]:
    """Chords typed with dashes between them, `C - F - G` or `C-F-G-C`, as separate chords (a dash that belongs to
    a chord stays: `C-7` is Cm7); a lone dash is not a chord."""
    out: list[str] = []
    for token in tokens:
        token = token.strip("–—")  # typographic dashes are never part of a chord (a hyphen can be: `C-` is Cm)
        if token in ("-", ""):
            continue
        parts = [p for p in re.split(r"[-–—](?=[A-G])", token) if p]
        out += parts if len(parts) > 1 and not _reads(token) and all(map(_reads, parts)) else [token]
    return out


def _reads(token: str) -> bool:
    match = _SYMBOL.fullmatch(token)
    return bool(match) and match[3] in QUALITIES


def parse_progression(text: str, max_bars: int = MAX_CHORD_BARS) -> list[list[ChordSymbol]]:
    """Chords per bar. Without bar lines each chord fills a bar; with them, each cell is a bar (`%` repeats the
    bar before, `/` holds the chord before it, an empty cell is not allowed) whose chords share it evenly; ``x2``
    repeats the bars before it (``_repeated``)."""
    text = (text or "").replace("||", "|").strip()
    if not text or not text.strip("| "):
        raise MusicError(f"Your chords are empty. Type them like {EXAMPLE}.")
    if "|" in text:
        cells = [_dashed(cell.split()) for cell in text.strip("| ").split("|")]
    else:
        cells = [[token] for token in _dashed(re.split(r"[\s,]+", text)) if token]
    cells = _repeated(cells)
    if len(cells) > max_bars:
        raise MusicError(f"That's {len(cells)} bars of chords; I take at most {max_bars}. Give me the chords of "
                         f"one verse, e.g. {EXAMPLE}.")
    bars: list[list[ChordSymbol]] = []
    for number, cell in enumerate(cells, start=1):
        if not cell:
            raise MusicError(f"Bar {number} of your chords is empty. Put a chord between every pair of `|`, "
                             f"e.g. {EXAMPLE}.")
        if cell == ["%"] and bars:
            bars.append(bars[-1])
            continue
        if len(cell) > 4:
            raise MusicError(f"Bar {number} has {len(cell)} chords; at most 4 fit in a bar. Separate bars with "
                             f"`|`, e.g. {EXAMPLE}.")
        chords: list[ChordSymbol] = []
        for token in cell:  # `/` holds the chord before it one more beat: `Dm7 G / /`, as /chords writes them
            if token == "/" and not (chords or bars):
                raise MusicError(f"A `/` holds the chord before it, and your chords start with one. Begin with a "
                                 f"chord, e.g. {EXAMPLE}.")
            chords.append((chords or bars[-1])[-1] if token == "/" else parse_chord_symbol(token))
        bars.append(chords)
    return bars
