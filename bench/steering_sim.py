"""The steering bench's listeners without Discord: the bot's Composer and taste model, ~20 s an arm.

    python -m bench.steering_sim [--users 20] [--rounds 20] [--seeds 1 2 3] [--takes 4 1] [--caution 1.0]
                                 [--no-steering]

For trying ideas before the real bench (``bench.steering``, ~6 minutes): the same listeners, seeds, reference
calibration, picks and 👍 as there, and the flow of ``/melody notes:…``: learned defaults, then the bot's own
``Taste`` writes the candidates (plans, takes, ranking) and learns from the stored 👍 and picks, called directly,
one listener at a time. It prints, per listener seed, the rise of the shown candidates' taste (rounds 1–5 to the
last 5) and how often the first-listed is the favourite (second half), then the means, and beside it ``hindsight``:
the same replies ranked by a model fitted to all of each listener's picks, the ceiling of what picks can teach.
Run to run the rise moves by about ±0.1 with 20 listeners: compare settings over several seeds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from dataclasses import asdict

import numpy as np

from bench.steering import (
    REACT_P,
    SEEDS,
    Arm,
    Heard,
    Listener,
    Turn,
    calibrate,
    first_is_favourite,
    make_listener,
    reference_set,
    rise,
    softmax_pick,
)
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.store.base import open_store
from studio.taste import service
from studio.taste.features import features, notes_from_text, with_bias
from studio.taste.model import CAUTION
from studio.taste.service import Taste


async def play(composer: Composer, listeners: list[Listener], rounds: int, seed: int, takes: tuple[int, int],
               caution: float, steering: bool) -> Arm:
    """Every listener plays every round through the bot's own ``Taste`` (its candidates written by ``Taste.write``,
    feedback stored in a fresh SQLite file and learned by ``Taste.learn``), one model shared by all as in the bot."""
    random.seed(seed)
    turns = []
    with tempfile.TemporaryDirectory(prefix="steering-sim-") as tmp:
        store = await open_store(f"{tmp}/bot.sqlite3")
        try:
            taste = Taste(store)
            taste.steering, taste.takes = steering, takes
            message = 0
            for round_ in range(1, rounds + 1):
                for li in listeners:
                    rng = random.Random(f"{seed}-{li.index}-{round_}")
                    notes = rng.choice(SEEDS)
                    await taste.load(li.index)
                    learned = taste.model.learned_defaults(li.index, {"notes": notes}, caution=caution)
                    written = await taste.write(composer, li.index, MelodyRequest(notes=notes, count=3, **learned), ())
                    message += 1
                    ids = await store.add_generations(
                        li.index, "melody", [(asdict(r.request), r.request.seed, r.text) for r in written],
                        message_id=message)
                    shown = await store.generations_for_message(message)
                    turn = Turn(round_, li.index, [Heard.of(g.params, g.notes) for g in shown],
                                [(g.params, g.notes) for g in shown])
                    turn.utilities = [li.utility(h) for h in turn.shown]
                    turn.picked = pick = softmax_pick(turn.utilities, rng)
                    if statistics.fmean(turn.utilities) > 0 and rng.random() < REACT_P:
                        turn.liked = True
                        await store.set_feedback(ids, li.index, "reaction:👍", 1)
                        await taste.learn(li.index, shown, "reaction:👍", 1)
                    await store.set_feedback([ids[pick]], li.index, "pick", 1)
                    await taste.learn(li.index, shown, "pick", 1, pick)
                    turns.append(turn)
        finally:
            await store.close()
    return Arm("simulated", steering, True, turns, 0.0, None, 0.0, {})


def hindsight(turns: list[Turn], rounds: int, ridge: float = 3.0) -> float:
    """First-listed = favourite in the second half had each listener's replies been ranked by a Bradley–Terry model
    over the taste features, fitted in hindsight to all twenty of that listener's picks (those of the ranked
    replies too): about as well as picks can teach a ranking of these candidates."""
    by_listener: dict[int, list[tuple[Turn, np.ndarray]]] = {}
    for t in turns:
        z = np.stack([with_bias(features(p, notes_from_text(text))) for p, text in t.candidates])
        by_listener.setdefault(t.listener, []).append((t, z))
    hits = []
    for played in by_listener.values():
        diffs = np.array([z[t.picked] - z[i] for t, z in played for i in range(len(z)) if i != t.picked])
        beta = np.zeros(diffs.shape[1])
        for _ in range(30):  # Newton steps on the ridge-penalised log-likelihood of the picks
            p = 1 / (1 + np.exp(-diffs @ beta))
            hessian = (diffs * (p * (1 - p))[:, None]).T @ diffs + ridge * np.eye(len(beta))
            beta += np.linalg.solve(hessian, diffs.T @ (1 - p) - ridge * beta)
        hits += [int(np.argmax(z @ beta)) == int(np.argmax(t.utilities)) for t, z in played if t.round > rounds // 2]
    return statistics.fmean(hits)


async def simulate(users: int, rounds: int, seeds: list[int], takes: tuple[int, int], caution: float,
                   steering: bool, reference: int = 200) -> list[tuple[float, float, float]]:
    """(mean rise, first-listed = favourite in the second half, the same ranked in ``hindsight``) per listener
    seed."""
    composer = Composer.load()
    out = []
    try:
        for seed in seeds:
            listeners = [make_listener(i, random.Random(f"{seed}-taste-{i}")) for i in range(users)]
            calibrate(listeners, await reference_set(composer, reference, seed))
            arm = await play(composer, listeners, rounds, seed, takes, caution, steering)
            late = [t for t in arm.turns if t.round > rounds // 2]
            out.append((statistics.fmean(rise(arm, listeners, rounds).values()), first_is_favourite(late) or 0.0,
                        hindsight(arm.turns, rounds)))
            print(f"seed {seed}: rise {out[-1][0]:+.2f}, first-listed is favourite {out[-1][1]:.0%} "
                  f"(ranked in hindsight: {out[-1][2]:.0%})", flush=True)
    finally:
        composer.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--takes", type=int, nargs=2, default=list(service.TAKES), metavar=("FIRST", "OTHER"))
    parser.add_argument("--caution", type=float, default=CAUTION)
    parser.add_argument("--no-steering", action="store_true", help="candidates share their settings")
    args = parser.parse_args(argv)
    results = asyncio.run(simulate(args.users, args.rounds, args.seeds, tuple(args.takes), args.caution,
                                   not args.no_steering))
    print(f"mean over {len(results)} seeds: rise {statistics.fmean(r[0] for r in results):+.2f}, "
          f"first-listed is favourite {statistics.fmean(r[1] for r in results):.0%} "
          f"(ranked in hindsight: {statistics.fmean(r[2] for r in results):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
