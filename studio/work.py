"""CPU work off the event loop, counted so that "busy" includes it.

Rendering (scores, audio, plots) runs in a pool of worker processes, one per core, shared by the whole process:
in threads the GIL serialised most of it. Work that needs an object living in this process (the lyric model)
runs in a thread instead (``in_process=False``).

A reply's first files come before other replies' late ones: the queue hands the pool one job per worker at a time,
the waiting jobs in order of priority, then arrival (``later=True`` for files added to a reply already shown).
Twenty /melody requests at once: each reply's first files (32 ms) waited behind the other replies' scores and audio
(0.5 s each), and the first message came after 5.5 s (p50) on the 2-core machine.
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
RENDER_LIMIT = 16  # replies whose files may wait or render at once before new requests are told "busy"

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _warm() -> None:
    """Import the renderers, the harmoniser, the analysis and the arrangements' files, and load the soundfont
    (~1.5 s for MuseScore's piano) once per worker, so the first reply does not pay for it. A soundfont that fails
    here is reported by the first audio render instead. None of them imports torch: the workers stay small."""
    import studio.analysis.report
    import studio.arrange.files
    import studio.render  # noqa: F401
    from data.audio import preload
    from studio.harmony.harmonizer import default_harmonizer

    default_harmonizer()

    try:
        preload()
    except (OSError, ImportError):  # an exception here would break the pool: scores must still render
        log.warning("render worker: could not load a soundfont; audio previews will fail", exc_info=True)


def workers() -> int:
    """One worker per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def render_pool() -> ProcessPoolExecutor:
    """The shared pool, started on first use ("spawn": the parent has torch threads, which fork would copy)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(workers(), mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
        return _pool


def warm_pool() -> None:
    """Start every render worker now (each runs ``_warm``), so the first reply after a start does not wait ~2.5 s
    for them; returns at once."""
    pool = render_pool()
    for _ in range(workers()):
        pool.submit(os.getpid)


def _replace_broken(pool: Executor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


class RenderQueue:
    """Runs CPU work in the render pool (or a thread) and counts what is waiting or running."""

    def __init__(self, limit: int = RENDER_LIMIT) -> None:
        self.limit = limit
        self.pending = 0
        self._running = 0  # jobs handed to the pool by this queue
        self._waiting: list[tuple[bool, int, asyncio.Future[None]]] = []  # (later, arrival, turn), a heap
        self._arrivals = itertools.count()

    @property
    def full(self) -> bool:
        return self.pending >= self.limit

    async def run(self, func: Callable[..., T], *args: Any, in_process: bool = True, later: bool = False,
                  **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in a worker process (``func`` and its arguments must pickle), or in a thread
        that runs in the caller's context (its contextvars, e.g. the request id of its log lines). ``later``: work
        nobody is waiting to see (a reply's late files) waits while other work is queued."""
        self.pending += 1
        loop = asyncio.get_running_loop()
        try:
            if not in_process:
                return await loop.run_in_executor(None, partial(contextvars.copy_context().run, func, *args, **kwargs))
            await self._turn(later)
            try:
                pool = render_pool()
                try:
                    return await loop.run_in_executor(pool, partial(func, *args, **kwargs))
                except BrokenProcessPool:  # a worker died (killed, out of memory): start a fresh pool, try once more
                    log.warning("a render worker died; starting a new pool")
                    _replace_broken(pool)
                    return await loop.run_in_executor(render_pool(), partial(func, *args, **kwargs))
            finally:
                self._next()
        finally:
            self.pending -= 1

    async def _turn(self, later: bool) -> None:
        """Wait until the pool has a free worker for this job and no job before it in line."""
        if self._running < workers() and not self._waiting:
            self._running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (later, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # given its turn as it was cancelled: pass the turn on
                self._next()
            raise

    def _next(self) -> None:
        """A job left the pool: give its worker to the first job in line that still waits."""
        self._running -= 1
        while self._waiting:
            turn = heapq.heappop(self._waiting)[2]
            if not turn.done():
                self._running += 1
                turn.set_result(None)
                return
