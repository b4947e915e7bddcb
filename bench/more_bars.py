"""How More bars (`/extend`) ends a melody, beside /melody's own endings and the corpus's.

    python -m bench.more_bars [-n 28]

``-n`` /melody requests (3 candidates, 8 bars; typed seeds in major and minor keys, 4/4, 3/4 and 6/8; RNG seeds
100, 101, ...), then More bars under the first candidate of each (4 bars, 3 candidates, RNG seeds 1000, 1001, ...).
For both, the step into the final note, in semitones, against the corpus tunes' steps into their last note
(``data/form.json``'s ``ends``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import replace

from data.form import WIDEST, last_step, load_form
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.rewrite import more_bars

SEEDS = (("C E G", None, "4/4"), ("A B C5 D5 E5", "A minor", "4/4"), ("D F# A", "D major", "3/4"),
         ("G A B G | C5 B A:h", "G major", "4/4"), ("E D C D E E E:h", None, "4/4"),
         ("D:e E F# G A B", "D major", "6/8"), ("A C5 E5", "A minor", "4/4"))
BANDS = (("repeated", (0,)), ("a 2nd", (1, 2)), ("a 3rd", (3, 4)), ("a 4th", (5, 6)),
         ("a 5th or more", tuple(range(7, WIDEST + 1))))


def row(name: str, steps: Counter[int]) -> str:
    total = sum(steps.values())
    shares = (f"{sum(steps[s] for s in band) / total:.1%}" for _, band in BANDS)
    return f"| {name} | {total} | " + " | ".join(shares) + " |"


async def measure(count: int) -> tuple[Counter[int], Counter[int]]:
    composer = Composer.load()
    melody, extended = Counter(), Counter()
    try:
        for i in range(count):
            notes, key, meter = SEEDS[i % len(SEEDS)]
            request = MelodyRequest(notes, key=key, meter=meter, seed=100 + i, count=3, bars=8).with_seed()
            results = await composer.candidates(request)
            melody.update(last_step(r.melody.notes) or 0 for r in results)
            grown = replace(more_bars(results[0]), seed=1000 + i)
            extended.update(last_step(r.melody.notes) or 0 for r in await composer.candidates(grown))
    finally:
        composer.close()
    return melody, extended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=28)
    args = parser.parse_args()
    melody, extended = asyncio.run(measure(args.n))
    print("| endings | count | " + " | ".join(name for name, _ in BANDS) + " |")
    print("|---|---|" + "---|" * len(BANDS))
    print(row("corpus tunes (data/form.json)", Counter(dict(enumerate(load_form().ends.tolist())))))
    print(row("/melody", melody))
    print(row("More bars (4 added)", extended))


if __name__ == "__main__":
    main()
