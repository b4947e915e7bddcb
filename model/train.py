"""Train the melody LSTM on the prepared corpus.

    python -m model.train --preset default --out model/checkpoints/melody.pt
    python -m model.train --preset seed --out /tmp/seed.pt --max-epochs 10
    python -m model.train ... --resume          # continue from <out>.last

Prints the training loss and the validation NLL per epoch, stops early when validation
stops improving, and writes a self-describing checkpoint (config, vocabulary, data, metrics).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch.nn import functional as F
from tqdm import tqdm

from data.prepare import DEFAULT_CACHE, Tune, load_tunes
from model.config import PRESETS, LSTMConfig, TrainConfig
from model.lstm import MelodyLSTM, save_checkpoint
from model.vocab import Vocab

CONTROL_LEN = 3  # style, mode, meter: given, never predicted


def windows(tunes: list[Tune], vocab: Vocab, window: int) -> list[list[int]]:
    """Each tune as id windows of at most ``window`` tokens, the control prefix repeated in each."""
    out = []
    for tune in tunes:
        ids = vocab.encode(tune.tokens)
        head, body = ids[:CONTROL_LEN], ids[CONTROL_LEN:]
        step = window - CONTROL_LEN
        for start in range(0, len(body), step):
            out.append(head + body[start : start + step + 1])
    return out


def batches(examples: list[list[int]], batch_size: int, pad: int, rng: random.Random | None) -> list[torch.Tensor]:
    """Padded (B, T) batches of similar-length examples, in random order when ``rng`` is given."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i]))
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(groups)
    result = []
    for group in groups:
        width = max(len(examples[i]) for i in group)
        t = torch.full((len(group), width), pad, dtype=torch.long)
        for row, i in enumerate(group):
            t[row, : len(examples[i])] = torch.tensor(examples[i])
        result.append(t)
    return result


def batch_loss(model: MelodyLSTM, batch: torch.Tensor, pad: int) -> tuple[torch.Tensor, int]:
    """Summed NLL of every token after the control prefix, and how many tokens were scored."""
    logits, _ = model(batch[:, :-1])
    targets = batch[:, 1:].clone()
    targets[:, : CONTROL_LEN - 1] = pad  # the controls are given, not predicted
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=pad, reduction="sum")
    return loss, int((targets != pad).sum())


@torch.no_grad()
def evaluate_nll(model: MelodyLSTM, examples: list[list[int]], pad: int, device: str, batch_size: int = 64) -> float:
    """Mean NLL per token (nats) over the examples."""
    model.eval()
    total, count = 0.0, 0
    for batch in batches(examples, batch_size, pad, None):
        loss, n = batch_loss(model, batch.to(device), pad)
        total, count = total + loss.item(), count + n
    return total / max(count, 1)


def save_progress(last: Path, model: torch.nn.Module, optim: torch.optim.Optimizer, history: list[dict],
                  spent: float, sched: torch.optim.lr_scheduler.ReduceLROnPlateau | None = None) -> None:
    """The state ``--resume`` continues from: weights, optimiser (and scheduler), per-epoch history, seconds."""
    blob = {"state_dict": model.state_dict(), "optim": optim.state_dict(), "history": history, "seconds": spent}
    if sched is not None:
        blob["sched"] = sched.state_dict()
    torch.save(blob, last)


def load_progress(last: Path, device: str, model: torch.nn.Module, optim: torch.optim.Optimizer,
                  sched: torch.optim.lr_scheduler.ReduceLROnPlateau | None = None) -> tuple[list[dict], float]:
    """Restore what ``save_progress`` wrote; returns the history and the seconds spent so far."""
    blob = torch.load(last, map_location=device, weights_only=True)
    model.load_state_dict(blob["state_dict"])
    optim.load_state_dict(blob["optim"])
    if sched is not None:
        sched.load_state_dict(blob["sched"])
    return blob["history"], blob["seconds"]


def describe_data(path: Path, tunes: list[Tune]) -> dict:
    """What the checkpoint was trained on: the licence note matters for the Essen collection."""
    per_source = Counter((t.source, t.split) for t in tunes)
    return {
        "corpus_file": str(path),
        "tunes": {f"{s}/{sp}": n for (s, sp), n in sorted(per_source.items())},
        "tokens": sum(len(t.tokens) for t in tunes),
        "sources": "music21 bundled corpus: oneills1850, airdsAirs, ryansMammoth (public domain), "
        "essenFolksong (free for non-commercial research), Bach chorale soprano lines (public domain)",
    }


def train(
    model_config: LSTMConfig,
    train_config: TrainConfig,
    out: Path,
    corpus: Path = DEFAULT_CACHE,
    resume: bool = False,
    device: str = "cpu",
    limit_tunes: int | None = None,
    lr_override: float | None = None,
) -> dict:
    """Train, keep the best checkpoint by validation NLL, and return the metrics."""
    torch.manual_seed(train_config.seed)
    rng = random.Random(train_config.seed)
    tunes = load_tunes(corpus)
    if limit_tunes:
        tunes = tunes[:limit_tunes]
    vocab = Vocab.for_melodies(meters={t.tokens[2].split(":", 1)[1] for t in tunes})
    split = {name: [t for t in tunes if t.split == name] for name in ("train", "valid", "test")}
    train_ex = windows(split["train"], vocab, train_config.window)
    valid_ex = windows(split["valid"] or split["train"][:20], vocab, train_config.window)
    model = MelodyLSTM(model_config, len(vocab)).to(device)
    optim = torch.optim.AdamW(model.parameters(), lr=train_config.lr, weight_decay=train_config.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(optim, factor=0.5, patience=0)
    last = out.with_suffix(".last")
    history: list[dict] = []
    best, start_epoch, spent = math.inf, 1, 0.0
    if resume and last.exists():
        history, spent = load_progress(last, device, model, optim)
        if lr_override is not None:  # e.g. a lower rate to finish a run that was still improving
            for group in optim.param_groups:
                group["lr"] = lr_override
        best = min(h["valid_nll"] for h in history)
        start_epoch = history[-1]["epoch"] + 1
        print(f"resumed from {last} at epoch {start_epoch} (best valid NLL {best:.4f})")
    print(f"{model.num_params():,} parameters, {len(train_ex)} training windows, vocabulary {len(vocab)}")
    pad = vocab.pad_id
    for epoch in range(start_epoch, train_config.max_epochs + 1):
        t0 = time.time()
        model.train()
        total, count = 0.0, 0
        bar = tqdm(batches(train_ex, train_config.batch_size, pad, rng), desc=f"epoch {epoch}", leave=False)
        for batch in bar:
            loss, n = batch_loss(model, batch.to(device), pad)
            optim.zero_grad()
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_config.clip)
            optim.step()
            total, count = total + loss.item(), count + n
            bar.set_postfix(loss=f"{total / count:.3f}")
        valid = evaluate_nll(model, valid_ex, pad, device)
        sched.step(valid)
        spent += time.time() - t0
        history.append({"epoch": epoch, "train_nll": total / count, "valid_nll": valid, "seconds": spent})
        print(f"epoch {epoch:2d}  train NLL {total / count:.4f}  valid NLL {valid:.4f}  ({time.time() - t0:.0f} s)")
        info = {
            "data": describe_data(corpus, tunes),
            "train_config": asdict(train_config),
            "metrics": {
                "history": history,
                "best_valid_nll": min(valid, best),
                "train_seconds": spent,
                "device": device,
                "params": model.num_params(),
            },
        }
        if valid < best:
            best = valid
            save_checkpoint(out, model, vocab, **info)
        save_progress(last, model, optim, history, spent)
        if epoch - min(history, key=lambda h: h["valid_nll"])["epoch"] >= train_config.patience:
            print(f"no improvement for {train_config.patience} epochs: stopping")
            break
    return {"best_valid_nll": best, "epochs": len(history), "seconds": spent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--out", type=Path, default=Path("model/checkpoints/melody.pt"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--max-epochs", type=int, default=TrainConfig.max_epochs)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--lr", type=float, default=None,
                        help=f"learning rate (default {TrainConfig.lr}; with --resume: the resumed run's)")
    parser.add_argument("--limit-tunes", type=int, default=None, help="train on the first N tunes (smoke test)")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    cfg = replace(TrainConfig(), max_epochs=args.max_epochs, batch_size=args.batch_size, lr=args.lr or TrainConfig.lr)
    result = train(PRESETS[args.preset], cfg, args.out, args.corpus, args.resume, args.device, args.limit_tunes,
                   lr_override=args.lr if args.resume else None)
    print(
        f"best validation NLL {result['best_valid_nll']:.4f} after {result['epochs']} epochs "
        f"({result['seconds']:.0f} s); checkpoint {args.out}"
    )


if __name__ == "__main__":
    main()
