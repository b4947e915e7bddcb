"""Rhythm: the note values used, dotted and triplet figures, and syncopation against the meter's accents."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from data.events import Melody, Meter


def accent(meter: Meter, place: int) -> int:
    """How strong a position in the bar is: 4 the downbeat, 3 another strong beat, 2 a beat, 1 half a beat (the
    unit in compound meters), 0 anything shorter."""
    if place == 0:
        return 4
    if place in meter.strong_ticks:
        return 3
    if place % meter.beat_ticks == 0:
        return 2
    half = meter.unit_ticks if meter.compound else meter.beat_ticks // 2
    return 1 if half and place % half == 0 else 0


@dataclass(frozen=True)
class Rhythm:
    values: tuple[tuple[int, int], ...]  # (ticks, count) of the notes' lengths, most used first
    rests: int
    dotted: int  # dotted notes
    triplets: int  # notes of triplet length
    syncopations: tuple[int, ...]  # bars (numbered as a score: 0 a pickup) where a note starts off the beat and
    # holds through a stronger one
    notes_per_bar: float

    @property
    def syncopated(self) -> bool:
        return bool(self.syncopations)


def syncopated_notes(melody: Melody) -> list[int]:
    """Onsets (ticks) of notes that start on a weaker position and sound through a stronger one (a tie over the
    bar line from an off-beat counts; a note held from the downbeat does not)."""
    meter = melody.meter
    found = []
    for onset, note in zip(melody.onsets(), melody.notes, strict=True):
        if note.pitch is None:
            continue
        at = onset + melody.start  # from the downbeat of the first note's bar
        here = accent(meter, at % meter.bar_ticks)
        if here >= 3:
            continue
        step = meter.unit_ticks if meter.compound else meter.beat_ticks // 2 or meter.beat_ticks
        crossing = range(at - at % step + step, at + note.ticks, step)
        if any(accent(meter, t % meter.bar_ticks) > here and accent(meter, t % meter.bar_ticks) >= 2
               for t in crossing):
            found.append(onset)
    return found


def rhythm(melody: Melody) -> Rhythm:
    notes = [n for n in melody.notes if n.pitch is not None]
    values = Counter(n.ticks for n in notes)
    beats = (melody.meter.beat_ticks, 2 * melody.meter.beat_ticks) if melody.meter.compound else ()
    dotted = sum(n.ticks in (9, 18, 36, 72) and n.ticks not in beats for n in notes)  # 6/8's beat is no figure
    triplets = sum(n.ticks in (2, 4, 8, 16) for n in notes)
    bars = sorted({melody.bar_of(onset) for onset in syncopated_notes(melody)})
    return Rhythm(tuple(values.most_common()), sum(n.pitch is None for n in melody.notes), dotted, triplets,
                  tuple(bars), len(notes) / max(melody.bars, 1))
