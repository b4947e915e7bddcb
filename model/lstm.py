"""The melody language model: Embedding -> LSTM -> Linear, with incremental decoding; the LSTM step and the
checkpoint format both language models (this one and model.lyric_lstm's) share.

Shapes: B batch, T time, E embed, H hidden, L layers, V vocabulary.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from model.config import LSTMConfig
from model.vocab import Vocab

if TYPE_CHECKING:
    from model.lyric_lstm import LyricLSTM, LyricVocab

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)


def lstm_step(lstm: nn.LSTM, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
    """One time step of a (multi-layer) ``nn.LSTM`` with its own weights, the cell written out (inference only: no
    dropout): for one step this is much faster on a CPU than calling ``nn.LSTM``, whose per-call overhead dominates
    at T = 1. x (B, input) -> the top layer's output (B, H) and the new (h, c)."""
    h0, c0 = state
    hs, cs = [], []
    for layer in range(lstm.num_layers):
        w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
        gates = torch.addmm(getattr(lstm, f"bias_ih_l{layer}"), x, w_ih.t())
        gates = torch.addmm(gates, h0[layer], w_hh.t()) + getattr(lstm, f"bias_hh_l{layer}")
        i, f, g, o = gates.chunk(4, dim=1)  # PyTorch's gate order
        c = torch.sigmoid(f) * c0[layer] + torch.sigmoid(i) * torch.tanh(g)
        x = torch.sigmoid(o) * torch.tanh(c)  # the next layer's input
        hs.append(x)
        cs.append(c)
    return x, (torch.stack(hs), torch.stack(cs))


class MelodyLSTM(nn.Module):
    """Next-token model over melody tokens."""

    kind: ClassVar[str] = "melody"  # the checkpoint's name for this model

    def __init__(self, config: LSTMConfig, vocab_size: int) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(vocab_size, config.embed)
        self.lstm = nn.LSTM(
            config.embed,
            config.hidden,
            config.layers,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, vocab_size)

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens (B, T) -> logits (B, T, V), new state."""
        out, state = self.lstm(self.embed(tokens), state)  # (B, T, H)
        return self.head(self.drop(out)), state

    def step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One token per sequence: tokens (B,) -> logits (B, V). The incremental decoding API.

        The cell is written out with the LSTM's own weights (inference only: no dropout): for one time
        step this is much faster on a CPU than calling ``nn.LSTM``, whose per-call overhead dominates at T = 1.
        """
        x, state = lstm_step(self.lstm, self.embed(tokens), state)
        return self.head(x), state

    def prefill(self, prompts: list[list[int]]) -> tuple[torch.Tensor, State]:
        """Run prompts of different lengths in one call: last logits (B, V) and final states."""
        device = self.head.weight.device
        lengths = torch.tensor([len(p) for p in prompts])
        padded = torch.zeros(len(prompts), int(lengths.max()), dtype=torch.long)
        for i, p in enumerate(prompts):
            padded[i, : len(p)] = torch.tensor(p)
        packed = pack_padded_sequence(self.embed(padded.to(device)), lengths, batch_first=True, enforce_sorted=False)
        _, (h, c) = self.lstm(packed)  # final states respect each prompt's own length
        return self.head(h[-1]), (h, c)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_checkpoint(path: Path, model: MelodyLSTM | LyricLSTM, vocab: Vocab | LyricVocab, *, half: bool = False,
                    **info: object) -> None:
    """The one checkpoint format of both models: ``{"kind", "config", "vocab", "state_dict", **info}``.

    ``kind`` names the model class ("melody" or "lyrics"), ``vocab`` is the token list, and the weights are stored
    on the CPU, as float16 when ``half`` (half the size). Written to a temporary file first, so a crash never
    leaves a broken checkpoint behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float16 if half and v.is_floating_point() else v.dtype)
             for k, v in model.state_dict().items()}
    blob = {"kind": model.kind, "config": model.config.to_dict(), "vocab": vocab.itos, "state_dict": state, **info}
    tmp = path.with_suffix(".tmp")
    torch.save(blob, tmp)
    tmp.replace(path)


def checkpoint_kind(blob: dict) -> str:
    """The model a checkpoint holds; files saved before ``kind`` was written are told apart by their config."""
    return blob.get("kind") or ("lyrics" if "embed_dropout" in blob["config"] else "melody")


def load_checkpoint(
    path: Path, device: str = "cpu", kind: str | None = None
) -> tuple[MelodyLSTM | LyricLSTM, Vocab | LyricVocab, dict]:
    """Load a checkpoint written by ``save_checkpoint``: the model (float32, eval mode), its vocabulary and the
    whole stored dict. ``kind`` ("melody" or "lyrics"), when given, is checked against the file."""
    from model.lyric_lstm import LyricConfig, LyricLSTM, LyricVocab  # imported here: lyric_lstm imports this module

    blob = torch.load(path, map_location="cpu", weights_only=True)
    found = checkpoint_kind(blob)
    if kind is not None and found != kind:
        raise ValueError(f"{path} holds a {found} model, not a {kind} one")
    classes = {"melody": (MelodyLSTM, LSTMConfig, Vocab), "lyrics": (LyricLSTM, LyricConfig, LyricVocab)}
    model_class, config_class, vocab_class = classes[found]
    vocab = vocab_class(blob["vocab"])
    model = model_class(config_class(**blob["config"]), len(vocab))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in blob["state_dict"].items()})
    return model.to(device).eval(), vocab, blob
