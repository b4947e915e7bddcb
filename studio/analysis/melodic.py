"""The line itself: range and tessitura, steps and leaps, contour."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from data.events import Melody

# Comfortable ranges of the four choir voices (MIDI): where a learner could sing the whole melody.
VOICES = (("soprano", 60, 81), ("alto", 53, 74), ("tenor", 48, 69), ("bass", 40, 62))
TESSITURA_SHARE = 0.75  # the narrowest band holding this share of the sounding time


@dataclass(frozen=True)
class Range:
    low: int
    high: int
    tess_low: int  # the narrowest band holding TESSITURA_SHARE of the time
    tess_high: int
    tess_share: float
    voices: tuple[str, ...]  # voices whose comfortable range holds the whole melody

    @property
    def span(self) -> int:
        return self.high - self.low


def pitch_range(melody: Melody) -> Range:
    timed = [(n.pitch, n.ticks) for n in melody.notes if n.pitch is not None]
    pitches = [p for p, _ in timed]
    low, high = min(pitches), max(pitches)
    total = sum(t for _, t in timed)
    best = (low, high, 1.0)
    for a in range(low, high + 1):
        for b in range(a, high + 1):
            share = sum(t for p, t in timed if a <= p <= b) / total
            if share >= TESSITURA_SHARE:
                if b - a < best[1] - best[0]:
                    best = (a, b, share)
                break
    voices = tuple(name for name, lo, hi in VOICES if lo <= low and high <= hi)
    return Range(low, high, best[0], best[1], best[2], voices)


@dataclass(frozen=True)
class Intervals:
    count: int  # moves between consecutive notes (rests skipped)
    repeats: int  # the same note again
    steps: int  # a second (1-2 semitones)
    skips: int  # a third (3-4)
    leaps: int  # a fourth or more
    largest: int  # semitones, signed (up > 0)
    largest_at: tuple[int, int, int]  # (bar, from pitch, to pitch) of the first largest move
    rising: int
    falling: int

    @property
    def conjunct(self) -> bool:
        """Mostly by step (repeated notes included)."""
        return self.count > 0 and (self.steps + self.repeats) / self.count >= 0.6


def intervals(melody: Melody) -> Intervals:
    pitched = [(o, n.pitch) for o, n in zip(melody.onsets(), melody.notes, strict=True) if n.pitch is not None]
    moves = [(melody.bar_of(o2), p1, p2) for (_, p1), (o2, p2) in pairwise(pitched)]
    sizes = [p2 - p1 for _, p1, p2 in moves]
    largest = max(sizes, key=abs, default=0)
    where = next(((b, p1, p2) for b, p1, p2 in moves if p2 - p1 == largest), (1, 0, 0))
    return Intervals(len(sizes), sum(s == 0 for s in sizes), sum(1 <= abs(s) <= 2 for s in sizes),
                     sum(3 <= abs(s) <= 4 for s in sizes), sum(abs(s) >= 5 for s in sizes), largest, where,
                     sum(s > 0 for s in sizes), sum(s < 0 for s in sizes))


@dataclass(frozen=True)
class Contour:
    shape: str  # "arch", "inverted arch", "rising", "falling", "wave", "level"
    climax: int  # the highest pitch
    climax_bar: int  # where it is first reached
    climax_times: int  # how many notes reach it


def contour_shape(pitches: list[int], where: list[float]) -> str:
    """The outline of a line of ``pitches`` at relative positions ``where`` (0-1): the shape a teacher would
    draw in the air."""
    if len(pitches) < 3 or max(pitches) - min(pitches) <= 2:
        return "level"
    start, end = pitches[0], pitches[-1]
    high, low = max(pitches), min(pitches)
    peak = where[pitches.index(high)]
    trough = where[pitches.index(low)]
    turns = _turns(pitches, threshold=max(3, -(-(high - low) // 2)))
    if turns >= 3:
        return "wave"
    if 0.2 <= peak <= 0.8 and high - start >= 3 and high - end >= 3:
        return "arch"
    if 0.2 <= trough <= 0.8 and start - low >= 3 and end - low >= 3:
        return "inverted arch"
    if end - start >= 3:
        return "rising"
    if start - end >= 3:
        return "falling"
    return "wave" if turns >= 2 else "level"


def _turns(pitches: list[int], threshold: int) -> int:
    """How often the line changes direction by at least ``threshold`` semitones."""
    turns, direction, anchor = 0, 0, pitches[0]
    for p in pitches[1:]:
        if direction >= 0 and p <= anchor - threshold:
            turns += direction > 0
            direction, anchor = -1, p
        elif direction <= 0 and p >= anchor + threshold:
            turns += direction < 0
            direction, anchor = 1, p
        elif (direction > 0 and p > anchor) or (direction < 0 and p < anchor):
            anchor = p
    return turns


def contour(melody: Melody, start: int = 0, end: int | None = None) -> Contour:
    """The contour of the melody, or of the part between ticks ``start`` and ``end``."""
    end = melody.ticks if end is None else end
    span = max(end - start, 1)
    notes = [(o, n.pitch) for o, n in zip(melody.onsets(), melody.notes, strict=True)
             if n.pitch is not None and start <= o < end]
    pitches = [p for _, p in notes]
    where = [(o - start) / span for o, _ in notes]
    high = max(pitches)
    first = next(o for o, p in notes if p == high)
    return Contour(contour_shape(pitches, where), high, melody.bar_of(first),
                   sum(p == high for p in pitches))
