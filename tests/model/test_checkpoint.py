"""One checkpoint format for both language models, and the committed checkpoints still load as they are."""

from __future__ import annotations

import pytest
import torch

from model.config import CHECKPOINTS, LSTMConfig
from model.lstm import MelodyLSTM, checkpoint_kind, load_checkpoint, save_checkpoint
from model.lyric_lstm import SPECIALS, LyricConfig, LyricLSTM, LyricVocab
from model.vocab import Vocab


def tiny_models() -> list[tuple[torch.nn.Module, Vocab | LyricVocab]]:
    torch.manual_seed(0)
    melody_vocab, lyric_vocab = Vocab.for_melodies(), LyricVocab([*SPECIALS, "sea", "night"])
    return [(MelodyLSTM(LSTMConfig(embed=8, hidden=12, layers=2), len(melody_vocab)).eval(), melody_vocab),
            (LyricLSTM(LyricConfig(embed=8, hidden=12, layers=1), len(lyric_vocab)).eval(), lyric_vocab)]


@pytest.mark.parametrize("half", [False, True])
@pytest.mark.parametrize("index", [0, 1], ids=["melody", "lyrics"])
def test_both_models_round_trip_through_the_same_pair(tmp_path, index, half):
    model, vocab = tiny_models()[index]
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, vocab, half=half, metrics={"best_valid_nll": 1.5})
    blob = torch.load(path, weights_only=True)
    assert blob["kind"] == model.kind and blob["vocab"] == vocab.itos and blob["config"] == model.config.to_dict()
    assert {t.dtype for t in blob["state_dict"].values()} == {torch.float16 if half else torch.float32}
    loaded, loaded_vocab, info = load_checkpoint(path, kind=model.kind)
    assert type(loaded) is type(model) and loaded.config == model.config and not loaded.training
    assert loaded_vocab.itos == vocab.itos and info["metrics"]["best_valid_nll"] == 1.5
    assert all(t.dtype == torch.float32 for t in loaded.state_dict().values())
    tokens = torch.tensor([[2, 4, 5, 3]])
    with torch.no_grad():
        torch.testing.assert_close(loaded(tokens)[0], model(tokens)[0], atol=2e-2 if half else 0, rtol=0 if not half
                                   else 1e-2)


def test_the_kind_is_checked_and_inferred_for_files_without_one(tmp_path):
    (melody, melody_vocab), (lyrics, lyric_vocab) = tiny_models()
    save_checkpoint(tmp_path / "l.pt", lyrics, lyric_vocab)
    with pytest.raises(ValueError, match="lyrics model, not a melody one"):
        load_checkpoint(tmp_path / "l.pt", kind="melody")
    for model, vocab in ((melody, melody_vocab), (lyrics, lyric_vocab)):  # the layout written before "kind"
        blob = {"config": model.config.to_dict(), "vocab": vocab.itos, "state_dict": model.state_dict()}
        torch.save(blob, tmp_path / "old.pt")
        assert checkpoint_kind(blob) == model.kind
        assert type(load_checkpoint(tmp_path / "old.pt")[0]) is type(model)


@pytest.mark.parametrize(("name", "model_class"), [("melody", MelodyLSTM), ("seed", MelodyLSTM), ("lyrics", LyricLSTM)])
def test_committed_checkpoints_load_as_they_are(name, model_class):
    path = CHECKPOINTS / f"{name}.pt"
    blob = torch.load(path, weights_only=True)
    model, vocab, info = load_checkpoint(path)
    assert type(model) is model_class and len(vocab) == len(blob["vocab"]) and info["metrics"]["history"]
    for key, stored in blob["state_dict"].items():  # the weights exactly as stored (float16 ones widened)
        assert torch.equal(model.state_dict()[key], stored.float())
