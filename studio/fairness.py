"""Fair shares: per-user limits on generating requests, so one user's clicks can't starve everyone else."""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from data.errors import MusicError

IN_FLIGHT = 2  # a user's generating requests running at once
RATE, WINDOW = 10, 60.0  # and at most this many started per window (seconds): a minute of steady clicking


class SlowDown(MusicError):
    """Over a user's share; the message says when to try again."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UserLimits:
    """At most ``in_flight`` requests per user at once, and ``rate`` started per ``window`` seconds."""

    def __init__(self, in_flight: int = IN_FLIGHT, rate: int = RATE, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.in_flight, self.rate, self.window, self.clock = in_flight, rate, window, clock
        self._running: dict[int, int] = defaultdict(int)
        self._started: dict[int, deque[float]] = defaultdict(deque)

    def check(self, user: int) -> None:
        """SlowDown if ``user`` may not start another request now."""
        running = self._running.get(user, 0)
        if running >= self.in_flight:
            raise SlowDown(f"You have {running} requests on the way already: wait for them to arrive, "
                           "then ask again.", 5.0)
        now = self.clock()
        self._forget_idle(now)
        started = self._started.get(user)
        if not started:
            return
        if len(started) >= self.rate:
            wait = math.ceil(self.window - (now - started[0]))
            raise SlowDown(f"That's a lot of music at once ({len(started)} requests in the last "
                           f"{self.window:.0f} s). Try again in {wait} s.", wait)

    def _forget_idle(self, now: float) -> None:
        """Drop start times that left the window, and users with none left (nothing kept about who stopped)."""
        for user in list(self._started):
            started = self._started[user]
            while started and now - started[0] >= self.window:
                started.popleft()
            if not started:
                del self._started[user]

    @contextmanager
    def hold(self, user: int) -> Iterator[None]:
        """Count one request of ``user`` while the block runs (``check`` first; SlowDown when over the share)."""
        self.check(user)
        self._running[user] += 1
        self._started[user].append(self.clock())
        try:
            yield
        finally:
            self._running[user] -= 1
            if not self._running[user]:
                del self._running[user]
