"""A melody written over the user's chords: ``MelodyGrammar`` leaning toward the tones of the chord sounding.

``chords`` are (start, end, pitch classes) spans in the grammar's ticks and the model's C-based space. A note
starting on a strong position of the bar (``Meter.strong_ticks``) leans toward the chord's tones by ``strong``
nats, one elsewhere by ``weak`` (passing notes stay possible: the model still chooses), and a note outside the
key's ``scale`` and the chord away by ``chromatic``: without a seed the model has nothing else to tell it the key
(`D G A D` came out with C, F and G#). The phrase-end cadence lean
is off by default (the chords make the cadences), and the last note is a tone of the last chord: the mode's end
degree where the chord holds it, else one of the chord's tones (a progression that ends on V ends on its root,
3rd or 5th, open, ready to go round again). Decoded in Python rows by the engine (``model.jobs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from model.sample import MelodyGrammar, _pitch_lean

STRONG_LEAN = 3.0  # nats toward the chord's tones on a strong position (bench.chord_melody: 94% are, 64% with no
# lean; Twinkle, Mary Had a Little Lamb and Ode to Joy over their lead sheets: 85%)
WEAK_LEAN = 1.0  # and elsewhere (73% of all notes are, 51% with no lean; those three songs: 82%)
CHROMATIC = 2.5  # nats against a note outside the key's scale and the chord (no seed sets the key for the model)


@dataclass
class ChordGrammar(MelodyGrammar):
    chords: tuple[tuple[int, int, frozenset[int]], ...] = ()
    scale: frozenset[int] = frozenset()  # the key's pitch classes (model space); empty: no lean against others
    strong: float | None = None  # None: STRONG_LEAN (read when made, so bench.chord_melody can set it)
    weak: float | None = None  # None: WEAK_LEAN
    chromatic: float = CHROMATIC
    cadence: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        self.strong = STRONG_LEAN if self.strong is None else self.strong
        self.weak = WEAK_LEAN if self.weak is None else self.weak
        last = self.chord_at(self.target - 1)
        if last is not None and not self._ends & last:
            self._ends = (last & self.stable) or last

    def chord_at(self, tick: int) -> frozenset[int] | None:
        """The pitch classes of the chord sounding at ``tick`` (None before the first or past the last)."""
        return next((pcs for start, end, pcs in self.chords if start <= tick < end), None)

    def bias(self) -> torch.Tensor | None:
        base = super().bias()
        chord = None if self._expect_duration else self.chord_at(self.now)
        if chord is None:
            return base
        strong = self.meter.strong_ticks if self.meter is not None else frozenset({0})
        weight = float(self.strong if self.now % self.bar_ticks in strong else self.weak)
        lean = _pitch_lean(self.vocab, weight, chord)
        if self.scale:
            lean = lean + _pitch_lean(self.vocab, -self.chromatic, frozenset(range(12)) - self.scale - chord)
        return lean if base is None else base + lean
