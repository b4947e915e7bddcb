"""Candidates that came out the same: a reply shows each melody once, and says why they matched.

A seed that leaves one beat to write (`C E G` in one bar of 4/4) has nowhere to go, and at a low temperature the
model writes the same notes for every RNG seed: three identical candidates with three sets of buttons help nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from data.errors import opt
from studio.options import MELODY

if TYPE_CHECKING:
    from studio.melody import MelodyResult

LOW_TEMPERATURE = 0.5  # at or below this, the same notes for every RNG seed are to be expected


def distinct(results: Sequence[MelodyResult]) -> tuple[list[MelodyResult], str]:
    """The first of each group of candidates that sound the same (notes, meter and tempo), in order, and a
    sentence saying how many matched and what to change for different ones ("" when all differ)."""
    kept: list[MelodyResult] = []
    seen: set[tuple] = set()
    for result in results:
        sound = (result.melody.notes, result.melody.meter, result.melody.tempo)
        if sound not in seen:
            seen.add(sound)
            kept.append(result)
    if len(kept) == len(results):
        return kept, ""
    first = kept[0]
    meter = first.melody.meter
    written = sum(n.ticks for n in first.melody.notes[first.melody.seed_len:])
    beats = written / meter.beat_ticks
    if len(kept) == 1:
        said = f"All {len(results)} candidates came out the same, so I show one."
    else:
        said = f"{len(results) - len(kept)} of the {len(results)} candidates came out the same as another, so I show " \
               f"{len(kept)}."
    if written < meter.bar_ticks and first.request.rewrite is None and first.request.transform is None:
        bars = min(MELODY["bars"].high, max(4, 2 * first.request.bars))
        return kept, (f"{said} Your notes leave {beats:g} beat{'s' * (beats != 1)} to write: for more, ask for "
                      f"{opt('bars', bars)}.")
    if first.request.temperature <= LOW_TEMPERATURE:
        return kept, (f"{said} At temperature {first.request.temperature:g} the model hardly varies: for variety, "
                      f"raise it, e.g. {opt('temperature', 1.0)}.")
    return kept, said
