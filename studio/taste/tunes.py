"""Corpus tunes for `/inspire`, ranked by a user's taste: the best for them, then one of a kind they haven't tried.

Every indexed tune gets the taste features of a generation of its request (``tune_matrix``, once), so
ranking them for a user is one matrix-vector product with their weights (``pick_tunes``).
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Container, Sequence
from dataclasses import dataclass

import numpy as np

from data.errors import MusicError
from data.events import Key, Meter
from data.tunes import CorpusTune, find_tune, load_index
from studio.taste.features import DIM, FEATURE_LABELS, FEATURE_NAMES, features, meter_group, mode_group
from studio.taste.model import MIN_EVENTS

__all__ = [
    "EXPLORE_POOL",
    "HISTORY_SCAN",
    "REASON_MIN",
    "TUNES_SHOWN",
    "CorpusTune",
    "TunePick",
    "find_tune",
    "pick_tunes",
    "tune_matrix",
    "tune_reason",
]

TUNES_SHOWN = 3  # corpus tunes under /inspire: the best for the user's taste, then one they haven't tried
EXPLORE_POOL = 20  # the "haven't tried" tune is drawn from this many best of the untried styles and modes
HISTORY_SCAN = 500  # recent generations checked for tunes already continued and styles / modes already tried
REASON_MIN = 0.05  # log-odds a feature must add to a tune's score before a reason names it


@dataclass(frozen=True)
class TunePick:
    """A corpus tune chosen for `/inspire`, with its predicted score and why it was chosen."""

    tune: CorpusTune
    score: float
    explore: bool
    reason: str


@functools.lru_cache(maxsize=1)
def tune_matrix() -> tuple[tuple[CorpusTune, ...], np.ndarray]:
    """Every indexed tune and its taste features plus a bias column, exactly as for a generation of its
    request (``CorpusTune.params``) with its first eight bars as the notes. Computed once (a few seconds:
    call it in an executor)."""
    tunes = load_index()
    feats = np.stack([features(t.params, t.notes) for t in tunes]) if tunes else np.zeros((0, DIM))
    return tunes, np.hstack([feats, np.ones((len(tunes), 1))])


def _mode_group_of(key: str | None) -> str:
    """The mode group (major, minor, modal) of a stored request's key; major when it has none."""
    try:
        return mode_group(Key.parse(key).mode) if key else "major"
    except MusicError:
        return "major"


def tune_reason(tune: CorpusTune, x: np.ndarray, w: np.ndarray, events: float, explore: bool) -> str:
    """Why a tune was picked, from what its features add to its score under the weights ``w``."""
    added = w[:DIM] * x[:DIM]
    aspects = {tune.mode: f"mode_{tune.mode}", tune.meter: f"meter_{meter_group(Meter.parse(tune.meter))}",
               tune.style: f"style_{tune.style}"}
    shared = [word for word, name in aspects.items() if added[FEATURE_NAMES.index(name)] > REASON_MIN]
    likes = [FEATURE_LABELS[FEATURE_NAMES[i]] for i in np.argsort(-added) if added[i] > REASON_MIN and x[i] > 0][:2]
    personal = events >= MIN_EVENTS
    if explore:
        why = f" (predicted from your taste for {' and '.join(likes)})" if likes and personal else ""
        what = "a chorale" if tune.style == "chorale" else f"{'an' if tune.style[0] in 'ai' else 'a'} {tune.style} tune"
        return f"Something you haven't tried: {what} in {tune.key}, {tune.meter}{why}."
    if personal and shared:
        return f"Similar to the {' '.join(shared)} melodies you liked."
    if personal and likes:
        return f"Matches your taste for {' and '.join(likes)}."
    if personal:
        return "Close to your taste overall."
    if likes:
        return f"A community favourite (people like {' and '.join(likes)}); react 👍/👎 and I'll learn yours."
    return "A tune to start from: react 👍/👎 to melodies and I'll find tunes closer to your taste."


def pick_tunes(tunes: Sequence[CorpusTune], matrix: np.ndarray, w: np.ndarray, events: float,
               history: Sequence[dict], vocab: Container[str], rng: random.Random,
               n: int = TUNES_SHOWN) -> list[TunePick]:
    """The ``n - 1`` best-scoring tunes for weights ``w``, then one drawn from the best of a style and mode the
    user hasn't generated in (exploration). Skips tunes whose opening the user already continued (``history``:
    their generations' params), tunes the model can't write (meter not in ``vocab``) and a title shown already."""
    if not len(tunes) or n <= 0:
        return []
    scores = matrix @ w
    jitter = np.random.default_rng(rng.getrandbits(64)).random(len(tunes))
    order = np.lexsort((jitter, -scores))  # best first; equal scores (a new user) in random order
    done = {p.get("notes") for p in history}
    tried = {(p.get("style") or "irish", _mode_group_of(p.get("key"))) for p in history}
    chosen: list[int] = []
    titles: set[str] = set()

    def fits(i: int, exclude: set[tuple[str, str]]) -> bool:
        t = tunes[i]
        return (t.seed not in done and t.title not in titles and f"meter:{t.meter}" in vocab
                and (t.style, mode_group(t.mode)) not in exclude)

    def best(exclude: set[tuple[str, str]], k: int) -> list[int]:
        return list(itertools.islice((int(i) for i in order if fits(i, exclude)), k))

    while len(chosen) < n - 1 and (found := best(set(), 1)):  # one title once: many tunes come in versions
        chosen.append(found[0])
        titles.add(tunes[found[0]].title)
    shown = {(tunes[i].style, mode_group(tunes[i].mode)) for i in chosen}
    explore = best(tried | shown, EXPLORE_POOL) or best(shown, EXPLORE_POOL) or best(set(), 1)
    out = [(i, False) for i in chosen] + ([(rng.choice(explore), True)] if explore else [])
    return [TunePick(tunes[i], float(scores[i]), e, tune_reason(tunes[i], matrix[i], w, events, e)) for i, e in out]
