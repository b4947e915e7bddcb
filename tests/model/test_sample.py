import torch

from data.events import BAR, Meter
from model.sample import MelodyGrammar, pick, sample
from model.vocab import Vocab
from tests.model.grammar import broken_triplets, run_grammar


def test_sampling_respects_the_mask_and_the_uniform_draw():
    logits = torch.tensor([[5.0, 1.0, 0.0, 3.0]] * 3)
    allowed = torch.tensor([[False, True, True, True]] * 3)
    ones = torch.ones(3)
    picks = sample(logits, allowed, ones, ones, torch.tensor([0.0, 0.5, 0.999]))
    assert picks.tolist()[0] == 3  # most likely allowed token first in the CDF
    assert 0 not in picks.tolist()


def test_top_p_keeps_only_the_nucleus():
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1]]))
    allowed = torch.ones(1, 3, dtype=torch.bool)
    for u in torch.linspace(0, 0.999, 20):
        pick = sample(logits, allowed, torch.ones(1), torch.tensor([0.5]), u[None])
        assert pick.item() == 0


def test_looking_at_the_likeliest_tokens_first_picks_what_a_full_sort_picks():
    """``pick(first=k)``: the same token for every row, whether the nuclei fit in k tokens, some row's goes on past
    them (the batch is sorted whole), or top_p is 1 (everything is the nucleus)."""
    gen = torch.Generator().manual_seed(0)
    for spread, top_p in ((4.0, 0.9), (4.0, 0.98), (0.3, 0.98), (4.0, 1.0)):  # peaked or flat scores
        scores = torch.randn(64, 105, generator=gen) * spread
        scores[torch.rand(64, 105, generator=gen) < 0.7] = float("-inf")  # what the grammar forbids
        for _ in range(5):
            uniform = torch.rand(64, 1, generator=gen)
            p = torch.full((64, 1), top_p)
            assert torch.equal(pick(scores, p, uniform, first=8), pick(scores, p, uniform))




def test_grammar_fills_every_bar_and_ends_on_a_stable_note():
    vocab = Vocab.for_melodies()
    stable = frozenset({0, 4, 7})
    for seed in range(30):
        grammar = MelodyGrammar(vocab, [1], now=30, bar_ticks=36, target=36 * 6, stable=stable)
        run_grammar(grammar, vocab, seed)
        assert 30 + sum(n.ticks for n in grammar.notes) == 36 * 6
        now = 30
        for note in grammar.notes:  # no note crosses a bar line
            assert now // 36 == (now + note.ticks - 1) // 36
            now += note.ticks
        last = grammar.notes[-1]
        assert last.pitch is not None and last.pitch % 12 in stable


def test_grammar_inserts_bar_lines_and_handles_an_off_grid_seed():
    vocab = Vocab.for_melodies()
    grammar = MelodyGrammar(vocab, [1], now=43, bar_ticks=48, target=96, stable=frozenset({0}))
    tokens = run_grammar(grammar, vocab, 1)
    assert BAR in tokens
    assert 43 + sum(n.ticks for n in grammar.notes) == 96


def test_triplets_come_in_whole_groups_in_every_bar_and_in_the_ending():
    """A busy 5/4 reply wrote ``B3:et C4:s C4:et A3:et B3:s``: no score can show that. Random walks through the
    grammar (any allowed duration, as a strong density lean makes likely) keep each triplet inside its quarter."""
    vocab = Vocab.for_melodies()
    for bar, meter in ((60, Meter(5, 4)), (36, Meter(3, 4)), (42, Meter(7, 8)), (48, Meter(4, 4))):
        for seed in range(12):
            grammar = MelodyGrammar(vocab, [1], now=bar, bar_ticks=bar, target=bar * 4, meter=meter,
                                    stable=frozenset({0, 4, 7}), tonic=0)
            run_grammar(grammar, vocab, seed)
            assert not broken_triplets(grammar.notes, bar, bar), (meter, seed)
            assert bar + sum(n.ticks for n in grammar.notes) == bar * 4


def test_a_seed_that_ends_mid_group_is_finished_in_triplets():
    """``C:et D:et`` leaves a third of a beat: the continuation completes the group before anything else."""
    vocab = Vocab.for_melodies()
    for seed in range(10):
        grammar = MelodyGrammar(vocab, [1], now=8, bar_ticks=48, target=96, meter=Meter(4, 4),
                                stable=frozenset({0}), tonic=0)
        run_grammar(grammar, vocab, seed)
        assert grammar.notes[0].ticks == 4
