"""How tunes restate their bars: counted in the corpus, planned for a new melody."""

from __future__ import annotations

import json
import random

import numpy as np

from data.events import Note
from data.form import (
    DEFAULT_FORM,
    MAX_OFFSET,
    FormTable,
    bar_spans,
    build,
    count,
    join,
    load_form,
    position,
    restated_seed,
    whole_bars,
)

BAR = 48  # 4/4
A = (Note(60, 12), Note(62, 12), Note(64, 12), Note(65, 12))
B = (Note(67, 24), Note(64, 24))
C = (Note(69, 12), Note(67, 12), Note(65, 24))
D = (Note(64, 24), Note(60, 24))


def test_a_bar_is_whole_unless_a_note_crosses_its_bar_line_or_it_is_rests_alone():
    notes = [*A, Note(67, 36), Note(64, 24), Note(None, 36), Note(None, 48), *B]  # bars 2-3 tied; bar 4 rests
    bars = whole_bars(notes, BAR, BAR)
    assert sorted(bars) == [1, 5]
    assert bars[1] == A and bars[5] == B
    assert bar_spans(notes, BAR, BAR)[5] == (len(notes) - 2, len(notes))


def test_counts_say_which_bar_each_bar_restates():
    tune = [*A, *B, *A, *B, *C, *D, *C, *D]  # AB AB CD CD
    counts, joins, ends = count([(tune, 0, BAR)])
    assert counts[1, 0, 0] == counts[2, 0, 0] == 1  # new
    assert counts[3, 0, 2] == 1 and counts[4, 2, 2] == 1  # A and B again, two bars back
    assert counts[5, 2, 0] == counts[6, 0, 0] == 1
    assert counts[7, 0, 2] == counts[8, 2, 2] == 1
    assert counts.sum() == 8
    assert joins[4] == 1 and joins[9] == 1 and joins.sum() == 2  # E4 into A's C4; C4 into C's A4
    assert ends.sum() == 1 and ends[join(tune[-2:-1], tune[-1:])] == 1  # the step into the tune's last note


def test_positions_fold_onto_the_second_strain():
    assert [position(b) for b in (1, 8, 9, 16, 17, 24, 25)] == [1, 8, 9, 16, 9, 16, 9]


def test_the_committed_table_is_the_corpus_and_plans_as_the_tunes_go():
    assert json.loads(DEFAULT_FORM.read_text()) == build()  # rebuilt from data/corpus_notes.npz, the same
    table = load_form()
    rng = random.Random(1)
    plans = [table.plan(rng, range(3, 7), lambda bar: True) for _ in range(2000)]
    fifth = sum(p.get(5) == 1 for p in plans) / len(plans)
    sixth_after_fifth = sum(p.get(6) == 2 for p in plans if p.get(5) == 1) / max(1, sum(p.get(5) == 1 for p in plans))
    assert 0.18 < fifth < 0.36  # the training tunes: bar 5 restates bar 1 in 26%
    assert sixth_after_fifth > 0.5  # and then bar 6 mostly restates bar 2: a phrase comes back, not a bar
    assert all(source < bar for p in plans for bar, source in p.items())


def test_a_plan_never_restates_a_bar_that_is_not_whole():
    counts = np.zeros((17, MAX_OFFSET + 1, MAX_OFFSET + 1), np.int64)
    counts[:, :, 2] = 1  # always two bars back
    plan = FormTable(counts, np.ones(14), np.ones(14)).plan(random.Random(0), range(3, 9), lambda bar: bar != 1)
    assert 3 not in plan and plan[4] == 2 and plan[5] == 3


def test_bars_restating_the_seed_are_found():
    notes = [*A, *B, *C, *A, *D]
    assert restated_seed(notes, len(A) + len(B), BAR, BAR) == [(len(A) + len(B) + len(C), len(notes) - len(D))]
