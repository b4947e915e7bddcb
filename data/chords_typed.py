"""Chord symbols typed where the notes of a tune go (`Am`, or a whole `Am F C G`): what they are, for the notation
parser's errors, which say how to write a tune over them instead."""

from __future__ import annotations

import re
from collections.abc import Collection

from data.chord_kinds import chord_notes
from data.errors import MusicError, cmd

CHORD = re.compile(r"(?P<root>[A-G][#b]?)(?P<quality>[^/\s:]+)")  # a kind of ``QUALITIES`` after a root


class ChordTyped(MusicError):
    """A chord symbol typed among notes; ``tones`` its notes, as a hint (`Am`: `A C E`)."""

    def __init__(self, message: str, tones: str) -> None:
        super().__init__(message)
        self.tones = tones


def chord_tones(head: str) -> str | None:
    """`A C E` for `Am`; None when ``head`` is no chord symbol."""
    chord = CHORD.fullmatch(head)
    return chord_notes(chord["root"], chord["quality"]) if chord else None


def progression_typed(tokens: list[str], marks: Collection[str], tones: str) -> MusicError | None:
    """`Am F C G` typed where a tune is needed (``marks``: bar lines and the like): the chords, and how to write a
    tune over them; None when not every other token is a chord symbol or a plain note letter."""
    if not all(chord_tones(t) or re.fullmatch(r"[A-G][#b]?", t) for t in tokens if t not in marks):
        return None
    typed = " ".join(tokens)
    return MusicError(f"`{typed[:60]}` reads as chords, and I need the notes of a tune. Write a tune over them with "
                      f"{cmd('melody', chords=typed)}, then use its reply's **Apps** menu; or type the notes one "
                      f"after another ({tones}).", "notes", "C E G")
