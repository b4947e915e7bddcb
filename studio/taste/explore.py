"""What each candidate of a reply tries, so that a pick teaches the settings the bot is least sure of.

The first candidate exploits: it uses the request as filled in (typed options, `/prefs`, learned defaults). Each
other candidate changes one setting the user did not fix, chosen by Thompson sampling from the user's posterior:
draw weights, visit the free settings from the least certain to the most (candidate 2 starts with the least
certain, candidate 3 with the next), and try the first one whose best value under the draw differs from the
request's. As the posterior sharpens, draws agree with the request and the other
candidates explore less (they become other takes of the same settings).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from data.events import STYLES, Key, Note
from studio.options import DENSITIES, SEED_MAX
from studio.requests import MelodyRequest
from studio.taste.features import option_features
from studio.taste.model import DEFAULT_MODES, DEFAULT_TEMPOS, TasteModel, key_for

# What candidates try: the modes and tempos learned defaults choose from (ones users heard), every style and density
GRID: dict[str, tuple[Any, ...]] = {"key": DEFAULT_MODES, "tempo": DEFAULT_TEMPOS, "style": STYLES,
                                    "density": DENSITIES}
EXPLORABLE = tuple(GRID)  # the /melody options a candidate may try


# The degree (semitones above the tonic) that tells a mode from its neighbour: dorian's major 6th against minor's
# minor 6th, mixolydian's flat 7th against major's leading tone. A melody without it does not sound the mode.
CHARACTERISTIC = {"major": 4, "minor": 3, "dorian": 9, "mixolydian": 10, "lydian": 6, "phrygian": 1, "locrian": 6}


@dataclass(frozen=True)
class Plan:
    """One candidate's request and, for an exploring one, what it tries ("key", "tempo" ...) and in words
    ("tries D dorian")."""

    request: MelodyRequest
    tries: str = ""
    setting: str = ""


def sounds_mode(key: Key, notes: Iterable[Note]) -> bool:
    """Whether ``notes`` sound the mode's characteristic degree (``CHARACTERISTIC``): a melody that "tries G
    mixolydian" with an F# and no F is heard in G major."""
    return any(n.pitch is not None and (n.pitch - key.tonic) % 12 == CHARACTERISTIC[key.mode] for n in notes)


def _features(setting: str, value: Any) -> np.ndarray:
    return option_features("key", f"C {value}") if setting == "key" else option_features(setting, value)


def current(request: MelodyRequest, setting: str, seed_mode: str | None) -> Any:
    """The request's value of ``setting`` on the exploration grid (a key counts by its mode)."""
    if setting == "key":
        key = request.parsed_key
        return key.mode if key is not None else seed_mode or "major"
    if setting == "tempo":
        return min(DEFAULT_TEMPOS, key=lambda t: abs(t - request.tempo))
    return getattr(request, setting)


def _apply(request: MelodyRequest, setting: str, value: Any) -> tuple[MelodyRequest, str]:
    """The request with one setting changed, and what that tries in words."""
    if setting == "key":
        key = key_for(value, request.notes)
        return replace(request, key=key), f"tries {key}"
    words = {"tempo": f"tries {value} bpm", "style": f"tries the {value} style", "density": f"tries a {value} rhythm"}
    return replace(request, **{setting: value}), words[setting]


def _uncertainty(cov: np.ndarray, setting: str, base: Any) -> float:
    """The largest posterior standard deviation of a value's gain over ``base`` for this setting."""
    b = _features(setting, base)
    return max(math.sqrt(max(float((d := _features(setting, v) - b) @ cov @ d), 0.0)) for v in GRID[setting])


def plan_candidates(model: TasteModel, user: int | str, request: MelodyRequest, fixed: Iterable[str], count: int,
                    rng: random.Random, seed_mode: str | None = None) -> list[Plan]:
    """``count`` plans: the request itself, then candidates that each try one setting not in ``fixed`` (nor the key
    of a melody over chords).

    ``seed_mode``: the mode guessed from the seed, when the request has no key. Each plan keeps the request's RNG
    seed plus its index, so every candidate is reproducible from its own settings.
    """
    assert request.seed is not None
    fixed = {*fixed, "key"} if request.chords else set(fixed)  # chords fix the key: another mode would clash
    free = [s for s in EXPLORABLE if s not in fixed]
    plans = [Plan(request)]
    if count <= 1 or not free:
        return [Plan(_reseed(request, i)) for i in range(count)]
    w, cov = model.weights(user), model.covariance(user)
    base = {s: current(request, s, seed_mode) for s in free}
    order = sorted(free, key=lambda s: (-_uncertainty(cov, s, base[s]), rng.random()))
    chol = _cholesky(cov)
    np_rng = np.random.default_rng(rng.randrange(2**32))
    tried: set[tuple[str, Any]] = set()
    for i in range(1, count):
        draw = w + chol @ np_rng.standard_normal(len(w))
        plan = Plan(_reseed(request, i))
        for setting in order[i - 1:] + order[:i - 1]:  # each candidate starts from a different setting
            gains = {v: float(draw @ _features(setting, v)) for v in GRID[setting] if (setting, v) not in tried}
            best = max(gains, key=gains.__getitem__, default=base[setting])
            if best != base[setting]:
                tried.add((setting, best))
                changed, tries = _apply(_reseed(request, i), setting, best)
                plan = Plan(changed, tries, setting)
                break
        plans.append(plan)
    return plans


def _reseed(request: MelodyRequest, index: int) -> MelodyRequest:
    assert request.seed is not None
    return replace(request, seed=(request.seed + index) % SEED_MAX)


def _cholesky(cov: np.ndarray) -> np.ndarray:
    """A square root of a covariance that may be only barely positive definite."""
    sym = (cov + cov.T) / 2
    try:
        return np.linalg.cholesky(sym + 1e-9 * np.eye(len(sym)))
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(sym)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def best_takes(model: TasteModel, user: int | str, takes: Sequence[Sequence[np.ndarray]]) -> list[int]:
    """For each plan's takes (features of several melodies with the same settings), the index of the one the user
    is predicted to like best."""
    return [int(np.argmax(model.scores(user, list(t)))) for t in takes]

