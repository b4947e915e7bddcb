"""A lyric theme as the word model can use it: its words, a topic vector, neighbours and associates, and the logit
bonuses that pull a line toward it (``model.lyric_decode`` adds them while it samples)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch.nn import functional as F

from data.pronounce import FUNCTION_WORDS
from model.lyric_lstm import LyricVocab

NEIGHBOURS = 8
ASSOCIATES = 10  # WordNet associates taken per theme word (data/associates.py), best first
ASSOCIATE_COSINE = 0.6  # an associate's theme bonus is what a word at this cosine to the topic vector gets


@dataclass(frozen=True)
class Theme:
    """A theme as the model can use it."""

    words: tuple[str, ...]  # theme words in the vocabulary
    neighbours: tuple[str, ...]  # nearest vocabulary words to the topic vector (LSTM input embeddings)
    ignored: tuple[str, ...] = ()  # words of the theme the model cannot use
    associates: tuple[str, ...] = ()  # words that belong with the theme words by meaning (WordNet), best first
    vector: torch.Tensor | None = field(default=None, compare=False, repr=False)  # (E,) unit topic vector

    @property
    def usable(self) -> bool:
        return bool(self.words)


@dataclass(frozen=True)
class Bias:
    """Theme logit bonuses (V,): ``full`` until a line holds a theme word or neighbour (``near``), then ``after``."""

    full: torch.Tensor
    after: torch.Tensor
    near: torch.Tensor  # bool
    own: torch.Tensor | None = None  # bool: the theme words themselves

    def rows(self, hit: torch.Tensor) -> torch.Tensor:
        """(N, V): each candidate's bonus, by whether it has used a theme word or neighbour yet."""
        return torch.where(hit.unsqueeze(1), self.after, self.full)


class Themes:
    """Reads themes and builds their bonuses over one vocabulary: ``unit`` (V, E) are the model's input embeddings
    at unit length, ``ok`` the words a line may use, ``function`` the function words (never themed)."""

    def __init__(self, vocab: LyricVocab, unit: torch.Tensor, ok: torch.Tensor, function: torch.Tensor,
                 associates: Mapping[str, Sequence[str]]) -> None:
        self.vocab, self.unit, self.ok, self.function, self.associates = vocab, unit, ok, function, associates

    def theme(self, text_words: Iterable[str], max_words: int = 8) -> Theme:
        """The theme's usable words (content words the model knows), its topic vector and its neighbours."""
        used, ignored = [], []
        for w in text_words:
            if w in FUNCTION_WORDS or w in used or w in ignored:
                continue
            i = self.vocab.stoi.get(w)
            (used if i is not None and self.ok[i] and len(used) < max_words else ignored).append(w)
        if not used:
            return Theme((), (), tuple(ignored))
        ids = torch.tensor(self.vocab.encode(used))
        vector = F.normalize(self.unit[ids].mean(0), dim=0)
        sims = self.unit @ vector
        sims[~self.ok | self.function] = -2.0
        sims[ids] = -2.0
        near = self.vocab.decode(sims.topk(NEIGHBOURS).indices.tolist())
        assoc: list[str] = []  # round robin over the theme words, so each brings its best associates first
        for rank in range(ASSOCIATES):
            for w in used:
                found = self.associates.get(w, ())
                a = found[rank] if rank < len(found) else None
                i = self.vocab.stoi.get(a) if a else None
                if i is not None and self.ok[i] and not self.function[i] and a not in used and a not in assoc:
                    assoc.append(a)
        return Theme(tuple(used), tuple(near), tuple(ignored), tuple(assoc), vector)

    def bonus(self, theme: Theme | None, weight: float) -> torch.Tensor:
        """(V,) logit bonus: ``weight`` x cosine to the topic vector, content words only."""
        bias = torch.zeros(len(self.vocab))
        if theme is None or theme.vector is None or weight == 0:
            return bias
        bias = weight * (self.unit @ theme.vector).clamp_min(0)
        if theme.associates:
            ids = torch.tensor(self.vocab.encode(theme.associates))
            bias[ids] = bias[ids].clamp_min(weight * ASSOCIATE_COSINE)
        bias[self.function] = 0.0
        return bias

    def bias(self, theme: Theme | None, weight: float, weight_after: float | None, hit: bool = False) -> Bias:
        """The theme bonuses for a line: ``weight`` until it holds a theme word or neighbour, then ``weight_after``
        (None: the same); ``hit``: the verse already holds one."""
        near = torch.zeros(len(self.vocab), dtype=torch.bool)
        own = torch.zeros(len(self.vocab), dtype=torch.bool)
        if theme is not None:
            near[self.vocab.encode(theme.words + theme.neighbours + theme.associates)] = True
            own[self.vocab.encode(theme.words)] = True
        after = weight if weight_after is None else weight_after
        return Bias(self.bonus(theme, after if hit else weight), self.bonus(theme, after), near, own)
