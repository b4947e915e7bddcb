"""``MelodyGrammar`` as tables, so a whole batch of melodies is decoded with tensor operations (see model.decode).

A melody grammar's state is small: the tick ``now``, whether a pitch or a duration comes next, what the pending note
is (a rest, a note, a note on an end degree), whether the last note was a rest, and whether a bar line is due. Every
state of one request is numbered ``(now - start) * CODES + code`` and three tables say everything the Python grammar
would compute in it: which tokens are allowed and how the leans move their scores (one row of ``bank``: the lean
where allowed, ``-inf`` elsewhere), which token is forced (a bar line), and which state each category of token
leads to (``trans``; the categories are the 11 durations, a rest, a note, a note on an end degree). The tables are
built once per grammar configuration (meter, length, start, ending, leans: most requests share one) from the
grammar's own plan and leans, and a ``Registry`` holds those of the requests in flight on the model's device.

A ``RhythmGrammar`` (words set to music: the rhythm is given, the model only chooses pitches) knows every step
before decoding, so its tables are a line (``LinearTables``): one state per step, each token leading to the next.

``tests/model/test_batch_grammar.py`` checks that decoding with the tables makes exactly the token choices of
stepping the Python grammar, over many random configurations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import torch

from data.events import DURATIONS
from model.sample import MelodyGrammar, RhythmGrammar, grouped

ND = len(DURATIONS)
REST_CAT, NOTE_CAT, END_CAT = ND, ND + 1, ND + 2  # token categories after the durations' 0..10
CATEGORIES = ND + 3
CODES = 10  # per tick: 0-1 pitch next (after a rest?), 2-7 duration next (2 + 2 * pending + after a rest), 8-9 bar
BAR_CODE = 8
PENDING_REST, PENDING_NOTE, PENDING_END = 0, 1, 2
GENERIC, IDLE = 0, 1  # the registry's first two states: a row decoded in Python, a padding row


def vector_grammar(grammar: object) -> MelodyGrammar | RhythmGrammar | None:
    """The grammar the tables can decode for this request: a ``MelodyGrammar`` itself (a subclass may change its
    rules), or the one a wrapper only observes — a class that sets ``observes = "<attribute>"`` (a class attribute)
    promises that it passes ``forced``, ``allowed``, ``bias``, ``accept`` and ``done`` through to the MelodyGrammar
    in that attribute unchanged (it may record them: the engine gives it every token at the end). Only with nothing
    left to do but continue (not done, at most a bar line due)."""
    observes = getattr(type(grammar), "observes", None)
    if isinstance(observes, str):
        grammar = getattr(grammar, observes, None)
    if type(grammar) is RhythmGrammar:  # from its first step only: the line of states starts there
        fresh = not grammar.notes and not grammar._expect_duration and not grammar._forced and grammar.now == 0
        return grammar if fresh else None
    if type(grammar) is not MelodyGrammar:
        return None
    g: MelodyGrammar = grammar
    if g.done or len(g._forced) > 1 or (g._forced and g._forced[0] != g._bar):
        return None
    return g


def config_key(g: MelodyGrammar | RhythmGrammar) -> tuple:
    """What a grammar's tables depend on (from ``g.now`` on)."""
    if isinstance(g, RhythmGrammar):
        return ("rhythm", id(g.vocab), g.bar_ticks, tuple(g.rhythm), tuple(g.pitches), g.pitch_range, g.stable)
    points = tuple((t, id(lean)) for t, lean in sorted(g._cadences.items()) if t >= g.now)
    return (id(g.vocab), g.bar_ticks, g.target, g.stop, g.now, g._window, tuple(g._finals), g._ends, points,
            id(g._density), id(g._breath))


@dataclass(frozen=True)
class Tables:
    """One grammar configuration's tables (CPU), states numbered from ``start``'s tick."""

    start: int  # the first tick
    bank: torch.Tensor  # (R, V) float32: the lean where a token is allowed, -inf where not
    row: torch.Tensor  # (S,) int64: each state's bank row
    forced: torch.Tensor  # (S,) int64: the token a state forces (a bar line), or -1
    done: torch.Tensor  # (S,) bool
    trans: torch.Tensor  # (S, CATEGORIES) int64: the next state per token category
    cat: torch.Tensor  # (V,) int64: each token's category
    keep: tuple  # the objects ``config_key`` names by id, kept alive with the tables

    def state(self, g: MelodyGrammar) -> int:
        """The state number of ``g`` as it is now."""
        after_rest = int(g._after_rest)
        if g._forced:
            code = BAR_CODE + after_rest
        elif g._expect_duration:
            code = 2 + 2 * _pending(g, g._pitch) + after_rest
        else:
            code = after_rest
        return (g.now - self.start) * CODES + code


def _pending(g: MelodyGrammar, pitch: int | None) -> int:
    if pitch is None:
        return PENDING_REST
    return PENDING_END if pitch % 12 in g._ends else PENDING_NOTE


def build(g: MelodyGrammar) -> Tables:
    """The tables of ``g``'s configuration, mirroring ``MelodyGrammar.allowed``, ``bias`` and ``accept``."""
    v, bar, target, q0 = g.vocab, g.bar_ticks, g.target, g.now
    reach, finals, window, plan = g._reach, g._finals, g._window, g._plan
    last_tick = ((target - 1) // bar + 1) * bar  # no note goes past the bar line after the target
    n = last_tick - q0 + 1
    dur_tokens = [v.stoi[f"d{d}"] for d in DURATIONS]
    pitch_tokens = list(g._pitches)
    end_tokens = [i for i, p in g._pitches.items() if p % 12 in g._ends]

    whole = [sum(grouped(at, d, bar) << j for j, d in enumerate(DURATIONS)) for at in range(bar)]  # per place

    def plain_durations(rem: int, last: bool, ends: bool) -> int:  # ``_mask`` for a duration, as a bit set
        bits = 0
        for j, d in enumerate(DURATIONS):
            if d <= rem and rem - d in reach and (not last or ends or d < rem):
                bits |= 1 << j
        return bits & whole[bar - rem] or bits or 1 << min(range(ND), key=lambda j: abs(DURATIONS[j] - rem))

    def can_continue(rem: int) -> bool:
        return any(d < rem and rem - d in reach for d in DURATIONS)

    def pitch_sig(q: int, after_rest: int) -> tuple[int, bool]:  # (0 no pitch / 1 end degrees / 2 all, rest)
        if plan is not None and q >= window:
            _, _, note_ok, rest_ok = plan
            final_ok = q in finals and not after_rest
            pitches = 2 if note_ok.get(q, False) else (1 if final_ok and end_tokens else 0)
            rest = rest_ok.get(q, False)
            if pitches or rest:
                return pitches, rest
        last_note = target - q <= bar and not can_continue(bar - q % bar)
        return (1, False) if last_note else (2, True)

    def duration_sig(q: int, pending: int, after_rest: int) -> int:
        rem = bar - q % bar
        if plan is not None and q >= window:
            after_note_ok, after_rest_ok, _, _ = plan
            final_ok = q in finals and not after_rest
            ahead = after_rest_ok if pending == PENDING_REST else after_note_ok
            bits = 0
            for j, d in enumerate(DURATIONS):
                if q + d == target:
                    ok = final_ok and pending == PENDING_END
                elif d <= rem and q + d <= finals[-1]:
                    ok = ahead.get(q + d, False)
                else:
                    ok = False
                bits |= ok << j
            if bits:
                return bits & whole[q % bar] or bits
        return plain_durations(rem, target - q <= bar, pending == PENDING_END)

    # leans, as ``bias``: a cadence point's pitch lean; density (+ breath after a note at a cadence point)
    both = g._density + g._breath if g._density is not None and g._breath is not None else None

    def duration_lean(q: int, pending: int) -> torch.Tensor | None:
        if g._breath is None or pending == PENDING_REST or q not in g._cadences:
            return g._density
        return g._breath if g._density is None else both

    rows: dict[tuple, int] = {}
    bank: list[torch.Tensor] = []

    def bank_row(sig: tuple, lean: torch.Tensor | None) -> int:
        key = (sig, None if lean is None else id(lean))
        if key not in rows:
            allowed = torch.zeros(len(v), dtype=torch.bool)
            if sig[0] == "p":
                allowed[pitch_tokens if sig[1] == 2 else end_tokens if sig[1] == 1 else []] = True
                allowed[g._rest] = sig[2]
            elif sig[0] == "d":
                allowed[[t for j, t in enumerate(dur_tokens) if sig[1] >> j & 1]] = True
            else:
                allowed[:] = True
            scores = torch.zeros(len(v)) if lean is None else lean.clone()
            rows[key] = len(bank)
            bank.append(scores.masked_fill_(~allowed, float("-inf")))
        return rows[key]

    row = np.full(n * CODES, bank_row(("any",), None), dtype=np.int64)
    memo: dict[tuple, int] = {}
    for q in range(q0, min(target, last_tick + 1)):
        base = (q - q0) * CODES
        end = plan is not None and q >= window
        for after_rest in (0, 1):
            key = ("p", q if end else (bar - q % bar, target - q <= bar), after_rest, id(g._cadences.get(q)))
            if key not in memo:
                memo[key] = bank_row(("p", *pitch_sig(q, after_rest)), g._cadences.get(q))
            row[base + after_rest] = memo[key]
            for pending in (PENDING_REST, PENDING_NOTE, PENDING_END):
                key = ("d", q if end else (bar - q % bar, target - q <= bar), pending, after_rest,
                       q in g._cadences)
                if key not in memo:
                    memo[key] = bank_row(("d", duration_sig(q, pending, after_rest)), duration_lean(q, pending))
                row[base + 2 + 2 * pending + after_rest] = memo[key]

    # transitions, as ``accept`` (and the forced bar line)
    qs = np.arange(q0, last_tick + 1)
    rem = bar - qs % bar
    state = (qs - q0)[:, None] * CODES + np.arange(CODES)[None, :]  # (n, CODES)
    trans = np.repeat(state.reshape(-1, 1), CATEGORIES, 1).reshape(n, CODES, CATEGORIES)  # default: stay
    for after_rest in (0, 1):
        for pending, cat in ((PENDING_REST, REST_CAT), (PENDING_NOTE, NOTE_CAT), (PENDING_END, END_CAT)):
            trans[:, after_rest, cat] = state[:, 2 + 2 * pending + after_rest]
        trans[:, BAR_CODE + after_rest, :] = state[:, after_rest, None]
    reachable = np.array([r in reach for r in range(bar + 1)])
    for j, d in enumerate(DURATIONS):
        odd = ~reachable[rem] | ((d < rem) & ~reachable[np.maximum(rem - d, 0)])
        after = np.minimum(qs + np.where(odd, rem, d), last_tick)  # an odd gap: this note fills it
        bar_due = (after < target) & (after % bar == 0)
        for pending in (PENDING_REST, PENDING_NOTE, PENDING_END):
            rest_before = int(pending == PENDING_REST)
            code = np.where(bar_due, BAR_CODE + rest_before, rest_before)
            for after_rest in (0, 1):
                trans[:, 2 + 2 * pending + after_rest, j] = (after - q0) * CODES + code
    finished = qs >= (target if g.stop is None else g.stop)
    trans[finished] = state[finished][:, :, None]  # a finished melody stays where it is

    forced = np.full((n, CODES), -1, dtype=np.int64)
    forced[:, BAR_CODE:] = g._bar
    forced[finished] = 0  # nothing is sampled once finished (model.decode feeds padding)
    done = np.repeat(finished[:, None], CODES, 1)
    cat = torch.zeros(len(v), dtype=torch.long)
    cat[dur_tokens] = torch.arange(ND)
    cat[g._rest] = REST_CAT
    cat[pitch_tokens] = NOTE_CAT
    cat[end_tokens] = END_CAT
    return Tables(q0, torch.stack(bank), torch.from_numpy(row), torch.from_numpy(forced.reshape(-1)),
                  torch.from_numpy(done.reshape(-1)), torch.from_numpy(trans.reshape(-1, CATEGORIES)), cat,
                  (g.vocab, g._density, g._breath, *g._cadences.values()))


@dataclass(frozen=True)
class LinearTables(Tables):
    """The tables of a grammar whose steps are all known before decoding: state ``k`` is step ``k``."""

    def state(self, g: object) -> int:
        return 0  # a fresh grammar (``vector_grammar``)


def build_linear(g: RhythmGrammar) -> LinearTables:
    """A fresh ``RhythmGrammar``'s steps as a line of states: each forces its token (a rest, a duration, a bar line,
    a given pitch) or allows the grammar's pitches for it; the state after the last step is done."""
    v = g.vocab
    walk = replace(g, notes=[], _forced=[])  # the same grammar, stepped here with a stand-in for each sampled pitch
    bank = [torch.zeros(len(v))]  # row 0: a forced step
    masks: dict[int, int] = {}
    row: list[int] = []
    forced: list[int] = []
    while not walk.done:
        token = walk.forced()
        if token is None:
            allowed = walk.allowed()
            if id(allowed) not in masks:
                masks[id(allowed)] = len(bank)
                bank.append(torch.zeros(len(v)).masked_fill_(~allowed, float("-inf")))
            row.append(masks[id(allowed)])
            token = int(allowed.nonzero()[0, 0])  # IndexError (the request fails alone) if nothing is allowed
            walk.accept(token)
        else:
            row.append(0)
        forced.append(-1 if row[-1] else token)
    n = len(row) + 1
    after = np.minimum(np.arange(1, n + 1), n - 1)
    return LinearTables(0, torch.stack(bank), torch.tensor([*row, 0]), torch.tensor([*forced, 0]),
                        torch.arange(n) == n - 1, torch.from_numpy(np.repeat(after[:, None], CATEGORIES, 1)),
                        torch.zeros(len(v), dtype=torch.long), (g.vocab,))


_CACHE: OrderedDict[tuple, Tables] = OrderedDict()
_CACHE_SIZE = 128
_CACHE_LOCK = threading.Lock()


def tables(g: MelodyGrammar | RhythmGrammar) -> tuple[tuple, Tables]:
    """``g``'s configuration key and tables (built once per configuration; the last ``_CACHE_SIZE`` are kept)."""
    key = config_key(g)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return key, found
    built = build_linear(g) if isinstance(g, RhythmGrammar) else build(g)
    with _CACHE_LOCK:
        _CACHE[key] = built
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return key, built


class Registry:
    """The tables of the configurations in flight, concatenated on one device: state ``s`` of a configuration
    registered at offset ``o`` is global state ``o + s``. States 0 and 1 are ``GENERIC`` (a row decoded in Python:
    everything allowed, nothing forced, never done) and ``IDLE`` (a padding row: padding forced, never done).

    The tensors grow by doubling; ``version`` changes whenever they are reallocated (a captured CUDA graph holds
    their addresses and must then be captured again).
    """

    def __init__(self, vocab_size: int, device: torch.device | str, budget: int = 2_000_000) -> None:
        self.vocab_size = vocab_size
        self.device = torch.device(device)
        self.budget = budget  # states before ``compact`` may drop configurations no row uses
        self.version = 0
        self._reset()

    def _reset(self) -> None:
        dev = self.device
        self.bank = torch.zeros(1, self.vocab_size, device=dev)
        self.row = torch.zeros(2, dtype=torch.long, device=dev)
        self.forced = torch.tensor([-1, 0], device=dev)
        self.done = torch.zeros(2, dtype=torch.bool, device=dev)
        self.trans = torch.tensor([[GENERIC] * CATEGORIES, [IDLE] * CATEGORIES], device=dev)
        self.cat = torch.zeros(self.vocab_size, dtype=torch.long, device=dev)
        self.states, self._banks, self._cats = 2, 1, self.vocab_size  # in use (the tensors may be longer)
        self.offsets: dict[tuple, tuple[int, int]] = {}  # key -> (state offset, category offset)
        self._parts: list[tuple[tuple, Tables]] = []
        self.version += 1

    def _room(self, states: int, banks: int, cats: int) -> None:
        """Make the tensors long enough for this many more states, bank rows and category entries."""
        grow = {"row": self.states + states, "forced": self.states + states, "done": self.states + states,
                "trans": self.states + states, "bank": self._banks + banks, "cat": self._cats + cats}
        for name, need in grow.items():
            old = getattr(self, name)
            if len(old) < need:
                new = old.new_zeros((max(need, 2 * len(old)), *old.shape[1:]))
                new[: len(old)] = old
                setattr(self, name, new)
                self.version += 1

    def add(self, key: tuple, t: Tables) -> tuple[int, int]:
        """Register a configuration (once); its (state offset, category offset)."""
        if key in self.offsets:
            return self.offsets[key]
        states, banks, cats = len(t.row), len(t.bank), len(t.cat)
        self._room(states, banks, cats)
        offset, bank_offset, cat_offset = self.states, self._banks, self._cats
        dev = self.device
        self.bank[bank_offset: bank_offset + banks] = t.bank.to(dev)
        self.row[offset: offset + states] = (t.row + bank_offset).to(dev)
        self.forced[offset: offset + states] = t.forced.to(dev)
        self.done[offset: offset + states] = t.done.to(dev)
        self.trans[offset: offset + states] = (t.trans + offset).to(dev)
        self.cat[cat_offset: cat_offset + cats] = t.cat.to(dev)
        self.states, self._banks, self._cats = offset + states, bank_offset + banks, cat_offset + cats
        self.offsets[key] = (offset, cat_offset)
        self._parts.append((key, t))
        return offset, cat_offset

    def compact(self, used: set[tuple]) -> dict[tuple, tuple[int, int]] | None:
        """Over budget: keep only the configurations in ``used`` and return their old offsets (to move the rows'
        states by the difference); None when nothing was dropped."""
        if self.states <= self.budget or not any(key not in used for key, _ in self._parts):
            return None
        old, parts = dict(self.offsets), [(k, t) for k, t in self._parts if k in used]
        self._reset()
        for key, t in parts:
            self.add(key, t)
        return old
