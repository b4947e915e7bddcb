"""A few seconds of the originality bench (bench/originality.py): every section measured and reported."""

from __future__ import annotations

import pytest

from bench.originality import bench, report

SECTIONS = ("### Index", "### /melody copy rate", "### Lookup time per candidate", "### Planted copies",
            "### Real held-out tunes", "### /similar")


@pytest.mark.slow
async def test_a_short_originality_run_measures_everything(composer):
    out = await bench(n_requests=6, trials=5, seed=2, composer=composer)
    text = report(out, "smoke")
    for section in SECTIONS:
        assert section in text
    assert out["n"] == 6 and len(out["times"]) == 6
    assert all(found == 1.0 for found, _ in out["planted"].values())
    assert out["held_out"]["tunes"] > 400 and out["similar"]["listed"] == 1.0
