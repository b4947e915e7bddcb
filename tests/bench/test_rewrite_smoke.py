"""A few seconds of the rewrite bench (bench/rewrite.py): every measurement taken and reported."""

from __future__ import annotations

import argparse
import re

import pytest

from bench.rewrite import run


@pytest.mark.slow
async def test_a_short_rewrite_run_measures_everything(composer):
    args = argparse.Namespace(n=4, sweep=3, pool=8, stress=3, checkpoint=None)
    text = await run(args, composer)
    assert text.startswith("## Rewriting bars") and "| samples | join term × weight |" in text
    identical = re.search(r"identical through the product path \(`rewrite_candidates`\): (\d+)/(\d+) on these "
                          r"tunes, (\d+)/(\d+) on 3 random", text)
    assert identical and identical[1] == identical[2] and identical[3] == identical[4]
    assert "as long as the melody: 4/4 and 9/9" in text and "scorer's in 4/4" in text
