"""bench.steering_sim: the steering bench's listeners without Discord, for trying ideas quickly."""

from __future__ import annotations

from bench.steering_sim import simulate


async def test_a_short_simulation_reports_a_rise_and_a_first_listed_rate_per_seed():
    results = await simulate(users=6, rounds=4, seeds=[1, 2], takes=(2, 1), caution=1.0, steering=True, reference=24)
    assert len(results) == 2
    for rise, first in results:
        assert -5 < rise < 5 and 0.0 <= first <= 1.0
    assert results[0] != results[1]  # other listeners, other seeds
