"""Corpus -> cached token file (run once; parsing the whole corpus with music21 takes minutes).

Every tune is transposed so its key signature is C (modes keep their mode token), encoded as
control tokens + note/bar tokens + ``end``, labelled with its source collection (its style),
and put in the train/valid/test split by a hash of its identity, so the split never changes.

    python -m data.prepare                       # whole corpus -> data/cache/corpus.jsonl.gz
    python -m data.prepare --limit-files 2 --out /tmp/small.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from data.events import END, Note, control_tokens, encode_notes

DEFAULT_CACHE = Path(__file__).parent / "cache" / "corpus.jsonl.gz"
LOWEST, HIGHEST = 36, 96  # model pitch range after transposition to C


@dataclass(frozen=True)
class Tune:
    """One prepared tune."""

    source: str
    style: str
    title: str
    ident: str
    split: str
    tokens: tuple[str, ...]


def refine_mode(mode: str, notes: list[Note]) -> str:
    """Unmarked keys read as major; a tune (in C-space) that ends on A or D is minor or dorian.

    Many ABC files write only the key signature (``K:G`` for E minor); folk tunes end on their
    tonic, so the final note tells the mode apart where the signature cannot.
    """
    final = next((n.pitch for n in reversed(notes) if n.pitch is not None), None)
    if mode != "major" or final is None:
        return mode
    return {9: "minor", 2: "dorian"}.get(final % 12, mode)


def split_of(ident: str) -> str:
    """Deterministic 90/5/5 split by tune identity."""
    bucket = int(hashlib.sha1(ident.encode()).hexdigest(), 16) % 100
    return "train" if bucket < 90 else "valid" if bucket < 95 else "test"


def _prepare_file(job: tuple[str, str]) -> list[dict]:
    from data import theory  # imported in the worker process

    collection, path = job
    style = theory.COLLECTIONS[collection]
    out = []
    try:
        scores = list(theory.scores_in_file(Path(path)))
    except Exception as exc:  # noqa: BLE001 - one unreadable corpus file must not stop the run
        print(f"skipping {path}: {exc}")
        return out
    for index, score in scores:
        try:
            found = theory.melody_from_score(score)
        except Exception:  # noqa: BLE001 - music21 chokes on a few malformed tunes; skip them
            continue
        if found is None:
            continue
        melody, pickup = found
        shift = melody.key.transpose_to_c
        notes = [Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in melody.notes]
        pitches = [n.pitch for n in notes if n.pitch is not None]
        if min(pitches) < LOWEST or max(pitches) > HIGHEST:
            continue
        title = (score.metadata.title if score.metadata else None) or f"tune {index + 1}"
        ident = f"{collection}/{Path(path).name}#{index}"
        tokens = (
            control_tokens(style, refine_mode(melody.key.mode, notes), melody.meter)
            + encode_notes(notes, melody.meter.bar_ticks, start=pickup)
            + [END]
        )
        out.append(
            {
                "source": collection,
                "style": style,
                "title": title,
                "ident": ident,
                "split": split_of(ident),
                "tokens": " ".join(tokens),
            }
        )
    return out


def prepare(out: Path, collections: list[str], limit_files: int | None = None, workers: int = 2) -> Counter:
    """Parse the collections and write the token file; returns tune counts per (source, split)."""
    from data import theory

    jobs = [(c, str(p)) for c in collections for p in theory.collection_files(c)[:limit_files]]
    out.parent.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    tmp = out.with_suffix(".tmp")
    with gzip.open(tmp, "wt") as fh, ProcessPoolExecutor(workers) as pool:
        for records in tqdm(pool.map(_prepare_file, jobs, chunksize=4), total=len(jobs), desc="corpus files"):
            for record in records:
                fh.write(json.dumps(record) + "\n")
                counts[(record["source"], record["split"])] += 1
    tmp.replace(out)  # never leave a half-written cache behind
    return counts


def load_tunes(path: Path = DEFAULT_CACHE, split: str | None = None) -> list[Tune]:
    """Read the prepared token file (optionally one split)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `python -m data.prepare` once to build it.")
    tunes = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            r = json.loads(line)
            if split is None or r["split"] == split:
                tunes.append(
                    Tune(r["source"], r["style"], r["title"], r["ident"], r["split"], tuple(r["tokens"].split()))
                )
    return tunes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--collections", nargs="+", default=["oneills1850", "airdsAirs", "ryansMammoth", "essenFolksong", "bach"]
    )
    parser.add_argument("--limit-files", type=int, default=None, help="only the first N files of each collection")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    counts = prepare(args.out, args.collections, args.limit_files, args.workers)
    for (source, split), n in sorted(counts.items()):
        print(f"{source:15s} {split:5s} {n:6d} tunes")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
