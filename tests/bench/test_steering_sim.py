"""bench.steering_sim: the steering bench's listeners without Discord, for trying ideas quickly."""

from __future__ import annotations

from bench.steering import Turn
from bench.steering_sim import hindsight, simulate


async def test_a_short_simulation_reports_a_rise_and_first_listed_rates_per_seed():
    results = await simulate(users=6, rounds=4, seeds=[1, 2], takes=(2, 1), caution=1.0, steering=True, reference=24)
    assert len(results) == 2
    for rise, first, ranked_in_hindsight in results:
        assert -5 < rise < 5 and 0.0 <= first <= 1.0 and 0.0 <= ranked_in_hindsight <= 1.0
    assert results[0] != results[1]  # other listeners, other seeds


def test_hindsight_ranks_by_what_the_picks_taught():
    """A listener who always picks the fastest of three: ranked in hindsight, the fastest comes first every time."""
    turns = []
    for round_ in range(1, 11):
        tempos = [80 + 7 * ((round_ + i) % 3) + 20 * i for i in range(3)]
        turns.append(Turn(round_, 0, candidates=[({"tempo": t, "key": "C major"}, "") for t in tempos],
                          utilities=[float(t) for t in tempos], picked=2))
    assert hindsight(turns, rounds=10) == 1.0
    for t in turns:  # picks of the slowest teach the opposite
        t.picked = 0
    assert hindsight(turns, rounds=10) == 0.0
