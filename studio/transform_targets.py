"""What `/transform` changes (``Targets``), from options or from words typed in the Transform… form
(``read_targets``: "dorian jig", "minor waltz 90 bpm", "in D", "faster")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from data.errors import MusicError, cmd, opt
from data.events import FLAT_NAMES, MODE_OFFSET, SHARP_NAMES, STYLES, Key, signature_fifths
from data.midi import TEMPO_RANGE
from studio.options import TRANSFORM
from studio.retime import RHYTHMS

NAMES = ("mode", "transpose", "rhythm", "style", "tempo", "register")  # the targets, in the order they are told


@dataclass(frozen=True)
class Targets:
    """What to change (None: keep it); each value checked against the option table."""

    mode: str | None = None
    transpose: str | None = None  # the new tonic (``studio.options.TONICS``), the mode kept unless ``mode`` says
    rhythm: str | None = None
    style: str | None = None
    tempo: int | None = None
    register: str | None = None
    pace: float | None = None  # "faster" in the form: the melody's own tempo times this (``relative`` sets ``tempo``)
    steps: int | None = None  # "up a tone" in the form: semitones (``relative`` sets ``transpose`` and ``register``)

    def __post_init__(self) -> None:
        for name in NAMES:
            TRANSFORM[name].check(getattr(self, name))

    def relative(self, tempo: int, key: Key) -> Targets:
        """The targets with a relative ``pace`` made a tempo, from the melody's ``tempo`` (rounded to 5 bpm), and
        ``steps`` a tonic from its ``key``: ``transpose`` goes the shorter way, so "down a fifth" is the 4th below
        the tonic and an octave down (``register``, unless one is asked for: "down a fifth, high register")."""
        low, high = TEMPO_RANGE
        paced = self if self.pace is None else replace(
            self, tempo=min(max(round(tempo * self.pace / 5) * 5, low), high), pace=None)
        if self.steps is None:
            return paced
        shorter = shorter_way(self.steps)  # as ``studio.transform.transpose`` moves
        octaves = (self.steps - shorter) // 12
        register = paced.register if not octaves or paced.register else "up" if octaves > 0 else "down"  # yours win
        pc = (key.tonic + self.steps) % 12  # spelled with the fewer sharps or flats: Db major, not C# major
        tonic = min((SHARP_NAMES[pc], FLAT_NAMES[pc]), key=lambda name: abs(signature_fifths(name, key.mode)))
        return replace(paced, transpose=tonic if shorter else None, register=register, steps=None)

    @property
    def given(self) -> dict[str, Any]:
        """The targets set, by name, in ``NAMES`` order."""
        return {name: getattr(self, name) for name in NAMES if getattr(self, name) is not None}


def shorter_way(shift: int) -> int:
    """A move to the key ``shift`` semitones away (any octave) the shorter way: at most a tritone up, else down."""
    return shift % 12 - (12 if shift % 12 > 6 else 0)


def no_targets() -> MusicError:
    return MusicError(f"Tell me what to change: {opt('mode')}, {opt('transpose')}, {opt('rhythm')}, {opt('style')}, "
                      f"{opt('tempo')} or {opt('register')} — e.g. {cmd('transform', mode='minor', rhythm='jig')}.",
                      "mode", "minor")


PACES = {"faster": 1.25, "quicker": 1.25, "slower": 0.8}  # "faster" in the form: a quarter faster than it is
_ALIASES = {"ionian": "major", "aeolian": "minor", "sad": "minor", "happy": "major", "slip-jig": "slip jig",
            "slipjig": "slip jig", "higher": "up",
            "lower": "down", "mid": "middle", "4/4": "reel", "2/2": "reel", "6/8": "jig", "9/8": "slip jig",
            "3/4": "waltz", "2/4": "march"}
_KINDS = {**dict.fromkeys(MODE_OFFSET, "mode"), **dict.fromkeys(RHYTHMS, "rhythm"), **dict.fromkeys(STYLES, "style"),
          **dict.fromkeys(TRANSFORM["register"].choices, "register")}
_FILLER = {"a", "an", "and", "as", "at", "bit", "bpm", "by", "change", "feel", "in", "into", "it", "key", "little",
           "lot", "make", "meter", "mode", "more", "much", "octave", "of", "one", "register", "rhythm", "style",
           "tempo", "the", "then", "time", "to", "transpose", "transposed", "with"}
_TONIC = re.compile(r"([a-g])(#|♯|b|♭|-?sharp|-?flat)?")  # `d`, `bb`, `f#`, `e-flat`: a tonic to transpose to
_BEFORE_TONIC = {"in", "into", "to", "of", "key"}  # "in A", "key of A": the note, not the article
FORM_EXAMPLES = ("dorian jig", "minor waltz 90 bpm", "in D, octave up")
INTERVALS = {"semitone": 1, "half step": 1, "halftone": 1, "minor second": 1, "tone": 2, "whole tone": 2, "step": 2,
             "whole step": 2, "major second": 2, "minor third": 3, "major third": 4, "fourth": 5, "perfect fourth": 5,
             "tritone": 6, "fifth": 7, "perfect fifth": 7, "minor sixth": 8, "major sixth": 9, "minor seventh": 10,
             "major seventh": 11}
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_UP = {"up": 1, "higher": 1, "down": -1, "lower": -1}
_STEPS = re.compile(  # "up a tone", "a fifth lower", "down 3 semitones", "2 half steps up"
    rf"\b(up|down|higher|lower)?\s*(?:by\s+)?\b({'|'.join(_COUNTS)}|\d{{1,2}})?\s*"
    rf"\b({'|'.join(sorted(INTERVALS, key=len, reverse=True))})s?\b\s*(up|down|higher|lower)?")


def _steps(said: str) -> tuple[str, int | None]:
    """``said`` without an interval to move by, and its semitones (signed); None when there is none. MusicError for
    one without a direction ("a tone": up or down?) or past an octave."""
    match = _STEPS.search(said)
    if match is None:
        return said, None
    before, count, interval, after = match.groups()
    if not (before or after):
        raise MusicError(f"Up or down? Say `up a {interval}` or `down a {interval}`.")
    times = int(count) if count and count.isdigit() else _COUNTS[count or "a"]
    steps = _UP[before or after] * INTERVALS[interval] * times
    if abs(steps) > 12:
        raise MusicError("Move it by an octave at most (`up a fifth`, `down 3 semitones`), or name the key: `in D`.")
    return said[:match.start()] + " " + said[match.end():], steps


def _tonic(words: list[str], i: int) -> str | None:
    """``words[i]`` as a tonic of ``studio.options.TONICS`` ("bb" -> "Bb"), or None; "a" only after "in", "to"…
    or before a mode ("a minor"), else it is the article."""
    match = _TONIC.fullmatch(words[i])
    if match is None:
        return None
    if words[i] == "a" and not ((i and words[i - 1] in _BEFORE_TONIC)
                                or (i + 1 < len(words) and _ALIASES.get(words[i + 1], words[i + 1]) in MODE_OFFSET)):
        return None
    sign = match[2] or ""
    return match[1].upper() + ("#" if sign in ("#", "♯") or sign.endswith("sharp") else "b" if sign else "")


def read_targets(text: str) -> Targets:
    """Targets in words, as typed in the Transform… form: "dorian jig", "minor, waltz, 90 bpm", "scottish octave up",
    "faster", or as options (`mode:lydian tempo:140`). MusicError for a word it doesn't know, two values for one
    target, or nothing at all."""
    said = re.sub(r"[,;+&·/]\s*(?!\d)", " ", (text or "").lower().replace("slip jig", "slip-jig"))
    said = re.sub(rf"\b(?:{'|'.join(NAMES)}):\s*", "", said)  # `mode:lydian`, as the slash command writes it
    said, steps = _steps(said)
    found: dict[str, Any] = {} if steps is None else {"steps": steps}
    words = said.split()
    for i, word in enumerate(words):
        word = _ALIASES.get(word, word)
        tempo = re.fullmatch(r"(\d{1,4})(?:bpm)?", word)
        tonic = _tonic(words, i)
        kind, value = ("tempo", int(tempo[1])) if tempo else ("pace", PACES[word]) if word in PACES else \
            ("transpose", tonic) if tonic else (_KINDS.get(word), word)
        if kind is None:
            if word in _FILLER:
                continue
            examples = " · ".join(f"`{e}`" for e in FORM_EXAMPLES)
            raise MusicError(f"I don't know `{word[:30]}`. Say what to change in a few words, e.g. {examples}. Modes: "
                             f"{', '.join(MODE_OFFSET)}; rhythms: {', '.join(RHYTHMS)}; styles: {', '.join(STYLES)}; "
                             f"register: up, down, low, middle, high; a key: in D, to Bb, up a tone; a tempo: 90 bpm, "
                             f"or faster, slower.")
        if {kind, *found} >= {"tempo", "pace"}:
            raise MusicError("Say faster or slower, or give a tempo (`120 bpm`), not both.")
        if "steps" in found and kind == "transpose":
            raise MusicError(f"Name the key (`in {value}`) or how far to move it (`up a tone`), not both.")
        if kind in found and found[kind] != value:
            raise MusicError(f"You asked for two of one thing ({kind} {found[kind]} and {value}): choose one.")
        found[kind] = value
    if not found:
        raise no_targets()
    return Targets(**found)
