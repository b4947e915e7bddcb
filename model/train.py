"""Train the melody LSTM on the prepared corpus, with the training loop both language models share.

    python -m model.train --preset default --out model/checkpoints/melody.pt
    python -m model.train --preset seed --out /tmp/seed.pt --max-epochs 10
    python -m model.train ... --resume          # continue from <out>.last

Prints the training loss and the validation NLL per epoch, halves the learning rate when validation stalls, stops
early when it stops improving, and writes a self-describing checkpoint (config, vocabulary, data, metrics).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from data.prepare import DEFAULT_CACHE, Tune, load_tunes
from model.config import PRESETS, LSTMConfig, LyricTrainConfig, TrainConfig
from model.lstm import MelodyLSTM, load_checkpoint, save_checkpoint
from model.lyric_lstm import LyricLSTM, LyricVocab
from model.vocab import Vocab

CONTROL_LEN = 3  # style, mode, meter: given, never predicted

LossFn = Callable[[nn.Module, torch.Tensor], tuple[torch.Tensor, int]]  # (model, batch) -> summed NLL, tokens scored
# What ``fit`` reads from either: batch_size, lr, weight_decay, max_epochs, patience, clip, seed, lr_patience.
LoopConfig = TrainConfig | LyricTrainConfig
C = TypeVar("C", TrainConfig, LyricTrainConfig)


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
def mean_nll(model: nn.Module, examples: list[list[int]], loss: LossFn, pad: int, device: str,
             batch_size: int = 64) -> float:
    """Mean NLL per token (nats) over the examples, in eval mode: exp of it is the perplexity."""
    model.eval()
    total, count = 0.0, 0
    for batch in batches(examples, batch_size, pad, None):
        summed, n = loss(model, batch.to(device))
        total, count = total + summed.item(), count + n
    return total / max(count, 1)


def evaluate_nll(model: MelodyLSTM, examples: list[list[int]], pad: int, device: str, batch_size: int = 64) -> float:
    """The melody model's mean NLL per token over windows from ``windows``."""
    return mean_nll(model, examples, partial(batch_loss, pad=pad), pad, device, batch_size)


# ---- the shared training loop -----------------------------------------------------------------------------------

@dataclass
class Job:
    """One model's training run: what ``fit`` trains, on what, and what goes into its checkpoint."""

    model: MelodyLSTM | LyricLSTM
    vocab: Vocab | LyricVocab
    train: list[list[int]]  # id sequences
    valid: list[list[int]]
    pad: int
    loss: LossFn
    data: dict  # a description of the training data, stored in the checkpoint
    half: bool = False  # store the checkpoint's weights as float16


def save_progress(last: Path, model: nn.Module, optim: torch.optim.Optimizer,
                  sched: torch.optim.lr_scheduler.ReduceLROnPlateau, rng: random.Random, history: list[dict],
                  spent: float) -> None:
    """What ``--resume`` continues from: weights, optimiser, LR schedule, both RNGs, per-epoch history, seconds."""
    blob = {
        "epoch": history[-1]["epoch"],
        "best": min(h["valid_nll"] for h in history),
        "state_dict": model.state_dict(),
        "optim": optim.state_dict(),
        "sched": sched.state_dict(),
        "rng": rng.getstate(),  # batch order
        "torch_rng": torch.get_rng_state(),  # dropout
        "history": history,
        "seconds": spent,
    }
    tmp = last.with_name(last.name + ".tmp")
    torch.save(blob, tmp)
    tmp.replace(last)


def load_progress(last: Path, model: nn.Module, optim: torch.optim.Optimizer,
                  sched: torch.optim.lr_scheduler.ReduceLROnPlateau, rng: random.Random) -> tuple[list[dict], float]:
    """Restore what ``save_progress`` wrote; returns the history and the seconds spent so far. Progress files from
    before the scheduler and RNG states were saved resume with a fresh schedule and RNG."""
    blob = torch.load(last, map_location="cpu", weights_only=True)
    model.load_state_dict(blob["state_dict"])
    optim.load_state_dict(blob["optim"])
    if "sched" in blob:
        sched.load_state_dict(blob["sched"])
    if "rng" in blob:
        rng.setstate(blob["rng"])
        torch.set_rng_state(blob["torch_rng"])
    return blob["history"], blob["seconds"]


def device_name(device: str) -> str:
    """The GPU's name for a CUDA device (stored in the checkpoint's metrics), else the device string."""
    return torch.cuda.get_device_name(device) if device.startswith("cuda") else device


def fit(job: Job, cfg: LoopConfig, out: Path, resume: bool = False, device: str = "cpu",
        lr_override: float | None = None, minutes: float | None = None) -> dict:
    """Train ``job.model`` with AdamW, halving the learning rate after ``cfg.lr_patience`` epochs without validation
    improvement and stopping after ``cfg.patience`` (or after the epoch that passes ``minutes`` of training). Keeps
    the best model by validation NLL in ``out`` and the progress in ``<out>.last``; ``resume`` continues from it
    (``lr_override`` replaces the resumed rate). Returns the best validation NLL, the epochs trained in all and the
    seconds spent."""
    model = job.model.to(device)
    optim = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(optim, factor=0.5, patience=cfg.lr_patience)
    rng = random.Random(cfg.seed)
    last = out.with_suffix(".last")
    history: list[dict] = []
    spent = 0.0
    if resume and last.exists():
        history, spent = load_progress(last, model, optim, sched, rng)
        if lr_override is not None:  # e.g. a lower rate to finish a run that was still improving
            for group in optim.param_groups:
                group["lr"] = lr_override
        print(f"resumed from {last} after epoch {history[-1]['epoch']}")
    best = min((h["valid_nll"] for h in history), default=math.inf)
    print(f"{model.num_params():,} parameters, {len(job.train)} training examples, vocabulary {len(job.vocab)}, "
          f"{device}")
    for epoch in range(len(history) + 1, cfg.max_epochs + 1):
        if history and epoch - min(history, key=lambda h: h["valid_nll"])["epoch"] > cfg.patience:
            print(f"no improvement for {cfg.patience} epochs: stopping")
            break
        if minutes is not None and spent >= 60 * minutes:
            print(f"{minutes} minutes of training spent: stopping")
            break
        t0 = time.time()
        model.train()
        total, count = 0.0, 0
        bar = tqdm(batches(job.train, cfg.batch_size, job.pad, rng), desc=f"epoch {epoch}", leave=False)
        for batch in bar:
            loss, n = job.loss(model, batch.to(device))
            optim.zero_grad()
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optim.step()
            total, count = total + loss.item(), count + n
            bar.set_postfix(loss=f"{total / count:.3f}")
        valid = mean_nll(model, job.valid, job.loss, job.pad, device)
        sched.step(valid)
        spent += time.time() - t0
        history.append({"epoch": epoch, "train_nll": total / count, "valid_nll": valid, "seconds": spent})
        print(f"epoch {epoch:2d}  train NLL {total / count:.4f}  valid NLL {valid:.4f} (ppl {math.exp(valid):.1f})"
              f"  lr {optim.param_groups[0]['lr']:.1e}  ({time.time() - t0:.1f} s)", flush=True)
        if valid < best:
            best = valid
            metrics = {"history": history, "best_valid_nll": best, "train_seconds": spent,
                       "device": device_name(device), "params": model.num_params()}
            save_checkpoint(out, model, job.vocab, half=job.half, data=job.data, train_config=asdict(cfg),
                            metrics=metrics)
        save_progress(last, model, optim, sched, rng, history, spent)
    return {"best_valid_nll": best, "epochs": len(history), "seconds": spent}


def add_loop_args(parser: argparse.ArgumentParser, defaults: LoopConfig, out: Path) -> None:
    """The command-line flags both training CLIs share."""
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--max-epochs", type=int, default=defaults.max_epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=None,
                        help=f"learning rate (default {defaults.lr}; with --resume: the resumed run's)")
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument("--patience", type=int, default=defaults.patience,
                        help="epochs without validation improvement before stopping")
    parser.add_argument("--resume", action="store_true", help="continue from <out>.last")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--minutes", type=float, default=None, help="stop after the epoch that passes this budget")


def loop_config(defaults: C, args: argparse.Namespace) -> C:
    """``defaults`` with the shared flags applied; sets torch's CPU threads when ``--threads`` is given."""
    if args.threads:
        torch.set_num_threads(args.threads)
    return replace(defaults, max_epochs=args.max_epochs, batch_size=args.batch_size, lr=args.lr or defaults.lr,
                   weight_decay=args.weight_decay, patience=args.patience)


# ---- the melody model ---------------------------------------------------------------------------------------------

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
    minutes: float | None = None,
    init: Path | None = None,
) -> dict:
    """Train the melody model with ``fit`` and return its metrics; ``init``: start from that checkpoint's weights,
    size and vocabulary (fine-tuning; ``model_config`` is then not used)."""
    torch.manual_seed(train_config.seed)
    tunes = load_tunes(corpus)
    if limit_tunes:
        tunes = tunes[:limit_tunes]
    vocab = Vocab.for_melodies(meters={t.tokens[2].split(":", 1)[1] for t in tunes})
    model = MelodyLSTM(model_config, len(vocab))
    if init is not None:
        model, vocab, _ = load_checkpoint(init, kind="melody")  # type: ignore[assignment]
        model.train()
    split = {name: [t for t in tunes if t.split == name] for name in ("train", "valid", "test")}
    job = Job(
        model=model,
        vocab=vocab,
        train=windows(split["train"], vocab, train_config.window),
        valid=windows(split["valid"] or split["train"][:20], vocab, train_config.window),
        pad=vocab.pad_id,
        loss=partial(batch_loss, pad=vocab.pad_id),
        data=describe_data(corpus, tunes),
    )
    return fit(job, train_config, out, resume, device, lr_override, minutes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--limit-tunes", type=int, default=None, help="train on the first N tunes (smoke test)")
    for name in ("embed", "hidden", "layers"):
        parser.add_argument(f"--{name}", type=int, default=None, help=f"the preset's {name}, changed")
    parser.add_argument("--dropout", type=float, default=None, help="the preset's dropout, changed")
    parser.add_argument("--init", type=Path, default=None, help="start from this checkpoint's weights (fine-tune)")
    add_loop_args(parser, TrainConfig(), Path("model/checkpoints/melody.pt"))
    args = parser.parse_args()
    cfg = loop_config(TrainConfig(), args)
    changed = {k: v for k in ("embed", "hidden", "layers", "dropout") if (v := getattr(args, k)) is not None}
    result = train(replace(PRESETS[args.preset], **changed), cfg, args.out, args.corpus, args.resume, args.device,
                   args.limit_tunes, lr_override=args.lr if args.resume else None, minutes=args.minutes,
                   init=args.init)
    print(
        f"best validation NLL {result['best_valid_nll']:.4f} after {result['epochs']} epochs "
        f"({result['seconds']:.0f} s); checkpoint {args.out}"
    )


if __name__ == "__main__":
    main()
