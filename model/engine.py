"""The inference worker: one thread owns the model and batches every waiting request.

Iteration-level batching: each loop step advances all active sequences by one token; new
requests join between steps (their prompts prefilled together in one call) and finished
ones leave at once, resolving their futures. Callers just ``await engine.generate(...)``.

Decoding runs as tensor operations over the whole batch (model.decode): a plain ``MelodyGrammar`` (or a words
melody's ``RhythmGrammar``) becomes table rows (model.batch_grammar) whose masks, leans, bar lines and states are
gathered on the model's device, with no per-request Python per token; when a request finishes, its tokens are given
to its grammar object, which ends exactly as decoding it alone in Python would leave it. Any other grammar (the
``Grammar`` protocol) is decoded per row in Python, in the same batch. The model step is ``model.packed.PackedLSTM``
(int8 weights on a CPU by default); on CUDA the step is captured as a CUDA graph per bucketed batch size.

Failures: whatever goes wrong with one request (its grammar, its sampling, NaN scores) fails
that request alone. If the batched model step fails, or the worker thread dies, every request
in flight or queued gets EngineStopped and a fresh worker thread starts, up to
``max_restarts`` times in ``restart_window`` seconds; after that the engine stays stopped.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
import weakref
from concurrent.futures import Future

import torch

from model.batch_grammar import GENERIC, Registry, tables, vector_grammar
from model.decode import DONE, LIVE, NOT_ALLOWED, NOT_FINITE, Decoder, NewRow, Splice, uniforms_for
from model.jobs import MAX_STEPS, Grammar, Job, python_accept, python_choices, replay
from model.lstm import MelodyLSTM
from model.packed import PRECISIONS, PackedLSTM
from model.prefix_cache import PrefixCache
from model.sample import MelodyGrammar, RhythmGrammar

log = logging.getLogger(__name__)

# What EngineStopped says (its text is written for users).
RESTARTING = "The composer hit a problem and is restarting; try again in a few seconds."
GAVE_UP = "The composer has stopped after repeated failures and needs to be restarted; please let the operator know."
SHUTTING_DOWN = "The composer is shutting down."
NOT_STARTED = "The composer is not running."


class EngineBusy(RuntimeError):
    """The request queue is full."""

    def __init__(self) -> None:
        super().__init__("The composer is busy with other requests right now. Try again in a few seconds.")


class EngineStopped(RuntimeError):
    """The engine is not serving (restarting after a failure, stopped, or shutting down); the text says which."""


# While rows are decoding, waiting requests join every 8 steps rather than at every step: each join prefills its
# prompts one token at a time (~56 steps for a restated stretch's prompt), and a join of 9 rows costs little more
# than one of 2. The bot's 64 concurrent melodies, each written in stretches (studio/restate.py): 149 joins -> 36,
# 5.4k -> 8.5k tok/s. A request that arrives mid-batch waits at most 8 steps (~3 ms at 8 rows).
ADMIT_EVERY = 8
SMALL_BATCH = 16  # below this many rows the worker uses one intra-op thread (small ops gain nothing from more)


def token_bound(g: MelodyGrammar | RhythmGrammar) -> int:
    """Tokens a melody grammar can still produce, at most: two per note of at least one tick, and bar lines (a
    rhythm grammar: a pitch, a duration and a bar line per note of its rhythm)."""
    if isinstance(g, RhythmGrammar):
        return 3 * len(g.rhythm) + 4
    span = g.target - g.now
    return 2 * span + span // g.bar_ticks + 4


def default_precision(device: str) -> str:
    """int8 weights on a CPU (exact integer products by the fastest kernel there, model.int8: about twice as fast
    as float32 at batch 64 with AVX-512 VNNI, 1.5x on AVX2; the same validation NLL: model/checkpoints/REPORT.md);
    float32 on a GPU (``precision="bf16"`` there is an option)."""
    return "int8" if torch.device(device).type == "cpu" else "fp32"


_RUNNING: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose worker thread may be running


@atexit.register
def _stop_running() -> None:
    """At exit, stop every engine nobody stopped: a daemon thread still stepping torch while the interpreter
    finalizes can abort the process ("terminate called without an active exception")."""
    for engine in list(_RUNNING):
        engine.stop()


class Engine:
    """Owns a model in a supervised worker thread; ``generate`` is safe to call from any event loop."""

    def __init__(self, model: MelodyLSTM, device: str = "cpu", max_batch: int = 64, max_queue: int = 256,
                 max_restarts: int = 3, restart_window: float = 60.0, *, precision: str | None = None,
                 graphs: bool | None = None, threads: int | None = None) -> None:
        """``precision``: the packed step's weights ("fp32", "bf16", "int8"; default ``default_precision``).
        ``graphs``: capture the step as CUDA graphs (default: on CUDA); it implies the static batch layout.
        ``threads``: the worker's intra-op threads for batches of ``SMALL_BATCH`` rows or more (default: half the
        cores torch uses, at least one: the event loop, renderers and other processes need the rest, and a thread
        team waiting for a busy core is far slower than one thread — see model/checkpoints/REPORT.md); smaller
        batches always use one."""
        self.model = model.to(device).eval()
        self.device = device
        self.max_batch = max_batch
        self.precision = precision or default_precision(device)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")
        if self.precision == "int8" and torch.device(device).type == "cuda":
            raise ValueError("int8 weights are for CPUs (CUDA's int8 product needs batches over 16): use bf16")
        self._packed = PackedLSTM(self.model, self.precision)
        self._vocab_size = self.model.head.out_features
        self.graphs = torch.device(device).type == "cuda" if graphs is None else graphs
        self.static = self.graphs  # rows in fixed, padded buffers (what CUDA graphs need)
        self.threads = threads or max(1, torch.get_num_threads() // 2)
        self.check_every = 1  # static layout without graphs: look for finished rows every this many steps
        self._decoder: Decoder | None = None  # the worker's batch (for tests and metrics)
        self._generic: list[int] = []  # rows of the batch decoded in Python (grammars without tables)
        self.max_restarts = max_restarts  # worker restarts allowed within restart_window seconds
        self.restart_window = restart_window
        self.max_queue = max_queue  # new requests queued at most (follow-ups of admitted ones may go past it)
        self._queue: queue.Queue[Job] = queue.Queue()
        self._new_waiting = 0  # queued jobs that are new requests (not the next part of one admitted): see busy
        self._count_lock = threading.Lock()  # guards _new_waiting (taken inside _lock too, never the other way)
        self._lock = threading.Lock()  # orders submit, stop and restart: no request is queued after the last drain
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refusal: str | None = NOT_STARTED  # why new requests are refused; None while serving
        self._failures: list[float] = []  # when the worker failed (monotonic seconds), within restart_window
        self.restarts = 0  # worker threads started after a failure
        self.steps = 0  # model steps taken (for benchmarks)
        self.tokens = 0  # tokens produced
        self._batch = 0  # requests in the batch being stepped (for metrics)
        self.prefix_cache = PrefixCache()  # states after prompts and finished requests: later prompts start there

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> Engine:
        """Start the worker (again, after ``stop`` or after it gave up)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._refusal, self._failures = None, []
                self._spawn()
                _RUNNING.add(self)
        return self

    def stop(self) -> None:
        """Stop the worker; requests in flight or queued get EngineStopped."""
        with self._lock:
            self._stop.set()
            self._refusal = SHUTTING_DOWN
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        with self._lock:
            self._fail(self._drain(), EngineStopped(SHUTTING_DOWN))
        _RUNNING.discard(self)

    @property
    def kernel(self) -> str | None:
        """The int8 product's kernel on this machine (model.int8), or None for float weights."""
        return self._packed.kernel

    @property
    def busy(self) -> bool:
        """The queue is full: a new request would be refused with EngineBusy. It counts the new requests waiting,
        not the next parts of requests already admitted (a /melody reply writes 3 candidates in stretches, 3 takes
        each): counting every job, 28 replies filled 256 places and a crowd of 100 was half refused."""
        return self._new_waiting >= self.max_queue

    @property
    def queue_depth(self) -> int:
        """Requests waiting to join the batch."""
        return self._queue.qsize()

    @property
    def batch_size(self) -> int:
        """Requests in the batch the worker is stepping now (0 when idle)."""
        return self._batch

    @property
    def alive(self) -> bool:
        """The worker is serving: a new request will be answered (False after ``stop`` or when it gave up)."""
        return self._refusal is None and self._thread is not None and self._thread.is_alive()

    def check_accepting(self) -> None:
        """Raise what ``submit`` would raise now: EngineStopped or EngineBusy (both with text for users)."""
        self._check_alive()
        if self.busy:
            raise EngineBusy()

    def _check_alive(self) -> None:
        if not self.alive:
            raise EngineStopped(self._refusal or GAVE_UP)

    # ---- requests ------------------------------------------------------------------------
    def submit(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0, *,
               follow_up: bool = False) -> Future:
        """Queue a request; raises EngineBusy when the queue is full (unless it is a ``follow_up``: the next part
        of a request already admitted), EngineStopped when not serving."""
        if not (temperature > 0 and 0 < top_p <= 1):
            raise ValueError(f"temperature must be > 0 and top_p in (0, 1], not {temperature} and {top_p}")
        job = Job(grammar, torch.Generator().manual_seed(seed), float(temperature), float(top_p))
        with self._lock:
            self._check_alive()
            if not follow_up:
                if self.busy:
                    raise EngineBusy()
                job.new = True
                with self._count_lock:
                    self._new_waiting += 1
            self._queue.put_nowait(job)
        return job.future

    async def generate(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0, *,
                       follow_up: bool = False) -> Grammar:
        """Run a request to completion and return its finished grammar (which holds the notes); ``follow_up``: see
        ``submit``."""
        await asyncio.wrap_future(self.submit(grammar, seed, temperature, top_p, follow_up=follow_up))
        return grammar

    # ---- supervision ---------------------------------------------------------------------
    def _spawn(self) -> None:
        """Start a worker thread (call with the lock held)."""
        self._thread = threading.Thread(target=self._serve, name="melody-engine", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """The worker thread: run the loop; if it fails, answer every request and restart (within the budget)."""
        active: list[Job] = []
        try:
            self._run(active)
        except BaseException as exc:  # noqa: BLE001 - nothing may leave a request unanswered
            self._failed(active, exc)
        else:
            self._fail(active, EngineStopped(SHUTTING_DOWN))

    def _failed(self, active: list[Job], exc: BaseException) -> None:
        """Fail the requests in flight and queued, then start a fresh worker or, past the budget, stay stopped."""
        with self._lock:
            now = time.monotonic()
            self._failures = [t for t in self._failures if now - t < self.restart_window] + [now]
            jobs = active + self._drain()
            if self._stop.is_set():
                message = SHUTTING_DOWN
            elif len(self._failures) <= self.max_restarts and self._restart():
                message = RESTARTING
            else:
                message, self._refusal = GAVE_UP, GAVE_UP
        log.error("The melody engine failed (%d time(s) in %.0f s; %d request(s) in flight or queued): %s",
                  len(self._failures), self.restart_window, len(jobs), message, exc_info=exc)
        error = EngineStopped(message)
        error.__cause__ = exc
        self._fail(jobs, error)

    def _restart(self) -> bool:
        """Start a fresh worker thread (call with the lock held); False when the system refuses."""
        try:
            self._spawn()
        except RuntimeError:  # "can't start new thread"
            log.exception("Could not restart the melody engine")
            return False
        self.restarts += 1
        return True

    def _drain(self) -> list[Job]:
        """Take every queued request whose caller is still waiting."""
        jobs = []
        while True:
            try:
                job = self._took(self._queue.get_nowait())
            except queue.Empty:
                return jobs
            if job.future.set_running_or_notify_cancel():
                jobs.append(job)

    def _took(self, job: Job) -> Job:
        """A job taken off the queue (see ``busy``)."""
        if job.new:
            with self._count_lock:
                self._new_waiting -= 1
        return job

    @staticmethod
    def _fail(jobs: list[Job], exc: BaseException) -> None:
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(exc)

    # ---- worker loop ---------------------------------------------------------------------
    def _admit(self, active: list[Job], block: bool) -> list[Job]:
        fresh: list[Job] = []
        while len(active) + len(fresh) < self.max_batch:
            try:
                job = self._took(self._queue.get(timeout=0.05) if block and not fresh else self._queue.get_nowait())
            except queue.Empty:
                break
            if job.future.set_running_or_notify_cancel():  # skip requests whose caller gave up
                fresh.append(job)
        return fresh

    def _run(self, active: list[Job]) -> None:
        """Serve until stopped; ``active`` (updated in place) holds the requests in flight, for ``_failed``."""
        decoder = Decoder(self.model, self.device, Registry(self._vocab_size, self.device), self._packed,
                          static=self.static, graphs=self.graphs, max_batch=self.max_batch, width=MAX_STEPS + 2)
        decoder.check_every = self.check_every
        self._decoder = decoder
        self._generic = []
        threads = waited = 0
        with torch.inference_mode():
            while not self._stop.is_set():
                if not active or waited >= ADMIT_EVERY:
                    fresh = self._admit(active, block=not active)
                    if fresh:
                        self._join(decoder, active, fresh)
                    waited = 0
                self._batch = len(active)
                if active:
                    wanted = 1 if len(active) < SMALL_BATCH else self.threads
                    if wanted != threads:  # this thread's own setting (OpenMP's is per thread)
                        torch.set_num_threads(threads := wanted)
                    self._step(decoder, active)
                    waited += 1

    def _join(self, decoder: Decoder, active: list[Job], fresh: list[Job]) -> None:
        """Prefill the new requests' prompts in one call and add them to the batch (a plain MelodyGrammar as table
        rows, any other grammar as a row decoded in Python)."""
        registry = decoder.registry
        moved = registry.compact({job.key for job in active if job.key is not None})
        if moved is not None and active:  # the registry dropped configurations no row uses: the others moved
            decoder.move(torch.tensor(self._shifts(registry, active, moved), device=decoder.device))
        rows: list[NewRow] = []
        joined: list[Job] = []
        for job in fresh:
            try:
                rows.append(self._row(registry, job))
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                self._fail_one(job, exc)
            else:
                joined.append(job)
        if not joined:
            return
        prompts = [j.grammar.prompt for j in joined]
        logits, state = self.prefix_cache.prefill(decoder.packed, prompts) if decoder.stock else \
            self.model.prefill(prompts)
        decoder.admit(decoder.new_rows(rows, logits, state))
        active += joined
        self._generic = [i for i, job in enumerate(active) if job.key is None]

    @staticmethod
    def _shifts(registry: Registry, active: list[Job], moved: dict[tuple, tuple[int, int]]) -> list[tuple[int, int]]:
        """Per row, how far its configuration's offsets moved when the registry was compacted."""
        shifts = []
        for job in active:
            if job.key is None:
                shifts.append((0, 0))
                continue
            (new_state, new_cat), (old_state, old_cat) = registry.offsets[job.key], moved[job.key]
            shifts.append((new_state - old_state, new_cat - old_cat))
        return shifts

    def _row(self, registry: Registry, job: Job) -> NewRow:
        """The decoder row for a request: table-driven for a plain MelodyGrammar or RhythmGrammar, else decoded in
        Python."""
        g = vector_grammar(job.grammar)
        if g is None:
            return NewRow(GENERIC, 0, job.temperature, job.top_p, torch.zeros(1))
        key, t = tables(g)
        state_offset, cat_offset = registry.add(key, t)
        count = min(token_bound(g), MAX_STEPS + 2)  # tokens (and so uniforms) the request can need, at most
        job.key = key
        return NewRow(state_offset + t.state(g), cat_offset, job.temperature, job.top_p,
                      uniforms_for(job.generator, count), min(job.max_steps, count - 1))

    def _step(self, decoder: Decoder, active: list[Job]) -> None:
        """One token for every request: choose (tensors for table rows, Python for the others), hand back the
        finished and failed requests, and step the model for the rest."""
        generic = self._generic
        splice, failed = python_choices(decoder, active, generic) if generic else (None, {})
        if decoder.static:
            tokens, maybe_stopped = decoder.run(splice)
            self.steps += 1
            statuses = decoder.statuses() if maybe_stopped or generic else None
        else:
            out = decoder.choose(splice)
            tokens = out.token
            statuses = out.codes().tolist() if bool(out.stopped().any()) else None  # the one host sync per step
        if statuses is None and not generic:
            self.tokens += len(active)
        else:
            assert tokens is not None or not generic
            keep = self._settle(decoder, active, statuses, generic, tokens.tolist() if generic else [], splice, failed)
            if len(keep) < len(active):
                active[:] = [active[i] for i in keep]
                self._generic = [i for i, job in enumerate(active) if job.key is None]
                decoder.keep(keep)
                if not decoder.static and keep:
                    tokens = tokens[torch.tensor(keep, device=tokens.device)]
        if not decoder.static and active:
            decoder.forward(tokens)
            self.steps += 1

    def _settle(self, decoder: Decoder, active: list[Job], statuses: list[int] | None, generic: list[int],
                chosen: list[int], splice: Splice | None, failed: dict[int, Exception]) -> list[int]:
        """Resolve the requests that finished or failed this step (and take the Python rows' tokens); return the rows
        that go on."""
        stopped: dict[int, int] = {}
        if statuses is not None:
            stopped = {row: s for row, s in enumerate(statuses) if s != LIVE and active[row].key is not None}
        histories = self._histories(decoder, [row for row, s in stopped.items() if s == DONE])
        removed: set[int] = set()
        produced = len(active) - len(generic) - len(stopped)  # the table rows that go on made a token each
        for i, row in enumerate(generic):
            job = active[row]
            try:
                if row in failed:
                    raise failed[row]
                assert splice is not None
                if python_accept(job, chosen[row], splice, i):
                    removed.add(row)
                produced += 1
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                removed.add(row)
                self._fail_one(job, exc)
        for row, status in stopped.items():
            job = active[row]
            removed.add(row)
            try:
                if status == DONE:
                    steps, history = histories[row]
                    replay(job, history[:steps])
                    self._remember(decoder, row, job.grammar.prompt + history[:steps - 1])
                    job.future.set_result(job.grammar)
                    produced += 1
                elif status == NOT_FINITE:
                    raise FloatingPointError("The model's scores for this request are not finite (NaN or inf).")
                elif status == NOT_ALLOWED:
                    raise ValueError("sampled a token which the grammar does not allow")
                else:
                    raise RuntimeError("The melody did not finish in time.")
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                self._fail_one(job, exc)
        self.tokens += produced
        return [row for row in range(len(active)) if row not in removed] if removed else list(range(len(active)))

    def _remember(self, decoder: Decoder, row: int, tokens: list[int]) -> None:
        """Store a finished row's state after ``tokens`` (its prompt and every token but the last, which was chosen
        and not fed): a prompt that goes on from it (the next stretch of a melody) starts there. Eager mode only: a
        static row is stepped past its end before the host reads that it finished."""
        rows = decoder.rows
        if not decoder.static and decoder.stock and rows is not None:
            self.prefix_cache.put(tokens, rows.logits[row], rows.h[:, row], rows.c[:, row])

    @staticmethod
    def _histories(decoder: Decoder, rows: list[int]) -> dict[int, tuple[int, list[int]]]:
        """Finished table rows' token counts and tokens."""
        if not rows or decoder.rows is None:
            return {}
        index = torch.tensor(rows, device=decoder.device)
        steps = decoder.rows.steps.index_select(0, index)[:, 0].tolist()
        history = decoder.rows.history.index_select(0, index).tolist()
        return {row: (s, h) for row, s, h in zip(rows, steps, history, strict=True)}

    @staticmethod
    def _fail_one(job: Job, exc: Exception) -> None:
        log.warning("A melody request failed at step %d", job.steps, exc_info=exc)
        if not job.future.done():
            job.future.set_exception(exc)

