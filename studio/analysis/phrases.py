"""Phrases and form: cut the melody into phrases of whole bars, compare them, and name them with letters.

Two phrases are compared on a grid of sixteenths: the share of the grid where they play the same pitch (after the
best transposition, so a sequence — the same intervals a step higher — still matches) and the share of note
onsets they have in common (rhythm). A phrase close enough to an earlier one takes its letter (A); one that is
similar but changed, or that opens like it and ends differently, is a variation (A'); anything else is new (B, C…).
Rhythm alone matches too easily in running notes (every bar of a reel is sixteenths), so pitch weighs most.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from data.events import Melody

GRID = 3  # ticks: a sixteenth
# Similarity = 0.85 x pitch (after the best transposition) + 0.15 x rhythm; the same letter from 0.9, a variation
# (A') from 0.8, or when the first half is the same (a new ending): chosen on the fitting tunes of
# ``python -m bench.analyze --fit`` (repeats against their notation).
PITCH_SHARE = 0.85
SAME, VARIED = 0.9, 0.8


@dataclass(frozen=True)
class Phrase:
    """One phrase: where it lies, its letter, and which earlier phrase it repeats or varies."""

    index: int
    start: int  # ticks from the first note (the first phrase holds any pickup)
    end: int
    first_bar: int  # as a score numbers them: 1 the first full bar
    last_bar: int
    letter: str  # "A", "A'", "B"…
    like: int | None  # the earlier phrase it repeats or varies
    similarity: float  # to ``like`` (0 when new)
    shift: int  # semitones: a repeat played higher (> 0) or lower

    @property
    def bars(self) -> str:
        return f"bar {self.first_bar}" if self.first_bar == self.last_bar else f"bars {self.first_bar}-{self.last_bar}"


def phrase_bars(melody: Melody) -> int:
    """How many bars a phrase has: four, or two in melodies under eight bars, one under four."""
    bars = melody.bars
    return 4 if bars >= 8 else 2 if bars >= 4 else 1


def _grid(melody: Melody, start: int, end: int) -> tuple[list[int | None], frozenset[int]]:
    """The pitch sounding at each sixteenth of [start, end) (None: a rest) and the grid steps where notes begin."""
    length = -(-(end - start) // GRID)
    pitches: list[int | None] = [None] * length
    onsets = set()
    for onset, note in zip(melody.onsets(), melody.notes, strict=True):
        if note.pitch is None or onset + note.ticks <= start or onset >= end:
            continue
        if onset >= start:
            onsets.add((onset - start) // GRID)
        for k in range(max(onset, start) - start, min(onset + note.ticks, end) - start, GRID):
            pitches[k // GRID] = note.pitch
    return pitches, frozenset(onsets)


def similarity(a: tuple[list[int | None], frozenset[int]], b: tuple[list[int | None], frozenset[int]]
               ) -> tuple[float, int]:
    """(similarity 0-1, transposition in semitones from ``b`` to ``a``) of two phrase grids."""
    pa, pb = a[0], b[0]
    n = max(len(pa), len(pb))
    pa, pb = pa + [None] * (n - len(pa)), pb + [None] * (n - len(pb))
    shifts = Counter(x - y for x, y in zip(pa, pb, strict=True) if x is not None and y is not None)
    best, best_shift = 0.0, 0
    for shift in {0, *(s for s, _ in shifts.most_common(2))}:
        same = sum((x is None and y is None) or (x is not None and y is not None and x - y == shift)
                   for x, y in zip(pa, pb, strict=True))  # transposed, a note matches only by that shift
        if same / n > best + 1e-9 or (abs(same / n - best) < 1e-9 and shift == 0):
            best, best_shift = same / n, shift
    union = a[1] | b[1]
    rhythm = len(a[1] & b[1]) / len(union) if union else 1.0
    return PITCH_SHARE * best + (1 - PITCH_SHARE) * rhythm, best_shift


def _half(grid: tuple[list[int | None], frozenset[int]]) -> tuple[list[int | None], frozenset[int]]:
    """The first half of a phrase grid."""
    middle = len(grid[0]) // 2
    return grid[0][:middle], frozenset(o for o in grid[1] if o < middle)


def find_phrases(melody: Melody, bars: int | None = None, same: float = SAME, varied: float = VARIED,
                 opening_rule: bool = True) -> list[Phrase]:
    """The melody cut into phrases of ``bars`` bars (default ``phrase_bars``) at its bar lines, each with its
    letter: a pickup leads into the first phrase, but phrases are compared from their first downbeat."""
    bars = bars or phrase_bars(melody)
    span = bars * melody.meter.bar_ticks
    total = melody.ticks
    cuts = list(range(melody.pickup, total, span)) or [melody.pickup]  # the downbeats that begin phrases
    onsets = melody.onsets()
    while len(cuts) > 1 and onsets[-1] < cuts[-1]:  # the last note held into a phrase of its own: no phrase there
        cuts.pop()
    grids = [_grid(melody, start, min(start + span, total)) for start in cuts]
    phrases: list[Phrase] = []
    letters: list[str] = []
    next_letter = 0
    for i, downbeat in enumerate(cuts):
        start, end = 0 if i == 0 else downbeat, min(downbeat + span, total)
        first, last = melody.bar_of(downbeat), melody.bar_of(end - 1)
        scored = [(similarity(grids[i], grids[j]), j) for j in range(i)]
        if not any(p is not None for p in grids[i][0]):  # only rests: no letter of its own
            phrases.append(Phrase(i, start, end, first, last, "–", None, 0.0, 0))
            letters.append("–")
            continue
        best = max(scored, key=lambda s: (round(s[0][0], 6), s[0][1] == 0, -s[1]), default=None)
        if best is not None and best[0][0] < varied and opening_rule:
            half = [(similarity(_half(grids[i]), _half(grids[j])), j) for j in range(i) if letters[j] != "–"]
            opening = max(half, key=lambda s: (round(s[0][0], 6), -s[1]), default=None)
            if opening is not None and opening[0][0] >= same and opening[0][1] == 0:
                best = ((max(best[0][0], varied), 0), opening[1])  # the same opening, a new ending: a variation
        if best is not None and best[0][0] >= varied and letters[best[1]] != "–":
            (sim, shift), j = best
            base = letters[j].rstrip("'")
            if sim >= same and shift % 12 == 0:
                letter = letters[j]
            else:
                primes = max((len(x) - len(base) for x in letters if x.rstrip("'") == base), default=0)
                twin = next((k for k in range(i) if letters[k].rstrip("'") == base and len(letters[k]) > len(base)
                             and similarity(grids[i], grids[k])[0] >= same), None)
                letter = letters[twin] if twin is not None else base + "'" * (primes + 1)
            phrases.append(Phrase(i, start, end, first, last, letter, j, sim, shift))
        else:
            letter = chr(ord("A") + next_letter) if next_letter < 26 else f"Z{next_letter}"
            next_letter += 1
            phrases.append(Phrase(i, start, end, first, last, letter, None, 0.0, 0))
        letters.append(phrases[-1].letter)
    return phrases


def form(phrases: list[Phrase]) -> str:
    """The letters in a row: "AA'BA"."""
    return "".join(p.letter for p in phrases)
