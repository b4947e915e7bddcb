"""Sampling: temperature and nucleus (top-p) over masked logits, and the decoding grammars.

Randomness comes from each request's own ``torch.Generator`` as one uniform number per
sampled token, so a request's melody depends on its seed, not on what else is in the batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, lru_cache

import torch

from data.events import BAR, DURATIONS, ENDINGS, REST, TPQ, Meter, Note
from model.vocab import Vocab

CADENCE_LEAN = 1.0  # MelodyGrammar's ``cadence`` and ``breath``, tuned with bench/endings.py (see
BREATH_LEAN = 1.0  # model/checkpoints/REPORT.md, "Endings and phrase ends")


def sample(logits: torch.Tensor, allowed: torch.Tensor, temperature: torch.Tensor, top_p: torch.Tensor,
           uniform: torch.Tensor) -> torch.Tensor:
    """Pick one token per row by inverse-CDF sampling.

    logits (B, V), allowed (B, V) bool, temperature (B,), top_p (B,), uniform (B,) in [0, 1).
    """
    scaled = logits.float() / temperature[:, None]
    return pick(scaled.masked_fill(~allowed, float("-inf")), top_p[:, None], uniform[:, None])


def pick(scaled: torch.Tensor, top_p: torch.Tensor, uniform: torch.Tensor, first: int | None = None) -> torch.Tensor:
    """``sample`` after the scores are tempered and masked: scaled (B, V) with -inf where not allowed, top_p and
    uniform (B, 1) -> tokens (B,). Batched decoding (model.decode) calls it with the mask already added.

    ``first``: look at each row's ``first`` likeliest tokens only (``topk``, a fifth of a full sort's time at 64
    rows on a CPU), and sort whole only when some row's nucleus goes on past them (or is everything: top_p 1); the
    same tokens either way. Needs a host sync: not for CUDA graphs."""
    probs = torch.softmax(scaled, dim=-1)
    if first is not None and first < probs.size(-1) and bool((top_p < 1).all()):
        sorted_p, order = probs.topk(first, dim=-1)
        cum = sorted_p.cumsum(dim=-1)
        if bool((cum[:, -1:] < top_p).any()):  # the next token would be kept too
            sorted_p, order = probs.sort(dim=-1, descending=True)
            cum = sorted_p.cumsum(dim=-1)
    else:
        sorted_p, order = probs.sort(dim=-1, descending=True)
        cum = sorted_p.cumsum(dim=-1)
    keep = (cum - sorted_p) < top_p  # the smallest set whose mass reaches top_p (>= 1 token)
    sorted_p = sorted_p * keep
    cum = sorted_p.cumsum(dim=-1)
    index = torch.searchsorted(cum, uniform * cum[:, -1:], right=True).clamp_(max=sorted_p.size(-1) - 1)
    return order.gather(-1, index).squeeze(-1)


@lru_cache(maxsize=256)
def _pitch_lean(vocab: Vocab, weight: float, degrees: frozenset[int]) -> torch.Tensor:
    """``weight`` on every pitch token whose pitch class is in ``degrees`` (shared between grammars: read only)."""
    lean = torch.zeros(len(vocab))
    for i, pitch in vocab.pitches.items():
        lean[i] = weight * (pitch % 12 in degrees)
    return lean


@lru_cache(maxsize=256)
def _duration_lean(vocab: Vocab, weight: float, unit: int) -> torch.Tensor:
    """``weight * log2(duration / unit)`` on every duration token (shared between grammars: read only)."""
    lean = [0.0] * len(vocab)
    for d in DURATIONS:
        lean[vocab.stoi[f"d{d}"]] = weight * math.log2(d / unit)
    return torch.tensor(lean)


@cache
def grouped(at: int, ticks: int, bar_ticks: int) -> bool:
    """Whether a note of ``ticks`` may start ``at`` ticks into a bar, tuplets kept whole: a triplet note (4 or 8
    ticks) starts on its quarter's triplet grid and ends within that quarter, which lies whole in the bar; a plain
    note starts on the plain grid. A place on neither grid (an odd seed) allows any note."""
    place = at % TPQ
    if ticks % 3:
        return place % 4 == 0 and place + ticks <= TPQ and at - place + TPQ <= bar_ticks
    return place % 3 == 0 or place % 4 != 0


def keep_grouped(ids: list[int], durations: dict[int, int], at: int, bar_ticks: int) -> list[int]:
    """The duration tokens of ``ids`` whose notes may start ``at`` ticks into a bar (``grouped``), or all of them
    where none may."""
    return [i for i in ids if grouped(at, durations[i], bar_ticks)] or ids


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
    """Per-request decoding state: pitch/duration alternation, full bars, a cadence at the end.

    ``now`` is the tick position after the prompt; generation stops at ``target`` ticks. Durations never cross a
    bar line, always leave a remainder that can be filled, and keep triplets in whole groups where they can
    (``grouped``). Both count from the first bar's downbeat: a melody with a ``pickup`` (a short first bar of that
    many ticks, an anacrusis) starts ``bar_ticks - pickup`` into it, so its bar lines, phrase ends and ending fall
    after the pickup, and its phrases are counted in the full bars after it.

    The last note is a cadence: it starts on a strong position of the last bar (``Meter.strong_ticks``; other beats
    only where no strong position leaves a model duration, as in 9/8), lasts at least a beat and sounds to the end,
    and its pitch class is ``tonic`` (the mode's final, any octave) — or, with ``ending="open"``, one of the other
    ``stable`` degrees (the 3rd or 5th), with ``ending="half"`` the 5th (``end_degrees``). Where more than one
    start is legal the model chooses (a tonic note on the downbeat may end the tune or go on); at the last legal
    start the final is forced, every duration before it lands exactly there, and no rest comes right before it.
    ``tonic=None`` lets the last note be any ``stable`` degree. A seed that reaches past those starts puts the final
    on a later beat; one that leaves no such place keeps only the degree rule (the last note, wherever it falls).

    Leans (scores the engine adds to the model's, see ``bias``): ``density`` moves each duration's score by
    ``-density * log2(duration / quarter)`` (positive: a busier line, negative: longer notes). ``cadence`` and
    ``breath`` shape the phrase ends, every 4 bars (every 2 in melodies under 8 bars): a note starting on the
    last strong beat of such a bar leans toward the tonic or the 5th (the tonic alone every 8th bar) by
    ``cadence``, and toward a longer duration by ``breath * log2(duration / beat)``. 0 turns a lean off; neither
    forces anything.

    ``stop``: a bar line before the last two bars at which the grammar is done early, the bars up to it written as
    they would be for the whole melody (``studio.restate`` restates the next bar and writes on from there).
    """

    vocab: Vocab
    prompt: list[int]
    now: int
    bar_ticks: int
    target: int
    stable: frozenset[int]
    density: float = 0.0
    meter: Meter | None = None  # None: guessed from ``bar_ticks`` (a multiple of a quarter reads as x/4, else x/8)
    tonic: int | None = None  # pitch class of the mode's final, in model space
    ending: str = "closed"  # or "open", "half" (ENDINGS)
    cadence: float = CADENCE_LEAN
    breath: float = BREATH_LEAN
    pickup: int = 0  # ticks of a short first bar; the first note is at ``bar_ticks - pickup``, see above
    stop: int | None = None  # a bar line before the last two bars to stop at (the rest is written later), or None
    notes: list[Note] = field(default_factory=list)
    _pitch: int | None = None
    _expect_duration: bool = False
    _after_rest: bool = False
    _forced: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        v = self.vocab
        self._bar = v.stoi[BAR]
        self._durations = {v.stoi[f"d{d}"]: d for d in DURATIONS}
        self._pitches = v.pitches
        self._rest = v.stoi[REST]
        self._reach = _reachable(max(self.bar_ticks, max(DURATIONS)))
        self._masks: dict[tuple, torch.Tensor] = {}
        if self.meter is None:
            quarters = self.bar_ticks % TPQ == 0
            self.meter = Meter(self.bar_ticks // (TPQ if quarters else TPQ // 2), 4 if quarters else 8)
            if self.meter.bar_ticks != self.bar_ticks:  # no meter has this bar: the old rule, no leans
                self.meter, self.tonic = None, None
        elif self.meter.bar_ticks != self.bar_ticks:
            raise ValueError(f"a bar of {self.meter} is {self.meter.bar_ticks} ticks, not {self.bar_ticks}")
        self._ends = self.stable if self.tonic is None else end_degrees(self.stable, self.tonic, self.ending)
        self._finals = final_starts(self.meter, self.target, self.now) if self.meter else []
        self._window = max(self.now, self._last_bar - self.bar_ticks)
        self._plan = _plan(tuple(self._finals), self.bar_ticks, self._window) if self._finals else None  # shared
        self._density = self._duration_lean(-self.density, TPQ) if self.density else None
        self._cadences = self._cadence_points()
        self._breath = self._duration_lean(self.breath, self.meter.beat_ticks) if self.breath and self.meter else None

    # ---- what the grammar knows about the end -----------------------------------------------------------------
    @property
    def _last_bar(self) -> int:
        return (self.target - 1) // self.bar_ticks * self.bar_ticks

    def _cadence_points(self) -> dict[int, torch.Tensor | None]:
        """Tick -> the pitch lean for a note starting there (the last strong beat of each phrase's last bar)."""
        if not (self.cadence or self.breath) or self.tonic is None or self.meter is None:
            return {}
        first = 1 if self.pickup else 0  # a pickup's bar belongs to no phrase: phrases start after it
        bars = self.target // self.bar_ticks - first
        phrase = 4 if bars >= 8 else 2
        strong = max(self.meter.strong_ticks)
        fifth = max(self.stable, key=lambda pc: (pc - self.tonic) % 12)  # the 5th: the widest of 1, 3, 5
        leans: dict[frozenset[int], torch.Tensor | None] = {}
        points = {}
        for bar in range(phrase, bars, phrase):
            tick = (bar - 1 + first) * self.bar_ticks + strong
            if tick < self.now:
                continue
            degrees = frozenset({self.tonic} if bar % 8 == 0 else {self.tonic, fifth})
            if degrees not in leans and self.cadence:
                leans[degrees] = _pitch_lean(self.vocab, self.cadence, degrees)
            points[tick] = leans.get(degrees)
        return points

    def _duration_lean(self, weight: float, unit: int) -> torch.Tensor:
        return _duration_lean(self.vocab, weight, unit)

    @property
    def done(self) -> bool:
        return self.now >= (self.target if self.stop is None else self.stop)

    def bias(self) -> torch.Tensor | None:
        """Scores to add to the model's next-token scores (the ``density``, ``cadence`` and ``breath`` leans), or
        None."""
        if not self._expect_duration:
            return self._cadences.get(self.now)
        if self._breath is None or self._pitch is None or self.now not in self._cadences:
            return self._density
        return self._breath if self._density is None else self._density + self._breath

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
        if self._plan is not None and self.now >= self._window:
            state = ("end", self._expect_duration, self.now, self._pitch is None,
                     self._pitch is not None and self._pitch % 12 in self._ends, self._after_rest)
            if state not in self._masks:
                self._masks[state] = self._end_mask()
            return self._masks[state]
        ends = self._pitch is not None and self._pitch % 12 in self._ends
        state = (self._expect_duration, self._in_bar(), self._is_last_bar(), ends)
        if state not in self._masks:
            self._masks[state] = self._mask(ends)
        return self._masks[state]

    def _mask(self, ends: bool) -> torch.Tensor:
        """Full bars; in the last bar the last note takes an end degree (``_end_mask`` places it where it can)."""
        mask = torch.zeros(len(self.vocab), dtype=torch.bool)
        remaining = self._in_bar()
        if self._expect_duration:
            fits = [i for i, d in self._durations.items() if d <= remaining and remaining - d in self._reach
                    and (not self._is_last_bar() or ends or d < remaining)]
            mask[keep_grouped(fits, self._durations, self.bar_ticks - remaining, self.bar_ticks)] = True
            if not mask.any():  # an off-grid seed left an odd gap: the nearest duration fills it exactly
                mask[min(self._durations, key=lambda i: abs(self._durations[i] - remaining))] = True
            return mask
        last_note = self._is_last_bar() and not self._can_continue(remaining)
        for i, p in self._pitches.items():
            mask[i] = not last_note or p % 12 in self._ends
        mask[self._rest] = not last_note
        return mask

    def _end_mask(self) -> torch.Tensor:
        """The last two bars: every duration lands where the final can still start, and the final starts there."""
        assert self._plan is not None
        after_note, after_rest, note_ok, rest_ok = self._plan
        q, final_ok = self.now, self.now in self._finals and not self._after_rest
        mask = torch.zeros(len(self.vocab), dtype=torch.bool)
        if self._expect_duration:
            rest = self._pitch is None
            fits = []
            for i, d in self._durations.items():
                if q + d == self.target:
                    ok = final_ok and not rest and self._pitch % 12 in self._ends
                elif d <= self.bar_ticks - q % self.bar_ticks and q + d <= self._finals[-1]:
                    ok = (after_rest if rest else after_note).get(q + d, False)
                else:
                    ok = False
                if ok:
                    fits.append(i)
            mask[keep_grouped(fits, self._durations, q % self.bar_ticks, self.bar_ticks)] = True
        else:
            for i, p in self._pitches.items():
                mask[i] = note_ok.get(q, False) or (final_ok and p % 12 in self._ends)
            mask[self._rest] = rest_ok.get(q, False)
        if not mask.any():  # an off-grid seed left a gap the plan cannot use: fill the bar as before
            return self._mask(self._pitch is not None and self._pitch % 12 in self._ends)
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
        self._after_rest = self._pitch is None
        if self.now % self.bar_ticks == 0:
            self._forced.append(self._bar)


def end_degrees(stable: frozenset[int], tonic: int, ending: str = "closed") -> frozenset[int]:
    """Pitch classes a melody may end on: the tonic (``closed``), the other ``stable`` degrees, the 3rd and 5th
    (``open``), or the 5th alone (``half``: a half cadence, the dominant chord under it)."""
    if ending not in ENDINGS:
        raise ValueError(f"ending must be one of {ENDINGS}, not {ending!r}")
    if ending == "closed":
        return frozenset({tonic})
    if ending == "half":
        return frozenset({max(stable, key=lambda pc: (pc - tonic) % 12)})
    return (stable - {tonic}) or stable


def final_starts(meter: Meter, target: int, now: int = 0) -> list[int]:
    """Where the last note may start (ticks, ascending, none before ``now``): strong positions of the last bar from
    which a model duration of at least a beat reaches ``target``; failing those, other beats; then any tick."""
    last_bar = (target - 1) // meter.bar_ticks * meter.bar_ticks
    beats = range(0, meter.bar_ticks, meter.beat_ticks)
    for offsets in (sorted(meter.strong_ticks), beats, [target - last_bar - d for d in DURATIONS]):
        starts = sorted({last_bar + s for s in offsets if target - last_bar - s in DURATIONS
                         and target - last_bar - s >= min(meter.beat_ticks, target - last_bar)})
        if starts and starts[-1] >= now:
            return [s for s in starts if s >= now]
    return []


@lru_cache(maxsize=256)
def _plan(finals: tuple[int, ...], bar_ticks: int, start: int) -> tuple[dict[int, bool], ...]:
    """Which ticks from ``start`` on lead to a legal final, worked backwards from the last legal start.

    Returns ``after_note``/``after_rest`` (a note, or a rest, may end at this tick) and ``note_ok``/``rest_ok`` (a
    note that is not the final, or a rest, may start here). An off-grid tick leads nowhere: ``_end_mask`` then fills
    its bar as before, and the plan takes over at the bar line. Cached: the dicts are shared, read only.
    """
    last = finals[-1]
    after_note: dict[int, bool] = {}
    after_rest: dict[int, bool] = {}
    note_ok: dict[int, bool] = {}
    rest_ok: dict[int, bool] = {}
    for q in range(last, start - 1, -1):
        room = min(bar_ticks - q % bar_ticks, last - q)  # no bar line crossed, nothing past the last final start
        note_ok[q] = any(after_note[q + d] for d in DURATIONS if d <= room)
        rest_ok[q] = any(after_rest[q + d] for d in DURATIONS if d <= room)
        after_rest[q] = note_ok[q] or rest_ok[q]
        after_note[q] = after_rest[q] or q in finals
    return after_note, after_rest, note_ok, rest_ok


@dataclass
class RhythmGrammar:
    """Decoding state when the rhythm is given (words set to music): the model chooses pitches only.

    ``rhythm`` is one ``(ticks, sounding)`` pair per note or rest, each a model duration that stays inside its
    bar; a rest is forced, a sounding note samples a pitch (never a rest) in ``pitch_range`` and its duration
    is forced. ``pitches`` force the first sounding notes (a seed motif). The last sounding note takes a pitch class
    of ``stable`` (``end_degrees``: the tonic for a closed ending), where the words' rhythm puts it.
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
        self._pitches = v.pitches
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
