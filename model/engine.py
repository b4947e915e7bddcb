"""The inference worker: one thread owns the model and batches every waiting request.

Iteration-level batching: each loop step advances all active sequences by one token; new
requests join between steps (their prompts prefilled together in one call) and finished
ones leave at once, resolving their futures. Callers just ``await engine.generate(...)``.

Failures: whatever goes wrong with one request (its grammar, its sampling, NaN scores) fails
that request alone. If the batched model step fails, or the worker thread dies, every request
in flight or queued gets EngineStopped and a fresh worker thread starts, up to
``max_restarts`` times in ``restart_window`` seconds; after that the engine stays stopped.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import torch

from model.lstm import MelodyLSTM, State
from model.sample import sample

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


class Grammar(Protocol):
    """What the engine needs from a request's decoding state (see model.sample.MelodyGrammar).

    A grammar may also have ``bias() -> Tensor | None``: scores added to the model's before sampling.
    """

    prompt: list[int]

    @property
    def done(self) -> bool: ...

    def forced(self) -> int | None: ...

    def allowed(self) -> torch.Tensor: ...

    def accept(self, token: int) -> None: ...


@dataclass
class _Job:
    grammar: Grammar
    generator: torch.Generator
    temperature: float
    top_p: float
    future: Future = field(default_factory=Future)
    max_steps: int = 4096
    steps: int = 0


class Engine:
    """Owns a model in a supervised worker thread; ``generate`` is safe to call from any event loop."""

    def __init__(self, model: MelodyLSTM, device: str = "cpu", max_batch: int = 64, max_queue: int = 256,
                 max_restarts: int = 3, restart_window: float = 60.0) -> None:
        self.model = model.to(device).eval()
        self.device = device
        self.max_batch = max_batch
        self.max_restarts = max_restarts  # worker restarts allowed within restart_window seconds
        self.restart_window = restart_window
        self._queue: queue.Queue[_Job] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()  # orders submit, stop and restart: no request is queued after the last drain
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refusal: str | None = NOT_STARTED  # why new requests are refused; None while serving
        self._failures: list[float] = []  # when the worker failed (monotonic seconds), within restart_window
        self.restarts = 0  # worker threads started after a failure
        self.steps = 0  # model steps taken (for benchmarks)
        self.tokens = 0  # tokens produced
        self._batch = 0  # requests in the batch being stepped (for metrics)

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> Engine:
        """Start the worker (again, after ``stop`` or after it gave up)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._refusal, self._failures = None, []
                self._spawn()
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

    @property
    def busy(self) -> bool:
        """The queue is full: a new request would be refused with EngineBusy."""
        return self._queue.full()

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
    def submit(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0) -> Future:
        """Queue a request; raises EngineBusy when the queue is full, EngineStopped when not serving."""
        if not (temperature > 0 and 0 < top_p <= 1):
            raise ValueError(f"temperature must be > 0 and top_p in (0, 1], not {temperature} and {top_p}")
        job = _Job(grammar, torch.Generator().manual_seed(seed), float(temperature), float(top_p))
        with self._lock:
            self._check_alive()
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                raise EngineBusy() from None
        return job.future

    async def generate(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0) -> Grammar:
        """Run a request to completion and return its finished grammar (which holds the notes)."""
        await asyncio.wrap_future(self.submit(grammar, seed, temperature, top_p))
        return grammar

    # ---- supervision ---------------------------------------------------------------------
    def _spawn(self) -> None:
        """Start a worker thread (call with the lock held)."""
        self._thread = threading.Thread(target=self._serve, name="melody-engine", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """The worker thread: run the loop; if it fails, answer every request and restart (within the budget)."""
        active: list[_Job] = []
        try:
            self._run(active)
        except BaseException as exc:  # noqa: BLE001 - nothing may leave a request unanswered
            self._failed(active, exc)
        else:
            self._fail(active, EngineStopped(SHUTTING_DOWN))

    def _failed(self, active: list[_Job], exc: BaseException) -> None:
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

    def _drain(self) -> list[_Job]:
        """Take every queued request whose caller is still waiting."""
        jobs = []
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return jobs
            if job.future.set_running_or_notify_cancel():
                jobs.append(job)

    @staticmethod
    def _fail(jobs: list[_Job], exc: BaseException) -> None:
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(exc)

    # ---- worker loop ---------------------------------------------------------------------
    def _admit(self, active: list[_Job], block: bool) -> list[_Job]:
        fresh: list[_Job] = []
        while len(active) + len(fresh) < self.max_batch:
            try:
                job = self._queue.get(timeout=0.05) if block and not fresh else self._queue.get_nowait()
            except queue.Empty:
                break
            if job.future.set_running_or_notify_cancel():  # skip requests whose caller gave up
                fresh.append(job)
        return fresh

    def _run(self, active: list[_Job]) -> None:
        """Serve until stopped; ``active`` (updated in place) holds the requests in flight, for ``_failed``."""
        state: State | None = None
        logits: torch.Tensor | None = None
        with torch.inference_mode():
            while not self._stop.is_set():
                fresh = self._admit(active, block=not active)
                if fresh:
                    joined = bool(active)
                    active += fresh
                    new_logits, new_state = self.model.prefill([j.grammar.prompt for j in fresh])
                    if joined:
                        assert state is not None and logits is not None
                        state = (torch.cat([state[0], new_state[0]], 1), torch.cat([state[1], new_state[1]], 1))
                        logits = torch.cat([logits, new_logits])
                    else:
                        state, logits = new_state, new_logits
                self._batch = len(active)
                if not active:
                    continue
                assert state is not None and logits is not None
                tokens, keep = self._choose(active, logits)
                if len(keep) < len(active):
                    index = torch.tensor(keep, dtype=torch.long)
                    active[:] = [active[i] for i in keep]
                    state = (state[0][:, index.to(self.device)], state[1][:, index.to(self.device)])
                    tokens = tokens[index]  # sampled on the CPU
                if active:
                    logits, state = self.model.step(tokens.to(self.device), state)
                    self.steps += 1

    def _choose(self, active: list[_Job], logits: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
        """Sample (or force) each active job's next token; return tokens and the jobs that go on.

        A failure in one job (its grammar, its random draw, NaN scores) fails that job alone: its row is left out.
        """
        logits = logits.cpu()
        n, vocab = logits.shape
        finite = torch.isfinite(logits).all(-1).tolist()
        tokens = torch.zeros(n, dtype=torch.long)
        allowed = torch.ones(n, vocab, dtype=torch.bool)
        uniform = torch.zeros(n)
        lean: dict[int, torch.Tensor] = {}  # per row: scores the grammar adds (rhythm, cadence leans)
        forced: set[int] = set()
        sampled: list[int] = []
        legal: dict[int, bool] = {}  # per sampled row: its token is one the grammar allows
        for row, job in enumerate(active):
            try:
                token = job.grammar.forced()
                if token is not None:
                    if not 0 <= token < vocab:
                        raise ValueError(f"the grammar forced token {token}, outside the vocabulary")
                    tokens[row] = token  # e.g. a bar line: fed to the model, not a choice
                    forced.add(row)
                    continue
                if not finite[row]:
                    raise FloatingPointError("The model's scores for this request are not finite (NaN or inf).")
                allowed[row] = job.grammar.allowed()
                bias = getattr(job.grammar, "bias", None)
                if bias is not None and (extra := bias()) is not None:
                    lean[row] = extra
                uniform[row] = torch.rand(1, generator=job.generator)
                sampled.append(row)
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                self._fail_one(job, exc)
        if sampled:  # rows are independent: a request samples the same token whatever else is in the batch
            rows = torch.tensor(sampled)
            temperature = torch.tensor([active[r].temperature for r in sampled])
            top_p = torch.tensor([active[r].top_p for r in sampled])
            scores = logits[rows]
            for i, r in enumerate(sampled):
                if r in lean:
                    scores[i] += lean[r]  # ``logits[rows]`` is a copy: the model's scores stay as they are
            tokens[rows] = sample(scores, allowed[rows], temperature, top_p, uniform[rows])
            legal = dict(zip(sampled, allowed[rows, tokens[rows]].tolist(), strict=True))
        chosen = tokens.tolist()
        keep: list[int] = []
        for row in sorted({*forced, *sampled}):  # the rows that have not failed
            job = active[row]
            try:
                if row not in forced:
                    if not legal[row]:
                        raise ValueError(f"sampled token {chosen[row]}, which the grammar does not allow")
                    job.grammar.accept(chosen[row])
                job.steps += 1
                self.tokens += 1
                if job.grammar.done:
                    job.future.set_result(job.grammar)
                elif job.steps >= job.max_steps:
                    job.future.set_exception(RuntimeError("The melody did not finish in time."))
                else:
                    keep.append(row)
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                self._fail_one(job, exc)
        return tokens, keep

    @staticmethod
    def _fail_one(job: _Job, exc: Exception) -> None:
        log.warning("A melody request failed at step %d", job.steps, exc_info=exc)
        if not job.future.done():
            job.future.set_exception(exc)
