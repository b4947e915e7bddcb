"""Held-out evaluation: NLL per token of the shipped model, the `seed` preset and an n-gram baseline.

    python -m bench.evaluate --checkpoints model/checkpoints/melody.pt model/checkpoints/seed.pt \
        --report model/checkpoints/REPORT.md

All models are scored on the same test-split windows (the control prefix given, every later
token predicted). The n-gram order is chosen on the validation split.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.report import write_section
from data.prepare import DEFAULT_CACHE, load_tunes
from model.lstm import load_checkpoint
from model.ngram import NGram
from model.train import CONTROL_LEN, evaluate_nll, windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", type=Path, nargs="+", required=True)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--orders", type=int, nargs="+", default=[3, 5, 7])
    args = parser.parse_args()

    tunes = load_tunes(args.corpus)
    split = {s: [t for t in tunes if t.split == s] for s in ("train", "valid", "test")}
    rows: list[tuple[str, str, float]] = []
    first_vocab = None
    for path in args.checkpoints:
        model, vocab, info = load_checkpoint(path)
        first_vocab = first_vocab or vocab
        test = windows(split["test"], vocab, window=384)
        nll = evaluate_nll(model, test, vocab.pad_id, "cpu")
        cfg = info["config"]
        desc = f"LSTM {cfg['layers']}x{cfg['hidden']}, embed {cfg['embed']}, {info['metrics']['params']:,} params"
        rows.append((path.name, desc, nll))
        print(f"{path.name:20s} {desc:50s} test NLL {nll:.4f}")
        print(f"   trained {len(info['metrics']['history'])} epochs in {info['metrics']['train_seconds']:.0f} s "
              f"on {info['metrics']['device']}; best valid NLL {info['metrics']['best_valid_nll']:.4f}")

    assert first_vocab is not None

    def as_tokens(ts: list) -> list[list[str]]:
        return [first_vocab.decode(w) for w in windows(ts, first_vocab, window=384)]

    t0 = time.time()
    train_seqs, valid_seqs, test_seqs = as_tokens(split["train"]), as_tokens(split["valid"]), as_tokens(split["test"])
    best_order, best_valid, best_model = 0, float("inf"), None
    for order in args.orders:
        ngram = NGram(order, len(first_vocab)).fit(train_seqs)
        valid = ngram.nll(valid_seqs, skip=CONTROL_LEN)
        print(f"n-gram order {order}: valid NLL {valid:.4f}")
        if valid < best_valid:
            best_order, best_valid, best_model = order, valid, ngram
    assert best_model is not None
    ngram_nll = best_model.nll(test_seqs, skip=CONTROL_LEN)
    rows.append(("n-gram", f"order {best_order}, interpolated absolute discounting (chosen on valid)", ngram_nll))
    print(f"n-gram order {best_order}: test NLL {ngram_nll:.4f} ({time.time() - t0:.0f} s)")

    if args.report:
        lines = [
            "| model | what | test NLL per token (nats) | vs n-gram |",
            "|---|---|---|---|",
            *[f"| {name} | {desc} | {nll:.4f} | {100 * (nll / ngram_nll - 1):+.1f}% |" for name, desc, nll in rows],
        ]
        counts = {s: len(v) for s, v in split.items()}
        if len(rows) >= 3:  # the shipped model against the second checkpoint (the `seed` preset)
            lines.append(f"\n{rows[0][0]} is {100 * (1 - rows[0][2] / rows[1][2]):.1f}% below {rows[1][0]} and "
                         f"{100 * (1 - rows[0][2] / ngram_nll):.1f}% below the n-gram.")
        write_section(args.report, "evaluation", f"Test split: {counts['test']} tunes ({counts['train']} train, "
                      f"{counts['valid']} valid), the same windows for every model.\n\n" + "\n".join(lines))
        print(f"updated {args.report}")


if __name__ == "__main__":
    main()
