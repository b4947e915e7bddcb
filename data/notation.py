"""Typed note text <-> notes.

Forgiving on input: ``C E G`` (octave nearest the previous note, as in LilyPond's relative
mode), ``C5``, ``Eb``, ``F#3``, ``Bb:h``, ``G.``, ``R``, ``do re mi``, ``60 64 67``, bar lines
``|``. Durations: ``w h q e s`` (dots allowed, ``t`` for triplets) or LilyPond numbers
``1 2 4 8 16``; a note without one keeps the previous duration (a quarter to start).
Anything else raises ``MusicError`` naming the token and showing a valid example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from data.errors import MusicError
from data.events import (
    LETTER_PC,
    PIANO_HIGH,
    PIANO_LOW,
    TPQ,
    Note,
    duration_name,
    pitch_name,
)

EXAMPLE = "`C E G`, `C4:q D4:e E4:e G4:h`, `do re mi` or `60 64 67`"
MAX_SEED_NOTES = 64
FIRST_REFERENCE = 65  # F4: the first note without an octave lands nearest to it (C -> C4, A -> A4)

SOLFEGE = {"do": 0, "ut": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "so": 7, "la": 9, "ti": 11, "si": 11}
ACCIDENTALS = {"#": 1, "♯": 1, "s": 1, "is": 1, "b": -1, "♭": -1, "es": -1, "##": 2, "bb": -2, "x": 2, "": 0}
LETTER_DURATIONS = {"w": 48, "h": 24, "q": 12, "e": 6, "s": 3}
NUMBER_DURATIONS = {"1": 48, "2": 24, "4": 12, "8": 6, "16": 3}

_NOTE = re.compile(
    r"""(?P<name>[A-Ga-g]|do|ut|re|mi|fa|sol|so|la|ti|si)
        (?P<acc>\#\#|bb|\#|♯|b|♭|x|is|es)?
        (?P<octave>-?[0-9])?
        (?P<marks>'*)""",
    re.X,
)
_REST = re.compile(r"(?:r|rest|-)", re.I)
_DURATION = re.compile(r"(?P<base>[whqes]|16|1|2|4|8)(?P<dots>\.{0,2})(?P<triplet>t?)")


@dataclass(frozen=True)
class ParsedSeed:
    """The notes a user typed, with the tokens exactly as typed (for echoing back)."""

    notes: tuple[Note, ...]
    typed: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.typed)


def _split(text: str) -> list[str]:
    return [tok for tok in re.split(r"[\s,;]+", text.strip()) if tok]


def _parse_duration(text: str, token: str) -> int:
    fraction = re.fullmatch(r"([0-9]{1,2})/([1-9][0-9]?)", text)
    if fraction:  # quarters as a fraction: `5/4` is a quarter tied to a sixteenth
        ticks = Fraction(int(fraction[1]), int(fraction[2])) * TPQ
        if ticks.denominator == 1 and 0 < ticks <= 16 * TPQ:
            return int(ticks)
    match = _DURATION.fullmatch(text.lower())
    if not match:
        raise MusicError(
            f"I don't understand the duration in `{token}`. Use `:w :h :q :e :s` (or `:1 :2 :4 :8 :16`), "
            f"with `.` for dotted, or quarters as a fraction like `:5/4` — e.g. `C:q D:e. E:s G:h`."
        )
    base = match["base"]
    ticks = LETTER_DURATIONS.get(base) if base.isalpha() else NUMBER_DURATIONS[base]
    assert ticks is not None
    total, add = ticks, ticks
    for _ in match["dots"]:
        add //= 2
        total += add
    if match["triplet"]:
        total = total * 2 // 3
    return total


def _split_duration(token: str) -> tuple[str, str | None]:
    """'C4:q' -> ('C4', 'q'); 'G.' -> ('G', 'q.') style dotted shorthand is handled by the caller."""
    if ":" in token:
        head, _, dur = token.partition(":")
        return head, dur
    return token, None


def parse_seed(text: str, max_notes: int = MAX_SEED_NOTES) -> ParsedSeed:
    """Parse typed note text; raises MusicError (with a valid example) on anything unreadable."""
    tokens = _split(text or "")
    if not tokens or all(tok == "|" for tok in tokens):
        raise MusicError(f"Your seed is empty. Type a few notes, e.g. {EXAMPLE}.")
    notes: list[Note] = []
    typed: list[str] = []
    previous = FIRST_REFERENCE
    ticks = TPQ
    for token in tokens:
        if token in ("|", "||"):
            typed.append(token)
            continue
        if len(notes) >= max_notes:
            raise MusicError(
                f"That seed has more than {max_notes} notes. Give me a short motif (2-16 notes works best), "
                f"e.g. {EXAMPLE}."
            )
        head, dur = _split_duration(token)
        dotted = 0
        if dur is None:
            stripped = head.rstrip(".")
            dotted, head = len(head) - len(stripped), stripped
        if dur is not None:
            ticks = _parse_duration(dur, token)
        note_ticks = ticks
        for i in range(dotted):  # `G.` dots this note only
            note_ticks += ticks >> (i + 1)
        pitch = _parse_pitch(head, token, previous)
        if pitch is not None:
            if not PIANO_LOW <= pitch <= PIANO_HIGH:
                raise MusicError(
                    f"`{token}` is outside the piano's range (A0 to C8). Try a note between `A0` and `C8`, "
                    f"e.g. `C4`."
                )
            previous = pitch
        notes.append(Note(pitch, note_ticks))
        typed.append(token)
    return ParsedSeed(tuple(notes), tuple(typed))


def _parse_pitch(head: str, token: str, previous: int) -> int | None:
    if _REST.fullmatch(head):
        return None
    if re.fullmatch(r"[0-9]{1,3}", head):
        number = int(head)
        if number > 127:
            raise MusicError(f"`{token}` is not a MIDI note number (0-127). Try `60` for middle C.")
        return number
    match = _NOTE.fullmatch(head) or _NOTE.fullmatch(head.lower())
    if not match:
        raise MusicError(f"I don't know the note `{token}`. Type notes like {EXAMPLE}.")
    name = match["name"]
    pc = LETTER_PC[name.upper()] if len(name) == 1 else SOLFEGE[name.lower()]
    pc += ACCIDENTALS[match["acc"] or ""]
    if match["octave"] is not None:
        pitch = (int(match["octave"]) + 1) * 12 + pc
    else:
        pitch = previous + ((pc - previous + 6) % 12) - 6  # nearest to the previous note
    pitch += 12 * len(match["marks"])
    return pitch


def format_note(note: Note, flats: bool = False) -> str:
    """A note as text the parser reads back: 'G4:q', 'R:h'."""
    head = "R" if note.pitch is None else pitch_name(note.pitch, flats)
    return f"{head}:{duration_name(note.ticks)}"


def format_notes(notes: list[Note] | tuple[Note, ...], bar_ticks: int, start: int = 0, flats: bool = False) -> str:
    """Notes as text with bar lines, e.g. 'A4:e B4:e C5:q | D5:h'."""
    parts: list[str] = []
    now = start
    for note in notes:
        parts.append(format_note(note, flats))
        before = now // bar_ticks
        now += note.ticks
        if now // bar_ticks > before:
            parts.append("|")
    return " ".join(parts)


ARROW = " ➜ "  # between the seed as typed and the continuation, in shown and stored note text


def join_stored(seed: str, continuation: str) -> str:
    """``C E G ➜ A4:e B4:e C5:q | …``: the seed exactly as typed, then the continuation."""
    return f"{seed}{ARROW}{continuation}"


def split_stored(text: str) -> tuple[str, str | None]:
    """Shown or stored note text back to (seed, continuation); without the arrow, (text, None)."""
    seed, arrow, continuation = (text or "").partition(ARROW)
    return (seed, continuation) if arrow else (seed, None)


def stored_notes(text: str) -> tuple[Note, ...]:
    """Every note of shown or stored note text, seed and continuation together (MusicError if unreadable)."""
    seed, continuation = split_stored(text)
    return parse_seed(f"{seed} {continuation or ''}", max_notes=100_000).notes
