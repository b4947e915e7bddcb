"""A few seconds of the soak run (bench/soak.py): a handful of users, 429 storms and a gateway reconnect; every
interaction answered, none with an error."""

from __future__ import annotations

import pytest

from bench.soak import Plan, report, soak


@pytest.mark.slow
async def test_a_short_soak_answers_every_interaction(composer, lyricist):
    plan = Plan(users=4, seconds=8, baseline=0, grace=60, seed=3, fault_scale=0.1)  # faults every few seconds
    out = await soak(plan, composer, lyricist)
    outcomes = [r["outcome"] for r in out["records"]]
    assert outcomes, "the simulated users sent nothing"
    assert "unanswered" not in outcomes and "error" not in outcomes, report(out, plan, "smoke")
    assert not out["server_errors"] and not out["unknown"]
    assert out["counts"]["storms"] >= 1 and out["rate_limited"] >= 1 and out["resumes"] >= 1
    assert out["rss"], "no memory samples"
