"""A short run of the transform bench (bench/transform.py): every measurement taken and reported."""

from __future__ import annotations

import argparse
import re

import pytest

from bench.transform import run


@pytest.mark.slow
async def test_a_short_transform_run_measures_everything(composer):
    text = await run(argparse.Namespace(n=12, seed=1), composer)
    assert text.startswith("## /transform: contour kept, target reached")
    accuracy = re.search(r"names the family right (\d+\.\d)% of the time", text)
    assert accuracy and float(accuracy[1]) > 75  # the yardstick hears real tunes' meters
    for target in ("minor or major", "dorian", "reel (4/4)", "jig (6/8)", "waltz (3/4)", "scottish", "chorale"):
        assert f"| {target} | " in text
    assert text.count("| 100.0% | 100.0% | 100.0% |") == 6  # every rhythm: pitches in order, full bars, a strong end
    assert "then scottish:" in text
