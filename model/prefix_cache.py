"""The model's state after token sequences it has already run, so a prompt that extends one starts from there.

A melody with restated bars is written in stretches (``studio.restate``): each stretch's prompt is the previous
prompt, the take that was kept and the restated bars. Without this, every stretch prefilled its whole prompt from
the start, one model step per token; with it, only the tokens after the longest sequence seen before (the restated
bars, and the kept take's last token). The engine stores the state after each prompt it prefills and after each
finished request's tokens (``put``) and prefills from the longest stored prefix (``prefill``).

The state after a prefix is the same whether it came from a prefill or from decoding (``PackedLSTM``'s rows never
depend on one another), so results do not change. Bounded: the least recently used entries go first.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence

import torch

from model.lstm import State
from model.packed import PackedLSTM

CAPACITY = 4096  # sequences kept (4.5 kB each for the shipped 2x256 model: ~18 MB)


class PrefixCache:
    """Token sequence -> (logits after it, h, c) for one model; not thread safe (the engine's worker owns it)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[int, ...], tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = OrderedDict()
        self._lengths: Counter[int] = Counter()  # how many entries have each length (the lengths to look up)
        self.hits = self.misses = 0  # prompts that did / did not find a stored prefix
        self.saved = 0  # prompt tokens not run again thanks to a stored prefix

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, tokens: Sequence[int], logits: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> None:
        """Store the state after ``tokens``: ``logits`` (V,) for the next token, ``h`` and ``c`` (layers, hidden)."""
        if self.capacity <= 0 or not tokens:
            return
        key = tuple(tokens)
        if key in self._entries:
            self._entries.move_to_end(key)
            return
        self._entries[key] = (logits.detach().clone(), h.detach().clone(), c.detach().clone())
        self._lengths[len(key)] += 1
        while len(self._entries) > self.capacity:
            old, _ = self._entries.popitem(last=False)
            self._lengths[len(old)] -= 1
            if not self._lengths[len(old)]:
                del self._lengths[len(old)]

    def longest(self, tokens: Sequence[int]) -> tuple[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None]:
        """The longest stored prefix of ``tokens`` (all of them included): its length and entry (0, None: none)."""
        for length in sorted((n for n in self._lengths if n <= len(tokens)), reverse=True):
            key = tuple(tokens[:length])
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return length, entry
        return 0, None

    def prefill(self, packed: PackedLSTM, prompts: list[list[int]]) -> tuple[torch.Tensor, State]:
        """``packed.prefill(prompts)``, each row started from its prompt's longest stored prefix; the results are
        stored."""
        found = [self.longest(p) for p in prompts]
        if all(entry is None for _, entry in found):
            logits, state = packed.prefill(prompts)
        else:
            n, dev = len(prompts), packed.device
            last = torch.zeros(n, packed.vocab_size, device=dev)
            h = torch.zeros(packed.layers, n, packed.hidden, device=dev)
            c = torch.zeros_like(h)
            for i, (_, entry) in enumerate(found):
                if entry is not None:
                    last[i], h[:, i], c[:, i] = entry
            logits, state = packed.prefill([p[k:] for p, (k, _) in zip(prompts, found, strict=True)], (last, (h, c)))
        for i, (p, (k, _)) in enumerate(zip(prompts, found, strict=True)):
            self.hits += k > 0
            self.misses += k == 0
            self.saved += k
            self.put(p, logits[i], state[0][:, i], state[1][:, i])
        return logits, state
