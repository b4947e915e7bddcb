"""What an arrangement is: the request, its form, and the sections and tracks it is made of (plain data, light to
import: the render workers read arrangements without the melody model)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from data.errors import MusicError, opt
from data.events import Key, Meter, Note
from studio.arrange.chord_symbols import ChordSymbol, parse_progression
from studio.arrange.parts import ChordSpan, TrackNote
from studio.options import ARRANGE

FORM_EXAMPLE = (f"{opt('form', 'AABA')}, {opt('form', 'verse-chorus')} or letters A and B such as "
                f"{opt('form', 'AABB')} (at most 6 sections)")


def form_letters(form: str) -> tuple[list[str], bool]:
    """'AABA' -> ['A', 'A', 'B', 'A'], False; 'verse-chorus' -> ['A', 'B', 'A', 'B'], True (named sections)."""
    text = (form or "").strip()
    if text.lower().replace(" ", "-") in ("verse-chorus", "vc"):
        return list("ABAB"), True
    if not re.fullmatch(r"[ABab]{1,6}", text):
        raise MusicError(f"I can't use the form '{form}'. Try {FORM_EXAMPLE}.", "form", "AABA")
    return list(text.upper()), False


@dataclass(frozen=True)
class ArrangeRequest:
    """What `/arrange` asks for; checked on creation (bad options raise MusicError with an example)."""

    form: str = ARRANGE["form"].default
    style: str = ARRANGE["style"].default
    tempo: int | None = None
    instruments: str | None = None  # overrides the style's chord instrument
    chords: str | None = None  # chord symbols, else the Harmonizer chooses
    seed: int | None = None

    def __post_init__(self) -> None:
        form_letters(self.form)
        for name in ("style", "instruments", "tempo", "seed"):
            ARRANGE[name].check(getattr(self, name))
        if self.chords:
            parse_progression(self.chords)

    @property
    def progression(self) -> list[list[ChordSymbol]] | None:
        return parse_progression(self.chords) if self.chords else None


@dataclass(frozen=True)
class Section:
    """One part of the form: where it starts (ticks), its bars, the chords under it, how its melody was made."""

    label: str
    letter: str  # "intro", "A", "B", "outro"
    start: int
    bars: int
    variant: int  # 0 first statement; higher values vary the texture
    how: str
    chords: tuple[ChordSpan, ...]
    melody: tuple[Note, ...] = ()
    given: frozenset[int] = frozenset()  # indexes of ``melody`` notes the user wrote (perhaps an octave away)


@dataclass(frozen=True)
class Track:
    name: str
    program: int
    is_drum: bool
    notes: tuple[TrackNote, ...]


@dataclass(frozen=True)
class Arrangement:
    request: ArrangeRequest
    key: Key
    meter: Meter
    tempo: int
    sections: tuple[Section, ...]
    tracks: tuple[Track, ...]
    remarks: tuple[str, ...] = ()
    seed: int | None = None
    given: frozenset[int] = field(default_factory=frozenset)  # indexes of melody-track notes the user wrote
    words: tuple[tuple[int, str], ...] = ()  # (tick, syllable) sung on the melody track (``studio.arrange.words``)

    @property
    def bar_ticks(self) -> int:
        return self.meter.bar_ticks

    @property
    def total_bars(self) -> int:
        return sum(s.bars for s in self.sections)

    @property
    def total_ticks(self) -> int:
        return self.total_bars * self.bar_ticks

    @property
    def chords(self) -> list[ChordSpan]:
        return [c for s in self.sections for c in s.chords]
