"""Replay a steering bench's turns offline: how well could any ranking of the same candidates do?

    python -m bench.steering --arms "steering on" --turns turns.jsonl --report -
    python -m bench.steering_replay turns.jsonl [--arm "steering on"]

The bench's "first-listed is the favourite" depends on two things: how well the taste model knows the listener,
and how far apart the candidates of a reply are in the listener's hidden taste. This reads the turns the bench
wrote (each candidate's stored settings and notes, the hidden utilities, the pick and the 👍) and, in seconds:

- replays the bot's ``TasteModel`` over them in order (every 👍 and pick learned as the bot learns it), ranking
  each reply's candidates before learning from it, for several ranking cautions;
- a *hindsight* ranker: per listener, a Bradley-Terry fit on all 20 rounds of their picks (the future included),
  which no online learner can beat by much: how much the picks can teach at all;
- an *oracle*: the same fit on the hidden utilities themselves (what the features can express);
- how often the listener's own pick is their favourite, and the favourite's margin over the runner-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np

from studio.taste.features import features, notes_from_text
from studio.taste.model import TasteModel, with_bias

LATE = 10  # rounds after this are "the second half" (of 20)


def load(path: Path, arm: str) -> list[dict]:
    """The arm's answered turns, in round order, each with its candidates' model features (``feats``)."""
    turns = [t for line in path.read_text().splitlines() if (t := json.loads(line))["arm"] == arm
             and t.get("candidates") and t["picked"] is not None]
    for t in turns:
        t["feats"] = [features(p, notes_from_text(n)) for p, n in t["candidates"]]
    return sorted(turns, key=lambda t: t["round"])


def favourite(t: dict) -> int:
    return int(np.argmax(t["utilities"]))


def online(turns: list[dict], caution: float, late: int = LATE) -> float:
    """First-listed = favourite in the second half, ranking as the bot does, learning as it learns."""
    model, hits = TasteModel(), []
    for t in turns:
        user, f = t["listener"], t["feats"]
        if t["round"] > late:
            hits.append(model.rank(user, f, caution)[0] == favourite(t))
        if t["liked"]:
            for x in f:
                model.react(user, x, 1, weight=1 / len(f))
        p = t["picked"]
        model.pick(user, f[p], f[:p] + f[p + 1:])
    return statistics.fmean(hits)


def _fit(x: np.ndarray, y: np.ndarray | None, l2: float) -> np.ndarray:
    """Ridge regression (``y`` given) or a Bradley-Terry fit on pick differences (all labelled 1)."""
    if y is not None:
        return np.linalg.solve(x.T @ x + l2 * np.eye(x.shape[1]), x.T @ y)
    w = np.zeros(x.shape[1])
    for _ in range(30):
        s = 1 / (1 + np.exp(-x @ w))
        w += np.linalg.solve((x * (s * (1 - s))[:, None]).T @ x + l2 * np.eye(len(w)), x.T @ (1 - s) - l2 * w)
    return w


def hindsight(turns: list[dict], oracle: bool = False, l2: float = 1.0, late: int = LATE) -> float:
    """First-listed = favourite in the second half for a per-listener fit on all their rounds: on the picks, or
    (``oracle``) on the hidden utilities."""
    by: dict[int, list[dict]] = defaultdict(list)
    for t in turns:
        by[t["listener"]].append(t)
    hits = []
    for items in by.values():
        if oracle:
            x = np.array([with_bias(v) for t in items for v in t["feats"]])
            w = _fit(x, np.array([u for t in items for u in t["utilities"]]), l2)
        else:
            x = np.array([with_bias(t["feats"][t["picked"]]) - with_bias(v) for t in items
                          for j, v in enumerate(t["feats"]) if j != t["picked"]])
            w = _fit(x, None, l2)
        hits += [int(np.argmax([with_bias(v) @ w for v in t["feats"]])) == favourite(t)
                 for t in items if t["round"] > late]
    return statistics.fmean(hits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("turns", type=Path, help="a file written by bench.steering --turns")
    parser.add_argument("--arm", default="steering on")
    parser.add_argument("--late", type=int, default=LATE, help="measure the rounds after this one")
    args = parser.parse_args(argv)
    turns, late = load(args.turns, args.arm), args.late
    second = [t for t in turns if t["round"] > late]
    if not second:
        raise SystemExit(f"no turns of the arm '{args.arm}' after round {late} in {args.turns}")
    margins = np.array([np.subtract(*sorted(t["utilities"], reverse=True)[:2]) for t in second])
    print(f"{args.arm}: {len(turns)} turns, {len(second)} after round {late}; first-listed = favourite there:")
    print(f"  as shown by the bot:                          {statistics.fmean(favourite(t) == 0 for t in second):.0%}")
    for caution in (0.0, 1.0, 2.0):
        print(f"  replayed, ranking caution {caution:.1f}:           {online(turns, caution, late):.0%}")
    print(f"  hindsight (fit on all of a listener's picks): {hindsight(turns, late=late):.0%}")
    print(f"  oracle (fit on the hidden utilities):         {hindsight(turns, oracle=True, late=late):.0%}")
    own = statistics.fmean(t["picked"] == favourite(t) for t in second)
    print(f"  the listener's own pick is the favourite:     {own:.0%}")
    q = np.quantile(margins, [0.25, 0.5, 0.75])
    print(f"  favourite's margin over the runner-up (listener SDs): quartiles {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
