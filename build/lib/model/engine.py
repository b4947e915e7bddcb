"""The inference worker: one thread owns the model and batches every waiting request.

Iteration-level batching: each loop step advances all active sequences by one token; new
requests join between steps (their prompts prefilled together in one call) and finished
ones leave at once, resolving their futures. Callers just ``await engine.generate(...)``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import torch

from model.lstm import MelodyLSTM, State
from model.sample import sample


class EngineBusy(RuntimeError):
    """The request queue is full."""

    def __init__(self) -> None:
        super().__init__("The composer is busy with other requests right now. Try again in a few seconds.")


class EngineStopped(RuntimeError):
    """The engine is not running."""


class Grammar(Protocol):
    """What the engine needs from a request's decoding state (see model.sample.MelodyGrammar)."""

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
    """Owns a model in a worker thread; ``generate`` is safe to call from any event loop."""

    def __init__(self, model: MelodyLSTM, device: str = "cpu", max_batch: int = 64, max_queue: int = 256) -> None:
        self.model = model.to(device).eval()
        self.device = device
        self.max_batch = max_batch
        self._queue: queue.Queue[_Job] = queue.Queue(maxsize=max_queue)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0  # model steps taken (for benchmarks)
        self.tokens = 0  # tokens produced

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> Engine:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="melody-engine", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        while not self._queue.empty():
            self._queue.get_nowait().future.set_exception(EngineStopped("The composer is shutting down."))

    @property
    def busy(self) -> bool:
        """True when a new request would be refused."""
        return self._queue.full()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- requests ------------------------------------------------------------------------
    def submit(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0) -> Future:
        """Queue a request; raises EngineBusy when the queue is full."""
        if not self.running:
            raise EngineStopped("The composer is not running.")
        job = _Job(grammar, torch.Generator().manual_seed(seed), temperature, top_p)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise EngineBusy() from None
        return job.future

    async def generate(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0) -> Grammar:
        """Run a request to completion and return its finished grammar (which holds the notes)."""
        await asyncio.wrap_future(self.submit(grammar, seed, temperature, top_p))
        return grammar

    # ---- worker thread -------------------------------------------------------------------
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

    def _run(self) -> None:
        active: list[_Job] = []
        state: State | None = None
        logits: torch.Tensor | None = None
        with torch.inference_mode():
            while not self._stop.is_set():
                fresh = self._admit(active, block=not active)
                try:
                    if fresh:
                        new_logits, new_state = self.model.prefill([j.grammar.prompt for j in fresh])
                        if active:
                            assert state is not None and logits is not None
                            state = (torch.cat([state[0], new_state[0]], 1), torch.cat([state[1], new_state[1]], 1))
                            logits = torch.cat([logits, new_logits])
                        else:
                            state, logits = new_state, new_logits
                        active += fresh
                    if not active:
                        continue
                    assert state is not None and logits is not None
                    tokens, keep = self._choose(active, logits)
                    if len(keep) < len(active):
                        index = torch.tensor(keep, device=self.device)
                        active = [active[i] for i in keep]
                        state = (state[0][:, index], state[1][:, index])
                        tokens = tokens[index.cpu()]  # sampled on the CPU
                    if active:
                        logits, state = self.model.step(tokens.to(self.device), state)
                        self.steps += 1
                except Exception as exc:  # noqa: BLE001 - deliver the failure, keep serving
                    self._fail(active + fresh, exc)
                    active, state, logits = [], None, None
        self._fail(active, EngineStopped("The composer is shutting down."))

    @staticmethod
    def _fail(jobs: list[_Job], exc: BaseException) -> None:
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(exc)

    def _choose(self, active: list[_Job], logits: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
        """Sample (or force) each active job's next token; return tokens and the jobs that go on."""
        n = len(active)
        allowed = torch.ones(n, logits.size(-1), dtype=torch.bool)
        uniform = torch.zeros(n)
        forced: dict[int, int] = {}
        for row, job in enumerate(active):
            token = job.grammar.forced()
            if token is not None:
                forced[row] = token
                continue
            allowed[row] = job.grammar.allowed()
            uniform[row] = torch.rand(1, generator=job.generator)
        temperature = torch.tensor([j.temperature for j in active])
        top_p = torch.tensor([j.top_p for j in active])
        tokens = sample(logits.cpu(), allowed, temperature, top_p, uniform)
        keep: list[int] = []
        for row, job in enumerate(active):
            try:
                if row in forced:
                    tokens[row] = forced[row]  # e.g. a bar line: fed to the model, not a choice
                else:
                    job.grammar.accept(int(tokens[row]))
                job.steps += 1
                self.tokens += 1
                if job.grammar.done:
                    job.future.set_result(job.grammar)
                elif job.steps >= job.max_steps:
                    job.future.set_exception(RuntimeError("The melody did not finish in time."))
                else:
                    keep.append(row)
            except Exception as exc:  # noqa: BLE001 - one bad request fails alone
                job.future.set_exception(exc)
        return tokens, keep

