"""Corpus tunes as played (repeats expanded) with their notated bar numbers: the /analyze benchmark's truth."""

from __future__ import annotations

from data.theory import collection_files, notated_tune, scores_in_file


def test_a_reel_with_two_repeated_parts_is_played_aabb():
    path = next(f for f in collection_files("ryansMammoth") if f.name == "7thRegimentReel.abc")
    tune = notated_tune(next(score for _, score in scores_in_file(path)))
    assert tune is not None and tune.repeats
    assert tune.source_bars == (*range(8), *range(8), *range(8, 16), *range(8, 16))
    assert tune.melody.ticks == 32 * tune.melody.meter.bar_ticks  # every bar whole
    assert tune.fifths == 3 and tune.written_mode == "major"
    assert tune.melody.notes[-1].pitch is None or tune.melody.notes[-1].pitch % 12 == 9
