"""A melody written over the user's chords: ``MelodyGrammar`` (and ``InfillGrammar`` for rewritten bars) leaning
toward the tones of the chord sounding.

``chords`` are (start, end, pitch classes) spans on the grammar's clock, in the model's C-based space. A note
starting on one of the bar's ``strong_ticks`` leans toward the chord's tones by ``strong`` nats, one elsewhere by
``weak`` (passing notes stay possible: the model still chooses), and a note outside the key's ``scale`` and the
chord away by ``chromatic``: without a seed nothing else tells the model the key (`D G A D` came out with C, F
and G#); a note that would sound the pitch of the two before it leans away by ``REPEAT_LEAN`` (the chord lean alone kept
a melody on one chord tone: `C C C C C`). The phrase-end cadence lean is off (the chords make the cadences), and
the last note is a tone of the last chord: the mode's end degree where the chord holds it, else one of the chord's
tones (a progression that ends on V ends on its root, 3rd or 5th, open, ready to go round again). Decoded in Python
rows by the engine (``model.jobs``). ``ChordRhythm`` does the same for words set to music over chords (the rhythm
given), the repeat lean too (words over chords sang 12.7% of notes on the pitch of the two before, 46% of lines
4+ in a row; without chords 5.0% and 17%).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from model.infill import InfillGrammar
from model.sample import MelodyGrammar, RhythmGrammar, _pitch_lean
from model.vocab import Vocab

STRONG_LEAN = 3.0  # nats toward the chord's tones on a strong position (bench.chord_melody: 92% are, 63% with no
# lean; Twinkle, Mary Had a Little Lamb and Ode to Joy over their lead sheets: 85%)
WEAK_LEAN = 1.0  # and elsewhere (72% of all notes are, 52% with no lean; those three songs: 82%)
CHROMATIC = 2.5  # nats against a note outside the key's scale and the chord (no seed sets the key for the model)
REPEAT_LEAN = 1.5  # nats against a third note in a row on one pitch: the chord lean kept melodies on a chord tone
# (45% of them sounded one pitch 4+ times in a row, the corpus's openings 11%; with it 12%: bench.chord_melody)


Chords = tuple[tuple[int, int, frozenset[int]], ...]  # (start, end, pitch classes) on the grammar's clock


def chord_lean(vocab: Vocab, chords: Chords, scale: frozenset[int], tick: int, strong: bool,
               weights: tuple[float, float, float]) -> torch.Tensor | None:
    """The lean on a note starting at ``tick``: toward the sounding chord's tones by ``weights[0]`` on a strong
    position (else ``weights[1]``), away from notes outside ``scale`` and the chord by ``weights[2]``; None where no
    chord sounds."""
    chord = next((pcs for start, end, pcs in chords if start <= tick < end), None)
    if chord is None:
        return None
    lean = _pitch_lean(vocab, weights[0] if strong else weights[1], chord)
    if scale:
        lean = lean + _pitch_lean(vocab, -weights[2], frozenset(range(12)) - scale - chord)
    return lean


def repeat_lean(vocab: Vocab, notes: list, weight: float) -> torch.Tensor | None:
    """``weight`` nats against the pitch the last two ``notes`` both sounded (None: they didn't, or no weight)."""
    if not weight or len(notes) < 2 or notes[-1].pitch is None or notes[-1].pitch != notes[-2].pitch:
        return None
    return _one_pitch(vocab, notes[-1].pitch, -weight)


@lru_cache(maxsize=512)
def _one_pitch(vocab: Vocab, pitch: int, weight: float) -> torch.Tensor:
    """``weight`` on the token of ``pitch`` alone (shared between grammars: read only)."""
    lean = torch.zeros(len(vocab))
    lean[vocab.stoi[f"p{pitch}"]] = weight
    return lean


def _plus(base: torch.Tensor | None, lean: torch.Tensor | None) -> torch.Tensor | None:
    return lean if base is None else base if lean is None else base + lean


@dataclass
class ChordGrammar(MelodyGrammar):
    """``MelodyGrammar`` over chords (see the module's doc)."""

    chords: Chords = ()
    scale: frozenset[int] = frozenset()  # the key's pitch classes (model space); empty: no lean against others
    strong_ticks: frozenset[int] = frozenset({0})  # the meter's strong positions in a bar
    strong: float | None = None  # None: STRONG_LEAN (read when made, so bench.chord_melody can set it)
    weak: float | None = None  # None: WEAK_LEAN
    chromatic: float = CHROMATIC
    cadence: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        self.strong = STRONG_LEAN if self.strong is None else self.strong
        self.weak = WEAK_LEAN if self.weak is None else self.weak
        last = next((pcs for start, end, pcs in self.chords if start <= self.target - 1 < end), None)
        if last is not None and not self._ends & last:
            self._ends = (last & self.stable) or last

    def bias(self) -> torch.Tensor | None:
        if self._expect_duration:
            return super().bias()
        weights = (float(self.strong or 0.0), float(self.weak or 0.0), self.chromatic)
        lean = chord_lean(self.vocab, self.chords, self.scale, self.now, self.now % self.bar_ticks in self.strong_ticks,
                          weights)
        lean = _plus(lean, repeat_lean(self.vocab, self.notes, REPEAT_LEAN))
        return _plus(super().bias(), lean)


@dataclass
class ChordInfill(InfillGrammar):
    """``InfillGrammar`` over chords: bars rewritten in a melody written over them lean as ``ChordGrammar`` does."""

    chords: Chords = ()
    scale: frozenset[int] = frozenset()
    strong_ticks: frozenset[int] = frozenset({0})

    def bias(self) -> torch.Tensor | None:
        if self._expect_duration:
            return super().bias()
        return chord_lean(self.vocab, self.chords, self.scale, self.now, self.now % self.bar_ticks in self.strong_ticks,
                          (STRONG_LEAN, WEAK_LEAN, CHROMATIC))


@dataclass
class ChordRhythm(RhythmGrammar):
    """``RhythmGrammar`` (words set to music, the rhythm given) over chords: each pitch leans as ``ChordGrammar``'s,
    and the last sounding note is a tone of the chord under it (its stable ones when it holds any)."""

    chords: Chords = ()
    scale: frozenset[int] = frozenset()
    strong_ticks: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        super().__post_init__()
        at = sum(ticks for ticks, _ in self.rhythm[:self._last])
        last = next((pcs for start, end, pcs in self.chords if start <= at < end), None)
        if last is None:
            return
        ends = (last & self.stable) or last
        low, high = self.pitch_range or (0, 127)
        mask = torch.zeros_like(self._last_mask)
        for i, p in self._pitches.items():
            mask[i] = low <= p <= high and p % 12 in ends
        if mask.any():
            self._last_mask = mask

    def bias(self) -> torch.Tensor | None:
        return _plus(chord_lean(self.vocab, self.chords, self.scale, self.now,
                                self.now % self.bar_ticks in self.strong_ticks, (STRONG_LEAN, WEAK_LEAN, CHROMATIC)),
                     repeat_lean(self.vocab, self.notes, REPEAT_LEAN))
