"""`/transform style:…`: the model writes a melody again as a variation in another style.

``vary`` keeps the rhythm and contour and leans each pitch toward the original's (``model.variation.VariationGrammar``,
the style token in the prompt, and a lean per interval toward the steps and leaps the corpus's tunes of that style take
more often, ``style_intervals``); a take that changes no note is written again with a looser lean.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from data.corpus_notes import read_notes
from data.events import STYLES, Melody, Note, control_tokens
from data.prepare import HIGHEST, LOWEST
from model.variation import LEAN, STRONG_LEAN, VariationGrammar
from studio.options import SEED_MAX

if TYPE_CHECKING:
    from studio.melody import Composer


STYLE_LEAN = 1.0  # nats per nat of a style's interval log-ratio against the whole corpus's (clipped to ±1)


@functools.cache
def style_intervals(style: str, weight: float = STYLE_LEAN) -> tuple[float, ...]:
    """A lean per interval between consecutive notes, -12..12 semitones (wider ones count as an octave): ``weight``
    times the log of how much more often the corpus's tunes of ``style`` take it than all its tunes do, clipped to
    ±1 (chorales step, Scottish tunes leap an octave more often…). Reads ``data/corpus_notes.npz`` once."""
    corpus = read_notes()
    counts = {s: np.ones(25) for s in STYLES}
    for t, info in enumerate(corpus.tunes):
        line = corpus.pitch[int(corpus.starts[t]):int(corpus.starts[t + 1])].astype(int)
        line = line[line > 0]
        if info.style in counts and len(line) > 1:
            counts[info.style] += np.bincount(np.clip(np.diff(line), -12, 12) + 12, minlength=25)
    every = sum(counts.values())
    ratio = np.log(counts[style] / counts[style].sum()) - np.log(every / every.sum())
    return tuple(float(x) for x in weight * np.clip(ratio, -1.0, 1.0))


def _octave_into_model(pitches: Sequence[int]) -> int:
    """Octaves (in semitones) that put the middle of ``pitches`` nearest the middle of the model's range."""
    middle = (min(pitches) + max(pitches)) / 2
    return 12 * round(((LOWEST + HIGHEST) / 2 - middle) / 12)


def variation_grammar(composer: Composer, melody: Melody, style: str,
                      looser: float = 1.0) -> tuple[VariationGrammar, list[int | None]]:
    """The decoding state for a variation of ``melody`` in ``style``, and each note's pitch in the model's space
    (``looser``: a factor on the lean toward the original pitches)."""
    key, meter = melody.key, melody.meter
    shift = key.transpose_to_c
    pitches = [n.pitch + shift for n in melody.notes if n.pitch is not None]
    octave = _octave_into_model(pitches)
    model: list[int | None] = []
    for note in melody.notes:
        if note.pitch is None:
            model.append(None)
            continue
        pitch = note.pitch + shift + octave
        while pitch < LOWEST:
            pitch += 12
        while pitch > HIGHEST:
            pitch -= 12
        model.append(pitch)
    prompt = composer.vocab.encode(control_tokens(style, key.mode, meter))
    grammar = VariationGrammar(composer.vocab, prompt, [Note(p, n.ticks) for p, n in zip(model, melody.notes,
                                                                                       strict=True)],
                               meter.bar_ticks, melody.start, frozenset((pc + shift) % 12 for pc in key.scale),
                               meter.strong_ticks, lean=LEAN * looser, strong_lean=STRONG_LEAN * looser,
                               intervals=style_intervals(style))
    return grammar, model


RETAKES = 5  # a variation that changes no note is written again, leaning half as hard on the original each time
RETAKE_STRIDE = 100_003  # retake j of RNG seed s uses s + j * RETAKE_STRIDE (clear of the candidates' s+1, s+2)


def _steps(notes: Sequence[Note]) -> list[int]:
    line = [n.pitch for n in notes if n.pitch is not None]
    return [(b > a) - (b < a) for a, b in pairwise(line)]


async def vary(composer: Composer, melody: Melody, style: str, seed: int, temperature: float = 1.0,
               top_p: float = 0.95) -> Melody:
    """A variation of ``melody`` by the model in ``style``: the same rhythm and contour, pitches near the original's
    (see ``model.variation``). One that changes no note (a short motif the model hears as already right) is
    written again, up to ``RETAKES`` times, with a looser lean, until a take changes a note and keeps every step's
    direction (else the changed take that turns the fewest steps around; the melody comes back as it was only when
    no take changed a note); the same seed always gives the same variation."""
    steps = _steps(melody.notes)
    closest: tuple[int, tuple[Note, ...]] | None = None  # the changed take that turns the fewest steps around
    for take in range(RETAKES + 1):
        grammar, model = variation_grammar(composer, melody, style, looser=0.5**take)
        await composer.engine.generate(grammar, (seed + take * RETAKE_STRIDE) % SEED_MAX, temperature, top_p)
        notes = tuple(Note(None if n.pitch is None or m is None else n.pitch + (v.pitch or m) - m, n.ticks)
                      for n, v, m in zip(melody.notes, grammar.notes, model, strict=True))
        if notes == melody.notes:
            continue
        turned = sum(a != b for a, b in zip(_steps(notes), steps, strict=True))
        if take == 0 or turned == 0:
            return replace(melody, notes=notes, seed_len=0)
        if closest is None or turned < closest[0]:
            closest = (turned, notes)
    return replace(melody, notes=closest[1] if closest else melody.notes, seed_len=0)
