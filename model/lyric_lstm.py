"""The lyric language model: a word-level LSTM over verse lines, with tied input/output embeddings.

Shapes: B batch, T time, E embed, H hidden, L layers, V vocabulary. A stanza is ``<bos> w w w <eol> w w <eol> ...``:
the model sees the lines before the current one, so a verse stays on its subject from line to line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import ClassVar

import torch
from torch import nn

from model.lstm import lstm_step

PAD, UNK, BOS, EOL = "<pad>", "<unk>", "<bos>", "<eol>"
SPECIALS = (PAD, UNK, BOS, EOL)
State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)


class LyricVocab:
    """Word <-> id, the special tokens first; saved inside the checkpoint."""

    def __init__(self, itos: Iterable[str]) -> None:
        self.itos = list(itos)
        if tuple(self.itos[: len(SPECIALS)]) != SPECIALS:
            raise ValueError("a lyric vocabulary starts with the special tokens")
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("duplicate words in vocabulary")

    @classmethod
    def build(cls, lines: Iterable[list[str]], min_count: int = 2) -> LyricVocab:
        """Every word seen at least ``min_count`` times, most frequent first (ties alphabetical)."""
        counts: dict[str, int] = {}
        for words in lines:
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def encode(self, words: Iterable[str]) -> list[int]:
        unk = self.stoi[UNK]
        return [self.stoi.get(w, unk) for w in words]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in ids]

    def stanza_ids(self, lines: Iterable[list[str]]) -> list[int]:
        """A stanza's lines as one id sequence: <bos> line <eol> line <eol> ..."""
        out = [self.stoi[BOS]]
        for words in lines:
            out += [*self.encode(words), self.stoi[EOL]]
        return out


@dataclass(frozen=True)
class LyricConfig:
    """Word LSTM sizes, chosen by validation NLL in a 16-run sweep (model/checkpoints/LYRICS.md). The corpus is
    ~110k words, so the model is small and heavily regularised; tied embeddings halve its parameters (the
    output layer reuses the input embedding through a projection), and a second layer did not help."""

    embed: int = 256
    hidden: int = 384
    layers: int = 1
    dropout: float = 0.6  # on embeddings, between layers and before the projection
    embed_dropout: float = 0.2  # whole words dropped from the input (AWD-LSTM's embedding dropout)

    def to_dict(self) -> dict:
        return asdict(self)


class LyricLSTM(nn.Module):
    """Next-word model: Embedding -> LSTM -> Linear(H->E) -> tied output embedding."""

    kind: ClassVar[str] = "lyrics"  # the checkpoint's name for this model

    def __init__(self, config: LyricConfig, vocab_size: int) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(vocab_size, config.embed)
        self.lstm = nn.LSTM(config.embed, config.hidden, config.layers, batch_first=True,
                            dropout=config.dropout if config.layers > 1 else 0.0)
        self.proj = nn.Linear(config.hidden, config.embed)
        self.bias = nn.Parameter(torch.zeros(vocab_size))
        self.drop = nn.Dropout(config.dropout)
        nn.init.normal_(self.embed.weight, std=0.05)

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(self.proj(h), self.embed.weight, self.bias)

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens (B, T) -> logits (B, T, V), new state."""
        x = self.embed(tokens)  # (B, T, E)
        if self.training and self.config.embed_dropout > 0:
            keep = torch.rand(x.shape[:2], device=x.device) >= self.config.embed_dropout
            x = x * keep.unsqueeze(-1) / (1 - self.config.embed_dropout)
        out, state = self.lstm(self.drop(x), state)  # (B, T, H)
        return self._head(self.drop(out)), state

    def initial_state(self, batch: int) -> State:
        device = self.bias.device
        zeros = torch.zeros(self.config.layers, batch, self.config.hidden, device=device)
        return zeros, zeros.clone()

    def step(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """One word per sequence: tokens (B,) -> logits (B, V). The cell is written out (no dropout): for one
        time step it is several times faster on a CPU than calling ``nn.LSTM``."""
        x, state = lstm_step(self.lstm, self.embed(tokens), state)
        return self._head(x), state

    def run(self, ids: list[int]) -> tuple[torch.Tensor, State]:
        """Feed one prompt: logits after its last token (V,) and the state (batch of 1)."""
        out, state = self.lstm(self.embed(torch.tensor([ids], device=self.bias.device)))
        return self._head(out[0, -1]), state

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

