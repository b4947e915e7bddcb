"""CPU work off the event loop, counted so that "busy" includes it.

Rendering (scores, audio, plots) runs in a pool of worker processes, one per core, shared by the whole process:
in threads the GIL serialised most of it. Work that needs an object living in this process (the lyric model)
runs in a thread instead (``in_process=False``).
"""

from __future__ import annotations

import asyncio
import contextvars
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
    """Import the renderers and load the soundfont (~1.5 s for MuseScore's piano) once per worker, so the first
    reply does not pay for it. A soundfont that fails here is reported by the first audio render instead."""
    import studio.render  # noqa: F401
    from data.audio import preload

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

    @property
    def full(self) -> bool:
        return self.pending >= self.limit

    async def run(self, func: Callable[..., T], *args: Any, in_process: bool = True, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in a worker process (``func`` and its arguments must pickle), or in a thread
        that runs in the caller's context (its contextvars, e.g. the request id of its log lines)."""
        self.pending += 1
        loop = asyncio.get_running_loop()
        try:
            if not in_process:
                return await loop.run_in_executor(None, partial(contextvars.copy_context().run, func, *args, **kwargs))
            pool = render_pool()
            try:
                return await loop.run_in_executor(pool, partial(func, *args, **kwargs))
            except BrokenProcessPool:  # a worker died (killed, out of memory): start a fresh pool, try once more
                log.warning("a render worker died; starting a new pool")
                _replace_broken(pool)
                return await loop.run_in_executor(render_pool(), partial(func, *args, **kwargs))
        finally:
            self.pending -= 1
