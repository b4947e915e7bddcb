"""The batch being decoded, as tensors on the model's device: one decoding step for every row at once.

Each row is a request. A row whose grammar is a plain ``MelodyGrammar`` or ``RhythmGrammar`` is decoded entirely by
tensor operations (its state is a number in the ``model.batch_grammar.Registry``; its masks, leans, bar lines and
next states are gathered from the tables); any other grammar is a ``GENERIC`` row, whose choices ``model.engine``
splices in from Python each step. Per-request randomness is preserved: a table row draws its uniforms from its own
generator at admission (``torch.rand(n, generator)``, the same numbers one draw per sampled token would give) and
uses the ``k``-th for its ``k``-th sampled token, so the same seed gives the same melody whatever else is in the
batch.

Two ways to run a step:

- ``choose`` then ``forward`` (eager; CPU by default): after ``choose`` the caller reads which rows finished
  (one host sync), removes them, and steps the model for the rest;
- ``static`` (CUDA, or the same code on a CPU in tests): rows live in fixed buffers padded to a bucket size
  (1, 2, 4, ..., ``max_batch``); one ``fused`` step chooses the tokens and steps the model in place, captured as a
  CUDA graph per bucket on a GPU. A finished row is frozen (its state stays finished) until the host, reading a
  flag a few steps behind (no sync per step), hands it back.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, fields, replace

import torch

from model.batch_grammar import CATEGORIES, IDLE, Registry
from model.lstm import MelodyLSTM, State
from model.packed import PackedLSTM
from model.sample import pick

log = logging.getLogger(__name__)

LIVE, DONE, NOT_FINITE, NOT_ALLOWED, TOO_LONG = 0, 1, 2, 3, 4  # a row's status after a step
NEVER = 1 << 40  # a step limit that is never reached
# Eager decoding of NUCLEUS_FROM rows or more samples among each row's NUCLEUS likeliest tokens, sorting them all only
# when some row's top_p mass lies beyond (model.sample.pick; the same tokens). At top_p 0.98 no nucleus of 64
# 16-bar melodies (9,336 row steps) was wider than 16 tokens; choosing at 64 rows took 95 us a step, not 117.
NUCLEUS, NUCLEUS_FROM = 16, 8


@dataclass
class Rows:
    """Per-row tensors (batch first; ``h``/``c`` are (layers, B, hidden))."""

    state: torch.Tensor  # (B,) int64: registry state
    cat_off: torch.Tensor  # (B,) int64: offset of the row's token categories in the registry
    used: torch.Tensor  # (B, 1) int64: uniforms used (sampled tokens)
    steps: torch.Tensor  # (B, 1) int64: tokens produced
    limit: torch.Tensor  # (B, 1) int64: the step at which an unfinished row fails (TOO_LONG)
    temp: torch.Tensor  # (B, 1) float32
    top_p: torch.Tensor  # (B, 1) float32
    uniforms: torch.Tensor  # (B, U) float32: the row's uniforms, in order
    history: torch.Tensor  # (B, C) int64: the tokens produced, in order
    status: torch.Tensor  # (B,) int64: LIVE or why the row stopped (kept once set, in static mode)
    h: torch.Tensor
    c: torch.Tensor
    logits: torch.Tensor  # (B, V) float32: the model's scores for the next token

    def __len__(self) -> int:
        return len(self.state)

    def select(self, index: torch.Tensor) -> Rows:
        return Rows(**{f.name: getattr(self, f.name).index_select(1 if f.name in ("h", "c") else 0, index)
                       for f in fields(self)})

    @staticmethod
    def cat(parts: list[Rows]) -> Rows:
        """Rows after rows (the uniform and history buffers padded to the widest)."""
        out = {}
        for f in fields(Rows):
            tensors = [getattr(p, f.name) for p in parts]
            if f.name in ("uniforms", "history"):
                width = max(t.size(1) for t in tensors)
                tensors = [torch.nn.functional.pad(t, (0, width - t.size(1))) for t in tensors]
            out[f.name] = torch.cat(tensors, 1 if f.name in ("h", "c") else 0)
        return Rows(**out)


@dataclass
class Splice:
    """What Python chose for the generic rows this step: ``add`` (n, V) is the lean where allowed and -inf elsewhere,
    ``forced`` (n,) a forced token or -1, ``uniform`` (n, 1) the row's draw."""

    rows: torch.Tensor
    add: torch.Tensor
    uniform: torch.Tensor
    forced: torch.Tensor


@dataclass
class NewRow:
    """A row to admit: its registry state and category offset (``GENERIC`` and 0 for a Python-decoded row), its
    sampling settings, its uniforms (U,) and its step limit."""

    state: int
    cat_off: int
    temperature: float
    top_p: float
    uniforms: torch.Tensor
    limit: int = NEVER


@dataclass
class Outcome:
    """One step's result for every row: the tokens and the rows' next values, and why rows stop (each (B,) bool:
    ``done``; ``long``, past the step limit; a sampled token ``allowed`` or not; the model's scores ``finite``)."""

    token: torch.Tensor
    state: torch.Tensor
    used: torch.Tensor
    steps: torch.Tensor
    sampling: torch.Tensor
    done: torch.Tensor
    long: torch.Tensor
    picked: torch.Tensor  # the mask-and-lean entry of the token chosen: -inf when not allowed
    total: torch.Tensor  # the sum of the model's scores: not finite when one of them is not

    def stopped(self) -> torch.Tensor:
        """Rows that stop here (cheaper than ``codes``: check this first). x * 0 == 0 exactly when x is finite."""
        return self.done | self.long | (self.sampling & (self.picked + self.total).mul_(0).ne(0))

    def codes(self) -> torch.Tensor:
        """Each row's status: NOT_FINITE or NOT_ALLOWED (the sampled token), else DONE, TOO_LONG or LIVE."""
        status = torch.where(self.done, DONE, torch.where(self.long, TOO_LONG, LIVE))
        status = status.masked_fill(self.sampling & (self.picked == float("-inf")), NOT_ALLOWED)
        return status.masked_fill(self.sampling & ~torch.isfinite(self.total), NOT_FINITE)


def buckets(max_batch: int) -> list[int]:
    """Batch sizes a static decoder pads to: powers of two up to ``max_batch`` (and ``max_batch`` itself)."""
    sizes = [1]
    while sizes[-1] < max_batch:
        sizes.append(min(2 * sizes[-1], max_batch))
    return sizes


class Decoder:
    """The batch's tensors and the step over them; see the module docstring. Not thread safe: one worker owns it."""

    def __init__(self, model: MelodyLSTM, device: torch.device | str, registry: Registry,
                 packed: PackedLSTM | None = None, *, static: bool = False, graphs: bool = False,
                 max_batch: int = 64, width: int = 4098, lag: int = 4) -> None:
        self.model = model
        self.device = torch.device(device)
        self.registry = registry
        self.packed = packed
        self.static = static
        self.graphs = graphs and static and self.device.type == "cuda"
        self.buckets = buckets(max_batch)
        self.width = width  # uniform/history buffer width in static mode (the engine's step limit + 2)
        self.lag = lag if self.graphs else 0  # steps the host may run ahead of the finished-row flags
        self.rows: Rows | None = None  # eager: exactly the rows; static: the live prefix of the bucket buffers
        self.n = 0  # live rows
        self._buffers: dict[int, Rows] = {}  # static: bucket size -> buffers
        self._flags: dict[int, torch.Tensor] = {}  # static: bucket size -> 0-d "some row stopped" flag
        self._graphs: dict[int, tuple[int, torch.cuda.CUDAGraph]] = {}  # bucket -> (registry version, graph)
        self._pending: deque[tuple[torch.cuda.Event, torch.Tensor]] = deque()  # GPU: flags on their way
        self._ring = [(torch.cuda.Event(), torch.zeros((), dtype=torch.bool).pin_memory())
                      for _ in range(self.lag + 2)] if self.lag else []
        self._tick = 0
        self.check_every = 1  # static mode on a CPU: read the flag every this many steps (tests use more)
        self._since = 0
        self._graph_failed = False

    # ---- the model step -------------------------------------------------------------------------------------------
    def model_step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The packed step, unless ``model.step`` was replaced or overridden (instrumented): then that."""
        step = self.model.step
        if self.packed is not None and getattr(step, "__func__", None) is MelodyLSTM.step:
            return self.packed.step(tokens, state)
        return step(tokens, state)

    @property
    def stock(self) -> bool:
        """The model's own step is in use (so a captured graph may stand for it)."""
        return self.packed is not None and getattr(self.model.step, "__func__", None) is MelodyLSTM.step

    # ---- membership -----------------------------------------------------------------------------------------------
    def new_rows(self, new: list[NewRow], logits: torch.Tensor, state: State) -> Rows:
        """Rows for prefilled requests."""
        dev, n = self.device, len(new)
        width = self.width if self.static else max(len(r.uniforms) for r in new)
        uniforms = torch.zeros(n, width)
        for i, r in enumerate(new):
            uniforms[i, : len(r.uniforms)] = r.uniforms
        column = torch.zeros(n, 1, dtype=torch.long, device=dev)
        return Rows(
            state=torch.tensor([r.state for r in new], device=dev),
            cat_off=torch.tensor([r.cat_off for r in new], device=dev),
            used=column, steps=column.clone(),
            limit=torch.tensor([[r.limit] for r in new], device=dev),
            temp=torch.tensor([[r.temperature] for r in new], device=dev),
            top_p=torch.tensor([[r.top_p] for r in new], device=dev),
            uniforms=uniforms.to(dev), history=torch.zeros(n, width, dtype=torch.long, device=dev),
            status=torch.zeros(n, dtype=torch.long, device=dev),
            h=state[0], c=state[1], logits=logits.float(),
        )

    def admit(self, rows: Rows) -> None:
        """Append rows to the batch."""
        current = self.live()
        self._place(rows if current is None else Rows.cat([current, rows]))

    def keep(self, index: list[int]) -> None:
        """Keep only these rows (by position), in this order."""
        current = self.live()
        assert current is not None
        self._place(current.select(torch.tensor(index, dtype=torch.long, device=self.device)) if index else None)

    def move(self, shift: torch.Tensor) -> None:
        """Add ``shift`` (per row: the change of its configuration's offsets) to the rows' states and category
        offsets, after the registry was compacted."""
        current = self.live()
        assert current is not None
        moved = replace(current, state=current.state + shift[:, 0], cat_off=current.cat_off + shift[:, 1])
        self._place(moved)

    def live(self) -> Rows | None:
        """The live rows (a copy in static mode)."""
        if self.rows is None or self.n == 0:
            return None
        return self.rows if not self.static else self.rows.select(torch.arange(self.n, device=self.device))

    def _place(self, rows: Rows | None) -> None:
        self.n = 0 if rows is None else len(rows)
        self._pending.clear()
        if not self.static or rows is None:
            self.rows = rows
            return
        size = next(b for b in self.buckets if b >= self.n)
        buf = self._buffers.get(size)
        if buf is None:
            buf = self._buffers[size] = self._padding(rows, size)
            self._flags[size] = torch.zeros((), dtype=torch.bool, device=self.device)
        idle = self._padding(rows, size)
        for f in fields(Rows):
            target, dim = getattr(buf, f.name), 1 if f.name in ("h", "c") else 0
            target.copy_(getattr(idle, f.name))
            target.narrow(dim, 0, self.n).copy_(getattr(rows, f.name))
        self.rows = buf

    def _padding(self, like: Rows, size: int) -> Rows:
        """``size`` idle rows shaped like ``like``'s (static mode)."""
        dev, layers, _, hidden = self.device, *like.h.shape
        long = {"dtype": torch.long, "device": dev}
        return Rows(
            state=torch.full((size,), IDLE, **long), cat_off=torch.zeros(size, **long),
            used=torch.zeros(size, 1, **long), steps=torch.zeros(size, 1, **long),
            limit=torch.full((size, 1), NEVER, **long), temp=torch.ones(size, 1, device=dev),
            top_p=torch.ones(size, 1, device=dev), uniforms=torch.zeros(size, self.width, device=dev),
            history=torch.zeros(size, self.width, **long), status=torch.zeros(size, **long),
            h=torch.zeros(layers, size, hidden, device=dev, dtype=like.h.dtype),
            c=torch.zeros(layers, size, hidden, device=dev, dtype=like.c.dtype),
            logits=torch.zeros(size, like.logits.size(1), device=dev),
        )

    # ---- one step ---------------------------------------------------------------------------------------------------
    def _choose(self, r: Rows, splice: Splice | None) -> Outcome:
        """Every row's next token, and the rows' next states (returned, not written, except the history entry)."""
        reg = self.registry
        add = reg.bank.index_select(0, reg.row.index_select(0, r.state))  # mask and leans, as one additive row
        uniform = r.uniforms.gather(1, r.used.clamp(max=r.uniforms.size(1) - 1))
        forced = reg.forced.index_select(0, r.state)
        if splice is not None:
            add.index_copy_(0, splice.rows, splice.add)
            uniform.index_copy_(0, splice.rows, splice.uniform)
            forced.index_copy_(0, splice.rows, splice.forced)
        first = None if self.static or len(r) < NUCLEUS_FROM else NUCLEUS
        sampled = pick((r.logits + add) / r.temp, r.top_p, uniform, first)
        sampling = forced < 0
        token = torch.where(sampling, sampled, forced)
        category = reg.cat.index_select(0, r.cat_off + token)
        state = reg.trans.view(-1).index_select(0, torch.add(category, r.state, alpha=CATEGORIES))
        r.history.scatter_(1, r.steps.clamp(max=r.history.size(1) - 1), token[:, None])
        steps = r.steps + 1
        picked = add.gather(1, token[:, None]).view(-1)  # -inf: a token the grammar does not allow
        total = r.logits.sum(1)  # not finite when any score is not
        out = Outcome(token, state, r.used + sampling[:, None], steps, sampling, reg.done.index_select(0, state),
                      (steps >= r.limit).view(-1), picked, total)
        if splice is not None:  # the engine judges its Python rows itself
            out.sampling = out.sampling.index_fill(0, splice.rows, False)
            out.done = out.done.index_fill(0, splice.rows, False)
            out.long = out.long.index_fill(0, splice.rows, False)
        return out

    def choose(self, splice: Splice | None = None) -> Outcome:
        """Eager mode: choose every row's next token and advance the table rows' states."""
        assert self.rows is not None and not self.static
        out = self._choose(self.rows, splice)
        self.rows.state, self.rows.used, self.rows.steps = out.state, out.used, out.steps
        return out

    def forward(self, tokens: torch.Tensor) -> None:
        """Eager mode: feed the chosen tokens to the model (after finished rows were removed)."""
        assert self.rows is not None and not self.static
        logits, (self.rows.h, self.rows.c) = self.model_step(tokens, (self.rows.h, self.rows.c))
        self.rows.logits = logits.float()

    # ---- static mode ---------------------------------------------------------------------------------------------
    def _fused(self, r: Rows, flag: torch.Tensor, splice: Splice | None = None) -> torch.Tensor:
        """Choose and step the model for every row of a bucket, writing the results into its buffers; the tokens."""
        out = self._choose(r, splice)
        status = torch.where(r.status != LIVE, r.status, out.codes())
        logits, (h, c) = self.model_step(out.token, (r.h, r.c))
        r.state.copy_(out.state)
        r.used.copy_(out.used)
        r.steps.copy_(out.steps)
        r.status.copy_(status)
        r.logits.copy_(logits)
        r.h.copy_(h)
        r.c.copy_(c)
        flag.copy_((status != LIVE).any())
        return out.token

    def run(self, splice: Splice | None = None) -> tuple[torch.Tensor | None, bool]:
        """Static mode: one fused step, a CUDA graph replay where possible (no rows decoded in Python, the stock
        model step). Returns the tokens (None from a graph) and whether some row may have stopped (the caller then
        reads ``statuses``). A stopped row stays frozen until then, so the answer may come late: every
        ``check_every`` steps (on a CPU), or on a GPU up to ``lag`` steps behind, read without waiting."""
        assert self.rows is not None and self.static
        flag = self._flags[len(self.rows)]
        graph = self._graph(len(self.rows)) if self.graphs and splice is None and self.stock else None
        token = None
        if graph is None:
            token = self._fused(self.rows, flag, splice)
        else:
            graph.replay()
        if splice is not None:  # Python rows: the caller reads the tokens anyway
            return token, bool(flag)
        if self.lag == 0:
            self._since += 1
            if self._since < self.check_every:
                return token, False
            self._since = 0
            return token, bool(flag)
        slot = self._ring[self._tick % len(self._ring)]
        self._tick += 1
        slot[1].copy_(flag, non_blocking=True)
        slot[0].record()
        self._pending.append(slot)
        while self._pending and (len(self._pending) > self.lag or self._pending[0][0].query()):
            event, host = self._pending.popleft()
            event.synchronize()
            if bool(host):
                self._pending.clear()
                return token, True
        return token, False

    def statuses(self) -> list[int]:
        """Static mode: the live rows' statuses (a host sync)."""
        assert self.rows is not None
        return self.rows.status[: self.n].tolist()

    def _graph(self, size: int) -> torch.cuda.CUDAGraph | None:
        """The captured step for a bucket, captured again when the registry's tensors moved; None if capture
        failed once (then every step runs eagerly)."""
        if self._graph_failed:
            return None
        found = self._graphs.get(size)
        if found is not None and found[0] == self.registry.version:
            return found[1]
        rows, flag = self._buffers[size], self._flags[size]
        saved = [getattr(rows, f.name).clone() for f in fields(Rows)]  # warm-up steps must not advance the rows
        try:
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(2):
                    self._fused(rows, flag)
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self._fused(rows, flag)
        except RuntimeError:
            log.exception("Could not capture the decoding step as a CUDA graph; stepping eagerly")
            self._graph_failed = True
            graph = None
        for f, value in zip(fields(Rows), saved, strict=True):
            getattr(rows, f.name).copy_(value)
        if graph is not None:
            self._graphs[size] = (self.registry.version, graph)
        return graph


def uniforms_for(generator: torch.Generator, count: int) -> torch.Tensor:
    """A request's first ``count`` uniforms: what ``count`` draws of one number each would give."""
    return torch.rand(count, generator=generator)
