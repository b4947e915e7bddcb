"""What a musician would check in generated melodies, for the LSTMs and an n-gram baseline.

    python -m bench.quality --checkpoints model/checkpoints/melody.pt model/checkpoints/seed.pt -n 500 \
        --report model/checkpoints/REPORT.md

For each model, ``n`` continuations across all 12 tonics x 7 modes and several meters:
- key adherence: share of generated notes in the requested scale, and how often music21's key
  estimate of the whole melody names the requested key (major/minor exactly; for the other modes,
  the same key signature, since Krumhansl profiles know only major and minor);
- bar completeness: melodies whose every bar is full and that end on a bar line;
- Yang & Lerch (2020) overlapping area (OA) of the inter-set distance distribution (generated vs
  test) with the intra-set one (test vs test), for pitch-class, interval and note-length histograms;
- originality: share of continuations that copy a run of 8+ notes of a training tune.
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
import torch

from bench.report import write_section
from data.events import DURATIONS, MODE_OFFSET, PITCH_NAMES, Key, Meter, Note, decode_notes
from data.prepare import DEFAULT_CACHE, Tune, load_tunes
from data.theory import estimate_key
from model.engine import Engine
from model.lstm import load_checkpoint
from model.ngram import NGram
from model.train import windows
from studio.melody import Composer
from studio.requests import MelodyRequest

METERS = ("4/4", "3/4", "6/8", "2/4")
RUN = 8  # notes in a row that count as copying


@dataclass
class Generated:
    key: Key
    continuation: list[Note]  # in the requested key
    seed_ticks: int
    bar_ticks: int
    bars: int


def requests(n: int, rng: random.Random) -> list[MelodyRequest]:
    """n requests over every tonic and mode; the seed is the key's 1-3-5 (mode-aware) in octave 4."""
    out = []
    for i in range(n):
        tonic, mode = PITCH_NAMES[i % 12], list(MODE_OFFSET)[(i // 12) % len(MODE_OFFSET)]
        key = Key.parse(f"{tonic} {mode}")
        degrees = key.degrees
        first = 60 + key.tonic
        seed = " ".join(str(first + (degrees[d] - key.tonic) % 12) for d in (0, 2, 4))
        out.append(MelodyRequest(seed, bars=8, key=str(key), meter=METERS[i % len(METERS)], seed=rng.randrange(10**6),
                                 count=1, style=rng.choice(["irish", "scottish", "american", "european"])))
    return out


async def generate_lstm(checkpoint: Path, reqs: list[MelodyRequest]) -> list[Generated]:
    composer = Composer.load(checkpoint, max_batch=64, max_queue=len(reqs) + 1)
    try:
        results = await asyncio.gather(*[composer.melody(r) for r in reqs])
    finally:
        composer.close()
    return [Generated(r.melody.key, list(r.continuation), sum(n.ticks for n in r.seed.notes),
                      r.melody.meter.bar_ticks, r.request.bars) for r in results]


def generate_ngram(ngram: NGram, composer: Composer, reqs: list[MelodyRequest]) -> list[Generated]:
    """Sample from the n-gram under the same grammar (full bars, stable ending) as the LSTM."""
    out = []
    vocab = composer.vocab
    for r in reqs:
        seed = composer.validate(r)
        key = r.parsed_key
        assert key is not None and r.seed is not None
        grammar = composer.grammar(r, seed, key)
        gen = torch.Generator().manual_seed(r.seed)
        history = vocab.decode(grammar.prompt)
        while not grammar.done:
            forced = grammar.forced()
            if forced is None:
                allowed = grammar.allowed().nonzero().flatten().tolist()
                context = tuple(history[-(ngram.order - 1):])
                probs = torch.tensor([ngram.prob(context, vocab.itos[i]) for i in allowed])
                token = allowed[int(torch.multinomial(probs / probs.sum(), 1, generator=gen))]
                grammar.accept(token)
            else:
                token = forced
            history.append(vocab.itos[token])
        shift = key.transpose_to_c
        notes = [Note(None if n.pitch is None else n.pitch - shift, n.ticks) for n in grammar.notes]
        out.append(Generated(key, notes, sum(n.ticks for n in seed.notes),
                             r.parsed_meter.bar_ticks, r.bars))
    return out


# ---- metrics -------------------------------------------------------------------------------
def key_adherence(gens: list[Generated]) -> tuple[float, float, float]:
    """Share of notes in the requested scale; key-estimate agreement overall and for major/minor requests."""
    in_scale = total = 0
    matched: list[tuple[bool, bool]] = []  # (agrees, a major/minor request)
    for g in gens:
        pitches = [n.pitch for n in g.continuation if n.pitch is not None]
        in_scale += sum(p % 12 in g.key.scale for p in pitches)
        total += len(pitches)
        estimate = estimate_key(g.continuation)
        tonal = g.key.mode in ("major", "minor")
        if tonal:
            matched.append((estimate.tonic == g.key.tonic and estimate.mode == g.key.mode, True))
        else:
            matched.append((estimate.parent_major == g.key.parent_major, False))
    tonal_hits = [hit for hit, tonal in matched if tonal]
    return (in_scale / max(total, 1), sum(hit for hit, _ in matched) / len(matched),
            sum(tonal_hits) / max(len(tonal_hits), 1))


def bar_completeness(gens: list[Generated]) -> float:
    ok = 0
    for g in gens:
        now, fine = g.seed_ticks, True
        for n in g.continuation:
            fine &= now // g.bar_ticks == (now + n.ticks - 1) // g.bar_ticks  # no note crosses a bar line
            now += n.ticks
        ok += fine and now == g.bars * g.bar_ticks
    return ok / len(gens)


def _features(notes: Sequence[Note]) -> dict[str, np.ndarray]:
    pitches = [n.pitch for n in notes if n.pitch is not None]
    pc = np.bincount([p % 12 for p in pitches], minlength=12).astype(float)
    intervals = np.bincount([min(abs(b - a), 12) for a, b in itertools.pairwise(pitches)], minlength=13)
    lengths = np.array([sum(1 for n in notes if n.ticks == d) for d in DURATIONS], dtype=float)
    return {name: v / max(v.sum(), 1) for name, v in
            (("pitch-class histogram", pc), ("interval histogram", intervals.astype(float)),
             ("note-length histogram", lengths))}


def _kde(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    bandwidth = 1.06 * max(samples.std(), 1e-3) * len(samples) ** -0.2  # Silverman's rule
    density = np.exp(-0.5 * ((grid[:, None] - samples[None, :]) / bandwidth) ** 2).sum(1)
    return density / np.trapezoid(density, grid)


def overlapping_areas(generated: list[Sequence[Note]], reference: list[Sequence[Note]]) -> dict[str, float]:
    """Yang & Lerch OA of inter-set (gen vs ref) and intra-set (ref vs ref) Euclidean distance PDFs."""
    gen_f = [_features(m) for m in generated]
    ref_f = [_features(m) for m in reference]
    result = {}
    for name in gen_f[0]:
        g = np.stack([f[name] for f in gen_f])
        r = np.stack([f[name] for f in ref_f])
        intra = np.linalg.norm(r[:, None] - r[None, :], axis=-1)[np.triu_indices(len(r), 1)]
        inter = np.linalg.norm(g[:, None] - r[None, :], axis=-1).ravel()
        grid = np.linspace(0, max(intra.max(), inter.max()) * 1.1 + 1e-6, 512)
        result[name] = float(np.trapezoid(np.minimum(_kde(intra, grid), _kde(inter, grid)), grid))
    return result


def in_c(g: Generated) -> list[Note]:
    """A continuation moved to the model's C-based space, where the reference melodies are."""
    shift = g.key.transpose_to_c
    return [Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in g.continuation]


def copy_rate(gens: list[Generated], train_runs: set[tuple]) -> float:
    """Share of continuations that contain RUN notes in a row found in a training tune (in C-space)."""
    copied = 0
    for g in gens:
        seq = [(n.pitch, n.ticks) for n in in_c(g)]
        copied += any(tuple(seq[i : i + RUN]) in train_runs for i in range(len(seq) - RUN + 1))
    return copied / len(gens)


def training_runs(tunes: list[Tune]) -> set[tuple]:
    runs: set[tuple] = set()
    for t in tunes:
        seq = [(n.pitch, n.ticks) for n in decode_notes(list(t.tokens))]
        runs.update(tuple(seq[i : i + RUN]) for i in range(len(seq) - RUN + 1))
    return runs


def reference_melodies(tunes: list[Tune], n: int, rng: random.Random) -> list[list[Note]]:
    """Test-set melodies, cut to about 8 bars like the generations."""
    chosen = rng.sample(tunes, min(n, len(tunes)))
    out = []
    for t in chosen:
        meter = Meter.parse(t.tokens[2].split(":", 1)[1])
        notes, now = [], 0
        for note in decode_notes(list(t.tokens)):
            if now >= 8 * meter.bar_ticks:
                break
            notes.append(note)
            now += note.ticks
        out.append(notes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", type=Path, nargs="+", required=True)
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--ngram-order", type=int, default=5)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    rng = random.Random(0)
    tunes = load_tunes(args.corpus)
    train = [t for t in tunes if t.split == "train"]
    test = [t for t in tunes if t.split == "test"]
    reqs = requests(args.n, rng)
    reference = reference_melodies(test, 300, rng)
    runs = training_runs(train)
    ref_inter = overlapping_areas(reference_melodies(test, 300, random.Random(1)), reference)

    rows: list[tuple[str, list[Generated], float]] = []
    for path in args.checkpoints:
        t0 = time.time()
        gens = asyncio.run(generate_lstm(path, reqs))
        rows.append((path.name, gens, time.time() - t0))
    model, vocab, info = load_checkpoint(args.checkpoints[0])
    composer = Composer(Engine(model), vocab, info)
    t0 = time.time()
    seqs = [vocab.decode(w) for w in windows(train, vocab, 384)]
    ngram = NGram(args.ngram_order, len(vocab)).fit(seqs)
    rows.append((f"n-gram (order {args.ngram_order})", generate_ngram(ngram, composer, reqs), time.time() - t0))

    table = ["| model | notes in scale | key estimate = requested (all / major+minor) | full bars | OA pitch classes |"
             " OA intervals | OA note lengths | copies 8+ training notes | seconds |", "|---" * 9 + "|"]
    for name, gens, seconds in rows:
        in_scale, key_match, tonal_match = key_adherence(gens)
        oa = overlapping_areas([in_c(g) for g in gens], reference)  # the test set is in C-space too
        line = (f"| {name} | {100 * in_scale:.1f}% | {100 * key_match:.1f}% / {100 * tonal_match:.1f}% | "
                f"{100 * bar_completeness(gens):.1f}% | "
                f"{oa['pitch-class histogram']:.3f} | {oa['interval histogram']:.3f} | "
                f"{oa['note-length histogram']:.3f} | {100 * copy_rate(gens, runs):.1f}% | {seconds:.0f} |")
        table.append(line)
        print(line)
    table.append(f"| test set vs test set (ceiling) | | | | {ref_inter['pitch-class histogram']:.3f} | "
                 f"{ref_inter['interval histogram']:.3f} | {ref_inter['note-length histogram']:.3f} | | |")
    print(table[-1])
    text = "\n".join(table)
    if args.report:
        write_section(args.report, "quality", f"{args.n} continuations per model (8 bars, all 12 tonics x 7 modes, "
                      f"meters {', '.join(METERS)}), measured by `python -m bench.quality`.\n\n{text}")


if __name__ == "__main__":
    main()
