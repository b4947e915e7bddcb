"""Realism: can a classifier tell the model's continuations from the real continuations of the same seeds?

    python -m bench.realism [--tunes 800] [--checkpoints model/checkpoints/melody.pt model/checkpoints/seed.pt]
                            [--report model/checkpoints/REPORT.md]

Held-out tunes (the ``valid`` and ``test`` splits of ``data.prepare.split_of``; the models never trained on them)
from ``data/corpus_notes.npz``, in C-space as prepared, a pickup dropped. Each tune gives one real and one generated
continuation of the same two-bar seed, in its key, mode, meter and style, written through ``Composer`` as `/melody`
writes (temperature 1.0, top_p as the request's default, copies re-written). Two setups:

- **mid-tune**: seed = bars 1-2, continuation = bars 3-10 (tunes of 12+ bars). The generated melody runs to bar 18
  so that bar 10 is no ending: the model's writing, without the grammar's ending.
- **ending**: seed = the two bars before the tune's last eight, continuation = the last eight bars (a short last
  bar is held to its bar line). Generated: ten bars with the product's closed ending.

A logistic regression (numpy, L2) reads numbers a musician would look at in a continuation: scale degrees,
intervals, note lengths, where notes start in the bar, range and register against the seed, how often bars repeat
an earlier bar (whole, rhythm only, transposed), the last note. Its accuracy is measured on held-out tunes
(5-fold, grouped by tune: a tune's real and generated continuations are in the same fold), averaged over 4
shuffles of the folds. 50% = it cannot tell. Controls: real against real (two random halves of the real
continuations; should be ~50%) and real against real bars in shuffled order (what the features can see).
The report lists the features that give the model away, with their means.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.report import write_section
from data.corpus_notes import DEFAULT_NOTES, read_notes
from data.events import DURATIONS, MODE_OFFSET, Key, Meter, Note
from data.form import MAX_OFFSET, POSITIONS, WIDEST, FormTable, count, load_form
from data.notation import MAX_SEED_NOTES, format_notes
from data.prepare import split_of
from studio import restate as restate_module
from studio.melody import Composer
from studio.requests import MelodyRequest

SEED_BARS, BARS = 2, 8
MID_RUN = 18  # bars the mid-tune generation runs to, so that bar 10 is no ending
FOLDS, SHUFFLES = 5, 4
L2 = 1.0
INTERVALS = (("unison", 0, 0), ("step up", 1, 2), ("step down", -2, -1), ("third up", 3, 4), ("third down", -4, -3),
             ("4th-5th up", 5, 7), ("4th-5th down", -7, -5), ("6th-octave up", 8, 12), ("6th-octave down", -12, -8))


@dataclass(frozen=True)
class Excerpt:
    """A seed and its continuation (whole bars from a bar line), in C-space."""

    tune: int
    style: str
    key: Key
    meter: Meter
    seed: tuple[Note, ...]
    continuation: tuple[Note, ...]


# ---- real excerpts -----------------------------------------------------------------------------------------------
def _bars_from(notes: Sequence[Note], start: int, bar_ticks: int) -> list[list[Note]] | None:
    """Notes after tick ``start`` grouped by bar; None when a note crosses a bar line (a tie)."""
    bars: list[list[Note]] = []
    now = 0
    for note in notes:
        if now < start:
            if now + note.ticks > start:
                return None
            now += note.ticks
            continue
        at = now - start
        if at // bar_ticks != (at + note.ticks - 1) // bar_ticks:
            return None
        if at // bar_ticks == len(bars):
            bars.append([])
        bars[-1].append(note)
        now += note.ticks
    return bars


def real_excerpts(split: Sequence[str] = ("valid", "test"), path: Path = DEFAULT_NOTES) -> dict[str, list[Excerpt]]:
    """The two setups' excerpts of every held-out tune that has whole bars where they are cut."""
    corpus = read_notes(path)
    out: dict[str, list[Excerpt]] = {"mid-tune": [], "ending": []}
    for info in corpus.tunes:
        if split_of(info.ident) not in split or info.mode not in MODE_OFFSET:
            continue
        meter = Meter.parse(info.meter)
        notes = corpus.notes(info.index)
        pickup = (meter.bar_ticks - int(corpus.offset[info.index])) % meter.bar_ticks
        bars = _bars_from(notes, pickup, meter.bar_ticks)
        if not bars or any(sum(n.ticks for n in b) != meter.bar_ticks for b in bars[:-1]):
            continue
        short = meter.bar_ticks - sum(n.ticks for n in bars[-1])
        if short:  # a short last bar (the pickup's other part): its final is held to the bar line
            last = bars[-1][-1]
            bars[-1][-1] = Note(last.pitch, last.ticks + short) if last.pitch is not None else last
            if bars[-1][-1].pitch is None:
                continue
        key = Key(MODE_OFFSET[info.mode] % 12, info.mode)
        bars = [b for b in bars if b]
        if len(bars) >= 12 and (e := _excerpt(info.index, info.style, key, meter, bars, 0)):
            out["mid-tune"].append(e)
        if len(bars) >= SEED_BARS + BARS and (e := _excerpt(info.index, info.style, key, meter, bars,
                                                             len(bars) - SEED_BARS - BARS)):
            out["ending"].append(e)
    return out


def _excerpt(tune: int, style: str, key: Key, meter: Meter, bars: list[list[Note]], first: int) -> Excerpt | None:
    """Bars ``first``.. as a seed of ``SEED_BARS`` and a continuation of ``BARS`` (None: too many seed notes, or
    rests alone)."""
    seed = tuple(n for b in bars[first:first + SEED_BARS] for n in b)
    cont = tuple(n for b in bars[first + SEED_BARS:first + SEED_BARS + BARS] for n in b)
    if len(seed) > MAX_SEED_NOTES or all(n.pitch is None for n in seed) or all(n.pitch is None for n in cont):
        return None
    return Excerpt(tune, style, key, meter, seed, cont)


# ---- generated excerpts ------------------------------------------------------------------------------------------
def request_for(e: Excerpt, bars: int, seed: int) -> MelodyRequest:
    return MelodyRequest(format_notes(e.seed, e.meter.bar_ticks), bars=bars, key=str(e.key), meter=str(e.meter),
                         style=e.style, seed=seed, count=1)


def cut(notes: Sequence[Note], ticks: int) -> tuple[Note, ...]:
    """The notes of the first ``ticks`` ticks (the last one shortened to end there)."""
    out, now = [], 0
    for note in notes:
        if now >= ticks:
            break
        out.append(Note(note.pitch, min(note.ticks, ticks - now)))
        now += note.ticks
    return tuple(out)


def no_restatements() -> FormTable:
    """A form table that restates nothing: the melodies as written before ``data.form``."""
    counts = np.zeros((POSITIONS + 1, MAX_OFFSET + 1, MAX_OFFSET + 1), np.int64)
    counts[:, :, 0] = 1
    return FormTable(counts, np.ones(WIDEST + 1), np.ones(WIDEST + 1))


async def generate(checkpoint: Path, excerpts: list[Excerpt], bars: int, seed: int, form: bool = True) -> list[Excerpt]:
    """Each excerpt's seed continued by the model (to ``bars`` bars), cut to ``BARS`` bars after the seed; without
    ``form``, no bars restated."""
    restate_module.load_form = load_form if form else no_restatements
    composer = Composer.load(checkpoint, max_batch=64, max_queue=10 * len(excerpts))
    rng = random.Random(seed)
    try:
        results = await asyncio.gather(*[composer.melody(request_for(e, bars, rng.randrange(10**6)))
                                         for e in excerpts])
    finally:
        composer.close()
    return [Excerpt(e.tune, e.style, e.key, e.meter, e.seed, cut(r.continuation, BARS * e.meter.bar_ticks))
            for e, r in zip(excerpts, results, strict=True)]


def shuffled_bars(e: Excerpt, rng: random.Random) -> Excerpt:
    """The real continuation with its bars in another order (a control: what the features see of form)."""
    bars = _bars_from(e.continuation, 0, e.meter.bar_ticks) or [list(e.continuation)]
    rng.shuffle(bars)
    return Excerpt(e.tune, e.style, e.key, e.meter, e.seed, tuple(n for b in bars for n in b))


# ---- what the classifier reads -----------------------------------------------------------------------------------
def _bar_rows(notes: Sequence[Note], bar_ticks: int) -> list[tuple[tuple[int | None, int, int], ...]]:
    """Per bar, its notes as (pitch, ticks, onset in the bar), by onset."""
    rows: dict[int, list] = {}
    now = 0
    for n in notes:
        rows.setdefault(now // bar_ticks, []).append((n.pitch, n.ticks, now % bar_ticks))
        now += n.ticks
    return [tuple(rows.get(b, ())) for b in range(max(rows, default=-1) + 1)]


def _shape(bar: tuple) -> tuple:
    """A bar's intervals and rhythm (a transposed repeat has the same shape)."""
    pitched = [p for p, _, _ in bar if p is not None]
    return tuple(b - a for a, b in itertools.pairwise(pitched)), tuple((p is None, t) for p, t, _ in bar)


def features(e: Excerpt) -> dict[str, float]:
    """What a musician would look at in a continuation, as numbers."""
    meter, tonic = e.meter, e.key.tonic
    cont = e.continuation
    pitched = [n.pitch for n in cont if n.pitch is not None]
    seed_pitched = [n.pitch for n in e.seed if n.pitch is not None] or pitched
    f: dict[str, float] = {"notes a bar": len(cont) / BARS, "rests": sum(n.pitch is None for n in cont) / len(cont)}
    degrees = np.bincount([(p - tonic) % 12 for p in pitched], minlength=12) / len(pitched)
    for d, share in enumerate(degrees):
        f[f"degree +{d}"] = float(share)
    steps = np.diff(pitched) if len(pitched) > 1 else np.zeros(1)
    for name, low, high in INTERVALS:
        f[f"interval {name}"] = float(np.mean((steps >= low) & (steps <= high)))
    f["interval beyond an octave"] = float(np.mean(np.abs(steps) > 12))
    f["mean leap"] = float(np.mean(np.abs(steps)))
    signs = np.sign(steps[steps != 0])
    f["direction changes"] = float(np.mean(signs[1:] != signs[:-1])) if len(signs) > 1 else 0.0
    f["range"] = float(max(pitched) - min(pitched))
    f["register vs seed"] = float(np.mean(pitched) - np.mean(seed_pitched))
    f["above the seed's top"] = float(np.mean(np.array(pitched) > max(seed_pitched)))
    f["below the seed's bottom"] = float(np.mean(np.array(pitched) < min(seed_pitched)))
    f["distinct pitches a bar"] = 0.0
    for d in DURATIONS:
        f[f"length {d} ticks"] = sum(n.ticks == d for n in cont) / len(cont)
    onsets = np.cumsum([0] + [n.ticks for n in cont[:-1]]) % meter.bar_ticks
    f["onsets on a beat"] = float(np.mean(onsets % meter.beat_ticks == 0))
    f["onsets on a strong beat"] = float(np.mean([o in meter.strong_ticks for o in onsets]))
    f["held over a beat"] = float(np.mean([(o % meter.beat_ticks) + n.ticks > meter.beat_ticks
                                           and o % meter.beat_ticks for o, n in zip(onsets, cont, strict=True)]))
    seed_rows, rows = _bar_rows(e.seed, meter.bar_ticks), _bar_rows(cont, meter.bar_ticks)
    f["distinct pitches a bar"] = float(np.mean([len({p for p, _, _ in r if p is not None}) for r in rows]))
    earlier = list(seed_rows)
    same = rhythm = shape = seed_rhythm = 0
    for r in rows:
        same += r in earlier
        rhythm += any(_shape(r)[1] == _shape(x)[1] for x in earlier)
        shape += any(_shape(r) == _shape(x) for x in earlier)
        seed_rhythm += any(_shape(r)[1] == _shape(x)[1] for x in seed_rows)
        earlier.append(r)
    f["bars repeating a bar"] = same / len(rows)
    f["bars repeating a bar transposed"] = shape / len(rows)
    f["bars repeating a rhythm"] = rhythm / len(rows)
    f["bars with a seed bar's rhythm"] = seed_rhythm / len(rows)
    f["distinct bar rhythms"] = len({_shape(r)[1] for r in rows}) / len(rows)
    last = next(n for n in reversed(cont) if n.pitch is not None)
    f["last note the tonic"] = float((last.pitch - tonic) % 12 == 0)
    f["last note a beat or longer"] = float(last.ticks >= meter.beat_ticks)
    return f


def matrix(excerpts: Sequence[Excerpt]) -> tuple[np.ndarray, list[str]]:
    rows = [features(e) for e in excerpts]
    names = list(rows[0])
    return np.array([[r[n] for n in names] for r in rows]), names


# ---- the classifier ----------------------------------------------------------------------------------------------
def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Logistic regression weights (bias last) by Newton's method; ``x`` standardized."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(25):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def _standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mean, std = train.mean(0), train.std(0) + 1e-9
    return [(a - mean) / std for a in (train, *others)]


def accuracy(a: np.ndarray, b: np.ndarray, groups: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """Held-out accuracy telling rows of ``a`` (label 0) from rows of ``b`` (label 1): mean over shuffles of grouped
    folds, and the spread (standard deviation) of the shuffles' means."""
    x, y = np.vstack([a, b]), np.r_[np.zeros(len(a)), np.ones(len(b))]
    g = np.r_[groups, groups]
    unique = np.unique(g)
    means = []
    for s in range(SHUFFLES):
        fold_of = dict(zip(np.random.default_rng(seed + s).permutation(unique), np.arange(len(unique)) % FOLDS,
                           strict=True))
        folds = np.array([fold_of[t] for t in g])
        right = 0
        for k in range(FOLDS):
            test = folds == k
            xtr, xte = _standardize(x[~test], x[test])
            w = fit(xtr, y[~test])
            right += int(np.sum(((np.hstack([xte, np.ones((len(xte), 1))]) @ w) > 0) == (y[test] == 1)))
        means.append(right / len(y))
    return float(np.mean(means)), float(np.std(means))


def giveaways(real: np.ndarray, fake: np.ndarray, names: list[str], top: int = 8) -> list[str]:
    """The features weighing most in a classifier fit on everything, with their means (real, generated)."""
    x, y = np.vstack([real, fake]), np.r_[np.zeros(len(real)), np.ones(len(fake))]
    (xs,) = _standardize(x)
    w = fit(xs, y)[:-1]
    order = np.argsort(-np.abs(w))[:top]
    return [f"| {names[i]} | {real[:, i].mean():.3f} | {fake[:, i].mean():.3f} | {w[i]:+.2f} |" for i in order]


def join_row(label: str, excerpts: Sequence[Excerpt]) -> str:
    """The steps into restated bars (seed and continuation together, ``data.form.count``): how many, how wide."""
    joins = sum((count([((*e.seed, *e.continuation), 0, e.meter.bar_ticks)])[1] for e in excerpts),
                np.zeros(WIDEST + 1, np.int64))
    n = max(1, joins.sum())
    return (f"| {label} | {joins.sum()} | {joins[:3].sum() / n:.1%} | {joins[8:].sum() / n:.1%} | "
            f"{joins[12:].sum() / n:.1%} |")


# ---- the run -----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tunes", type=int, default=800, help="at most this many tunes per setup")
    parser.add_argument("--checkpoints", nargs="+", type=Path,
                        default=[Path("model/checkpoints/melody.pt"), Path("model/checkpoints/seed.pt")])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    rng = random.Random(args.seed)
    setups = real_excerpts()
    lines = [f"`python -m bench.realism --tunes {args.tunes} --seed {args.seed}` · held-out tunes (valid + test "
             f"splits) · logistic regression, {FOLDS}-fold grouped by tune, mean of {SHUFFLES} shuffles "
             "(± their spread)", ""]
    rows, examples, joins = [], [], []
    for setup, excerpts in setups.items():
        excerpts = excerpts if len(excerpts) <= args.tunes else rng.sample(excerpts, args.tunes)
        real, names = matrix(excerpts)
        groups = np.array([e.tune for e in excerpts])
        half = np.random.default_rng(args.seed).permutation(len(excerpts)) < len(excerpts) // 2
        control, spread = _halves(real, half, args.seed)
        rows.append(f"| {setup} | real vs real (two halves) | {len(excerpts)} | {control:.1%} ± {spread:.1%} |")
        shuffled, _ = matrix([shuffled_bars(e, rng) for e in excerpts])
        acc, spread = accuracy(real, shuffled, groups, args.seed)
        rows.append(f"| {setup} | real vs real, bars shuffled | {len(excerpts)} | {acc:.1%} ± {spread:.1%} |")
        runs = [(c, True) for c in args.checkpoints] + [(args.checkpoints[0], False)]
        for checkpoint, form in runs:
            t0 = time.perf_counter()
            gen = asyncio.run(generate(checkpoint, excerpts, MID_RUN if setup == "mid-tune" else SEED_BARS + BARS,
                                       args.seed, form))
            fake, _ = matrix(gen)
            acc, spread = accuracy(real, fake, groups, args.seed)
            what = checkpoint.name if form else f"{checkpoint.name}, no bars restated (before data.form)"
            rows.append(f"| {setup} | {what} | {len(excerpts)} | **{acc:.1%}** ± {spread:.1%} |")
            print(rows[-1], f"({time.perf_counter() - t0:.0f} s)", flush=True)
            if checkpoint == args.checkpoints[0] and form:
                examples.append((setup, excerpts, gen, giveaways(real, fake, names)))
            if setup == "mid-tune":
                joins += [join_row(f"real (held-out, {setup})", excerpts)] if not joins else []
                joins.append(join_row(what, gen))
    lines += ["| setup | generated by | tunes | classifier accuracy (50% = cannot tell) |", "|---|---|---|---|", *rows,
              ""]
    lines += ["Steps into a restated bar (from the last pitch before it to its first), mid-tune:", "",
              "| continuations | steps | within a 2nd | wider than a 5th | an octave or more |",
              "|---|---|---|---|---|", *joins, ""]
    for setup, excerpts, gen, top in examples:
        lines += [f"What gives {args.checkpoints[0].name} away ({setup}): the heaviest features of a classifier fit on "
                  "all of them (standardized weight; + = generated)", "",
                  "| feature | real mean | generated mean | weight |", "|---|---|---|---|", *top, ""]
        for e, g in list(zip(excerpts, gen, strict=True))[:3]:
            lines += [f"- {e.key} {e.meter} ({e.style}), seed `{format_notes(e.seed, e.meter.bar_ticks)}`",
                      f"  - real: `{format_notes(e.continuation, e.meter.bar_ticks)}`",
                      f"  - generated: `{format_notes(g.continuation, e.meter.bar_ticks)}`"]
        lines.append("")
    lines.append(f"{time.perf_counter() - started:.0f} s in all.")
    text = "\n".join(lines)
    print(text)
    if args.report:
        write_section(args.report, "realism", text)


def _halves(real: np.ndarray, half: np.ndarray, seed: int) -> tuple[float, float]:
    """Real against real: two random halves of the tunes (each tune in one half)."""
    n = min(half.sum(), (~half).sum())
    a, b = real[half][:n], real[~half][:n]
    return accuracy(a, b, np.arange(n), seed)


if __name__ == "__main__":
    main()
