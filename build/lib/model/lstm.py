"""The melody language model: Embedding -> LSTM -> Linear, with incremental decoding.

Shapes: B batch, T time, E embed, H hidden, L layers, V vocabulary.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from model.config import LSTMConfig
from model.vocab import Vocab

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


def save_checkpoint(path: Path, model: MelodyLSTM, vocab: Vocab, **info: object) -> None:
    """A self-describing checkpoint: config, vocabulary, weights and whatever ``info`` holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(
        {"config": model.config.to_dict(), "vocab": vocab.itos, "state_dict": model.state_dict(), **info},
        tmp,
    )
    tmp.replace(path)


def load_checkpoint(path: Path, device: str = "cpu") -> tuple[MelodyLSTM, Vocab, dict]:
    """Load a checkpoint written by ``save_checkpoint``; the model is in eval mode."""
    blob = torch.load(path, map_location=device, weights_only=True)
    vocab = Vocab(blob["vocab"])
    model = MelodyLSTM(LSTMConfig(**blob["config"]), len(vocab)).to(device)
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model, vocab, blob
