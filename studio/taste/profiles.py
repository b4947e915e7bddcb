"""Per-user taste: interpretable features of a generation and an online Bradley–Terry / logistic model.

Every generation becomes a short, standardized feature vector (``FEATURE_NAMES``: mode, tempo, meter,
style, temperature, range, density, ...). A user's weights are ``w_global + delta_user``: the global part
is learned from everyone's feedback (so a new user starts from the community's taste), the personal part
has a Gaussian prior at 0. Each piece of feedback is one exact Laplace / Newton update of the Gaussian
posterior (rank one, a few microseconds): picks are pairwise (chosen beats each other candidate),
reactions, "more like this" and "regenerate" are logistic on the absolute score.

How far users stray from the community is itself learned, per feature (``refresh_prior``, an
empirical-Bayes step to run now and then). Pure Python + numpy; the state is JSON (``to_dict`` /
``from_dict``) and can always be rebuilt from the stored feedback (``update_from_events``).
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.events import FLAT_NAMES, MODE_OFFSET, PITCH_NAMES, SHARP_NAMES, STYLES, TPQ, Key, Meter, MusicError, Note
from data.notation import parse_seed
from studio.requests import MelodyRequest

# ---- features ---------------------------------------------------------------------------------

MODE_GROUPS = ("major", "minor", "modal")
MODES = tuple(MODE_OFFSET)
TEMPO_CENTRES = (70, 90, 110, 130, 150)  # soft (triangular) tempo bands, so "90–110 bpm" tastes are learnable
TEMPO_HALF_WIDTH = 20
METER_GROUPS = ("duple", "triple", "compound", "odd")
DENSE, SPARSE = 6.5, 2.0  # notes per bar that count as "very dense" / "sparse" in plain-words counts

# name, what a high value means, what a low value means (continuous features only), centre, scale
_SPECS: tuple[tuple[str, str, str, float, float], ...] = (
    *((f"mode_{m}", f"{m} {'keys' if m in ('major', 'minor') else 'mode'}", "", 0.0, 1.0) for m in MODES),
    ("tempo", "faster tempos", "slower tempos", 110.0, 30.0),
    *((f"tempo_{c}", f"tempo around {c} bpm", "", 0.0, 1.0) for c in TEMPO_CENTRES),
    ("meter_duple", "duple meters (2/4, 4/4)", "", 0.0, 1.0),
    ("meter_triple", "triple meters (3/4)", "", 0.0, 1.0),
    ("meter_compound", "compound meters (6/8, 9/8, 12/8)", "", 0.0, 1.0),
    ("meter_odd", "odd meters (5/4, 7/8)", "", 0.0, 1.0),
    *((f"style_{s}", f"{s} style", "", 0.0, 1.0) for s in STYLES),
    ("temperature", "adventurous melodies (high temperature)", "safe melodies (low temperature)", 1.0, 0.25),
    ("range", "a wide pitch range", "a narrow pitch range", 12.0, 5.0),
    ("density", "dense melodies (many notes per bar)", "sparse melodies (few notes per bar)", 4.0, 2.0),
    ("note_length", "long notes", "short notes", 1.0, 0.5),
    ("rests", "rests", "few rests", 0.05, 0.07),
    ("bars", "longer melodies", "short melodies", 8.0, 4.0),
    ("register", "a high register", "a low register", 67.0, 6.0),
    ("leaps", "leaps rather than steps", "steps rather than leaps", 2.5, 1.2),
)
FEATURE_NAMES: tuple[str, ...] = tuple(s[0] for s in _SPECS)
FEATURE_LABELS: dict[str, str] = {s[0]: s[1] for s in _SPECS}
_LOW_LABELS = {s[0]: s[2] for s in _SPECS}
_MU = np.array([s[3] for s in _SPECS])
_SD = np.array([s[4] for s in _SPECS])
_IX = {name: i for i, name in enumerate(FEATURE_NAMES)}
DIM = len(FEATURE_NAMES)
RAW_LIMIT = 1e6  # no option comes near this: larger values standardize past CLIP either way
CLIP = 4.0  # standardized values are clipped to ±CLIP so an extreme option can't dominate a score

DEFAULTS = {f.name: f.default for f in MelodyRequest.__dataclass_fields__.values() if f.name != "notes"}


def mode_group(mode: str) -> str:
    return mode if mode in ("major", "minor") else "modal"


def meter_group(meter: Meter) -> str:
    n, d = meter.numerator, meter.denominator
    if d == 8 and n in (6, 9, 12):
        return "compound"
    if n == 3 or (n == 9 and d != 8):
        return "triple"
    return "duple" if n in (1, 2, 4, 6, 8, 12) else "odd"


def tempo_bands(tempo: float) -> list[float]:
    """Soft membership of each of ``TEMPO_CENTRES`` (ends clamp: 50 bpm is fully 'around 70')."""
    t = min(max(tempo, TEMPO_CENTRES[0]), TEMPO_CENTRES[-1])
    return [max(0.0, 1.0 - abs(t - c) / TEMPO_HALF_WIDTH) for c in TEMPO_CENTRES]


def _number(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(number):
        return default
    return max(-RAW_LIMIT, min(number, RAW_LIMIT))  # standardizing 1e308 would overflow; any such value clips anyway


def _key(params: dict) -> Key | None:
    try:
        return Key.parse(params["key"]) if isinstance(params.get("key"), str) and params["key"] else None
    except MusicError:
        return None


def _meter(params: dict) -> Meter:
    try:
        return Meter.parse(str(params.get("meter") or "4/4"))
    except MusicError:
        return Meter()


def raw_features(params: dict, notes: Sequence[Note] | None = None) -> np.ndarray:
    """The unscaled values behind ``FEATURE_NAMES`` (bpm, semitones, notes per bar ...)."""
    raw = _MU.copy()
    key = _key(params)
    if key is not None:
        raw[_IX[f"mode_{key.mode}"]] = 1.0
    tempo = _number(params.get("tempo"), DEFAULTS["tempo"])
    raw[_IX["tempo"]] = tempo
    for c, m in zip(TEMPO_CENTRES, tempo_bands(tempo), strict=True):
        raw[_IX[f"tempo_{c}"]] = m
    meter = _meter(params)
    raw[_IX[f"meter_{meter_group(meter)}"]] = 1.0
    if params.get("style", DEFAULTS["style"]) in STYLES:
        raw[_IX[f"style_{params.get('style', DEFAULTS['style'])}"]] = 1.0
    raw[_IX["temperature"]] = _number(params.get("temperature"), DEFAULTS["temperature"])
    raw[_IX["bars"]] = _number(params.get("bars"), DEFAULTS["bars"])
    pitches: list[int] = []
    note_ticks = rest_ticks = 0
    for n in notes or ():
        if n.ticks > 0:
            if n.pitch is None:
                rest_ticks += n.ticks
            else:
                pitches.append(n.pitch)
                note_ticks += n.ticks
    if pitches:
        ticks = note_ticks + rest_ticks
        raw[_IX["range"]] = max(pitches) - min(pitches)
        raw[_IX["density"]] = len(pitches) / max(ticks / meter.bar_ticks, 0.25)
        raw[_IX["note_length"]] = note_ticks / len(pitches) / TPQ
        raw[_IX["rests"]] = rest_ticks / ticks
        raw[_IX["register"]] = sum(pitches) / len(pitches)
        raw[_IX["leaps"]] = sum(abs(b - a) for a, b in itertools.pairwise(pitches)) / max(len(pitches) - 1, 1)
    return raw


def standardize(raw: np.ndarray) -> np.ndarray:
    """Raw feature values (``raw_features``) -> the standardized features the model uses."""
    return np.clip((raw - _MU) / _SD, -CLIP, CLIP)


def features(params: dict, notes: Sequence[Note] | None = None) -> np.ndarray:
    """Standardized, fixed-length (``len(FEATURE_NAMES)``) features of a request and (optionally) its notes.

    Unknown or missing options fall back to ``MelodyRequest`` defaults; without notes, the note-based
    features (range, density, ...) sit at their neutral centre.
    """
    return standardize(raw_features(params, notes))


@functools.lru_cache(maxsize=512)
def _option(name: str, value: Any) -> np.ndarray:
    """Model input (features + bias) of a request that sets only ``name`` (read-only, cached)."""
    x = np.append(features({name: value}), 1.0)
    x.flags.writeable = False
    return x


def unscale(z: np.ndarray) -> np.ndarray:
    """Standardized features back to raw units (up to clipping)."""
    return np.asarray(z)[:DIM] * _SD + _MU


def notes_from_text(text: str) -> tuple[Note, ...] | None:
    """Stored note text ``"seed ➜ continuation"`` back to notes (as ``Composer.restore`` reads it)."""
    seed_text, _, continuation = (text or "").partition(" ➜ ")
    try:
        return parse_seed(f"{seed_text} {continuation}", max_notes=100_000).notes
    except MusicError:
        return None


def _traits(z: np.ndarray) -> list[str]:
    """Plain-words categories of one item, for the counts that ``explain`` quotes."""
    raw = unscale(z)
    out = [f"mode:{mode_group(m)}" for m in MODES if raw[_IX[f"mode_{m}"]] > 0.5]
    out += [f"meter:{g}" for g in METER_GROUPS if raw[_IX[f"meter_{g}"]] > 0.5]
    out += [f"style:{s}" for s in STYLES if raw[_IX[f"style_{s}"]] > 0.5]
    out.append(f"tempo:{_tempo_bin(raw[_IX['tempo']])}")
    if raw[_IX["density"]] >= DENSE:
        out.append("very dense")
    if raw[_IX["density"]] <= SPARSE:
        out.append("sparse")
    return out


def _tempo_bin(tempo: float) -> str:
    low = int(min(max(tempo, 60), 159.99) // 20 * 20)
    return "under 80" if low < 80 else "140+" if low >= 140 else f"{low}–{low + 20}"


def _combo(traits: list[str]) -> str:
    """The coarse setting (mode, meter, style, tempo band) of an item's traits, for "not tried yet" exploration."""
    parts = ("mode:", "meter:", "style:", "tempo:")
    return "|".join(next((t for t in traits if t.startswith(p)), p + "?") for p in parts)


# ---- feedback events --------------------------------------------------------------------------

REACTION_VALUES = {"reaction:👍": 1, "reaction:👎": -1}


@dataclass(eq=False)  # holds arrays: compare fields yourself
class FeedbackEvent:
    """One stored piece of feedback on one candidate.

    ``kind``: "reaction:👍", "reaction:👎", "pick", "more" or "regenerate"; ``features``: of the candidate
    (None: computed from ``params`` alone); ``others``: for a pick, the features of the message's other
    candidates (empty: taken from other events of the same ``message_id``, else the pick counts as a like).
    """

    kind: str
    value: int
    message_id: int | None
    candidate: int
    params: dict
    features: np.ndarray | None = None
    others: tuple[np.ndarray, ...] = ()

    def vector(self) -> np.ndarray:
        return self.features if self.features is not None else features(self.params, None)


def event_from_row(kind: str, value: int, candidate: int, message_id: int | None, params: dict, notes: str,
                   siblings: Iterable[tuple[dict, str]] = ()) -> FeedbackEvent:
    """A stored feedback row (and, for picks, the other candidates' (params, notes text)) as an event."""
    others = tuple(features(p, notes_from_text(t)) for p, t in siblings)
    return FeedbackEvent(kind, value, message_id, candidate, params, features(params, notes_from_text(notes)), others)


# ---- the model --------------------------------------------------------------------------------

MIN_EVENTS = 3  # feedback before learned defaults and plain-words sentences kick in
CAUTION = 0.0  # learned defaults: standard deviations of uncertainty a gain must clear
KIND_WEIGHTS = {"pick": 1.0, "pick_like": 0.25, "react": 1.0, "more": 1.0, "regenerate": 0.3}
GRIDS: dict[str, tuple] = {
    "tempo": tuple(range(60, 181, 5)),
    "meter": ("4/4", "3/4", "6/8", "2/4"),
    "style": STYLES,
    "temperature": tuple(round(0.6 + 0.1 * i, 1) for i in range(9)),
    "bars": (4, 8, 12, 16, 24, 32),
}
SEED_PATTERNS = ((0, 2, 4), (0, 1, 2, 4), (4, 2, 0), (0, 4, 3, 2), (0, 2, 4, 7), (4, 3, 2, 1, 0))


def _sigmoid(s: float) -> float:
    return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))


def _observe(offset: float, mean: np.ndarray, cov: np.ndarray, z: np.ndarray, y: float, c: float) -> None:
    """In place: Gaussian N(mean, cov) over weights <- one weighted logistic observation (logit offset + mean·z).

    The posterior mode lies on ``mean + a * cov @ z``; a few scalar Newton steps find ``a``, then the
    Laplace covariance is a rank-one (Sherman–Morrison) update.
    """
    cz = cov @ z
    q = float(z @ cz)
    if q <= 1e-12 or c <= 0:
        return
    s0 = offset + float(mean @ z)
    a = 0.0
    for _ in range(4):
        p = _sigmoid(s0 + a * q)
        a -= (a - c * (y - p)) / (1.0 + c * p * (1.0 - p) * q)
    p = _sigmoid(s0 + a * q)
    h = c * p * (1.0 - p)
    mean += a * cz
    cov -= (h / (1.0 + h * q)) * np.outer(cz, cz)


@dataclass
class _User:
    delta: np.ndarray
    cov: np.ndarray
    prior: np.ndarray  # the prior variances ``delta`` was learned under (see ``refresh_prior``)
    events: float = 0.0  # actions: a reaction shared by k candidates counts 1/k per candidate
    picks: float = 0.0
    likes: float = 0.0
    dislikes: float = 0.0
    liked: dict[str, float] = field(default_factory=dict)
    disliked: dict[str, float] = field(default_factory=dict)
    offered: dict[str, float] = field(default_factory=dict)
    chosen: dict[str, float] = field(default_factory=dict)
    tried: set[str] = field(default_factory=set)


def _bump(counts: dict[str, float], keys: Iterable[str], by: float = 1.0) -> None:
    for k in keys:
        counts[k] = counts.get(k, 0.0) + by


class TasteModel:
    """Per-user taste ``w_global + delta_user`` over ``features``, learned online from feedback.

    ``user_var``: prior variance of a user's own deviation from the community (0: community model only);
    ``global_var``: prior variance of the community weights (0: no shared learning, per-user only);
    ``drift``: variance added to the community weights per event, so the community taste can move.
    """

    def __init__(self, user_var: float = 0.3, global_var: float = 1.0, drift: float = 1e-6) -> None:
        self.user_var, self.global_var, self.drift = user_var, global_var, drift
        self.prior_var = np.full(DIM + 1, user_var)  # per feature: how far users stray from the community
        self.w_global = np.zeros(DIM + 1)  # last entry: bias (used by absolute feedback only)
        self.cov_global = np.eye(DIM + 1) * global_var
        self._users: dict[str, _User] = {}

    # -- state ------------------------------------------------------------------------------
    def _user(self, user: int | str, create: bool = True) -> _User:
        key = str(user)
        state = self._users.get(key)
        if state is None:
            state = _User(np.zeros(DIM + 1), np.diag(self.prior_var), self.prior_var.copy())
            if create:
                self._users[key] = state
        return state

    def events(self, user: int | str) -> float:
        """How many feedback actions the model has from ``user``."""
        return self._user(user, create=False).events

    def weights(self, user: int | str | None = None) -> np.ndarray:
        """The user's weights over ``FEATURE_NAMES`` plus a bias (the community's for None or a new user)."""
        if user is None:
            return self.w_global.copy()
        return self.w_global + self._user(user, create=False).delta

    def reset(self, user: int | str) -> None:
        self._users.pop(str(user), None)

    def refresh_prior(self, min_events: float = 10, min_users: int = 20) -> bool:
        """Learn how far users stray from the community, per feature (an empirical-Bayes / EM step), and
        re-weigh every user's evidence under that prior (exact for the Gaussian posteriors, ~20 µs a user).

        Cheap enough to run every few hundred feedback events; False (no change) with too few active users.
        """
        active = [u for u in self._users.values() if u.events >= min_events]
        if self.user_var <= 0 or len(active) < min_users:
            return False
        second = np.mean([u.delta ** 2 + np.diag(u.cov) for u in active], axis=0)
        self.prior_var = np.clip(second, 0.02, 2.0)
        for u in self._users.values():
            precision = np.linalg.inv(u.cov)
            info = precision @ u.delta  # prior mean 0: all of it is evidence
            precision[np.diag_indices(DIM + 1)] += 1.0 / self.prior_var - 1.0 / u.prior
            u.cov = np.linalg.inv(precision)
            u.delta = u.cov @ info
            u.prior = self.prior_var.copy()
        return True

    # -- feedback ---------------------------------------------------------------------------
    def _learn(self, state: _User, z: np.ndarray, y: float, c: float, shared: bool = True) -> None:
        _observe(float(self.w_global @ z), state.delta, state.cov, z, y, c)
        if shared and self.global_var > 0:
            self.cov_global[np.diag_indices_from(self.cov_global)] += self.drift
            _observe(0.0, self.w_global, self.cov_global, z, y, c)

    @staticmethod
    def _abs(x: np.ndarray) -> np.ndarray:
        return np.append(np.asarray(x, dtype=float)[:DIM], 1.0)

    def pick(self, user: int | str, chosen: np.ndarray, others: Sequence[np.ndarray], *, weight: float = 1.0,
             shared: bool = True) -> None:
        """The user picked ``chosen`` over each of ``others`` (Bradley–Terry), and mildly likes it."""
        state = self._user(user)
        x = self._abs(chosen)
        for other in others:
            self._learn(state, x - self._abs(other), 1.0, KIND_WEIGHTS["pick"] * weight, shared)
        self._learn(state, x, 1.0, KIND_WEIGHTS["pick_like"] * weight, shared)
        state.events += weight
        state.picks += weight
        shown = [_traits(o) for o in (chosen, *others)]
        _bump(state.liked, shown[0], weight)
        state.likes += weight
        _bump(state.chosen, shown[0], weight)
        _bump(state.offered, {t for traits in shown for t in traits}, weight)
        state.tried.update(_combo(traits) for traits in shown)

    def react(self, user: int | str, feats: np.ndarray, value: int, *, weight: float = 1.0,
              shared: bool = True) -> None:
        """A 👍 (``value`` > 0) or 👎 on one item; ``weight`` 1/k when one reaction covers k candidates."""
        state = self._user(user)
        self._learn(state, self._abs(feats), 1.0 if value > 0 else 0.0, KIND_WEIGHTS["react"] * weight, shared)
        self._count(state, feats, value > 0, weight)

    def more(self, user: int | str, feats: np.ndarray, *, weight: float = 1.0, shared: bool = True) -> None:
        """'More like this' on an item: a strong like."""
        state = self._user(user)
        self._learn(state, self._abs(feats), 1.0, KIND_WEIGHTS["more"] * weight, shared)
        self._count(state, feats, True, weight)

    def regenerate(self, user: int | str, feats_list: Sequence[np.ndarray], *, weight: float = 1.0,
                   shared: bool = True) -> None:
        """'Regenerate': a mild dislike shared by the candidates shown (one action)."""
        state = self._user(user)
        share = weight / max(len(feats_list), 1)
        for feats in feats_list:
            self._learn(state, self._abs(feats), 0.0, KIND_WEIGHTS["regenerate"] * share, shared)
            self._count(state, feats, False, share)

    def _count(self, state: _User, feats: np.ndarray, liked: bool, weight: float) -> None:
        state.events += weight
        traits = _traits(feats)
        if liked:
            _bump(state.liked, traits, weight)
            state.likes += weight
        else:
            _bump(state.disliked, traits, weight)
            state.dislikes += weight
        state.tried.add(_combo(traits))

    def observe(self, user: int | str, event: FeedbackEvent, *, weight: float = 1.0, shared: bool = True) -> None:
        """Learn from one ``FeedbackEvent``."""
        x = event.vector()
        if event.kind == "pick":
            self.pick(user, x, event.others, weight=weight, shared=shared)
        elif event.kind in REACTION_VALUES or event.kind.startswith("reaction"):
            self.react(user, x, REACTION_VALUES.get(event.kind, event.value), weight=weight, shared=shared)
        elif event.kind == "more":
            self.more(user, x, weight=weight, shared=shared)
        elif event.kind == "regenerate":
            self.regenerate(user, [x], weight=weight, shared=shared)

    def update_from_events(self, user: int | str, events: Sequence[FeedbackEvent], shared: bool = False) -> None:
        """Rebuild ``user`` from their stored feedback, oldest first (``shared``: let it teach the community
        weights too, e.g. when rebuilding everything from an empty model; not when they already learned it).

        A reaction or regenerate stored on each of k candidates of one message counts as one action (1/k
        each); a pick without ``others`` is compared with the other candidates of its message seen in
        ``events``, or, with none, counted as a like.
        """
        self.reset(user)
        shares: dict[tuple[int | None, str], int] = {}
        by_message: dict[int, dict[int, np.ndarray]] = {}
        for e in events:
            shares[(e.message_id, e.kind)] = shares.get((e.message_id, e.kind), 0) + 1
            if e.message_id is not None:
                by_message.setdefault(e.message_id, {})[e.candidate] = e.vector()
        self._user(user)
        for e in events:
            if e.kind == "pick" and not e.others and e.message_id is not None:
                siblings = tuple(v for c, v in by_message[e.message_id].items() if c != e.candidate)
                self.pick(user, e.vector(), siblings, shared=shared)
            else:
                k = shares[(e.message_id, e.kind)] if e.message_id is not None and e.kind != "pick" else 1
                self.observe(user, e, weight=1.0 / k, shared=shared)

    # -- predictions ------------------------------------------------------------------------
    def score(self, user: int | str, feats: np.ndarray) -> float:
        """Log-odds that ``user`` likes an item with these features."""
        return float(self.weights(user) @ self._abs(feats))

    def scores(self, user: int | str, candidates: Sequence[np.ndarray]) -> np.ndarray:
        if not len(candidates):
            return np.zeros(0)
        return np.stack([self._abs(c) for c in candidates]) @ self.weights(user)

    def rank(self, user: int | str, candidates: Sequence[np.ndarray]) -> list[int]:
        """Candidate indices, the one the user most likely prefers first (ties keep their order)."""
        s = self.scores(user, candidates)
        return sorted(range(len(s)), key=lambda i: -s[i])

    # -- plain words ------------------------------------------------------------------------
    def tempo_taste(self, user: int | str | None) -> tuple[int, int, float]:
        """(low, high, strength): the tempo range the user's weights prefer, and the logit spread over 60–180."""
        w = self.weights(user)
        grid = np.array(GRIDS["tempo"], dtype=float)
        curve = np.array([w @ _option("tempo", int(t)) for t in grid])
        best = int(curve.argmax())
        spread = float(curve.max() - curve.min())
        good = curve >= curve.max() - 0.25 * spread
        lo = hi = best
        while lo > 0 and good[lo - 1]:
            lo -= 1
        while hi < len(grid) - 1 and good[hi + 1]:
            hi += 1
        return int(grid[lo]), int(grid[hi]), spread

    def _group_scores(self, w: np.ndarray, prefix: str, names: Sequence[str]) -> dict[str, float]:
        return {n: float(w[_IX[f"{prefix}_{n}"]]) for n in names}

    def explain(self, user: int | str) -> list[str]:
        """Plain-English sentences about what the model has learned about ``user`` (counts and weights)."""
        state = self._user(user, create=False)
        if state.events < MIN_EVENTS:
            n = round(state.events)
            return [f"I don't know your taste yet ({n} reaction{'s' * (n != 1)} or pick{'s' * (n != 1)} so far): "
                    "react 👍/👎 or pick candidates and I'll learn what you like. Until then I follow the "
                    "community's taste."]
        w = self.weights(user)
        out: list[str] = []
        modes = {g: round(state.liked.get(f"mode:{g}", 0.0)) for g in MODE_GROUPS}
        total = sum(modes.values())
        if total:
            dark = modes["minor"] + modes["modal"]
            if dark * 2 >= total:
                what = "minor" if not modes["modal"] else "modal" if not modes["minor"] else "minor or modal"
                out.append(f"You picked {what} keys {dark} of {total} times.")
            else:
                out.append(f"You picked major keys {modes['major']} of {total} times.")
        lo, hi, spread = self.tempo_taste(user)
        if spread >= 0.3:
            grid = GRIDS["tempo"]
            if lo == grid[0] and hi < grid[-1]:
                out.append(f"You like slow tempos, up to about {hi} bpm.")
            elif hi == grid[-1] and lo > grid[0]:
                out.append(f"You like fast tempos, about {lo} bpm and up.")
            elif hi - lo < grid[-1] - grid[0]:
                out.append(f"You like {lo}–{hi} bpm.")
        offered, chosen = state.offered.get("very dense", 0.0), state.chosen.get("very dense", 0.0)
        density = w[_IX["density"]]
        if round(offered) >= 2 and chosen <= offered / 3:
            out.append(f"You skip very dense melodies (passed over {round(offered - chosen)} of {round(offered)}).")
        elif density <= -0.3:
            out.append("You prefer sparser melodies with fewer notes per bar.")
        elif density >= 0.3:
            out.append("You like busy melodies with many notes per bar.")
        for prefix, names, noun in (("style", STYLES, "style"), ("meter", METER_GROUPS, "meters")):
            scores = self._group_scores(w, prefix, names)
            best = max(scores, key=scores.__getitem__)
            rest = [v for k, v in scores.items() if k != best]
            if scores[best] - max(rest) >= 0.2:
                n = round(state.liked.get(f"{prefix}:{best}", 0.0))
                counted = f" ({n} of your {round(state.likes)} likes and picks)" if n else ""
                out.append(f"Your favourite {noun}: {best}{counted}." if prefix == "style"
                           else f"You lean towards {best} {noun}{counted}.")
        phrases = {
            "temperature": ("You like adventurous, surprising melodies (higher temperature).",
                            "You prefer safe, predictable melodies (lower temperature)."),
            "range": ("You like melodies that cover a wide range.", "You like melodies that stay in a narrow range."),
            "leaps": ("You like leaps and jumps.", "You prefer stepwise, singable lines."),
            "rests": ("You like melodies with room to breathe (rests).", "You prefer melodies without rests."),
            "bars": ("You like longer melodies.", "You like short melodies."),
            "note_length": ("You like long, held notes.", "You like short, quick notes."),
            "register": ("You like high melodies.", "You like low melodies."),
        }
        for name, (pos, neg) in phrases.items():
            if abs(w[_IX[name]]) >= 0.4:
                out.append(pos if w[_IX[name]] > 0 else neg)
        return out or ["No strong preferences yet: you seem to like a bit of everything."]

    def chart_png(self, user: int | str, top: int = 10) -> bytes:
        """A horizontal bar chart of the strongest learned likes (green) and dislikes (red), as PNG."""
        from matplotlib.figure import Figure  # the OO API: thread-safe, no pyplot

        state = self._user(user, create=False)
        w = self.weights(user)[:DIM]
        # a continuous feature's negative weight reads better as a like of its low end ("slower tempos")
        bars = [(FEATURE_LABELS[n], float(w[i])) if w[i] >= 0 or not _LOW_LABELS[n] else (_LOW_LABELS[n], -float(w[i]))
                for i, n in enumerate(FEATURE_NAMES)]
        bars = sorted(sorted(bars, key=lambda b: -abs(b[1]))[:top], key=lambda b: b[1])
        fig = Figure(figsize=(7, 0.45 * max(len(bars), 3) + 1.4), dpi=100)
        ax = fig.add_subplot()
        values = [v for _, v in bars]
        ax.barh(range(len(bars)), values, color=["#2a9d5c" if v >= 0 else "#d1495b" for v in values])
        ax.set_yticks(range(len(bars)), [label for label, _ in bars])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("← you skip        preference (log-odds)        you like →")
        who = "your taste" if state.events >= MIN_EVENTS else "the community's taste (you're new)"
        ax.set_title(f"What I've learned: {who} ({round(state.events)} reactions and picks)", fontsize=10)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()

    # -- storage ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready state (floats round-trip exactly through ``json``)."""
        return {
            "version": 1,
            "features": list(FEATURE_NAMES),
            "config": {"user_var": self.user_var, "global_var": self.global_var, "drift": self.drift},
            "prior_var": self.prior_var.tolist(),
            "global": {"w": self.w_global.tolist(), "cov": self.cov_global.tolist()},
            "users": {key: {"delta": u.delta.tolist(), "cov": u.cov.tolist(), "prior": u.prior.tolist(),
                            "events": u.events, "picks": u.picks,
                            "likes": u.likes, "dislikes": u.dislikes, "liked": u.liked, "disliked": u.disliked,
                            "offered": u.offered, "chosen": u.chosen, "tried": sorted(u.tried)}
                      for key, u in self._users.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> TasteModel:
        """The model ``to_dict`` saved; ValueError if saved with other features (then rebuild from events)."""
        if data.get("version") != 1 or tuple(data.get("features", ())) != FEATURE_NAMES:
            raise ValueError("The saved taste model uses other features: rebuild it with update_from_events.")
        model = cls(**data["config"])
        model.w_global = np.array(data["global"]["w"], dtype=float)
        model.cov_global = np.array(data["global"]["cov"], dtype=float)
        model.prior_var = np.array(data["prior_var"], dtype=float)
        for key, u in data["users"].items():
            model._users[key] = _User(
                np.array(u["delta"], dtype=float), np.array(u["cov"], dtype=float), np.array(u["prior"], dtype=float),
                u["events"], u["picks"],
                u["likes"], u["dislikes"], dict(u["liked"]), dict(u["disliked"]), dict(u["offered"]),
                dict(u["chosen"]), set(u["tried"]))
        return model

    # -- defaults and recommendations -------------------------------------------------------
    def _gains(self, user: int | str, name: str, values: Iterable[Any], base: Any, caution: float) -> dict[Any, float]:
        """Log-odds gained by each option over ``base``, less ``caution`` standard deviations of that gain."""
        w = self.weights(user)
        cov = self._user(user, create=False).cov + self.cov_global
        out = {}
        for value in values:
            d = _option(name, value) - _option(name, base)
            out[value] = float(w @ d) - caution * math.sqrt(max(float(d @ cov @ d), 0.0))
        return out

    def preferred_mode(self, user: int | str, caution: float = 0.0) -> tuple[str, float]:
        """(mode, gain over major in log-odds, less ``caution`` sds) of the mode the user likes best."""
        gains = self._gains(user, "key", [f"C {m}" for m in MODE_OFFSET], "C major", caution)
        best = max(gains, key=gains.__getitem__)
        return best[2:], gains[best]

    def learned_defaults(self, user: int | str, explicit: dict | None = None, margin: float = 0.15,
                         caution: float = CAUTION) -> dict:
        """Learned values for the options the user left out (key, tempo, meter, style, temperature, bars).

        Explicit options (not None) always win and are not returned; nothing is suggested before
        ``MIN_EVENTS`` pieces of feedback, nor where the learned gain over the usual default is under
        ``margin`` log-odds after subtracting ``caution`` standard deviations of its uncertainty. The key keeps
        the seed's notes in scale (``explicit["notes"]``, if given).
        """
        explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
        state = self._user(user, create=False)
        if state.events < MIN_EVENTS:
            return {}
        out: dict[str, Any] = {}
        for name, grid in GRIDS.items():
            if name in explicit:
                continue
            gains = self._gains(user, name, grid, DEFAULTS[name], caution)
            best = max(gains, key=gains.__getitem__)
            if gains[best] >= margin and best != DEFAULTS[name]:
                out[name] = best
        if "key" not in explicit:
            mode, gain = self.preferred_mode(user, caution)
            if mode != "major" and gain >= margin:
                out["key"] = _key_for(mode, explicit.get("notes"))
        if "bars" in out and explicit.get("notes"):
            try:
                seed_ticks = sum(n.ticks for n in parse_seed(explicit["notes"]).notes)
            except MusicError:
                seed_ticks = 0
            meter = _meter({"meter": explicit.get("meter") or out.get("meter")})
            if seed_ticks >= out["bars"] * meter.bar_ticks:
                del out["bars"]
        return out

    def suggestions(self, user: int | str, rng: random.Random | np.random.Generator | None = None, n: int = 3,
                    pool: int = 200) -> list[dict]:
        """Ready-to-run settings for /inspire: ``[{"request": MelodyRequest kwargs, "reason", "score", "explore"}]``.

        The first is the best-scoring of ``pool`` random settings (exploitation); the others are Thompson
        samples from the weights' uncertainty, preferring coarse settings (mode, meter, style, tempo band) the
        user hasn't tried yet (exploration). All differ in their coarse setting.
        """
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
            rng.getrandbits(64) if isinstance(rng, random.Random) else None)
        state = self._user(user, create=False)
        settings = [_random_setting(gen) for _ in range(pool)]
        xs = np.stack([self._abs(features(s)) for s in settings])
        kinds = [_combo(_traits(x)) for x in xs]
        mean = self.weights(user)
        chosen: list[dict] = []
        combos: set[str] = set()
        cov = state.cov + self.cov_global
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
                           "reason": self._reason(mean, xs[pick], setting, explore, state.events)})
        return chosen

    def _reason(self, w: np.ndarray, x: np.ndarray, setting: dict, explore: bool, events: float) -> str:
        contrib = w[:DIM] * x[:DIM]
        likes: dict[str, str] = {}  # one reason per group (not both "slower tempos" and "around 70 bpm")
        for i in np.argsort(-contrib):
            if contrib[i] > 0.05 and len(likes) < 2:
                name = FEATURE_NAMES[i]
                likes.setdefault(name.split("_")[0], (FEATURE_LABELS if x[i] > 0 else _LOW_LABELS)[name])
        what = f"{setting['key']}, {setting['meter']}, {setting['tempo']} bpm, {setting['style']}"
        who = "you like" if events >= MIN_EVENTS else "the community likes"
        because = f" ({who} {' and '.join(likes.values())})" if likes else ""
        if explore:
            return f"Something you haven't tried: {what}{because}."
        if events >= MIN_EVENTS:
            return f"Made for your taste: {what}{because}."
        return f"A crowd favourite: {what}{because}."


def _key_for(mode: str, notes: str | None) -> str:
    """A key in ``mode`` that keeps the seed's notes in scale and on stable degrees (no seed: C's key signature)."""
    pcs: list[int] = []
    if notes:
        try:
            pcs = [n.pitch % 12 for n in parse_seed(notes).notes if n.pitch is not None]
        except MusicError:
            pcs = []
    if not pcs:
        return str(Key(MODE_OFFSET[mode], mode))

    def fit(key: Key) -> tuple[int, int, int]:
        scale, stable = _degrees(key)
        return (sum(pc in scale for pc in pcs), sum(pc in stable for pc in pcs),
                (pcs[0] == key.tonic) + (pcs[-1] == key.tonic))

    major = max((Key(t) for t in range(12)), key=fit)
    best = max((Key(t, mode) for t in range(12)),
               key=lambda k: (fit(k)[:2], k.parent_major == major.parent_major, fit(k)[2]))
    return str(best)


@functools.lru_cache(maxsize=128)
def _degrees(key: Key) -> tuple[frozenset[int], frozenset[int]]:
    return key.scale, key.stable


def seed_text(key: Key, pattern: Sequence[int]) -> str:
    """Scale degrees of ``key`` (0 = tonic, 7 = octave) as typed note names, e.g. D major (0, 2, 4) -> 'D F# A'."""
    degrees = sorted(key.scale, key=lambda pc: (pc - key.tonic) % 12)
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
