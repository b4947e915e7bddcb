"""Originality: does the corpus check find copies, how often do real tunes share phrases, how often does /melody copy?

    python -m bench.originality [--requests 500] [--planted 300] [--report bench/reports/originality.md]

Everything runs on the committed ``data/corpus_notes.npz`` and the shipped checkpoint, nothing else.

1. Load: reading the file and building the suffix array (time, memory).
2. /melody copy rate: ``--requests`` requests through the Composer (batched, as the bot's engine does): half typed
   seeds with random settings, half the openings of corpus tunes that `/inspire`'s Continue button sends (the path
   most likely to reproduce a tune the model learned). "Before" is each request's first take, "after" what the
   Composer returns once takes that copy ``COPY_NOTES`` notes are written again.
3. Lookup time per candidate on those melodies.
4. Planted copies: real corpus passages of 8, 12 and 16 notes (with the rests between them) inserted into the
   continuations of those melodies, transposed by 1-6 semitones and at another tempo (every length x2, /2, x3/2 or
   x2/3): found when the check reports a passage at least that long.
5. Held-out tunes: the test split (``data.prepare.split_of``) looked up in an index of every other tune: how often
   a real tune shares 8, 12, 16 or 24+ notes with another (folk tunes share phrases; some tunes are in two
   collections).
6. `/similar`: 24 notes of a corpus tune (transposed, at another tempo): is that tune listed first?
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.report import write_section
from data.corpus_notes import DEFAULT_NOTES, CorpusNotes, read_notes
from data.events import PITCH_NAMES, STYLES, Melody, Meter, Note
from data.prepare import split_of
from data.tunes import load_index
from studio.melody import Composer, MelodyResult
from studio.options import METERS
from studio.originality import COPY_NOTES, PhraseIndex, longest_shared, phrase_index
from studio.requests import MelodyRequest

DEFAULT_REPORT = Path(__file__).parent / "reports" / "originality.md"
SEEDS = ("C E G", "C D E F G", "G A B C", "E D C D E E E:h", "A C E A", "D F# A", "C:q E:e G:e C5:h", "G:e A B D:q",
         "do re mi", "E G A B")
PLANTED = (8, 12, 16)
BATCH = 100  # requests given to the engine at once (its queue holds 256)


def percentiles(values: list[float]) -> str:
    a = np.asarray(values) * 1000
    return f"p50 {np.percentile(a, 50):.2f} ms, p95 {np.percentile(a, 95):.2f} ms, max {a.max():.2f} ms"


def measure_load(path: Path) -> dict:
    tracemalloc.start()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    corpus = read_notes(path)
    read_s = time.perf_counter() - start
    index = phrase_index(path)
    total_s = time.perf_counter() - start
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"read_s": read_s, "total_s": total_s, "held_mb": index.nbytes / 1e6, "traced_mb": current / 1e6,
            "peak_mb": peak / 1e6, "rss_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1e3,
            "file_mb": path.stat().st_size / 1e6, "tunes": len(corpus.tunes), "notes": len(corpus.pitch),
            "steps": len(index.suffixes), "vocab": len(index.vocab)}


def requests(n: int, rng: np.random.Generator) -> list[tuple[str, MelodyRequest]]:
    """Half typed seeds with random settings, half corpus openings as /inspire's Continue sends them."""
    tunes = [t for t in load_index() if t.meter in METERS]
    out = []
    for i in range(n):
        seed = int(rng.integers(2**31 - 1))
        if i % 2:
            tune = tunes[int(rng.integers(len(tunes)))]
            out.append(("corpus opening", MelodyRequest(**{**tune.params, "seed": seed, "count": 1})))
        else:
            key = f"{PITCH_NAMES[rng.integers(12)]} {('major', 'minor', 'dorian', 'mixolydian')[rng.integers(4)]}"
            out.append(("typed seed", MelodyRequest(
                notes=SEEDS[int(rng.integers(len(SEEDS)))], key=key, meter=str(rng.choice(("4/4", "3/4", "6/8"))),
                style=str(rng.choice(STYLES)), temperature=round(float(rng.uniform(0.6, 1.3)), 2),
                bars=int(rng.choice((8, 16))), seed=seed, count=1)))
    return out


async def generate(composer: Composer, asked: list[MelodyRequest]) -> tuple[list[MelodyResult], float]:
    start = time.perf_counter()
    results: list[MelodyResult] = []
    for i in range(0, len(asked), BATCH):
        results += await composer.write(asked[i:i + BATCH])
    return results, time.perf_counter() - start


def first_take(result: MelodyResult) -> int:
    assert result.shared is not None
    return (result.first_take or result.shared).notes


def passage(corpus: CorpusNotes, tune: int, start: int, n: int) -> list[Note] | None:
    """The notes of a tune from its ``start``-th pitched note through ``n`` pitched notes, with the rests between
    and after them (up to the next note)."""
    notes = corpus.notes(tune)
    pitched = [i for i, x in enumerate(notes) if x.pitch is not None]
    if start + n > len(pitched):
        return None
    end = pitched[start + n] if start + n < len(pitched) else len(notes)
    return notes[pitched[start]:end]


def disguise(notes: list[Note], rng: np.random.Generator) -> list[Note]:
    """Transposed by 1-6 semitones up or down, every length scaled by a factor that keeps whole ticks."""
    shift = int(rng.choice([s for s in range(-6, 7) if s]))
    factors = [(2, 1)] + [(1, 2)] * all(n.ticks % 2 == 0 for n in notes) + [(3, 2)] * all(
        n.ticks % 2 == 0 for n in notes) + [(2, 3)] * all(n.ticks % 3 == 0 for n in notes)
    num, den = factors[int(rng.integers(len(factors)))]
    return [Note(None if n.pitch is None else n.pitch + shift, n.ticks * num // den) for n in notes]


def planted_recall(corpus: CorpusNotes, hosts: list[Melody], trials: int, rng: np.random.Generator) -> dict:
    out = {}
    for n in PLANTED:
        found = same = 0
        for _ in range(trials):
            while True:
                tune = int(rng.integers(len(corpus.tunes)))
                count = int(np.count_nonzero(corpus.pitch[corpus.starts[tune]:corpus.starts[tune + 1]]))
                if count >= n:
                    piece = passage(corpus, tune, int(rng.integers(count - n + 1)), n)
                    break
            assert piece is not None
            host = hosts[int(rng.integers(len(hosts)))]
            at = int(rng.integers(host.seed_len, len(host.notes) + 1))
            notes = host.notes[:at] + tuple(disguise(piece, rng)) + host.notes[at:]
            shared = longest_shared(notes, host.seed_len)
            found += shared.notes >= n
            same += shared.notes >= n and shared.tune is not None and shared.tune.index == tune
        out[n] = (found / trials, same / trials)
    return out


def subset(corpus: CorpusNotes, keep: np.ndarray) -> CorpusNotes:
    """The tunes of ``corpus`` where ``keep`` is true, as a corpus of their own."""
    chosen = np.flatnonzero(keep)
    lengths = np.diff(corpus.starts)[chosen]
    rows = np.concatenate([np.arange(corpus.starts[t], corpus.starts[t + 1]) for t in chosen])
    return CorpusNotes(corpus.pitch[rows], corpus.ticks[rows], np.concatenate([[0], np.cumsum(lengths)]),
                       corpus.offset[chosen], tuple(replace(corpus.tunes[t], index=i) for i, t in enumerate(chosen)))


def held_out(corpus: CorpusNotes) -> dict:
    test = np.array([split_of(t.ident) == "test" for t in corpus.tunes])
    start = time.perf_counter()
    index = PhraseIndex(subset(corpus, ~test))
    build_s = time.perf_counter() - start
    lengths, whole = [], 0
    for t in np.flatnonzero(test):
        notes = corpus.notes(int(t))
        shared = index.longest(notes)
        lengths.append(shared.notes)
        whole += shared.notes >= 0.8 * sum(n.pitch is not None for n in notes)
    a = np.asarray(lengths)
    return {"tunes": len(a), "build_s": build_s, "median": float(np.median(a)),
            "at_least": {n: float((a >= n).mean()) for n in (8, 12, 16, 24)}, "whole": whole / len(a)}


def similar_top(corpus: CorpusNotes, index: PhraseIndex, trials: int, rng: np.random.Generator) -> dict:
    first = listed = 0
    times = []
    for _ in range(trials):
        tune = int(rng.integers(len(corpus.tunes)))
        count = int(np.count_nonzero(corpus.pitch[corpus.starts[tune]:corpus.starts[tune + 1]]))
        n = min(24, count)
        piece = passage(corpus, tune, int(rng.integers(count - n + 1)), n)
        assert piece is not None
        melody = Melody(tuple(disguise(piece, rng)), meter=Meter.parse(corpus.tunes[tune].meter))
        start = time.perf_counter()
        found = index.similar(melody, 5)
        times.append(time.perf_counter() - start)
        ranks = [s.tune.index for s in found]
        # a tune tied with the one the notes came from (same score and run: the same passage in two collections)
        top = found[0] if found else None
        first += bool(found) and (ranks[0] == tune or any(
            s.tune.index == tune and (s.score, s.longest) == (top.score, top.longest) for s in found))
        listed += tune in ranks
    return {"first": first / trials, "listed": listed / trials, "time": percentiles(times), "trials": trials}


async def bench(n_requests: int, trials: int, seed: int, path: Path = DEFAULT_NOTES,
                composer: Composer | None = None) -> dict:
    """Every measurement (``trials`` plantings per length and, up to 200, /similar searches); ``composer``: the
    one to use (default: the shipped checkpoint, loaded here)."""
    rng = np.random.default_rng(seed)
    load = measure_load(path)
    corpus, index = read_notes(path), phrase_index(path)
    own = composer is None
    composer = composer or Composer.load()
    try:
        asked = requests(n_requests, rng)
        results, gen_s = await generate(composer, [r for _, r in asked])
    finally:
        if own:
            composer.close()
    kinds = [k for k, _ in asked]
    before = [first_take(r) >= COPY_NOTES for r in results]
    after = [r.shared is not None and r.shared.copied for r in results]
    rewritten = [r for r in results if r.first_take is not None]
    times = []  # per candidate: the first lookup, and the best of three (the machine is shared)
    for r in results:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            longest_shared(r.melody.notes, r.melody.seed_len)
            runs.append(time.perf_counter() - start)
        times.append((runs[0], min(runs)))
    lengths = [len(r.continuation) for r in results]
    hosts = [r.melody for r in results]
    return {"load": load, "n": len(results), "gen_s": gen_s, "kinds": kinds, "before": before, "after": after,
            "rewritten": rewritten, "times": times, "lengths": lengths,
            "shared": [r.shared.notes for r in results if r.shared],
            "planted": planted_recall(corpus, hosts, trials, rng), "held_out": held_out(corpus),
            "similar": similar_top(corpus, index, min(200, trials), rng), "trials": trials}


def report(out: dict, command: str) -> str:
    load, n = out["load"], out["n"]
    lines = [f"Run: `{command}` ({time.strftime('%Y-%m-%d')}, this machine: 2 shared CPU cores).", "",
             "### Index", "",
             f"`data/corpus_notes.npz`: {load['file_mb']:.2f} MB, {load['tunes']} tunes, {load['notes']} notes "
             f"({load['steps']} steps between notes, {load['vocab']} distinct steps). Loading: read "
             f"{load['read_s'] * 1000:.0f} ms, read + suffix array {load['total_s']:.2f} s; the index holds "
             f"{load['held_mb']:.1f} MB (numpy allocations after the build {load['traced_mb']:.1f} MB, peak while "
             f"building {load['peak_mb']:.0f} MB; process max RSS grew {load['rss_growth_mb']:.0f} MB).", "",
             f"### /melody copy rate ({COPY_NOTES}+ notes shared with a corpus tune, seed excluded)", "",
             "| requests | n | before: the first take | after: copying takes re-written | replies re-written |",
             "|---|---|---|---|---|"]
    kinds = np.asarray(out["kinds"])
    before, after = np.asarray(out["before"]), np.asarray(out["after"])
    for name in ("typed seed", "corpus opening", "all"):
        sel = kinds == name if name != "all" else np.ones(n, bool)
        lines.append(f"| {name} | {sel.sum()} | {before[sel].mean():.1%} ({before[sel].sum()}) | "
                     f"{after[sel].mean():.1%} ({after[sel].sum()}) | {(before[sel] & ~after[sel]).sum()} |")
    shared = np.asarray(out["shared"])
    lines += ["", f"{n} melodies written in {out['gen_s']:.1f} s (batched {BATCH} at a time, retakes included). "
              f"Longest shared passage after the check: median {np.median(shared):.0f} notes, "
              f"{(shared >= 8).mean():.0%} at 8 or more (named in the reply).", ""]
    if out["rewritten"]:
        lines.append("Re-written examples (what the reply says):")
        lines += [f"- {r.originality}" for r in out["rewritten"][:5]]
        lines.append("")
    lines += ["### Lookup time per candidate", "",
              f"Best of three runs: {percentiles([b for _, b in out['times']])}; a single run: "
              f"{percentiles([f for f, _ in out['times']])}; over {n} candidates of {min(out['lengths'])}-"
              f"{max(out['lengths'])} generated notes (notes after the seed). A check runs in a thread of the bot "
              "process (one per candidate, retakes included).", "",
              "### Planted copies (transposed 1-6 semitones, every length x2, /2, x3/2 or x2/3)", "",
              "| passage | found (reported >= its length) | named the tune it came from |", "|---|---|---|"]
    for length, (found, same) in out["planted"].items():
        lines.append(f"| {length} notes | {found:.1%} | {same:.1%} |")
    lines += ["", f"{out['trials']} plantings per length into the continuations above. \"Named\" counts the tune "
              "the passage came from; the rest name another tune with the same passage.", ""]
    h = out["held_out"]
    lines += ["### Real held-out tunes against every other tune", "",
              f"{h['tunes']} test-split tunes, each looked up whole in an index of the other tunes (built in "
              f"{h['build_s']:.1f} s). Median longest shared passage: {h['median']:.0f} notes.", "",
              "| shares with another tune | tunes |", "|---|---|"]
    lines += [f"| {k}+ notes | {v:.1%} |" for k, v in h["at_least"].items()]
    lines += ["", f"{h['whole']:.1%} share 80% or more of their notes in one run: the same tune in another "
              "collection or a variant of it. So a 12-note run is common between real folk tunes: the check flags "
              "what a listener would also hear as the same phrase, and the bot re-writes it rather than refusing.", ""]
    s = out["similar"]
    lines += ["### /similar", "",
              f"24 notes (or the whole tune if shorter) from a random place of {s['trials']} random corpus tunes, "
              f"transposed and at another tempo: the tune is listed first {s['first']:.1%} (or tied first with an "
              f"identical passage), among the five {s['listed']:.1%}. Time per search: {s['time']}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--planted", type=int, default=300, help="plantings per passage length")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--notes", type=Path, default=DEFAULT_NOTES)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="markdown file ('-': none)")
    args = parser.parse_args(argv)
    command = "python -m bench.originality " + " ".join(argv if argv is not None else sys.argv[1:])
    out = asyncio.run(bench(args.requests, args.planted, args.seed, args.notes))
    text = report(out, command.strip())
    print(text)
    if str(args.report) != "-":
        if not args.report.exists():
            args.report.write_text("# Originality: copies of corpus tunes\n\n" + (__doc__ or "") + "\n")
        write_section(args.report, "originality", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
