"""Per-user shares: a cap on requests in flight and on requests started per minute, each with a time to retry."""

from __future__ import annotations

import pytest

from studio.fairness import SlowDown, UserLimits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_flight_cap_is_per_user_and_frees_when_a_request_ends():
    limits = UserLimits(in_flight=2, rate=100, window=60)
    with limits.hold(1), limits.hold(1):
        with pytest.raises(SlowDown, match="2 requests on the way"):
            limits.check(1)
        with limits.hold(2):  # another user is not affected
            pass
    with limits.hold(1):
        pass


def test_rate_says_when_to_try_again_and_forgets_old_requests():
    clock = Clock()
    limits = UserLimits(in_flight=10, rate=3, window=60, clock=clock)
    for _ in range(3):
        with limits.hold(5):
            clock.now += 1
    with pytest.raises(SlowDown) as refused:
        limits.check(5)
    assert refused.value.retry_after == 57 and "Try again in 57 s" in str(refused.value)
    clock.now += 58
    limits.check(5)  # the first request left the window
    clock.now += 120
    limits.check(5)
    assert 5 not in limits._started  # nothing kept about a user who stopped asking


def test_a_failing_request_still_frees_its_place():
    limits = UserLimits(in_flight=1, rate=100, window=60)
    with pytest.raises(RuntimeError), limits.hold(3):
        raise RuntimeError("the engine broke")
    limits.check(3)


def test_nothing_is_kept_about_users_who_stopped_asking():
    """The soak run found a deque kept for every user who ever asked: memory grew with the number of users."""
    clock = Clock()
    limits = UserLimits(in_flight=2, rate=10, window=60, clock=clock)
    for user in range(1000):
        with limits.hold(user):
            pass
    clock.now += 3600
    limits.check(99999)
    assert not limits._started and not limits._running
