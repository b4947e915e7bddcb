"""Bars whose melody repeats an earlier bar's, so that a song's chords repeat with them.

A tune that restates its opening bar at bar 5 is heard as the same music again; a lead sheet gives it the same
chords, unless the phrase around it turns elsewhere. The decoder sees each span's notes alone and lets a close call
go either way (Die lustigen Gesellen's restated `C E G` got F at bar 3), so ``harmonize`` decodes once, then again
with a lean (``REPEAT_TIE``) toward the chords each repeated bar's first statement took.
"""

from __future__ import annotations

from data.events import Melody

REPEAT_TIE = 1.0  # log-score for a span of a repeated bar to take the chord of the same span in the first statement


def bar_contents(melody: Melody) -> list[tuple[tuple[int, int | None, int], ...]]:
    """Each bar's notes from its downbeat (the melody starts on one): (place in the bar, pitch, ticks sounded in the
    bar) of every note sounding in it, a note held over the bar line included from the downbeat."""
    bar = melody.meter.bar_ticks
    bars: list[list[tuple[int, int | None, int]]] = [[] for _ in range(-(-melody.ticks // bar))]
    for onset, note in zip(melody.onsets(), melody.notes, strict=True):
        end = onset + note.ticks
        for b in range(onset // bar, -(-end // bar)):
            start = b * bar
            bars[b].append((max(onset - start, 0), note.pitch, min(end, start + bar) - max(onset, start)))
    return [tuple(notes) for notes in bars]


def repeated_spans(melody: Melody, bounds: list[tuple[int, int]]) -> dict[int, int]:
    """Span index -> the index of the span at the same place in the bar that first had the same notes, for the spans
    of every bar that repeats an earlier one (two sounded pitches or more; a final bar cut short never matches)."""
    bar = melody.meter.bar_ticks
    index = {bound: k for k, bound in enumerate(bounds)}
    first: dict[tuple, int] = {}
    ties: dict[int, int] = {}
    for b, notes in enumerate(bar_contents(melody)):
        if sum(pitch is not None for _, pitch, _ in notes) < 2:
            continue
        earlier = first.setdefault(notes, b)
        if earlier == b:
            continue
        shift = (b - earlier) * bar
        for k, (start, end) in enumerate(bounds):
            if b * bar <= start < (b + 1) * bar and (original := index.get((start - shift, end - shift))) is not None:
                ties[k] = original
    return ties
