"""The steering bench's listeners without Discord: the bot's Composer and taste model, ~20 s an arm.

    python -m bench.steering_sim [--users 20] [--rounds 20] [--seeds 1 2 3] [--takes 4 1] [--caution 1.0]
                                 [--no-steering]

For trying ideas before the real bench (``bench.steering``, ~6 minutes): the same listeners, seeds, reference
calibration, picks and 👍 as there, and the same flow as ``/melody notes:…`` (learned defaults, planned candidates,
takes, ranking), but called directly, one listener at a time. It prints, per listener seed, the rise of the shown
candidates' taste (rounds 1–5 to the last 5) and how often the first-listed is the favourite (second half), then the
means. Run to run the rise moves by about ±0.1 with 20 listeners: compare settings over several seeds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics

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
from studio.taste import service
from studio.taste.explore import best_takes, plan_candidates
from studio.taste.features import features
from studio.taste.model import CAUTION, MIN_EVENTS, TasteModel


async def play(composer: Composer, listeners: list[Listener], rounds: int, seed: int, takes: tuple[int, int],
               caution: float, steering: bool) -> Arm:
    """Every listener plays every round against one shared taste model (the community learns as in the bot)."""
    random.seed(seed)
    model, actions, turns = TasteModel(), 0, []
    for round_ in range(1, rounds + 1):
        for li in listeners:
            rng = random.Random(f"{seed}-{li.index}-{round_}")
            notes = rng.choice(SEEDS)
            learned = model.learned_defaults(li.index, {"notes": notes}, caution=caution)
            request = MelodyRequest(notes=notes, count=3, **learned).with_seed()
            if steering:
                seed_mode = None if request.key else (await composer.seed_key(request)).mode
                plans = plan_candidates(model, li.index, request, (), 3, random.Random(request.seed), seed_mode)
                first, other = takes if model.events(li.index) >= MIN_EVENTS else (1, 1)
                counts = [first] + [other] * (len(plans) - 1)
                written = await composer.write([service._take(p, j, len(plans))
                                                for p, n in zip(plans, counts, strict=True) for j in range(n)])
                feats = [features(vars(w.request), w.melody.notes) for w in written]
                starts = [sum(counts[:i]) for i in range(len(plans))]
                best = best_takes(model, li.index, [feats[s:s + n] for s, n in zip(starts, counts, strict=True)])
                written = [written[s + b] for s, b in zip(starts, best, strict=True)]
            else:
                written = await composer.candidates(request)
            feats = [features(vars(w.request), w.melody.notes) for w in written]
            order = model.rank(li.index, feats)
            written, feats = [written[i] for i in order], [feats[i] for i in order]
            turn = Turn(round_, li.index, [Heard.of(vars(w.request), w.text) for w in written])
            turn.utilities = [li.utility(h) for h in turn.shown]
            turn.picked = pick = softmax_pick(turn.utilities, rng)
            if statistics.fmean(turn.utilities) > 0 and rng.random() < REACT_P:
                turn.liked = True
                for f in feats:
                    model.react(li.index, f, 1, weight=1 / len(feats))
                actions += 1
            model.pick(li.index, feats[pick], feats[:pick] + feats[pick + 1:])
            actions += 1
            if actions >= service.REFRESH_EVERY:  # as Taste.learn does
                actions = 0
                model.refresh_prior(5, 5)
            turns.append(turn)
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
