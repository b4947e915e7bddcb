import asyncio

import pytest
import torch

from data.events import BAR, REST
from model.config import LSTMConfig
from model.engine import Engine
from model.lstm import MelodyLSTM
from model.sample import MelodyGrammar, RhythmGrammar
from model.vocab import Vocab
from tests.model.grammar import run_grammar

# a 3/4 rhythm with a pickup rest and a rest ending the first line: (ticks, sounding)
RHYTHM = [(24, False), (12, True), (24, True), (12, True), (36, True), (12, True), (12, True), (12, False),
          (24, True), (12, True), (36, True)]


@pytest.mark.parametrize("seed", range(12))
def test_the_rhythm_is_kept_and_only_pitches_are_chosen(seed):
    vocab = Vocab.for_melodies()
    stable = frozenset({0, 4, 7})
    grammar = RhythmGrammar(vocab, [1], 36, stable, RHYTHM, pitch_range=(60, 72))
    tokens = run_grammar(grammar, vocab, seed)
    assert [(n.ticks, n.pitch is not None) for n in grammar.notes] == RHYTHM
    assert tokens.count(REST) == 2  # only the given rests
    sounding = [n.pitch for n in grammar.notes if n.pitch is not None]
    assert all(60 <= p <= 72 for p in sounding)
    assert sounding[-1] % 12 in stable
    assert tokens.count(BAR) == 5  # six bars of 3/4: bar lines after bars 1-5 (the last is not needed)


def test_seed_pitches_come_first_and_bad_durations_are_refused():
    vocab = Vocab.for_melodies()
    grammar = RhythmGrammar(vocab, [1], 36, frozenset({0}), RHYTHM, pitches=[67, 65, 64])
    run_grammar(grammar, vocab, 3)
    assert [n.pitch for n in grammar.notes if n.pitch is not None][:3] == [67, 65, 64]
    with pytest.raises(ValueError, match="durations"):
        RhythmGrammar(vocab, [1], 48, frozenset({0}), [(12, True), (10, True)])


class InPython(RhythmGrammar):
    """The same grammar decoded in Python rows: the engine's tables decode a RhythmGrammar itself only."""


@pytest.mark.parametrize("static", [False, True])
async def test_words_rhythms_decode_as_table_rows_making_the_python_rows_choices(static):
    """A words-melody is decoded by tensor operations like any melody (no Python per token in the batch), and makes
    exactly the choices it made as a Python row, in a batch with other melodies; ``static``: in the padded layout
    CUDA graphs use (here on the CPU)."""
    vocab = Vocab.for_melodies()
    torch.manual_seed(0)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=16, hidden=32, layers=1), len(vocab)), max_batch=16, graphs=static)
    engine.check_every = 3  # static: finished rows are found a few steps late, as on a GPU
    engine.start()

    def words(kind: type[RhythmGrammar], i: int) -> RhythmGrammar:
        return kind(vocab, [1], 36, frozenset({0, 4, 7}), RHYTHM, pitches=[67, 65][: i % 3], pitch_range=(55, 79))

    async def batch(kind: type[RhythmGrammar]) -> list[RhythmGrammar]:
        melody = MelodyGrammar(vocab, [1], 0, 48, 48 * 4, frozenset({0, 4, 7}))
        *done, _ = await asyncio.wait_for(asyncio.gather(
            *[engine.generate(words(kind, i), seed=i, temperature=1.3, top_p=0.9) for i in range(6)],
            engine.generate(melody, seed=99)), 30)
        return done

    try:
        as_tables = await batch(RhythmGrammar)
        assert engine._decoder is not None and any(k[0] == "rhythm" for k in engine._decoder.registry.offsets)
        in_python = await batch(InPython)
    finally:
        engine.stop()
    assert [g.notes for g in as_tables] == [g.notes for g in in_python]
    assert all([(n.ticks, n.pitch is not None) for n in g.notes] == RHYTHM for g in as_tables)
    assert [n.pitch for n in as_tables[1].notes if n.pitch][:1] == [67]  # the given pitches come first
    assert len({tuple(g.notes) for g in as_tables}) == 6
