"""`/transform` measured on held-out corpus tunes: is the contour kept, and is the target reached?

    python -m bench.transform [-n 200] [--report bench/reports/transform.md]

Takes ``-n`` tunes of the corpus's ``test`` split (``data.prepare.split_of``; their first eight bars, from
``data/tunes.json.gz``) in meters the rhythm change reads, and for each target measures:

- mode (to minor or major, dorian, mixolydian, on the same tonic): the contour kept — Pearson's correlation of the
  pitch over time before and after (``studio.transform.contour_correlation``) and the share of steps that still go
  the same way (up, down, same) — and the scale adherence: the share of sounding time in the new mode's scale,
  against the same tune before the change measured in the new mode (what it had of it already);
- rhythm (reel, hornpipe, march, jig, slip jig, waltz): the pitches in order, full bars, the last note on a strong
  position, the contour over time, and the meter a classifier hears: a softmax regression (numpy) on rhythm
  features that know nothing of bar lines — the histogram of note lengths, the autocorrelation of a note-onset
  signal weighted by length, and how much of the weight the best-placed grid of each meter's beats catches — trained
  on the first eight bars of every ``train``-split tune of ``data/corpus_notes.npz`` to tell four families (simple
  duple 2/4 4/4 2/2, triple 3/4 3/8, compound duple 6/8 12/8, compound triple 9/8); its accuracy on the
  held-out ``test``-split tunes is reported first, as the yardstick;
- style (each of the five): the model's variation (``studio.vary.vary``, the product path's grammar and
  settings): the contour kept, the share of notes changed and how far, the scale adherence; whether the model
  itself now hears the target style — the style token under which the notes are likeliest (teacher-forced NLL under
  each of the five), before and after: the model judging its own work, a consistency check rather than a listener —
  and the L1 distance of the intervals between consecutive notes (pooled over the tunes) to the style's own in the
  corpus's ``train`` split, before and after (the grammar leans toward those intervals, so this shows the lean at
  work rather than an independent judgement).

Also prints a few tunes before and after, for a musician to judge.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch

from bench.report import write_section
from data.corpus_notes import read_notes
from data.events import STYLES, Key, Melody, Meter, Note, control_tokens, encode_notes
from data.prepare import split_of
from data.tunes import CorpusTune, load_index
from studio.melody import DEFAULT_CHECKPOINT, Composer
from studio.transform import RHYTHMS, apply, change_rhythm, contour_correlation, melody_text, scale_adherence
from studio.transform_targets import Targets
from studio.vary import variation_grammar, vary

FAMILIES = {"2/4": "duple", "4/4": "duple", "2/2": "duple", "4/2": "duple", "3/4": "triple", "3/8": "triple",
            "3/2": "triple", "6/8": "compound duple", "6/4": "compound duple", "12/8": "compound duple",
            "9/8": "compound triple"}
CLASSES = ("duple", "triple", "compound duple", "compound triple")
LENGTHS = (3, 4, 6, 8, 9, 12, 18, 24, 36, 48)
LAGS = (4, 6, 8, 12, 16, 18, 24, 32)  # autocorrelation lags, in semiquavers (3 ticks)
GRIDS = ((24, (0, 12)), (36, (0, 12, 24)), (36, (0, 18)), (48, (0, 12, 24, 36)), (54, (0, 18, 36)), (36, (0,)),
         (24, (0,)), (48, (0, 24)), (54, (0,)))  # (period, beats) in ticks: 2/4, 3/4, 6/8, 4/4, 9/8 and downbeats
BARS = 8  # of each tune
MODES = ("minor or major", "dorian", "mixolydian")
REPORT = Path(__file__).parent / "reports" / "transform.md"


# ---- a meter classifier that hears only the rhythm --------------------------------------------------------------
def rhythm_features(notes: Sequence[Note]) -> np.ndarray:
    """Features of a note sequence that know nothing of its bar lines (see the module's docstring)."""
    ticks = np.asarray([n.ticks for n in notes], float)
    onsets = np.concatenate([[0.0], np.cumsum(ticks)[:-1]]).astype(int)
    sounding = np.asarray([n.pitch is not None for n in notes])
    lengths = [float(np.mean(np.isclose(ticks, t))) for t in LENGTHS] + [float(np.mean(~np.isin(ticks, LENGTHS)))]
    weight = np.log2(1 + ticks[sounding] / 3)
    at = onsets[sounding]
    signal = np.zeros(int(ticks.sum()) // 3 + 2)
    np.add.at(signal, at // 3, weight)
    centred = signal - signal.mean()
    energy = float((centred * centred).sum()) or 1.0
    lags = [float((centred[:-lag] * centred[lag:]).sum()) / energy if lag < len(centred) else 0.0 for lag in LAGS]
    grids = []
    for period, beats in GRIDS:
        held = np.bincount(at % period, weights=weight, minlength=period)
        grids.append(max(float(held[[(b + phase) % period for b in beats]].sum()) for phase in range(0, period, 3))
                     / max(float(weight.sum()), 1e-9))
    return np.asarray(lengths + lags + grids)


class MeterClassifier:
    """Softmax regression over ``rhythm_features`` (rare families weighted up by the square root of their rarity),
    trained by gradient descent."""

    def __init__(self, features: np.ndarray, labels: np.ndarray, steps: int = 800, rate: float = 0.5) -> None:
        self.mean, self.scale = features.mean(0), features.std(0) + 1e-9
        x = self._design(features)
        counts = np.bincount(labels, minlength=len(CLASSES))
        balance = np.sqrt(len(labels) / (len(CLASSES) * np.maximum(counts, 1)))  # half-way to balanced classes
        target = np.eye(len(CLASSES))[labels]
        self.weights = np.zeros((x.shape[1], len(CLASSES)))
        for _ in range(steps):
            p = self._softmax(x @ self.weights)
            self.weights -= rate * (x.T @ ((p - target) * balance[labels][:, None]) / len(x) + 1e-3 * self.weights)

    def _design(self, features: np.ndarray) -> np.ndarray:
        return np.hstack([(features - self.mean) / self.scale, np.ones((len(features), 1))])

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, features: np.ndarray) -> np.ndarray:
        return (self._design(np.atleast_2d(features)) @ self.weights).argmax(1)

    def family(self, melody: Melody) -> str:
        return CLASSES[int(self.predict(rhythm_features(melody.notes))[0])]


def first_bars(notes: Sequence[Note], meter: Meter, pickup: int = 0, bars: int = BARS) -> list[Note]:
    out, now = [], 0
    for note in notes:
        if now >= pickup + bars * meter.bar_ticks:
            break
        out.append(note)
        now += note.ticks
    return out


def train_classifier() -> tuple[MeterClassifier, dict[str, float], int]:
    """The classifier (trained on the ``train`` split) and its recall per family on the ``test`` split."""
    corpus = read_notes()
    rows: list[tuple[np.ndarray, int, str]] = []
    for t, info in enumerate(corpus.tunes):
        if info.meter not in FAMILIES:
            continue
        meter = Meter.parse(info.meter)
        pickup = (meter.bar_ticks - int(corpus.offset[t])) % meter.bar_ticks
        notes = first_bars(corpus.notes(t), meter, pickup)
        if len(notes) >= 4 and any(n.pitch for n in notes):
            rows.append((rhythm_features(notes), CLASSES.index(FAMILIES[info.meter]), split_of(info.ident)))
    x = np.stack([r[0] for r in rows])
    y = np.asarray([r[1] for r in rows])
    split = np.asarray([r[2] for r in rows])
    model = MeterClassifier(x[split == "train"], y[split == "train"])
    test = split == "test"
    predicted = model.predict(x[test])
    recall = {c: float(np.mean(predicted[y[test] == k] == k)) for k, c in enumerate(CLASSES) if np.any(y[test] == k)}
    recall["all"] = float(np.mean(predicted == y[test]))
    return model, recall, int(test.sum())


# ---- the tunes --------------------------------------------------------------------------------------------------
def bench_tunes(n: int) -> list[tuple[CorpusTune, Melody]]:
    """``n`` held-out tunes (every k-th of the test split's in meters the rhythm change reads), as melodies."""
    held = [t for t in load_index() if split_of(t.ident) == "test" and t.meter in FAMILIES and len(t.notes) >= 8]
    step = max(1, len(held) // n)
    return [(t, Melody(tuple(t.notes), Key.parse(t.key), Meter.parse(t.meter), t.tempo)) for t in held[::step][:n]]


def directions_kept(before: Melody, after: Melody) -> float:
    def steps(m: Melody) -> list[int]:
        line = [n.pitch for n in m.notes if n.pitch is not None]
        return [(b > a) - (b < a) for a, b in pairwise(line)]

    a, b = steps(before), steps(after)
    return sum(x == y for x, y in zip(a, b, strict=True)) / max(len(a), 1) if len(a) == len(b) else 0.0


def interval_profile(melodies: Iterable[Melody]) -> np.ndarray:
    """The share of each interval between consecutive notes (-12..12 semitones, wider ones as an octave)."""
    counts = np.zeros(25)
    for melody in melodies:
        line = np.asarray([n.pitch for n in melody.notes if n.pitch is not None])
        if len(line) > 1:
            counts += np.bincount(np.clip(np.diff(line), -12, 12) + 12, minlength=25)
    return counts / max(counts.sum(), 1)


def corpus_profiles() -> dict[str, np.ndarray]:
    """Each style's interval profile over the corpus's ``train``-split tunes."""
    corpus = read_notes()
    out = {}
    for style in STYLES:
        out[style] = interval_profile(
            Melody(tuple(corpus.notes(t))) for t, info in enumerate(corpus.tunes)
            if info.style == style and split_of(info.ident) == "train")
    return out


def mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


# ---- mode and rhythm (no model) ---------------------------------------------------------------------------------
def mode_rows(tunes: list[tuple[CorpusTune, Melody]]) -> list[str]:
    rows = ["| target | tunes | contour r | steps the same way | in the old scale before | in the new scale: before "
            "→ after |", "|---|---|---|---|---|---|"]
    for target in MODES:
        r, same, old, new_before, new_after = [], [], [], [], []
        for _, melody in tunes:
            mode = ("major" if melody.key.mode != "major" else "minor") if target == "minor or major" else target
            if mode == melody.key.mode:
                continue
            after, _ = apply(melody, Targets(mode=mode))
            r.append(contour_correlation(melody, after))
            same.append(directions_kept(melody, after))
            old.append(scale_adherence(melody))
            new_before.append(scale_adherence(melody, after.key))
            new_after.append(scale_adherence(after))
        rows.append(f"| {target} | {len(r)} | {mean(r):.3f} (min {min(r):.3f}) | {pct(mean(same))} | "
                    f"{pct(mean(old))} | {pct(mean(new_before))} → {pct(mean(new_after))} |")
    return rows


def rhythm_rows(tunes: list[tuple[CorpusTune, Melody]], classifier: MeterClassifier) -> tuple[list[str], list[str]]:
    rows = ["| target | tunes | pitches in order | full bars | ends on a strong beat | contour r | heard as the "
            "target's family: before → after | length after / before |", "|---|---|---|---|---|---|---|---|"]
    confusion: Counter[tuple[str, str]] = Counter()
    for rhythm in RHYTHMS.values():
        family = FAMILIES[str(rhythm.meter)]
        order, full, strong, r, heard_before, heard_after, ratio = [], [], [], [], [], [], []
        for _, melody in tunes:
            after = change_rhythm(melody, rhythm)
            sounding = list(melody.notes)
            while sounding[-1].pitch is None:
                sounding.pop()
            order.append([n.pitch for n in after.notes] == [n.pitch for n in sounding])
            full.append((after.ticks - after.pickup) % after.meter.bar_ticks == 0)
            strong.append((after.onsets()[-1] - after.pickup) % after.meter.bar_ticks in after.meter.strong_ticks)
            r.append(contour_correlation(melody, after))
            heard = classifier.family(after)
            confusion[(family, heard)] += 1
            heard_before.append(classifier.family(melody) == family)
            heard_after.append(heard == family)
            beats = after.meter.beat_ticks / melody.meter.beat_ticks  # felt beats: the same tempo number
            ratio.append(after.ticks / beats / melody.ticks)
        rows.append(f"| {rhythm.label} | {len(order)} | {pct(mean(order))} | {pct(mean(full))} | {pct(mean(strong))} "
                    f"| {mean(r):.3f} | {pct(mean(heard_before))} → {pct(mean(heard_after))} | {mean(ratio):.2f} |")
    matrix = ["| target family \\ heard as | " + " | ".join(CLASSES) + " |", "|---|" + "---|" * len(CLASSES)]
    for family in CLASSES:
        total = sum(confusion[(family, h)] for h in CLASSES)
        if total:
            matrix.append(f"| {family} | " + " | ".join(pct(confusion[(family, h)] / total) for h in CLASSES) + " |")
    return rows, matrix


# ---- style (the model) ------------------------------------------------------------------------------------------
def style_nll(composer: Composer, melodies: Sequence[Melody]) -> np.ndarray:
    """(len(melodies), 5): the mean NLL per note token of each melody under each style token (teacher-forced)."""
    vocab, model = composer.vocab, composer.engine.model
    out = np.zeros((len(melodies), len(STYLES)))
    sequences, spans = [], []
    for melody in melodies:
        _grammar, pitches = variation_grammar(composer, melody, STYLES[0])
        notes = [Note(p, n.ticks) for p, n in zip(pitches, melody.notes, strict=True)]
        body = vocab.encode(encode_notes(notes, melody.meter.bar_ticks, start=melody.start))
        for style in STYLES:
            prompt = vocab.encode(control_tokens(style, melody.key.mode, melody.meter))
            sequences.append(prompt + body)
            spans.append(len(prompt))
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(sequences), 256):
            chunk = sequences[start:start + 256]
            width = max(len(s) for s in chunk)
            tokens = torch.full((len(chunk), width), vocab.pad_id, dtype=torch.long)
            for i, s in enumerate(chunk):
                tokens[i, :len(s)] = torch.tensor(s)
            logits, _ = model(tokens.to(device))
            logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, tokens[:, 1:, None].to(device))[..., 0]
            for i, s in enumerate(chunk):
                k = start + i
                out[k // len(STYLES), k % len(STYLES)] = -float(logp[i, spans[k] - 1:len(s) - 1].mean())
    return out


async def style_rows(composer: Composer, tunes: list[tuple[CorpusTune, Melody]], seed: int) -> tuple[list[str], float]:
    rows = ["| target style | tunes | contour r | steps the same way | notes changed | mean move (semitones) | "
            "in the scale | the model hears the target style: before → after | NLL under the target, before → after "
            "| intervals' distance to the style's: before → after |", "|---|---|---|---|---|---|---|---|---|---|"]
    melodies = [m for _, m in tunes]
    before_nll = style_nll(composer, melodies)
    profiles = corpus_profiles()
    before_profile = interval_profile(melodies)
    started = time.perf_counter()
    for s, style in enumerate(STYLES):
        varied = await asyncio.gather(*(vary(composer, m, style, seed + i) for i, m in enumerate(melodies)))
        after_nll = style_nll(composer, varied)
        changed, moves = [], []
        for m, v in zip(melodies, varied, strict=True):
            pairs = [(a.pitch, b.pitch) for a, b in zip(m.notes, v.notes, strict=True) if a.pitch is not None]
            changed.append(mean(a != b for a, b in pairs))
            moves.append(mean(abs(a - b) for a, b in pairs if a != b) if any(a != b for a, b in pairs) else 0.0)
        pairs = list(zip(melodies, varied, strict=True))
        rows.append(f"| {style} | {len(varied)} | {mean(contour_correlation(m, v) for m, v in pairs):.3f} | "
                    f"{pct(mean(directions_kept(m, v) for m, v in pairs))} | {pct(mean(changed))} | "
                    f"{mean(moves):.2f} | {pct(mean(scale_adherence(v) for v in varied))} | "
                    f"{pct(mean(before_nll.argmin(1) == s))} → {pct(mean(after_nll.argmin(1) == s))} | "
                    f"{before_nll[:, s].mean():.3f} → {after_nll[:, s].mean():.3f} | "
                    f"{np.abs(before_profile - profiles[style]).sum():.3f} → "
                    f"{np.abs(interval_profile(varied) - profiles[style]).sum():.3f} |")
    return rows, (time.perf_counter() - started) / (len(STYLES) * len(melodies))


# ---- examples ---------------------------------------------------------------------------------------------------
async def examples(composer: Composer, tunes: list[tuple[CorpusTune, Melody]]) -> list[str]:
    lines = []
    picks = {"jig": ("duple",), "reel": ("compound duple",), "waltz": ("duple", "compound duple")}
    shown = set()
    for target, families in picks.items():
        tune, melody = next((t, m) for t, m in tunes if FAMILIES[str(m.meter)] in families and t.ident not in shown)
        shown.add(tune.ident)
        short = Melody(tuple(first_bars(melody.notes, melody.meter, 0, 4)), melody.key, melody.meter, melody.tempo)
        mode = "dorian" if short.key.mode == "major" else "major"
        after, said = apply(short, Targets(rhythm=target, mode=mode))
        lines += [f"“{tune.title}” ({tune.source_name}), first 4 bars — {', '.join(said)}:", "```",
                  f"before: {melody_text(short)}", f"after:  {melody_text(after)}"]
        varied = await vary(composer, after, "scottish", 1)
        lines += [f"then scottish: {melody_text(varied)}", "```", ""]
    return lines


async def run(args: argparse.Namespace, composer: Composer) -> str:
    started = time.perf_counter()
    classifier, recall, held = train_classifier()
    trained = time.perf_counter() - started
    tunes = bench_tunes(args.n)
    meters = Counter(str(m.meter) for _, m in tunes)
    modes = Counter(m.key.mode for _, m in tunes)
    rhythm, matrix = rhythm_rows(tunes, classifier)
    style, per_variation = await style_rows(composer, tunes, args.seed)
    lines = [
        "## /transform: contour kept, target reached",
        "",
        "`python -m bench.transform --report bench/reports/transform.md`",
        "",
        f"{len(tunes)} held-out corpus tunes (the `test` split of `data/tunes.json.gz`, first {BARS} bars): meters "
        + ", ".join(f"{k} {v}" for k, v in meters.most_common()) + "; modes "
        + ", ".join(f"{k} {v}" for k, v in modes.most_common()) + ".",
        "",
        "### The meter classifier (the yardstick)",
        "",
        f"Softmax regression on {len(rhythm_features(tunes[0][1].notes))} rhythm features that know nothing of bar "
        f"lines, trained on the first {BARS} bars of the corpus's `train`-split tunes ({trained:.0f} s). On "
        f"{held} held-out `test`-split tunes it names the family right {pct(recall['all'])} of the time (chance with "
        "the majority class: about 60%); recall per family: "
        + ", ".join(f"{c} {pct(v)}" for c, v in recall.items() if c != "all") + ".",
        "",
        "### Mode (same tonic, degree for degree)",
        "",
        *mode_rows(tunes),
        "",
        "### Rhythm (the notes in order on the new grid)",
        "",
        *rhythm,
        "",
        "What the classifier hears after the change, by the target's family:",
        "",
        *matrix,
        "",
        "### Style (the model's variation: same rhythm, pitches near the original's, contour kept)",
        "",
        *style,
        "",
        f"{per_variation * 1000:.0f} ms per variation (all {len(tunes)} of a style at once, batched by the engine; "
        f"RNG seeds {args.seed}…).",
        "",
        "### Examples (mode and rhythm, then a scottish variation of the result)",
        "",
        *(await examples(composer, tunes)),
        f"Whole run: {time.perf_counter() - started:.0f} s.",
    ]
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="held-out tunes (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="RNG seed of the first variation")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--report", type=Path, default=None, help=f"write the section into this file (e.g. {REPORT})")
    args = parser.parse_args(list(argv) if argv is not None else None)

    async def go() -> str:
        composer = Composer.load(args.checkpoint)
        try:
            return await run(args, composer)
        finally:
            composer.close()

    text = asyncio.run(go())
    print(text)
    if args.report:
        write_section(args.report, "transform", text)


if __name__ == "__main__":
    main()
