"""File rendering off the event loop, counted: rendering is the slow part of a reply, so "busy" includes it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
RENDER_LIMIT = 16  # replies whose files may wait or render at once before new requests are told "busy"


class RenderQueue:
    """Runs CPU work (scores, audio, plots) in an executor and counts what is waiting or running."""

    def __init__(self, limit: int = RENDER_LIMIT) -> None:
        self.limit = limit
        self.pending = 0

    @property
    def full(self) -> bool:
        return self.pending >= self.limit

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` in the default executor, counted while it waits and runs."""
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args, **kwargs))
        finally:
            self.pending -= 1
