"""The infill grammar (exactly the gap, in whole bars, in every meter the model knows) and the look-ahead scorer."""

from __future__ import annotations

import random

import pytest
import torch

from data.events import BAR, DURATIONS, Meter, Note
from model.config import MELODY_CHECKPOINT, LSTMConfig
from model.infill import InfillGrammar, fill_scores, interval_logprobs, join_intervals, join_score
from model.lstm import MelodyLSTM
from model.vocab import Vocab
from tests.model.grammar import broken_triplets, run_grammar


def shipped_meters() -> list[Meter]:
    """Every meter the shipped checkpoint has a control token for."""
    tokens = torch.load(MELODY_CHECKPOINT, map_location="cpu", weights_only=True)["vocab"]
    return [Meter.parse(t.split(":", 1)[1]) for t in tokens if t.startswith("meter:")]


def bars_of(notes: list[Note], start: int, bar: int) -> bool:
    """No note crosses a bar line (bar lines at multiples of ``bar``, from ``start``)."""
    now = start
    for note in notes:
        if now // bar != (now + note.ticks - 1) // bar:
            return False
        now += note.ticks
    return True


@pytest.mark.parametrize("meter", shipped_meters(), ids=str)
def test_a_gap_is_filled_exactly_in_whole_bars(meter):
    vocab = Vocab.for_melodies()
    bar = meter.bar_ticks
    rng = random.Random(str(meter))
    for case in range(25):
        first, length = rng.randint(0, 6), rng.randint(1, 3)
        start, end = first * bar, (first + length) * bar
        grammar = InfillGrammar(vocab, [1], start, end, bar, density=rng.choice([0.0, -1.2, 1.0]))
        emitted = run_grammar(grammar, vocab, case)
        assert sum(n.ticks for n in grammar.notes) == end - start, (meter, case)
        assert all(n.ticks in DURATIONS for n in grammar.notes)
        assert bars_of(grammar.notes, start, bar)
        assert emitted.count(BAR) == length - 1 and grammar.forced() == vocab.stoi[BAR]  # the gap's last bar line


def test_a_gap_may_end_off_a_bar_line_and_the_last_note_is_free():
    vocab = Vocab.for_melodies()
    seen = set()
    for seed in range(40):
        grammar = InfillGrammar(vocab, [1], 48, 48 + 30, 48)  # the melody's last, short bar
        run_grammar(grammar, vocab, seed)
        assert sum(n.ticks for n in grammar.notes) == 30
        seen.add(grammar.notes[-1].pitch)
    assert len(seen) > 10  # no cadence is forced: the melody goes on after a gap


def test_a_gap_is_refused_when_it_is_empty():
    with pytest.raises(ValueError):
        InfillGrammar(Vocab.for_melodies(), [1], 96, 96, 48)


def test_the_scorer_is_the_models_own_log_probability_step_by_step():
    torch.manual_seed(0)
    vocab = Vocab.for_melodies()
    model = MelodyLSTM(LSTMConfig(embed=16, hidden=24, layers=2, dropout=0.0), len(vocab)).eval()
    prompt = vocab.encode(["style:irish", "mode:major", "meter:4/4", "p60", "d24", "p62", "d24", BAR])
    fillings = [vocab.encode(["p64", "d48", BAR]), vocab.encode(["p65", "d12", "p67", "d12", "r", "d24", BAR])]
    after = vocab.encode(["p60", "d48", BAR])
    gap_ll, after_ll = fill_scores(model, prompt, fillings, after)
    for i, filling in enumerate(fillings):
        with torch.inference_mode():
            logits, state = model.prefill([prompt])
            total = []
            for token in [*filling, *after]:
                total.append(float(torch.log_softmax(logits[0], -1)[token]))
                logits, state = model.step(torch.tensor([token]), state)
        assert gap_ll[i].item() == pytest.approx(sum(total[: len(filling)]), abs=1e-4)
        assert after_ll[i].item() == pytest.approx(sum(total[len(filling):]), abs=1e-4)


def test_joins_are_the_intervals_into_and_out_of_the_gap():
    before, after = [Note(60, 12), Note(None, 12)], [Note(None, 6), Note(67, 12)]
    assert join_intervals(before, [Note(62, 12), Note(64, 12)], after) == [2, 3]
    assert join_intervals(before, [Note(None, 48)], after) == [7]  # only rests: the notes around it join
    assert join_intervals([], [Note(62, 12)], after) == [5]
    assert join_intervals(before, [Note(62, 12)], []) == [2]


def test_only_rare_leaps_cost_anything_at_a_join():
    table = interval_logprobs()
    assert max(table, key=table.get) in (-2, 0, 2)  # steps and repeated notes are the commonest
    assert abs(sum(torch.tensor(list(table.values())).exp().tolist()) - 1) < 1e-6
    before, after = [Note(60, 12)], [Note(64, 12)]
    assert join_score(before, [Note(62, 12)], after) == 0  # a step in, a step out
    assert join_score(before, [Note(67, 12), Note(65, 12)], after) == 0  # a fifth in, a step out
    assert join_score(before, [Note(71, 12)], after) < join_score(before, [Note(66, 12)], after) < 0  # 7th, tritone


def test_a_gap_keeps_triplets_in_whole_groups():
    vocab = Vocab.for_melodies()
    for seed in range(20):
        grammar = InfillGrammar(vocab, [1], now=60, end=180, bar_ticks=60)
        run_grammar(grammar, vocab, seed)
        assert not broken_triplets(grammar.notes, 60, 60), seed
