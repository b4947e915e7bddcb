"""Filling a gap between kept bars with a left-to-right model: the decoding grammar, and the look-ahead scorer.

The melody LSTM only reads left to right, so the bars after a gap cannot steer its sampling. Instead
``studio.rewrite`` samples several fillings of the gap from the forward model (prompt = everything before the gap,
``InfillGrammar`` = exactly the gap's ticks in whole bars, no note crossing its end) and keeps the one that leads
best into what follows: ``fill_scores`` teacher-forces each filling and the kept bars after it through the model
in one batched pass (the log-probability of the kept bars given the prompt and the filling), and ``join_score``
penalises awkward joins (the interval into the gap's first note and out of its last, when it is rare among the
corpus's intervals between consecutive notes, ``interval_logprobs``).

Shapes: B fillings, T tokens, V vocabulary, L layers, H hidden.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from data.events import BAR, DURATIONS, REST, TPQ, Note, decode_notes
from model.lstm import MelodyLSTM
from model.sample import _reachable, keep_grouped
from model.vocab import Vocab

MAX_INTERVAL = 12  # intervals wider than an octave share one bin per direction
JOIN_WEIGHT = 1.0  # nats of the kept bars' log-probability one nat of ``join_score`` is worth (bench/rewrite.py)
JOIN_FLOOR = 0.01  # a join interval rarer than this among the corpus's consecutive notes is penalised
SCORE_BARS = 4  # kept bars after a gap that its fillings are scored on (the gap's influence fades after a phrase)


@dataclass
class InfillGrammar:
    """Per-request decoding state that fills the ticks ``now`` .. ``end`` between kept bars.

    Whole bars: a duration never crosses a bar line (bar lines at multiples of ``bar_ticks``) or ``end``, and always
    leaves a remainder that model durations can fill, so the filling lands exactly on ``end``; triplets come in
    whole groups (``model.sample.grouped``). Any pitch or rest may come anywhere (the last note is not a cadence:
    the melody goes on after the gap). ``density`` leans durations as
    ``model.sample.MelodyGrammar``'s does. Implements the engine's ``Grammar`` protocol.
    """

    vocab: Vocab
    prompt: list[int]
    now: int
    end: int
    bar_ticks: int
    density: float = 0.0
    notes: list[Note] = field(default_factory=list)
    _pitch: int | None = None
    _expect_duration: bool = False
    _forced: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0 <= self.now < self.end:
            raise ValueError(f"a gap needs now < end, not {self.now} .. {self.end}")
        v = self.vocab
        self._bar = v.stoi[BAR]
        self._durations = {v.stoi[f"d{d}"]: d for d in DURATIONS}
        self._pitches = v.pitches
        self._reach = _reachable(max(self.bar_ticks, max(DURATIONS)))
        self._pitch_mask = torch.zeros(len(v), dtype=torch.bool)
        self._pitch_mask[[*self._pitches, v.stoi[REST]]] = True
        self._masks: dict[tuple[int, int], torch.Tensor] = {}
        self._lean: torch.Tensor | None = None
        if self.density:
            self._lean = torch.zeros(len(v))
            for i, d in self._durations.items():
                self._lean[i] = -self.density * math.log2(d / TPQ)  # as MelodyGrammar's: busier for density > 0

    @property
    def done(self) -> bool:
        return self.now >= self.end

    def _room(self) -> int:
        """Ticks the next note may take: to the next bar line or the gap's end, whichever is first."""
        return min(self.bar_ticks - self.now % self.bar_ticks, self.end - self.now)

    def forced(self) -> int | None:
        """Bar lines, inserted after a note that ends on one."""
        return self._forced.pop(0) if self._forced else None

    def bias(self) -> torch.Tensor | None:
        return self._lean if self._expect_duration else None

    def allowed(self) -> torch.Tensor:
        """Any pitch or a rest; then a duration that fits the bar and leaves a fillable rest of it (cached)."""
        if not self._expect_duration:
            return self._pitch_mask
        room, at = self._room(), self.now % self.bar_ticks
        if (room, at) not in self._masks:
            mask = torch.zeros(len(self.vocab), dtype=torch.bool)
            fits = [i for i, d in self._durations.items() if d <= room and room - d in self._reach]
            mask[keep_grouped(fits, self._durations, at, self.bar_ticks)] = True
            if not mask.any():  # a room no run of model durations fills (never on the usual grids): fill it at once
                mask[max((i for i, d in self._durations.items() if d <= room),
                         key=self._durations.__getitem__, default=min(self._durations))] = True
            self._masks[room, at] = mask
        return self._masks[room, at]

    def accept(self, token: int) -> None:
        if not self._expect_duration:
            self._pitch = self._pitches.get(token)
            self._expect_duration = True
            return
        room = self._room()
        ticks = self._durations[token]
        if ticks > room or (ticks < room and room - ticks not in self._reach):
            ticks = room  # see ``allowed``: an unfillable room is filled by this note
        self.notes.append(Note(self._pitch, ticks))
        self.now += ticks
        self._expect_duration = False
        if self.now % self.bar_ticks == 0:
            self._forced.append(self._bar)


# ---- the look-ahead scorer --------------------------------------------------------------------------------------
def fill_scores(model: MelodyLSTM, prompt: list[int], fillings: Sequence[list[int]], after: list[int],
                pad: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forced log-probabilities under ``model``, one batched pass over every filling.

    ``prompt``: the tokens before the gap (controls and kept notes); ``fillings``: each candidate's tokens for the
    gap (bar lines included); ``after``: the kept tokens after the gap (the same for every filling). Returns
    ``(log p(filling | prompt), log p(after | prompt, filling))``, each (B,), summed over tokens (natural log).
    """
    device = model.head.weight.device
    count = len(fillings)
    with torch.inference_mode():
        first, (h, c) = model.prefill([prompt])  # (1, V), (L, 1, H)
        sequences = [list(f) + list(after) for f in fillings]
        width = max(len(s) for s in sequences)
        tokens = torch.full((count, width), pad, dtype=torch.long)
        for i, s in enumerate(sequences):
            tokens[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        state = (h.expand(-1, count, -1).contiguous(), c.expand(-1, count, -1).contiguous())
        logits, _ = model(tokens.to(device), state)  # (B, T, V); right padding never reaches earlier positions
        predict = torch.cat([first.expand(count, 1, -1), logits[:, :-1]], dim=1).float()  # what predicts token t
        picked = torch.log_softmax(predict, dim=-1).gather(-1, tokens.to(device)[..., None])[..., 0].cpu()  # (B, T)
    lengths = torch.tensor([len(f) for f in fillings])
    position = torch.arange(width)[None, :]
    in_fill = position < lengths[:, None]
    in_after = (position >= lengths[:, None]) & (position < (lengths + len(after))[:, None])
    return (picked * in_fill).sum(1), (picked * in_after).sum(1)


@functools.cache
def interval_logprobs() -> dict[int, float]:
    """log P(interval) between consecutive notes (rests skipped) in the corpus's training tunes: the first eight
    bars of every tune in ``data/tunes.json.gz``, intervals in semitones clipped to ±``MAX_INTERVAL`` (the
    outermost bins hold everything wider), add-one smoothed. Read once (about a second)."""
    from data.prepare import split_of  # imported here: only the first call needs them
    from data.tunes import load_index

    counts: Counter[int] = Counter()
    for tune in load_index():
        if split_of(tune.ident) != "train":
            continue
        pitches = [n.pitch for n in decode_notes(tune.tokens.split()) if n.pitch is not None]
        counts.update(_clip(b - a) for a, b in itertools.pairwise(pitches))
    total = sum(counts.values()) + 2 * MAX_INTERVAL + 1
    return {i: math.log((counts[i] + 1) / total) for i in range(-MAX_INTERVAL, MAX_INTERVAL + 1)}


def _clip(interval: int) -> int:
    return max(-MAX_INTERVAL, min(MAX_INTERVAL, interval))


def join_intervals(before: Sequence[Note], filling: Sequence[Note], after: Sequence[Note]) -> list[int]:
    """The intervals at a gap's joins: from the last note before it into the filling's first, and from the
    filling's last into the first note after it (rests skipped; a join with no note on one side is left out; a
    filling of rests only joins the notes around it)."""
    last = next((n.pitch for n in reversed(before) if n.pitch is not None), None)
    following = next((n.pitch for n in after if n.pitch is not None), None)
    sounding = [n.pitch for n in filling if n.pitch is not None]
    joins = [(last, sounding[0]), (sounding[-1], following)] if sounding else [(last, following)]
    return [b - a for a, b in joins if a is not None and b is not None]


def join_score(before: Sequence[Note], filling: Sequence[Note], after: Sequence[Note]) -> float:
    """A penalty for awkward joins: for each of ``join_intervals``, how much rarer than ``JOIN_FLOOR`` the interval
    is among the corpus's consecutive notes, in nats (0 for an interval at least that common: steps, thirds,
    fourths, fifths, the octave; negative for a tritone, a seventh or a leap past the octave). Only rare leaps are
    penalised: rewarding the commonest intervals would make every join a step or a repeated note (bench/rewrite.py
    compares both)."""
    table = interval_logprobs()
    return sum(min(0.0, table[_clip(i)] - math.log(JOIN_FLOOR)) for i in join_intervals(before, filling, after))
