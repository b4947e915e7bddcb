"""Sampling: temperature and nucleus (top-p) over masked logits, and the melody grammar.

Randomness comes from each request's own ``torch.Generator`` as one uniform number per
sampled token, so a request's melody depends on its seed, not on what else is in the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import torch

from data.events import BAR, DURATIONS, REST, TPQ, Note
from model.vocab import Vocab


def sample(logits: torch.Tensor, allowed: torch.Tensor, temperature: torch.Tensor, top_p: torch.Tensor,
           uniform: torch.Tensor) -> torch.Tensor:
    """Pick one token per row by inverse-CDF sampling.

    logits (B, V), allowed (B, V) bool, temperature (B,), top_p (B,), uniform (B,) in [0, 1).
    """
    scaled = logits.float() / temperature[:, None]
    scaled = scaled.masked_fill(~allowed, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    cum = sorted_p.cumsum(dim=-1)
    keep = (cum - sorted_p) < top_p[:, None]  # the smallest set whose mass reaches top_p (>= 1 token)
    sorted_p = sorted_p * keep
    cum = sorted_p.cumsum(dim=-1)
    target = uniform[:, None] * cum[:, -1:]
    index = torch.searchsorted(cum, target, right=True).clamp(max=probs.size(-1) - 1)
    return order.gather(-1, index).squeeze(-1)


@cache
def _reachable(max_ticks: int) -> frozenset[int]:
    """Tick amounts that a run of model durations can fill exactly (0 included)."""
    ok = {0}
    for amount in range(1, max_ticks + 1):
        if any(amount - d in ok for d in DURATIONS if d <= amount):
            ok.add(amount)
    return frozenset(ok)


@dataclass
class MelodyGrammar:
    """Per-request decoding state: pitch/duration alternation, full bars, a stable last note.

    ``now`` is the tick position after the prompt; generation stops at ``target`` ticks.
    Durations never cross a bar line and always leave a remainder that can be filled; in the
    final bar the last note must be a stable degree (``stable`` pitch classes, in model space).
    ``density`` leans the rhythm: each duration's score moves by ``-density * log2(duration / quarter)``, so a
    positive value favours shorter notes (a busier line) and a negative one longer notes; 0 leaves the model's own.
    """

    vocab: Vocab
    prompt: list[int]
    now: int
    bar_ticks: int
    target: int
    stable: frozenset[int]
    density: float = 0.0
    notes: list[Note] = field(default_factory=list)
    _pitch: int | None = None
    _expect_duration: bool = False
    _forced: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        v = self.vocab
        self._bar = v.stoi[BAR]
        self._durations = {v.stoi[f"d{d}"]: d for d in DURATIONS}
        self._pitches = {i: int(t[1:]) for i, t in enumerate(v.itos) if t.startswith("p") and t[1:].isdigit()}
        self._rest = v.stoi[REST]
        self._reach = _reachable(max(self.bar_ticks, max(DURATIONS)))
        self._masks: dict[tuple, torch.Tensor] = {}
        self._lean: torch.Tensor | None = None
        if self.density:
            self._lean = torch.zeros(len(v))
            for i, d in self._durations.items():
                self._lean[i] = -self.density * math.log2(d / TPQ)

    @property
    def done(self) -> bool:
        return self.now >= self.target

    def bias(self) -> torch.Tensor | None:
        """Scores to add to the model's next-token scores (the ``density`` lean on durations), or None."""
        return self._lean if self._expect_duration else None

    def forced(self) -> int | None:
        """A token the grammar inserts without sampling (bar lines)."""
        return self._forced.pop(0) if self._forced else None

    def _in_bar(self) -> int:
        return self.bar_ticks - self.now % self.bar_ticks

    def _is_last_bar(self) -> bool:
        return self.target - self.now <= self.bar_ticks

    def _can_continue(self, remaining: int) -> bool:
        return any(d < remaining and remaining - d in self._reach for d in DURATIONS)

    def allowed(self) -> torch.Tensor:
        """Which tokens may come next (a read-only mask, cached: a melody revisits few states)."""
        stable = self._pitch is not None and self._pitch % 12 in self.stable
        state = (self._expect_duration, self._in_bar(), self._is_last_bar(), stable)
        if state not in self._masks:
            self._masks[state] = self._mask(stable)
        return self._masks[state]

    def _mask(self, stable: bool) -> torch.Tensor:
        mask = torch.zeros(len(self.vocab), dtype=torch.bool)
        remaining = self._in_bar()
        if self._expect_duration:
            for i, d in self._durations.items():
                fits = d <= remaining and remaining - d in self._reach
                if fits and (not self._is_last_bar() or stable or d < remaining):
                    mask[i] = True
            if not mask.any():  # an off-grid seed left an odd gap: the nearest duration fills it exactly
                mask[min(self._durations, key=lambda i: abs(self._durations[i] - remaining))] = True
            return mask
        last_note = self._is_last_bar() and not self._can_continue(remaining)
        for i, p in self._pitches.items():
            mask[i] = not last_note or p % 12 in self.stable
        mask[self._rest] = not last_note
        return mask

    def accept(self, token: int) -> None:
        """Record a sampled token; when a duration fills a bar, queue the bar line."""
        if not self._expect_duration:
            self._pitch = self._pitches.get(token)
            self._expect_duration = True
            return
        remaining = self._in_bar()
        ticks = self._durations[token]
        if remaining not in self._reach or (ticks < remaining and remaining - ticks not in self._reach):
            ticks = remaining  # an off-grid seed left an odd gap: this note fills it
        self.notes.append(Note(self._pitch, ticks))
        self.now += ticks
        self._expect_duration = False
        if self.now % self.bar_ticks == 0:
            self._forced.append(self._bar)


@dataclass
class RhythmGrammar:
    """Decoding state when the rhythm is given (words set to music): the model chooses pitches only.

    ``rhythm`` is one ``(ticks, sounding)`` pair per note or rest, each a model duration that stays inside its
    bar; a rest is forced, a sounding note samples a pitch (never a rest) in ``pitch_range`` and its duration
    is forced. ``pitches`` force the first sounding notes (a seed motif). The last sounding note is stable.
    """

    vocab: Vocab
    prompt: list[int]
    bar_ticks: int
    stable: frozenset[int]
    rhythm: list[tuple[int, bool]]
    pitches: list[int] = field(default_factory=list)
    pitch_range: tuple[int, int] | None = None
    now: int = 0
    notes: list[Note] = field(default_factory=list)
    _pitch: int | None = None
    _expect_duration: bool = False
    _forced: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        v = self.vocab
        bad = [ticks for ticks, _ in self.rhythm if ticks not in DURATIONS]
        if bad:
            raise ValueError(f"durations {bad} are not model durations {DURATIONS}")
        self._bar = v.stoi[BAR]
        self._rest = v.stoi[REST]
        low, high = self.pitch_range or (0, 127)
        self._pitches = {i: int(t[1:]) for i, t in enumerate(v.itos) if t.startswith("p") and t[1:].isdigit()}
        self._mask = torch.zeros(len(v), dtype=torch.bool)
        self._last_mask = torch.zeros(len(v), dtype=torch.bool)
        for i, p in self._pitches.items():
            self._mask[i] = low <= p <= high
            self._last_mask[i] = low <= p <= high and p % 12 in self.stable
        if not self._last_mask.any():  # a range with no stable degree: allow every stable pitch
            for i, p in self._pitches.items():
                self._last_mask[i] = p % 12 in self.stable
        sounding = [k for k, (_, on) in enumerate(self.rhythm) if on]
        self._last = sounding[-1] if sounding else -1
        self._given = iter(self.pitches)

    @property
    def done(self) -> bool:
        return len(self.notes) >= len(self.rhythm) and not self._expect_duration

    def forced(self) -> int | None:
        """Bar lines, rests, durations and seed pitches are inserted without sampling."""
        if self._forced:
            return self._forced.pop(0)
        if self.done:
            return None
        ticks, sounding = self.rhythm[len(self.notes)]
        if self._expect_duration:
            self._record(ticks)
            return self.vocab.stoi[f"d{ticks}"]
        if not sounding:
            self._pitch, self._expect_duration = None, True
            return self._rest
        given = next(self._given, None)
        if given is not None and f"p{given}" in self.vocab:
            self._pitch, self._expect_duration = given, True
            return self.vocab.stoi[f"p{given}"]
        return None

    def allowed(self) -> torch.Tensor:
        """Pitches in range (stable ones for the last sounding note); never a rest."""
        return self._last_mask if len(self.notes) == self._last else self._mask

    def accept(self, token: int) -> None:
        """Record a sampled pitch; its duration follows as a forced token."""
        self._pitch = self._pitches[token]
        self._expect_duration = True

    def _record(self, ticks: int) -> None:
        self.notes.append(Note(self._pitch, ticks))
        self.now += ticks
        self._expect_duration = False
        if self.now % self.bar_ticks == 0:
            self._forced.append(self._bar)
