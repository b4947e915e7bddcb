"""A few seconds of the steering bench (bench/steering.py): 2 listeners x 2 rounds in each arm, every /melody and
every Pick answered, and a report with all its sections."""

from __future__ import annotations

import pytest

from bench import steering_replay
from bench.steering import report, steering_bench, write_turns

SECTIONS = ("### 1. Taste of the shown candidates", "### 2. First-listed is the favourite", "### 3. By listener type",
            "### 4. Acceptance", "### 5. The cost of exploration", "### 6. Time per reply", "### Examples")


@pytest.mark.slow
async def test_a_short_steering_run_answers_everything_and_reports(composer, tmp_path, capsys):
    out = await steering_bench(users=2, rounds=2, seed=3, reference=12, composer=composer)
    text = report(out, "smoke")
    assert [a.name for a in out["arms"]] == ["steering off", "steering on", "steering, best of 4 takes, plain rank"]
    for arm in out["arms"]:
        assert len(arm.turns) == 2 * 2
        assert not [t.problem for t in arm.turns if t.problem], text
        assert all(len(t.shown) == len(t.utilities) >= 2 and t.picked is not None and t.pick_s is not None
                   for t in arm.turns)
    assert all(arm.switch_present for arm in out["arms"]), "no bot.taste.steering switch"
    for section in SECTIONS:
        assert section in text
    for arm in ("steering off", "steering on", "steering, best of 4 takes, plain rank"):
        assert f"| {arm} |" in text
    assert "round 2:" in text
    write_turns(tmp_path / "turns.jsonl", out)  # every candidate's settings and notes, for the offline replay
    assert steering_replay.main([str(tmp_path / "turns.jsonl"), "--late", "1"]) == 0
    printed = capsys.readouterr().out
    assert "steering on: 4 turns, 2 after round 1" in printed and "hindsight" in printed
