"""Moods, measured: melodies written for each mood classified back by the estimator, and the estimator against
rules from the music-emotion literature on the corpus tunes.

    python -m bench.mood [--per-mood 50] [--bars 8] [--seed 1] [--report bench/reports/mood.md]

Generation goes through the real ``Composer`` (the shipped checkpoint, CPU, the originality retakes on), with the
requests `/melody mood:<m>` makes: the mood's key, tempo and density, its opening note when no notes are typed,
``studio.mood.TAKES`` takes per melody reranked by register and contour, its articulation. Three arms:

- ``mood alone``: `/melody mood:<m>` — the mood writes the opening note (the shipped behaviour);
- ``no rerank``: the same with one take per melody (what the controls do without choosing among takes);
- ``typed seed``: `/melody notes:E D C D mood:<m>` — the same typed seed for every mood, so register and contour
  come from the continuation only.

Each melody is classified by the nearest mood prototype twice: on every feature (what the reply says: mode,
tempo, articulation are settings the mood made, so they carry it by construction) and on the notes alone
(``NOTE_FEATURES``: the third above the tonic, register, notes per beat, contour), the honest test of whether the
generated notes carry the mood. Quadrant agreement: the estimated valence and arousal have the signs of the
mood's circumplex target (targets under 0.3 in size are not counted).

Corpus: every tune in data/tunes.json.gz (its first eight bars, in its labelled key, at its style's tempo — the
index has no real tempo), estimated without articulation, checked against four rules (see the report).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import studio.mood as mood_module
from bench.report import write_section
from data.events import Key, Melody, Meter
from data.tunes import load_index
from studio.melody import Composer, MelodyResult
from studio.mood import (
    MOODS,
    NOTE_FEATURES,
    TABLE,
    Features,
    measure,
    mood_defaults,
    named,
    nearest,
    opening,
    valence_arousal,
)
from studio.requests import MelodyRequest

REPORT = Path(__file__).parent / "reports" / "mood.md"
TYPED_SEED = "E D C D"
CHUNK = 25  # requests in flight at once (each is several takes: the engine's queue holds 256)
MINOR_FAMILY = ("minor", "dorian", "phrygian", "locrian")


@dataclass
class Arm:
    name: str
    takes: int
    notes: str | None  # None: the mood writes the opening


@dataclass
class Outcome:
    arm: str
    seconds: float
    features: dict[str, list[Features]]


def request_for(name: str, notes: str | None, seed: int, bars: int) -> MelodyRequest:
    """What `/melody mood:<name>` (with ``notes`` typed, if any) asks the Composer for."""
    given = {"mood": name}
    filled = mood_defaults(given, notes)
    text = notes or opening(name, filled["key"])
    return MelodyRequest(notes=text, bars=bars, seed=seed, count=1, **filled, **given)


async def run_arm(composer: Composer, arm: Arm, per_mood: int, bars: int, seed: int) -> Outcome:
    mood_module.TAKES = arm.takes
    features: dict[str, list[Features]] = {}
    start = time.perf_counter()
    for name in MOODS:
        requests = [request_for(name, arm.notes, seed + i, bars) for i in range(per_mood)]
        results: list[MelodyResult] = []
        for i in range(0, len(requests), CHUNK):
            results += await asyncio.gather(*(composer.melody(r) for r in requests[i:i + CHUNK]))
        features[name] = [measure(r.melody, r.melody.gate) for r in results]
    return Outcome(arm.name, time.perf_counter() - start, features)


def confusion(outcome: Outcome, use: tuple[str, ...]) -> dict[str, Counter[str]]:
    read = named if use == mood_module.NAMES else nearest  # every feature: as a reply names it; notes: the prototype
    return {name: Counter(read(f, use) for f in feats) for name, feats in outcome.features.items()}


def accuracy(matrix: dict[str, Counter[str]]) -> float:
    total = sum(sum(c.values()) for c in matrix.values())
    return sum(c[name] for name, c in matrix.items()) / total


def matrix_table(matrix: dict[str, Counter[str]]) -> list[str]:
    head = "| written for ↓ / read as → | " + " | ".join(MOODS) + " | accuracy |"
    lines = [head, "|" + "---|" * (len(MOODS) + 2)]
    for name, row in matrix.items():
        n = sum(row.values())
        cells = [f"**{row[m]}**" if m == name else str(row[m] or "·") for m in MOODS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row[name] / n:.0%} |")
    return lines


def quadrants(outcome: Outcome) -> tuple[float, list[str]]:
    """Share of melodies whose valence and arousal signs match their mood's target, and the per-mood means."""
    hits = counted = 0
    lines = ["| mood | target valence, arousal | measured mean valence, arousal | signs agree |", "|---|---|---|---|"]
    for name, feats in outcome.features.items():
        mood = TABLE[name]
        va = [valence_arousal(f) for f in feats]
        agree = 0
        for v, a in va:
            ok = all(t * x > 0 for t, x in ((mood.valence, v), (mood.arousal, a)) if abs(t) >= 0.3)
            agree += ok
        hits += agree
        counted += len(va)
        mv, ma = statistics.fmean(v for v, _ in va), statistics.fmean(a for _, a in va)
        lines.append(f"| {name} | {mood.valence:+.1f}, {mood.arousal:+.1f} | {mv:+.2f}, {ma:+.2f} | "
                     f"{agree / len(va):.0%} |")
    return hits / counted, lines


def mean_features(outcome: Outcome) -> list[str]:
    lines = ["| mood | major-ness | register (MIDI) | notes/beat | slope | arch | target register, notes/beat, "
             "contour |", "|---|---|---|---|---|---|---|"]
    for name, feats in outcome.features.items():
        m = TABLE[name]
        avg = {k: statistics.fmean(getattr(f, k) for f in feats) for k in ("major", "register", "density", "slope",
                                                                           "arch")}
        lines.append(f"| {name} | {avg['major']:+.2f} | {avg['register']:.1f} | {avg['density']:.2f} | "
                     f"{avg['slope']:+.1f} | {avg['arch']:+.1f} | {mood_module.REGISTERS[m.register]}, "
                     f"{mood_module.DENSITY_PER_BEAT[m.density]}, {m.contour} |")
    return lines


# ---- corpus -------------------------------------------------------------------------------------------------
@dataclass
class TuneReading:
    mode: str
    style: str
    rate: float  # notes per second at the style's tempo
    register: float
    valence: float
    arousal: float
    mood: str


def read_corpus() -> list[TuneReading]:
    out = []
    for tune in load_index():
        notes = tuple(tune.notes)
        if not any(n.pitch is not None for n in notes):
            continue
        melody = Melody(notes, Key.parse(tune.key), Meter.parse(tune.meter), tune.tempo)
        f = measure(melody)
        v, a = valence_arousal(f)
        out.append(TuneReading(tune.mode, tune.style, f.density * f.tempo / 60, f.register, v, a, named(f)))
    return out


def auc(high: Sequence[float], low: Sequence[float], rng: random.Random, pairs: int = 200_000) -> float:
    """P(a random ``high`` item's value exceeds a random ``low`` item's), ties half."""
    wins = 0.0
    for _ in range(pairs):
        x, y = rng.choice(high), rng.choice(low)
        wins += 1.0 if x > y else 0.5 if x == y else 0.0
    return wins / pairs


def corpus_rules(tunes: list[TuneReading], rng: random.Random) -> list[str]:
    major = [t for t in tunes if t.mode in ("major", "lydian", "mixolydian")]
    minor = [t for t in tunes if t.mode in MINOR_FAMILY]
    rates = sorted(t.rate for t in tunes)
    slow_cut, fast_cut = rates[len(rates) // 3], rates[2 * len(rates) // 3]
    fast = [t for t in tunes if t.rate >= fast_cut]
    slow = [t for t in tunes if t.rate <= slow_cut]
    pitch = sorted(t.register for t in major)
    low_cut, high_cut = pitch[len(pitch) // 4], pitch[3 * len(pitch) // 4]
    major_fast = [t for t in major if t.rate >= fast_cut]
    minor_slow = [t for t in minor if t.rate <= slow_cut]

    def share(items: list[TuneReading], test: Callable[[TuneReading], bool]) -> str:
        return f"{sum(map(test, items)) / len(items):.1%} of {len(items)}" if items else "none"

    high = [t.valence for t in major if t.register >= high_cut]
    low = [t.valence for t in major if t.register <= low_cut]
    rows = [
        ("mode → valence: major pleasant, minor unpleasant (Hevner 1935; G&L 2010)",
         "major-family tunes with valence > 0", share(major, lambda t: t.valence > 0)),
        ("", "minor-family tunes (minor, dorian, phrygian) with valence < 0", share(minor, lambda t: t.valence < 0)),
        ("", "P(valence of a major tune > a minor tune's)",
         f"{auc([t.valence for t in major], [t.valence for t in minor], rng):.1%}"),
        ("fast → aroused, slow → calm (G&L 2010; Juslin & Laukka 2003)",
         f"fastest third (≥ {fast_cut:.2f} notes/s) with arousal > 0", share(fast, lambda t: t.arousal > 0)),
        ("", f"slowest third (≤ {slow_cut:.2f} notes/s) with arousal < 0", share(slow, lambda t: t.arousal < 0)),
        ("", "P(arousal of a fastest-third tune > a slowest-third tune's)",
         f"{auc([t.arousal for t in fast], [t.arousal for t in slow], rng):.1%}"),
        ("major & fast → pleasant & aroused; minor & slow → unpleasant & calm (Gagnon & Peretz 2003)",
         "major, fastest third: valence > 0 and arousal > 0",
         share(major_fast, lambda t: t.valence > 0 and t.arousal > 0)),
        ("", "minor family, slowest third: valence < 0 and arousal < 0",
         share(minor_slow, lambda t: t.valence < 0 and t.arousal < 0)),
        ("high pitch → pleasant (Hevner 1936; G&L 2010), within major tunes",
         f"P(valence of a top-quartile-pitch tune (≥ {high_cut:.0f}) > a bottom-quartile one's (≤ {low_cut:.0f}))",
         f"{auc(high, low, rng):.1%}"),
    ]
    return ["| rule (source) | measure | agreement |", "|---|---|---|", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]


def corpus_moods(tunes: list[TuneReading]) -> list[str]:
    styles = sorted({t.style for t in tunes})
    lines = ["| style | tunes | " + " | ".join(MOODS) + " |", "|---|---|" + "---|" * len(MOODS)]
    for style in styles:
        mine = [t for t in tunes if t.style == style]
        counts = Counter(t.mood for t in mine)
        lines.append(f"| {style} | {len(mine)} | " + " | ".join(f"{counts[m] / len(mine):.0%}" for m in MOODS) + " |")
    return lines


async def bench(per_mood: int, bars: int, seed: int) -> str:
    composer = Composer.load()
    arms = [Arm("mood alone", mood_module.TAKES, None), Arm("no rerank", 1, None),
            Arm("typed seed", mood_module.TAKES, TYPED_SEED)]
    shipped_takes = mood_module.TAKES
    try:
        await composer.melody(request_for("calm", None, 0, bars))  # warm-up: the corpus index, the engine
        outcomes = [await run_arm(composer, arm, per_mood, bars, seed) for arm in arms]
    finally:
        mood_module.TAKES = shipped_takes
        composer.close()
    rng = random.Random(seed)
    t0 = time.perf_counter()
    tunes = read_corpus()
    corpus_seconds = time.perf_counter() - t0

    out = [f"Run {date.today().isoformat()}: `python -m bench.mood --per-mood {per_mood} --bars {bars} --seed {seed}` "
           f"(CPU, the shipped checkpoint; {len(MOODS)} moods × {per_mood} melodies of {bars} bars per arm; "
           f"{shipped_takes} takes per melody where reranked).", "",
           "| arm | accuracy, every feature | accuracy, notes alone | circumplex signs agree | seconds | "
           "ms per melody |", "|---|---|---|---|---|---|"]
    for arm, o in zip(arms, outcomes, strict=True):
        full, notes = accuracy(confusion(o, mood_module.NAMES)), accuracy(confusion(o, NOTE_FEATURES))
        agree, _ = quadrants(o)
        n = per_mood * len(MOODS)
        out.append(f"| {arm.name} ({arm.takes} take{'s' * (arm.takes > 1)}"
                   f"{', notes ' + arm.notes if arm.notes else ''}) | {full:.1%} | {notes:.1%} | {agree:.1%} | "
                   f"{o.seconds:.1f} | {1000 * o.seconds / n:.0f} |")
    shipped = outcomes[0]
    out += ["", f"### Confusion, `mood alone`, every feature ({per_mood} per mood)", "",
            *matrix_table(confusion(shipped, mood_module.NAMES)),
            "", f"### Confusion, `mood alone`, notes alone ({', '.join(NOTE_FEATURES)})", "",
            *matrix_table(confusion(shipped, NOTE_FEATURES)),
            "", "### Confusion, `no rerank`, notes alone", "", *matrix_table(confusion(outcomes[1], NOTE_FEATURES)),
            "", f"### Confusion, `typed seed` ({TYPED_SEED}), notes alone", "",
            *matrix_table(confusion(outcomes[2], NOTE_FEATURES)),
            "", "### What the notes measure, `mood alone` (means)", "", *mean_features(shipped),
            "", "### Valence and arousal, `mood alone`", "", *quadrants(shipped)[1],
            "", f"### The estimator on {len(tunes)} corpus tunes ({corpus_seconds:.1f} s)", "",
            *corpus_rules(tunes, rng),
            "", "Nearest mood by style (every feature; no articulation is known for corpus tunes):", "",
            *corpus_moods(tunes)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-mood", type=int, default=50)
    parser.add_argument("--bars", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    text = asyncio.run(bench(args.per_mood, args.bars, args.seed))
    print(text)
    write_section(args.report, "mood-bench", text)


if __name__ == "__main__":
    main()
