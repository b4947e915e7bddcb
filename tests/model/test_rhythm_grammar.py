import pytest

from data.events import BAR, REST
from model.sample import RhythmGrammar
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
