"""The lyric LSTM: vocabulary, incremental decoding, checkpoints, and the shipped model against an n-gram."""

from __future__ import annotations

import math

import pytest
import torch

from data.modern import lyric_lines
from model.lstm import load_checkpoint, save_checkpoint
from model.lyric_lstm import (
    BOS,
    EOL,
    SPECIALS,
    UNK,
    LyricConfig,
    LyricLSTM,
    LyricVocab,
)
from model.lyric_train import LyricTrainConfig, evaluate_nll, examples
from model.ngram import NGram
from studio.lyrics.lyricist import DEFAULT_CHECKPOINT


def test_vocab_orders_by_frequency_and_maps_unknown_words():
    vocab = LyricVocab.build([["the", "sea", "the"], ["sea", "the", "night"]], min_count=2)
    assert vocab.itos == [*SPECIALS, "the", "sea"]
    assert vocab.encode(["the", "night"]) == [vocab.stoi["the"], vocab.stoi[UNK]]
    ids = vocab.stanza_ids([["the", "sea"], ["sea"]])
    assert vocab.decode(ids) == [BOS, "the", "sea", EOL, "sea", EOL]
    with pytest.raises(ValueError):
        LyricVocab(["a", "b"])  # the special tokens come first
    with pytest.raises(ValueError):
        LyricVocab([*SPECIALS, "a", "a"])


def test_step_matches_the_full_forward_pass():
    torch.manual_seed(0)
    model = LyricLSTM(LyricConfig(embed=16, hidden=24, layers=2, dropout=0.3), 40).eval()
    tokens = torch.randint(0, 40, (3, 7))
    full, _ = model(tokens)
    state = model.initial_state(3)
    for t in range(7):
        logits, state = model.step(tokens[:, t], state)
        assert torch.allclose(logits, full[:, t], atol=1e-5)
    last, _ = model.run(tokens[0].tolist())
    assert torch.allclose(last, full[0, -1], atol=1e-5)


def test_checkpoint_round_trip_is_half_precision_and_weights_only(tmp_path):
    torch.manual_seed(1)
    vocab = LyricVocab([*SPECIALS, "sea", "night"])
    model = LyricLSTM(LyricConfig(embed=8, hidden=12, layers=1), len(vocab)).eval()
    path = tmp_path / "tiny.pt"
    save_checkpoint(path, model, vocab, half=True, metrics={"best_valid_nll": 1.0})
    loaded, loaded_vocab, info = load_checkpoint(path, kind="lyrics")
    assert loaded_vocab.itos == vocab.itos and info["metrics"]["best_valid_nll"] == 1.0
    assert all(t.dtype == torch.float16 for t in torch.load(path, weights_only=True)["state_dict"].values())
    tokens = torch.tensor([[2, 4, 5, 3]])
    assert torch.allclose(loaded(tokens)[0], model(tokens)[0], atol=2e-2)
    assert not loaded.training


def test_shipped_checkpoint_is_small_and_beats_an_ngram_on_held_out_lines():
    assert DEFAULT_CHECKPOINT.stat().st_size < 12_000_000  # float16, a 16.5k-word vocabulary
    model, vocab, info = load_checkpoint(DEFAULT_CHECKPOINT, kind="lyrics")
    assert "public domain" in info["data"]["sources"] and len(vocab) == info["data"]["vocab"]
    chunk = LyricTrainConfig().chunk_lines
    test = examples(lyric_lines("test"), vocab, chunk)
    lstm = evaluate_nll(model, test, "cpu")
    train = [vocab.decode(x) for x in examples(lyric_lines("train"), vocab, chunk)]
    bigram = NGram(2, len(vocab)).fit(train).nll([vocab.decode(x) for x in test[:60]], skip=1)
    lstm_same = evaluate_nll(model, test[:60], "cpu")
    assert lstm < math.log(len(vocab)) - 2  # far better than uniform over the vocabulary
    assert lstm_same < bigram  # and better than a smoothed bigram on the same held-out tokens
