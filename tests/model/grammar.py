"""Drive a decoding grammar as the engine would, with uniform random choices among the allowed tokens; check what
it wrote."""

from __future__ import annotations

import torch

from data.events import Note
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


def broken_triplets(notes: list[Note], start: int, bar: int) -> list[int]:
    """Where a triplet note (4 or 8 ticks) is not inside one quarter's group, or a plain note starts mid-group."""
    broken, now = [], start
    for note in notes:
        at = now % bar
        triplet = note.ticks % 3 != 0
        if (at % 12 % 4 != 0 or at // 12 != (at + note.ticks - 1) // 12) if triplet else at % 3 != 0:
            broken.append(now)
        now += note.ticks
    return broken

