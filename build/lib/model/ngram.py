"""A smoothed n-gram baseline: interpolated absolute discounting over the same tokens as the LSTM."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence


class NGram:
    """P(token | previous order-1 tokens), interpolated down to a uniform distribution."""

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75) -> None:
        self.order = order
        self.vocab_size = vocab_size
        self.discount = discount
        self.counts: list[dict[tuple[str, ...], Counter]] = [defaultdict(Counter) for _ in range(order)]

    def fit(self, sequences: Sequence[Sequence[str]]) -> NGram:
        for seq in sequences:
            for i, token in enumerate(seq):
                for n in range(self.order):
                    if i - n < 0:
                        break
                    self.counts[n][tuple(seq[i - n : i])][token] += 1
        return self

    def prob(self, context: tuple[str, ...], token: str) -> float:
        p = 1.0 / self.vocab_size
        for n in range(min(self.order - 1, len(context)) + 1):
            seen = self.counts[n].get(context[len(context) - n :] if n else ())
            if not seen:
                break
            total = sum(seen.values())
            p = max(seen[token] - self.discount, 0) / total + self.discount * len(seen) / total * p
        return p

    def nll(self, sequences: Sequence[Sequence[str]], skip: int) -> float:
        """Mean NLL per token (nats), scoring every token after the first ``skip`` of each sequence."""
        total, count = 0.0, 0
        for seq in sequences:
            for i in range(skip, len(seq)):
                total -= math.log(self.prob(tuple(seq[max(0, i - self.order + 1) : i]), seq[i]))
                count += 1
        return total / max(count, 1)
