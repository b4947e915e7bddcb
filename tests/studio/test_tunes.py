"""Ranking corpus tunes for `/inspire` (``studio.taste.tunes``), on a handful of made-up tunes."""

from __future__ import annotations

import random

import numpy as np

from data.tunes import CorpusTune
from studio.taste.features import DIM, FEATURE_NAMES, features, mode_group, with_bias
from studio.taste.model import MIN_EVENTS
from studio.taste.tunes import pick_tunes, tune_reason

KINDS = [("irish", "major", "6/8"), ("scottish", "minor", "4/4"), ("american", "dorian", "4/4"),
         ("european", "minor", "3/4"), ("chorale", "major", "4/4"), ("irish", "minor", "5/4"),
         ("scottish", "major", "4/4"), ("european", "major", "4/4")]
TUNES = tuple(CorpusTune(i, f"t{i}", "test", f"Tune {i}", style, mode, meter, f"C D E F{i}", "")
              for i, (style, mode, meter) in enumerate(KINDS))
MATRIX = np.stack([with_bias(features(t.params)) for t in TUNES])
VOCAB = {f"meter:{t.meter}" for t in TUNES}


def weights(**named: float) -> np.ndarray:
    w = np.zeros(DIM + 1)
    for name, value in named.items():
        w[FEATURE_NAMES.index(name)] = value
    return w


def test_the_best_scoring_tunes_come_first_then_one_to_explore():
    w = weights(mode_minor=1.0, style_scottish=0.5, meter_triple=0.2)
    picks = pick_tunes(TUNES, MATRIX, w, 10, [], VOCAB, random.Random(0))
    assert [p.explore for p in picks] == [False, False, True]
    assert [p.tune.index for p in picks[:2]] == [1, 3]  # scottish minor, then the minor one in 3/4
    assert picks[0].score == max(MATRIX @ w) and picks[0].score > picks[1].score
    assert pick_tunes((), np.zeros((0, DIM + 1)), w, 10, [], VOCAB, random.Random(0)) == []


def test_a_tune_already_continued_is_skipped():
    w = weights(mode_minor=1.0, style_scottish=0.5, meter_triple=0.2)
    picks = pick_tunes(TUNES, MATRIX, w, 10, [{"notes": TUNES[1].seed}], VOCAB, random.Random(0))
    assert TUNES[1] not in [p.tune for p in picks] and picks[0].tune == TUNES[3]


def test_the_exploration_pick_is_a_style_and_mode_not_tried_or_shown():
    history = [{"notes": "G A B", "style": s, "key": k} for s, k in (("irish", "D"), ("american", "E dorian"))]
    tried = {("irish", "major"), ("american", "modal")}
    for seed in range(20):
        picks = pick_tunes(TUNES, MATRIX, weights(mode_minor=1.0), 10, history, VOCAB, random.Random(seed))
        shown = {(p.tune.style, mode_group(p.tune.mode)) for p in picks[:2]}
        explored = picks[2].tune
        assert picks[2].explore and (explored.style, mode_group(explored.mode)) not in tried | shown


def test_meters_the_model_cannot_write_are_skipped():
    w = weights(meter_odd=3.0, meter_triple=2.0)  # would rank the 5/4 and 3/4 tunes first
    picks = pick_tunes(TUNES, MATRIX, w, 10, [], {"meter:4/4"}, random.Random(0))
    assert len(picks) == 3 and {p.tune.meter for p in picks} == {"4/4"}


def test_reasons_name_what_adds_most_to_the_score():
    scottish = TUNES[1]  # scottish: 100 bpm, halfway between the 90 and 110 bpm bands
    x = MATRIX[1]
    assert tune_reason(scottish, x, weights(style_scottish=1.0), MIN_EVENTS, False) == (
        "Similar to the scottish melodies you liked.")
    assert tune_reason(scottish, x, weights(tempo_90=0.2, tempo_110=1.0), MIN_EVENTS, False) == (
        "Matches your taste for tempo around 110 bpm and tempo around 90 bpm.")
    assert tune_reason(scottish, x, weights(tempo_110=1.0), 0, False).startswith(
        "A community favourite (people like tempo around 110 bpm)")
    assert tune_reason(scottish, x, weights(), 0, False).startswith("A tune to start from")
    assert tune_reason(TUNES[0], MATRIX[0], weights(), 0, True) == (
        "Something you haven't tried: an irish tune in C major, 6/8.")
