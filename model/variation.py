"""A variation of a given melody: the same rhythm, each pitch chosen by the model near the original's.

``studio.transform`` uses it for `/transform style:…`: the prompt's style token (``data.events.control_tokens``) asks
for another tradition, and ``VariationGrammar`` keeps the tune recognisable while the model re-writes it:

- the rhythm is the original's: rests, durations and bar lines are forced, only pitches are sampled;
- each pitch stays within ``reach`` semitones of the original and keeps the contour: after a rise the next note
  rises from the note actually chosen, after a fall it falls, a repeated note is repeated;
- a lean (scores added to the model's) pulls each pitch toward the original, ``lean`` nats per semitone away
  (``strong_lean`` on a bar's strong positions, where a tune's skeleton sits), and away from notes outside the
  key's ``scale`` by ``chromatic``;
- the notes in ``keep`` (the first and the last, by default) are the original's;
- an optional lean per interval from the note chosen before (``intervals``, -12..12 semitones) pushes toward the
  steps and leaps a style takes more than the others do (``studio.vary.style_intervals``: from the corpus).

Implements the engine's ``Grammar`` protocol (``model.engine.Grammar``): forced tokens are recorded here, since the
engine passes only sampled ones to ``accept``. Pitches are in the model's space (the C-based key) and must be in
the vocabulary; durations that are not model durations are fed to the model as the nearest one and kept exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from data.events import BAR, DURATIONS, REST, Note
from model.vocab import Vocab

REACH = 4  # semitones a pitch may move from the original
LEAN = 0.7  # nats per semitone away from the original, on weak positions
STRONG_LEAN = 1.6  # the same on strong positions
CHROMATIC = 2.5  # nats against a pitch outside the key's scale


@dataclass
class VariationGrammar:
    """Per-request decoding state for a variation of ``given`` (model space, any tick lengths).

    ``start``: where in its bar the first note starts (``bar_ticks - pickup`` after a pickup); ``strong``: the
    strong positions of a bar (``data.events.Meter.strong_ticks``); ``keep``: indices of notes kept as they are
    (default: the first and last sounding notes)."""

    vocab: Vocab
    prompt: list[int]
    given: list[Note]
    bar_ticks: int
    start: int = 0
    scale: frozenset[int] = frozenset()
    strong: frozenset[int] = frozenset({0})
    keep: frozenset[int] | None = None
    reach: int = REACH
    lean: float = LEAN
    strong_lean: float = STRONG_LEAN
    chromatic: float = CHROMATIC
    intervals: tuple[float, ...] = ()  # a lean per interval from the note chosen before, -12..12 semitones
    notes: list[Note] = field(default_factory=list)
    _pitch: int | None = None
    _expect_duration: bool = False
    _forced: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        v = self.vocab
        self._bar, self._rest = v.stoi[BAR], v.stoi[REST]
        self._ids = {pitch: i for i, pitch in v.pitches.items()}
        missing = [n.pitch for n in self.given if n.pitch is not None and n.pitch not in self._ids]
        if missing:
            raise ValueError(f"pitches {missing[:5]} are outside the model's range")
        values = torch.full((len(v),), float("nan"))
        for pitch, i in self._ids.items():
            values[i] = pitch
        self._values = values
        self._is_pitch = ~torch.isnan(values)
        self._off_scale = torch.zeros(len(v))
        for pitch, i in self._ids.items():
            self._off_scale[i] = float(bool(self.scale) and pitch % 12 not in self.scale)
        self._in_scale = self._is_pitch & (self._off_scale == 0)
        self._interval_lean = torch.tensor(self.intervals) if self.intervals else None
        sounding = [i for i, n in enumerate(self.given) if n.pitch is not None]
        self._keep = set(self.keep) if self.keep is not None else {*sounding[:1], *sounding[-1:]}
        self._onsets = []
        now = self.start
        for note in self.given:
            self._onsets.append(now)
            now += note.ticks
        self._previous: list[int | None] = []  # per note: the index of the sounding note before it
        last = None
        for i, note in enumerate(self.given):
            self._previous.append(last)
            if note.pitch is not None:
                last = i
        self._next: list[int | None] = [None] * len(self.given)  # per note: the next sounding note, if it is kept
        upcoming = None
        for i in range(len(self.given) - 1, -1, -1):
            self._next[i] = upcoming if upcoming in self._keep else None
            if self.given[i].pitch is not None:
                upcoming = i

    @property
    def done(self) -> bool:
        return len(self.notes) >= len(self.given) and not self._expect_duration

    @property
    def _index(self) -> int:
        return len(self.notes)

    def forced(self) -> int | None:
        """Bar lines, durations, rests and kept pitches, recorded as they are inserted."""
        if self._forced:
            return self._forced.pop(0)
        if self.done:
            return None
        note = self.given[self._index]
        if self._expect_duration:
            self._record(note.ticks)
            return self.vocab.stoi[f"d{min(DURATIONS, key=lambda d: (abs(d - note.ticks), d))}"]
        if note.pitch is None:
            self._pitch, self._expect_duration = None, True
            return self._rest
        if self._index in self._keep:
            self._pitch, self._expect_duration = note.pitch, True
            return self._ids[note.pitch]
        return None

    def _window(self) -> torch.Tensor:
        """The pitches the current note may take (never empty: at worst the original alone): those near the original
        that keep the contour from the note chosen before and into a kept note after. Where only notes outside the
        key's scale would keep both (a fall to a kept final a step below, from a note already a step above it), the
        approach to the kept note is kept and then the step from the one before, so the contour bends before the
        key does."""
        i = self._index
        original = self.given[i].pitch
        assert original is not None
        near = self._is_pitch & ((self._values - original).abs() <= self.reach)
        from_before = into_after = near
        before, after = self._previous[i], self._next[i]
        if before is not None and (chosen := self.notes[before].pitch) is not None:
            from_before = near & self._same_way(self.given[before].pitch, original, chosen, rising=True)
        if after is not None:  # the next note is kept: approach it as the original does
            kept = self.given[after].pitch
            into_after = near & self._same_way(kept, original, kept, rising=False)
        shaped = from_before & into_after
        for window in (shaped, into_after, from_before):
            if (window & self._in_scale).any():
                return window
        if shaped.any():
            return shaped
        return near if near.any() else self._values == original

    def _same_way(self, other: int | None, original: int, chosen: int | None, rising: bool) -> torch.Tensor:
        """Pitches that move from ``chosen`` (or to it, when not ``rising``) the way ``original`` does from ``other``
        (or to it): up, down, or the same."""
        assert other is not None and chosen is not None
        step = (original > other) - (original < other)
        if step > 0:
            return self._values > chosen
        if step < 0:
            return self._values < chosen
        return self._values == chosen

    def allowed(self) -> torch.Tensor:
        if self._expect_duration:  # never asked: durations are forced
            raise RuntimeError("a variation's durations are forced")
        return self._window()

    def bias(self) -> torch.Tensor | None:
        """Toward the original pitch (harder on strong positions) and the key's scale."""
        i = self._index
        original = self.given[i].pitch
        if self._expect_duration or original is None:
            return None
        weight = self.strong_lean if self._onsets[i] % self.bar_ticks in self.strong else self.lean
        lean = -weight * (self._values - original).abs() - self.chromatic * self._off_scale
        before = self._previous[i]
        if self._interval_lean is not None and before is not None and (chosen := self.notes[before].pitch):
            steps = (self._values - chosen).clamp(-12, 12).nan_to_num(0.0).long() + 12
            lean = lean + self._interval_lean[steps]
        return torch.nan_to_num(lean, nan=0.0)

    def accept(self, token: int) -> None:
        self._pitch = int(self._values[token].item())
        self._expect_duration = True

    def _record(self, ticks: int) -> None:
        now = self._onsets[self._index]
        self.notes.append(Note(self._pitch, ticks))
        self._expect_duration = False
        if (now + ticks) // self.bar_ticks > now // self.bar_ticks:
            self._forced.append(self._bar)
