"""Taste beyond the options: with ``Taste.takes``, once a user has given feedback, the first candidate is the best
liked of several takes."""

from __future__ import annotations

import statistics
from dataclasses import replace

from studio.melody import Composer, MelodyResult
from studio.requests import MelodyRequest
from studio.store.base import open_store
from studio.taste.explore import EXPLORABLE, sounds_mode
from studio.taste.features import FEATURE_INDEX, features
from studio.taste.service import Taste

USER = 7
SEEDS = (40, 140, 240, 340, 440, 540)


def density(result: MelodyResult) -> float:
    """Notes per bar, standardized (as the taste model sees it)."""
    return float(features(vars(result.request), result.melody.notes)[FEATURE_INDEX["density"]])


async def test_a_user_who_picks_busy_melodies_is_shown_the_busiest_of_the_takes(tmp_path, composer: Composer):
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        taste = Taste(store)
        taste.takes = (4, 1)  # an option (off by default: bench/reports/steering.md)
        first, _ = taste.takes
        request = MelodyRequest(notes="C E G", count=3)
        # A new user: one take per candidate, so the first candidate is the request's own seed
        shown = await taste.write(composer, USER, replace(request, seed=SEEDS[0]), fixed=EXPLORABLE)
        assert sorted(r.request.seed for r in shown) == [SEEDS[0], SEEDS[0] + 1, SEEDS[0] + 2]

        busy, sparse = features({"density": "busy"}), features({"density": "sparse"})
        for _ in range(6):
            taste.model.pick(USER, busy, [sparse])
        chosen, plain, spread = [], [], []
        for seed in SEEDS:
            shown = await taste.write(composer, USER, replace(request, seed=seed), fixed=EXPLORABLE)
            takes = await composer.write([replace(request, seed=seed + 3 * j) for j in range(first)])
            mine = next(r for r in shown if (r.request.seed - seed) % 3 == 0)  # the first plan's take
            assert mine.request.seed in {t.request.seed for t in takes}
            chosen.append(density(mine))
            plain.append(density(takes[0]))  # what a single take would have shown
            spread.append(max(density(t) for t in takes))
        assert statistics.fmean(chosen) > statistics.fmean(plain)
        assert sum(c == s for c, s in zip(chosen, spread, strict=True)) >= len(SEEDS) // 2  # mostly the busiest
    finally:
        await store.close()


async def test_a_candidate_that_tries_a_mode_sounds_it(tmp_path, composer: Composer):
    """"tries G mixolydian" with an F# and no F is heard in G major: such a candidate is the first of its takes
    that sounds the mode's own degree (dorian's major 6th, mixolydian's flat 7th)."""
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        taste = Taste(store)
        fixed = [s for s in EXPLORABLE if s != "key"]  # only the mode is explored
        tried = heard = 0
        for seed in range(24):
            for notes in ("G A B D", "A B C", "E G A B"):
                for r in await taste.write(composer, USER, MelodyRequest(notes=notes, count=3, seed=seed), fixed):
                    if r.tries:
                        tried += 1
                        heard += sounds_mode(r.melody.key, r.continuation)
        assert tried >= 40 and heard >= 0.95 * tried, (heard, tried)  # one take: about 70%
    finally:
        await store.close()
