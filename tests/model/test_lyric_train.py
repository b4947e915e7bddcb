"""Training smoke test on a slice of the committed verse (the shipped lyric model is trained offline)."""

from __future__ import annotations

import math

import torch

from model.lstm import load_checkpoint
from model.lyric_lstm import LyricConfig
from model.lyric_train import LyricTrainConfig, train


def test_train_resume_and_load(tmp_path):
    out = tmp_path / "tiny.pt"
    tiny = LyricConfig(embed=16, hidden=24, layers=1, dropout=0.1, embed_dropout=0.0)
    cfg = LyricTrainConfig(batch_size=16, max_epochs=1)
    result = train(tiny, cfg, out, limit_lines=400)
    assert result["epochs"] == 1 and out.exists()
    resumed = train(tiny, LyricTrainConfig(batch_size=16, max_epochs=2), out, resume=True, limit_lines=400)
    assert resumed["epochs"] == 2  # continued from epoch 1 instead of starting over
    assert len(torch.load(out.with_suffix(".last"), weights_only=True)["history"]) == 2
    model, vocab, info = load_checkpoint(out, kind="lyrics")
    history = info["metrics"]["history"]
    assert history[-1]["valid_nll"] < math.log(len(vocab))  # learned something beyond uniform
    assert info["data"]["lines"] and "public domain" in info["data"]["sources"]
    assert model.config == tiny
