"""Chord kinds as typed in chord symbols (`m7`, `maj7`, `ø`, `sus4`, ...): their canonical suffix and tones."""

from __future__ import annotations

from data.events import LETTER_PC

# Every spelling we accept -> (canonical suffix, semitones above the root). The canonical suffixes are the ones
# the MusicXML writer knows (data.theory.CHORD_KINDS).
QUALITIES: dict[str, tuple[str, tuple[int, ...]]] = {}
for _names, _suffix, _intervals in (
    (("", "maj", "M", "major"), "", (0, 4, 7)),
    (("m", "min", "-", "mi", "minor"), "m", (0, 3, 7)),
    (("dim", "°", "o"), "dim", (0, 3, 6)),
    (("aug", "+"), "aug", (0, 4, 8)),
    (("7", "dom7"), "7", (0, 4, 7, 10)),
    (("maj7", "M7", "Δ", "Δ7", "ma7"), "maj7", (0, 4, 7, 11)),
    (("m7", "min7", "-7", "mi7"), "m7", (0, 3, 7, 10)),
    (("m7b5", "ø", "ø7", "-7b5", "min7b5"), "m7b5", (0, 3, 6, 10)),
    (("dim7", "°7", "o7"), "dim7", (0, 3, 6, 9)),
    (("m(maj7)", "mmaj7", "mM7", "-maj7"), "m(maj7)", (0, 3, 7, 11)),
    (("sus4", "sus"), "sus4", (0, 5, 7)),
    (("sus2",), "sus2", (0, 2, 7)),
    (("6", "maj6"), "6", (0, 4, 7, 9)),
    (("m6", "min6", "-6"), "m6", (0, 3, 7, 9)),
    (("9",), "9", (0, 2, 4, 7, 10)),
    (("add9", "add2"), "add9", (0, 2, 4, 7)),
    (("7sus4", "7sus"), "7sus4", (0, 5, 7, 10)),
    (("5",), "5", (0, 7)),
    (("maj9", "M9", "Δ9"), "maj9", (0, 2, 4, 7, 11)),
    (("m9", "min9", "-9"), "m9", (0, 2, 3, 7, 10)),
    (("madd9", "m(add9)", "minadd9"), "madd9", (0, 2, 3, 7)),
    (("6/9", "69"), "6/9", (0, 2, 4, 7, 9)),
    (("11",), "11", (0, 2, 5, 7, 10)),  # a dominant 11th leaves its 3rd out
    (("m11", "min11", "-11"), "m11", (0, 2, 3, 5, 7, 10)),
    (("13",), "13", (0, 2, 4, 7, 9, 10)),
    (("7b9",), "7b9", (0, 1, 4, 7, 10)),
    (("7#9",), "7#9", (0, 3, 4, 7, 10)),
    (("7b5",), "7b5", (0, 4, 6, 10)),
    (("aug7", "+7", "7#5", "7+5"), "aug7", (0, 4, 8, 10)),
    (("9sus4", "9sus"), "9sus4", (0, 2, 5, 7, 10)),
    (("add11", "add4"), "add11", (0, 4, 5, 7)),
    (("maj7#11",), "maj7#11", (0, 4, 6, 7, 11)),
):
    for _name in _names:
        QUALITIES[_name] = (_suffix, _intervals)


SUFFIXES: dict[tuple[int, ...], str] = {}  # a kind's tones -> its suffix (the first spelling of each kind)
for _suffix, _intervals in QUALITIES.values():
    SUFFIXES.setdefault(_intervals, _suffix)

_LETTERS = "CDEFGAB"
_LETTER_STEPS = {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 4, 7: 4, 8: 4, 9: 5, 10: 6, 11: 6}  # semitones -> letters up


def stacked(intervals: tuple[int, ...]) -> tuple[int, ...]:
    """The tones in thirds from the root, as a musician names them: a 2nd beside a 3rd is the 9th (`C E G Bb D`)."""
    third = bool({3, 4} & set(intervals))
    return tuple(sorted(i + 12 if third and i in (1, 2) else i for i in intervals))


def chord_notes(root: str, kind: str) -> str | None:
    """A chord symbol's notes spelled by their intervals, stacked in thirds: ``G``, ``m7`` -> ``G Bb D F``;
    ``C``, ``7sus4`` -> ``C F G Bb``; ``Eb``, ``m7b5`` -> ``Eb Gb Bbb Db``. None for a kind not in ``QUALITIES``."""
    if kind not in QUALITIES or root[:1] not in _LETTERS:
        return None
    suffix, intervals = QUALITIES[kind]
    alter = {"": 0, "#": 1, "b": -1}.get(root[1:])
    if alter is None:
        return None
    pc, base = LETTER_PC[root[0]] + alter, _LETTERS.index(root[0])
    names = []
    for i in stacked(intervals):
        letter = _LETTERS[(base + (6 if suffix == "dim7" and i == 9 else _LETTER_STEPS[i % 12])) % 7]
        off = (pc + i - LETTER_PC[letter] + 6) % 12 - 6
        names.append(letter + ("#" * off if off > 0 else "b" * -off))
    return " ".join(names)
