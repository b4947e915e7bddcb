"""Training smoke test on a tiny slice of the real corpus (CI never trains the shipped model)."""

from __future__ import annotations

import torch

from data.prepare import load_tunes, prepare, split_of
from model.config import LSTMConfig, TrainConfig
from model.lstm import load_checkpoint
from model.train import train


def test_prepare_then_train_resume_and_load(tmp_path):
    corpus = tmp_path / "corpus.jsonl.gz"
    counts = prepare(corpus, ["ryansMammoth"], limit_files=12, workers=1)
    tunes = load_tunes(corpus)
    assert len(tunes) >= 8 and sum(counts.values()) == len(tunes)
    assert {t.source for t in tunes} == {"ryansMammoth"} and {t.style for t in tunes} == {"american"}
    assert all(t.split == split_of(t.ident) for t in tunes)  # deterministic split by tune
    first = tunes[0].tokens
    assert first[0] == "style:american" and first[1].startswith("mode:") and first[-1] == "end"

    out = tmp_path / "tiny.pt"
    tiny = LSTMConfig(embed=16, hidden=32, layers=1, dropout=0.0)
    cfg = TrainConfig(batch_size=8, window=128, max_epochs=1)
    result = train(tiny, cfg, out, corpus)
    assert result["epochs"] == 1 and out.exists()
    resumed = train(tiny, TrainConfig(batch_size=8, window=128, max_epochs=2), out, corpus, resume=True,
                    lr_override=1e-4)
    assert resumed["epochs"] == 2  # continued from epoch 1 instead of starting over
    last = torch.load(out.with_suffix(".last"), weights_only=True)
    assert last["optim"]["param_groups"][0]["lr"] == 1e-4  # finished with the lower rate asked for

    _, vocab, info = load_checkpoint(out)
    assert info["data"]["tokens"] == sum(len(t.tokens) for t in tunes)
    assert "ryansMammoth" in " ".join(info["data"]["tunes"])
    history = info["metrics"]["history"]
    assert [h["epoch"] for h in history][-1] in (1, 2)
    assert history[-1]["valid_nll"] < torch.log(torch.tensor(float(len(vocab)))).item()  # better than uniform
