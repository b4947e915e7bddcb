"""What a ``TasteModel`` learned, in words: sentences for `/prefs show` and ready-to-run ideas for `/inspire`."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from data.events import FLAT_NAMES, PITCH_NAMES, SHARP_NAMES, STYLES, Key
from studio.taste.features import (
    DIM,
    FEATURE_INDEX,
    FEATURE_LABELS,
    FEATURE_NAMES,
    LOW_LABELS,
    METER_GROUPS,
    MODE_GROUPS,
    MODES,
    features,
    item_traits,
    option_features,
    trait_combo,
    with_bias,
)
from studio.taste.model import GRIDS, MIN_EVENTS, TasteModel

SEED_PATTERNS = ((0, 2, 4), (0, 1, 2, 4), (4, 2, 0), (0, 4, 3, 2), (0, 2, 4, 7), (4, 3, 2, 1, 0))
_PHRASES = {  # (high, low) weight of a continuous feature, in words
    "temperature": ("You like adventurous, surprising melodies (higher temperature).",
                    "You prefer safe, predictable melodies (lower temperature)."),
    "range": ("You like melodies that cover a wide range.", "You like melodies that stay in a narrow range."),
    "leaps": ("You like leaps and jumps.", "You prefer stepwise, singable lines."),
    "rests": ("You like melodies with room to breathe (rests).", "You prefer melodies without rests."),
    "bars": ("You like longer melodies.", "You like short melodies."),
    "note_length": ("You like long, held notes.", "You like short, quick notes."),
    "register": ("You like high melodies.", "You like low melodies."),
}


def tempo_taste(model: TasteModel, user: int | str | None) -> tuple[int, int, float]:
    """(low, high, strength): the tempo range the user's weights prefer, and the logit spread over 60–180."""
    w = model.weights(user)
    grid = np.array(GRIDS["tempo"], dtype=float)
    curve = np.array([w @ option_features("tempo", int(t)) for t in grid])
    best = int(curve.argmax())
    spread = float(curve.max() - curve.min())
    good = curve >= curve.max() - 0.25 * spread
    lo = hi = best
    while lo > 0 and good[lo - 1]:
        lo -= 1
    while hi < len(grid) - 1 and good[hi + 1]:
        hi += 1
    return int(grid[lo]), int(grid[hi]), spread


def _group_scores(w: np.ndarray, prefix: str, names: Sequence[str]) -> dict[str, float]:
    return {n: float(w[FEATURE_INDEX[f"{prefix}_{n}"]]) for n in names}


def explain_taste(model: TasteModel, user: int | str) -> list[str]:
    """Plain-English sentences about what the model has learned about ``user`` (counts and weights)."""
    state = model.user_state(user)
    if state.events < MIN_EVENTS:
        n = round(state.events)
        return [f"I don't know your taste yet ({n} reaction{'s' * (n != 1)} or pick{'s' * (n != 1)} so far): "
                "react 👍/👎 or pick candidates and I'll learn what you like. Until then I follow the "
                "community's taste."]
    w = model.weights(user)
    sd = np.sqrt(np.maximum(np.diag(model.covariance(user)), 0.0))  # a weight is said once it clears its own sd too
    out: list[str] = []
    modes = {g: round(state.liked.get(f"mode:{g}", 0.0)) for g in MODE_GROUPS}
    total = sum(modes.values())
    if total:
        dark = modes["minor"] + modes["modal"]
        if dark * 2 >= total:
            what = "minor" if not modes["modal"] else "modal" if not modes["minor"] else "minor or modal"
            out.append(f"You picked {what} keys {dark} of {total} time{'s' * (total != 1)}.")
        else:
            out.append(f"You picked major keys {modes['major']} of {total} time{'s' * (total != 1)}.")
    lo, hi, spread = tempo_taste(model, user)
    if spread >= 0.3:
        grid = GRIDS["tempo"]
        if lo == grid[0] and hi < grid[-1]:
            out.append(f"You like slow tempos, up to about {hi} bpm.")
        elif hi == grid[-1] and lo > grid[0]:
            out.append(f"You like fast tempos, about {lo} bpm and up.")
        elif hi - lo < grid[-1] - grid[0]:
            out.append(f"You like {lo}–{hi} bpm.")
    offered, chosen = state.offered.get("very dense", 0.0), state.chosen.get("very dense", 0.0)
    density = w[FEATURE_INDEX["density"]]
    if round(offered) >= 2 and chosen <= offered / 3:
        out.append(f"You skip very dense melodies (passed over {round(offered - chosen)} of {round(offered)}).")
    elif density <= -max(0.3, sd[FEATURE_INDEX["density"]]):
        out.append("You prefer sparser melodies with fewer notes per bar.")
    elif density >= max(0.3, sd[FEATURE_INDEX["density"]]):
        out.append("You like busy melodies with many notes per bar.")
    for prefix, names, noun in (("style", STYLES, "style"), ("meter", METER_GROUPS, "meters")):
        scores = _group_scores(w, prefix, names)
        best = max(scores, key=scores.__getitem__)
        rest = [v for k, v in scores.items() if k != best]
        if scores[best] - max(rest) >= 0.2:
            n = round(state.liked.get(f"{prefix}:{best}", 0.0))
            counted = f" ({n} of your {round(state.likes)} likes and picks)" if n else ""
            out.append(f"Your favourite {noun}: {best}{counted}." if prefix == "style"
                       else f"You lean towards {best} {noun}{counted}.")
    for name, (pos, neg) in _PHRASES.items():  # said once the weight clears 0.4 and its own uncertainty
        i = FEATURE_INDEX[name]
        if abs(w[i]) >= max(0.4, sd[i]):
            out.append(pos if w[i] > 0 else neg)
    return out or ["No strong preferences yet: you seem to like a bit of everything."]


def suggest_settings(model: TasteModel, user: int | str, rng: random.Random | np.random.Generator | None = None,
                n: int = 3, pool: int = 200) -> list[dict]:
    """Ready-to-run settings for /inspire: ``[{"request": MelodyRequest kwargs, "reason", "score", "explore"}]``.

    The first is the best-scoring of ``pool`` random settings (exploitation); the others are Thompson
    samples from the weights' uncertainty, preferring coarse settings (mode, meter, style, tempo band) the
    user hasn't tried yet (exploration). All differ in their coarse setting.
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
        rng.getrandbits(64) if isinstance(rng, random.Random) else None)
    state = model.user_state(user)
    settings = [_random_setting(gen) for _ in range(pool)]
    xs = np.stack([with_bias(features(s)) for s in settings])
    kinds = [trait_combo(item_traits(x)) for x in xs]
    mean = model.weights(user)
    chosen: list[dict] = []
    combos: set[str] = set()
    cov = model.covariance(user)
    for i in range(n):
        if i == 0:
            w, explore = mean, False
        else:
            w, explore = gen.multivariate_normal(mean, (cov + cov.T) / 2, method="cholesky"), True
        s = xs @ w
        order = np.argsort(-s)
        fresh = [j for j in order if kinds[j] not in combos]
        untried = [j for j in fresh if kinds[j] not in state.tried] if explore else []
        pick = (untried or fresh or list(order))[0]
        combos.add(kinds[pick])
        setting = settings[pick]
        chosen.append({"request": setting, "score": float(xs[pick] @ mean), "explore": explore,
                       "reason": _reason(mean, xs[pick], setting, explore, state.events)})
    return chosen


def _reason(w: np.ndarray, x: np.ndarray, setting: dict, explore: bool, events: float) -> str:
    """Why a suggestion was made: the (at most two) features that add most to its score."""
    contrib = w[:DIM] * x[:DIM]
    likes: dict[str, str] = {}  # one reason per group (not both "slower tempos" and "around 70 bpm")
    for i in np.argsort(-contrib):
        if contrib[i] > 0.05 and len(likes) < 2:
            name = FEATURE_NAMES[i]
            likes.setdefault(name.split("_")[0], (FEATURE_LABELS if x[i] > 0 else LOW_LABELS)[name])
    what = f"{setting['key']}, {setting['meter']}, {setting['tempo']} bpm, {setting['style']}"
    who = "you like" if events >= MIN_EVENTS else "the community likes"
    because = f" ({who} {' and '.join(likes.values())})" if likes else ""
    if explore:
        return f"Something you haven't tried: {what}{because}."
    if events >= MIN_EVENTS:
        return f"Made for your taste: {what}{because}."
    return f"A crowd favourite: {what}{because}."


def seed_text(key: Key, pattern: Sequence[int]) -> str:
    """Scale degrees of ``key`` (0 = tonic, 7 = octave) as typed note names, e.g. D major (0, 2, 4) -> 'D F# A'."""
    degrees = key.degrees
    names = FLAT_NAMES if key.uses_flats else SHARP_NAMES
    return " ".join(names[degrees[d % 7]] for d in pattern)


def _random_setting(gen: np.random.Generator) -> dict:
    key = Key.parse(f"{PITCH_NAMES[int(gen.integers(12))]} {MODES[int(gen.integers(len(MODES)))]}")
    return {
        "notes": seed_text(key, SEED_PATTERNS[int(gen.integers(len(SEED_PATTERNS)))]),
        "key": str(key),
        "meter": str(gen.choice(GRIDS["meter"])),
        "tempo": int(gen.choice(GRIDS["tempo"])),
        "style": str(gen.choice(STYLES)),
        "temperature": float(gen.choice(GRIDS["temperature"])),
        "bars": int(gen.choice((4, 8, 8, 12, 16))),
    }
