"""Drive a decoding grammar as the engine would, with uniform random choices among the allowed tokens."""

from __future__ import annotations

import torch

from model.sample import MelodyGrammar, RhythmGrammar
from model.vocab import Vocab


def run_grammar(grammar: MelodyGrammar | RhythmGrammar, vocab: Vocab, seed: int) -> list[str]:
    """Drive a grammar with uniform random choices among allowed tokens."""
    g = torch.Generator().manual_seed(seed)
    emitted = []
    while not grammar.done:
        forced = grammar.forced()
        if forced is not None:
            emitted.append(vocab.itos[forced])
            continue
        allowed = grammar.allowed().nonzero().flatten()
        token = int(allowed[torch.randint(len(allowed), (1,), generator=g)])
        grammar.accept(token)
        emitted.append(vocab.itos[token])
    return emitted
