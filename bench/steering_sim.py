"""The steering bench's listeners without Discord: the bot's Composer and taste model, ~20 s an arm.

    python -m bench.steering_sim [--users 20] [--rounds 20] [--seeds 1 2 3] [--takes 4 1] [--caution 1.0]
                                 [--no-steering]

For trying ideas before the real bench (``bench.steering``, ~6 minutes): the same listeners, seeds, reference
calibration, picks and 👍 as there, and the flow of ``/melody notes:…``: learned defaults, then the bot's own
``Taste`` writes the candidates (plans, takes, ranking) and learns from the stored 👍 and picks, called directly,
one listener at a time. It prints, per listener seed, the rise of the shown candidates' taste (rounds 1–5 to the
last 5) and how often the first-listed is the favourite (second half), then the means. Run to run the rise moves
by about ±0.1 with 20 listeners: compare settings over several seeds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from dataclasses import asdict

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
                    turn = Turn(round_, li.index, [Heard.of(g.params, g.notes) for g in shown])
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


async def simulate(users: int, rounds: int, seeds: list[int], takes: tuple[int, int], caution: float,
                   steering: bool, reference: int = 200) -> list[tuple[float, float]]:
    """(mean rise, first-listed = favourite in the second half) per listener seed."""
    composer = Composer.load()
    out = []
    try:
        for seed in seeds:
            listeners = [make_listener(i, random.Random(f"{seed}-taste-{i}")) for i in range(users)]
            calibrate(listeners, await reference_set(composer, reference, seed))
            arm = await play(composer, listeners, rounds, seed, takes, caution, steering)
            late = [t for t in arm.turns if t.round > rounds // 2]
            out.append((statistics.fmean(rise(arm, listeners, rounds).values()), first_is_favourite(late) or 0.0))
            print(f"seed {seed}: rise {out[-1][0]:+.2f}, first-listed is favourite {out[-1][1]:.0%}", flush=True)
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
    print(f"mean over {len(results)} seeds: rise {statistics.fmean(r for r, _ in results):+.2f}, "
          f"first-listed is favourite {statistics.fmean(f for _, f in results):.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
