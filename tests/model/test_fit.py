"""The shared training loop: resuming continues the run exactly, learning-rate schedule included."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

from model.config import LSTMConfig, TrainConfig
from model.lstm import load_checkpoint
from model.train import train

TINY = LSTMConfig(embed=8, hidden=16, layers=1, dropout=0.1)  # dropout: the torch RNG must be restored too


def overfitting_corpus(path: Path) -> Path:
    """Training tunes alternate C-D, validation tunes C-E: once the structure is learned (epoch 1), every
    further epoch makes validation worse, so the plateau schedule halves the learning rate after each one."""

    def tune(i: int, split: str, pitch: int) -> str:
        body = " ".join(f"p60 d12 p{pitch} d12" for _ in range(8))
        return json.dumps({"source": "synthetic", "style": "irish", "title": f"t{i}", "ident": f"t{i}",
                           "split": split, "tokens": f"style:irish mode:major meter:4/4 {body} end"})

    with gzip.open(path, "wt") as fh:
        fh.writelines(tune(i, "train", 62) + "\n" for i in range(48))
        fh.writelines(tune(100 + i, "valid", 64) + "\n" for i in range(4))
    return path


def last_state(out: Path) -> dict:
    return torch.load(out.with_suffix(".last"), weights_only=True)


def test_resume_restores_the_lr_schedule_and_matches_an_uninterrupted_run(tmp_path):
    corpus = overfitting_corpus(tmp_path / "corpus.jsonl.gz")
    cfg = TrainConfig(batch_size=4, window=64, lr=0.03, max_epochs=3)
    straight = train(TINY, cfg, tmp_path / "straight.pt", corpus)
    train(TINY, TrainConfig(batch_size=4, window=64, lr=0.03, max_epochs=1), tmp_path / "split.pt", corpus)
    resumed = train(TINY, cfg, tmp_path / "split.pt", corpus, resume=True)

    a, b = last_state(tmp_path / "straight.pt"), last_state(tmp_path / "split.pt")
    nll = [h["valid_nll"] for h in a["history"]]
    assert nll[0] < nll[1] < nll[2]  # the corpus does what it is for: validation gets worse after epoch 1
    assert a["optim"]["param_groups"][0]["lr"] == pytest.approx(0.03 / 4)  # halved after epochs 2 and 3
    # A fresh scheduler on resume would count epoch 2 as an improvement (on +inf) and end at 0.03 / 2.
    assert b["optim"]["param_groups"][0]["lr"] == pytest.approx(0.03 / 4)
    assert b["sched"]["best"] == a["sched"]["best"] == pytest.approx(nll[0])
    assert (b["epoch"], b["best"]) == (3, pytest.approx(nll[0]))
    assert [h["valid_nll"] for h in b["history"]] == pytest.approx(nll, rel=1e-6)
    assert resumed["best_valid_nll"] == pytest.approx(straight["best_valid_nll"])
    for key, weight in a["state_dict"].items():
        torch.testing.assert_close(b["state_dict"][key], weight)


def test_early_stopping_holds_across_resume(tmp_path):
    corpus = overfitting_corpus(tmp_path / "corpus.jsonl.gz")
    out = tmp_path / "m.pt"
    cfg = TrainConfig(batch_size=4, window=64, lr=0.03, max_epochs=5, patience=1)
    first = train(TINY, cfg, out, corpus)
    assert first["epochs"] == 2  # best at epoch 1, one epoch of patience
    again = train(TINY, cfg, out, corpus, resume=True)
    assert again["epochs"] == 2  # a stopped run stays stopped
    _model, _vocab, info = load_checkpoint(out, kind="melody")
    assert [h["epoch"] for h in info["metrics"]["history"]] == [1]  # the best model is the one kept
