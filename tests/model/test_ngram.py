import math

from model.ngram import NGram


def test_ngram_learns_a_repeated_pattern_and_stays_normalised():
    seqs = [["a", "b", "c", "a", "b", "c", "a", "b", "c"]] * 5
    model = NGram(order=3, vocab_size=4).fit(seqs)
    assert model.prob(("a", "b"), "c") > 0.7
    assert math.isclose(sum(model.prob(("a", "b"), t) for t in "abcd"), 1.0, rel_tol=1e-9)
    assert model.nll(seqs, skip=2) < model.nll([["c", "b", "a", "c", "b", "a"]], skip=2)
