"""Per-user taste: an online Bradley–Terry / logistic model over the features of ``studio.taste.features``.

A user's weights are ``w_global + delta_user``: the global part is learned from everyone's feedback (so a
new user starts from the community's taste), the personal part has a Gaussian prior at 0. Each piece of
feedback is one exact Laplace / Newton update of the Gaussian posterior (rank one, a few microseconds):
picks are pairwise (chosen beats each other candidate), reactions, "more like this" and "regenerate" are
logistic on the absolute score.

How far users stray from the community is itself learned, per feature (``refresh_prior``, an
empirical-Bayes step to run now and then). Pure Python + numpy; the state is JSON (``to_dict`` /
``from_dict``) and can always be rebuilt from the stored feedback (``update_from_events``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.errors import MusicError
from data.events import MODE_OFFSET, STYLES, Key
from data.notation import parse_seed
from data.pitch_spelling import as_typed
from studio.analysis.key import spelled_key
from studio.options import DENSITIES
from studio.taste.features import (
    DEFAULTS,
    DIM,
    FEATURE_NAMES,
    REACTION_VALUES,
    FeedbackEvent,
    item_traits,
    meter_of,
    option_features,
    trait_combo,
    with_bias,
)

MIN_EVENTS = 3  # feedback before learned defaults and plain-words sentences kick in
CAUTION = 1.0  # learned defaults: standard deviations of uncertainty a gain must clear ("once confident")
DEFAULT_TEMPOS = (75, 90, 110, 130, 150)  # tempos candidates try and learned defaults choose from: ones users heard
DEFAULT_MODES = ("major", "minor", "dorian", "mixolydian")  # likewise modes: the folk corpus's own
# What `/prefs unlearn` can reset, and the features each part covers
PARTS: dict[str, tuple[str, ...]] = {
    "mode": tuple(f for f in FEATURE_NAMES if f.startswith("mode_")),
    "tempo": tuple(f for f in FEATURE_NAMES if f.startswith("tempo")),
    "meter": tuple(f for f in FEATURE_NAMES if f.startswith("meter_")),
    "style": tuple(f for f in FEATURE_NAMES if f.startswith("style_")),
    "density": ("density", "density_far", "note_length", "rests"),
    "range": ("range", "range_far", "register", "register_far", "leaps"),
    "temperature": ("temperature",),
    "bars": ("bars",),
}
KIND_WEIGHTS = {"pick": 1.0, "pick_like": 0.25, "react": 1.0, "more": 1.0, "regenerate": 0.3}
GRIDS: dict[str, tuple] = {
    "tempo": tuple(range(60, 181, 5)),
    "meter": ("4/4", "3/4", "6/8", "2/4"),
    "style": STYLES,
    "density": DENSITIES,
    "temperature": tuple(round(0.6 + 0.1 * i, 1) for i in range(9)),
    "bars": (4, 8, 12, 16, 24, 32),
}


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
class UserState:
    """One user's posterior over their deviation from the community, and plain-words counts of what they did."""

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

    def __init__(self, user_var: float = 1.0, global_var: float = 1.0, drift: float = 1e-6) -> None:
        self.user_var, self.global_var, self.drift = user_var, global_var, drift
        self.prior_var = np.full(DIM + 1, user_var)  # per feature: how far users stray from the community
        self.w_global = np.zeros(DIM + 1)  # last entry: bias (used by absolute feedback only)
        self.cov_global = np.eye(DIM + 1) * global_var
        self._users: dict[str, UserState] = {}

    # -- state ------------------------------------------------------------------------------
    def _user(self, user: int | str, create: bool = True) -> UserState:
        key = str(user)
        state = self._users.get(key)
        if state is None:
            state = UserState(np.zeros(DIM + 1), np.diag(self.prior_var), self.prior_var.copy())
            if create:
                self._users[key] = state
        return state

    def user_state(self, user: int | str) -> UserState:
        """What the model holds on ``user`` (a blank, unsaved state for a new user): read it, don't change it."""
        return self._user(user, create=False)

    def events(self, user: int | str) -> float:
        """How many feedback actions the model has from ``user``."""
        return self._user(user, create=False).events

    def weights(self, user: int | str | None = None) -> np.ndarray:
        """The user's weights over ``FEATURE_NAMES`` plus a bias (the community's for None or a new user)."""
        if user is None:
            return self.w_global.copy()
        return self.w_global + self._user(user, create=False).delta

    def covariance(self, user: int | str) -> np.ndarray:
        """The uncertainty (covariance) of the user's weights: their own plus the community's."""
        return self._user(user, create=False).cov + self.cov_global

    def reset(self, user: int | str) -> None:
        self._users.pop(str(user), None)

    def forget_part(self, user: int | str, part: str) -> None:
        """Back to the community's taste for one part (``PARTS``: "tempo", "mode" ...) of what ``user`` taught."""
        state = self._users.get(str(user))
        if state is None:
            return
        index = [FEATURE_NAMES.index(f) for f in PARTS[part]]
        state.delta[index] = 0.0
        state.cov[index, :] = 0.0
        state.cov[:, index] = 0.0
        state.cov[index, index] = state.prior[index]

    def clear(self) -> None:
        """Forget every user and the community's weights (back to the prior), e.g. to relearn after `/forget`."""
        blank = TasteModel(self.user_var, self.global_var, self.drift)
        self.prior_var, self.w_global, self.cov_global = blank.prior_var, blank.w_global, blank.cov_global
        self._users.clear()

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
    def _learn(self, state: UserState, z: np.ndarray, y: float, c: float, shared: bool = True) -> None:
        _observe(float(self.w_global @ z), state.delta, state.cov, z, y, c)
        if shared and self.global_var > 0:
            self.cov_global[np.diag_indices_from(self.cov_global)] += self.drift
            _observe(0.0, self.w_global, self.cov_global, z, y, c)

    def pick(self, user: int | str, chosen: np.ndarray, others: Sequence[np.ndarray], *, weight: float = 1.0,
             shared: bool = True) -> None:
        """The user picked ``chosen`` over each of ``others`` (Bradley–Terry), and mildly likes it."""
        state = self._user(user)
        x = with_bias(chosen)
        for other in others:
            self._learn(state, x - with_bias(other), 1.0, KIND_WEIGHTS["pick"] * weight, shared)
        self._learn(state, x, 1.0, KIND_WEIGHTS["pick_like"] * weight, shared)
        state.events += weight
        state.picks += weight
        shown = [item_traits(o) for o in (chosen, *others)]
        _bump(state.liked, shown[0], weight)
        state.likes += weight
        _bump(state.chosen, shown[0], weight)
        _bump(state.offered, {t for traits in shown for t in traits}, weight)
        state.tried.update(trait_combo(traits) for traits in shown)

    def react(self, user: int | str, feats: np.ndarray, value: int, *, weight: float = 1.0,
              shared: bool = True) -> None:
        """A 👍 (``value`` > 0) or 👎 on one item; ``weight`` 1/k when one reaction covers k candidates."""
        state = self._user(user)
        self._learn(state, with_bias(feats), 1.0 if value > 0 else 0.0, KIND_WEIGHTS["react"] * weight, shared)
        self._count(state, feats, value > 0, weight)

    def more(self, user: int | str, feats: np.ndarray, *, weight: float = 1.0, shared: bool = True) -> None:
        """'More like this' on an item: a strong like."""
        state = self._user(user)
        self._learn(state, with_bias(feats), 1.0, KIND_WEIGHTS["more"] * weight, shared)
        self._count(state, feats, True, weight)

    def regenerate(self, user: int | str, feats_list: Sequence[np.ndarray], *, weight: float = 1.0,
                   shared: bool = True) -> None:
        """'Regenerate': a mild dislike shared by the candidates shown (one action)."""
        state = self._user(user)
        share = weight / max(len(feats_list), 1)
        for feats in feats_list:
            self._learn(state, with_bias(feats), 0.0, KIND_WEIGHTS["regenerate"] * share, shared)
            self._count(state, feats, False, share)

    def _count(self, state: UserState, feats: np.ndarray, liked: bool, weight: float) -> None:
        state.events += weight
        traits = item_traits(feats)
        if liked:
            _bump(state.liked, traits, weight)
            state.likes += weight
        else:
            _bump(state.disliked, traits, weight)
            state.dislikes += weight
        state.tried.add(trait_combo(traits))

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

    def update_from_events(self, user: int | str, events: Sequence[FeedbackEvent], shared: bool = False,
                           forgotten: Mapping[str, float] | None = None) -> None:
        """Rebuild ``user`` from their stored feedback, oldest first (``shared``: let it teach the community
        weights too, e.g. when rebuilding everything from an empty model; not when they already learned it).

        A reaction or regenerate stored on each of k candidates of one message counts as one action (1/k
        each); a pick without ``others`` is compared with the other candidates of its message seen in
        ``events``, or, with none, counted as a like. ``forgotten``: part -> when the user reset it with
        ``forget_part`` (what the events before then taught of that part is dropped again).
        """
        self.reset(user)
        resets = sorted((when, part) for part, when in (forgotten or {}).items() if part in PARTS)
        shares: dict[tuple[int | None, str], int] = {}
        by_message: dict[int, dict[int, np.ndarray]] = {}
        for e in events:
            shares[(e.message_id, e.kind)] = shares.get((e.message_id, e.kind), 0) + 1
            if e.message_id is not None:
                by_message.setdefault(e.message_id, {})[e.candidate] = e.vector()
        self._user(user)
        for e in events:
            while resets and resets[0][0] <= e.created_at:
                self.forget_part(user, resets.pop(0)[1])
            if e.kind == "pick" and not e.others and e.message_id is not None:
                siblings = tuple(v for c, v in by_message[e.message_id].items() if c != e.candidate)
                self.pick(user, e.vector(), siblings, shared=shared)
            else:
                k = shares[(e.message_id, e.kind)] if e.message_id is not None and e.kind != "pick" else 1
                self.observe(user, e, weight=1.0 / k, shared=shared)
        for _, part in resets:
            self.forget_part(user, part)

    # -- predictions ------------------------------------------------------------------------
    def score(self, user: int | str, feats: np.ndarray) -> float:
        """Log-odds that ``user`` likes an item with these features."""
        return float(self.weights(user) @ with_bias(feats))

    def scores(self, user: int | str, candidates: Sequence[np.ndarray]) -> np.ndarray:
        if not len(candidates):
            return np.zeros(0)
        return np.stack([with_bias(c) for c in candidates]) @ self.weights(user)

    def rank(self, user: int | str, candidates: Sequence[np.ndarray], caution: float = 0.0) -> list[int]:
        """Candidate indices, the one the user most likely prefers first (ties keep their order); with ``caution``,
        by the predicted score less ``caution`` standard deviations of it (a candidate trying what the model is
        unsure of goes after one it knows is liked)."""
        s = self.scores(user, candidates)
        if caution and len(candidates):
            z = np.stack([with_bias(c) for c in candidates])
            s = s - caution * np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", z, self.covariance(user), z), 0.0))
        return sorted(range(len(s)), key=lambda i: -s[i])

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
            model._users[key] = UserState(
                np.array(u["delta"], dtype=float), np.array(u["cov"], dtype=float), np.array(u["prior"], dtype=float),
                u["events"], u["picks"],
                u["likes"], u["dislikes"], dict(u["liked"]), dict(u["disliked"]), dict(u["offered"]),
                dict(u["chosen"]), set(u["tried"]))
        return model

    # -- learned defaults -------------------------------------------------------------------
    def _gains(self, user: int | str, name: str, values: Iterable[Any], base: Any, caution: float,
               own: bool = False) -> dict[Any, float]:
        """Log-odds gained by each option over ``base``, less ``caution`` standard deviations of that gain.

        ``own``: only options the user's own feedback leans toward (beyond the community's taste) gain at all.
        """
        w = self.weights(user)
        cov = self.covariance(user)
        delta = self._user(user, create=False).delta
        out = {}
        for value in values:
            d = option_features(name, value) - option_features(name, base)
            gain = float(w @ d) - caution * math.sqrt(max(float(d @ cov @ d), 0.0))
            out[value] = gain if not own or float(delta @ d) > 0 else min(gain, 0.0)
        return out

    def preferred_mode(self, user: int | str, caution: float = 0.0, own: bool = False) -> tuple[str, float]:
        """(mode, gain over major in log-odds, less ``caution`` sds) of the mode the user likes best."""
        gains = self._gains(user, "key", [f"C {m}" for m in DEFAULT_MODES], "C major", caution, own)
        best = max(gains, key=gains.__getitem__)
        return best[2:], gains[best]

    def learned_defaults(self, user: int | str, explicit: dict | None = None, margin: float = 0.1,
                         caution: float = CAUTION) -> dict:
        """Learned values for the options the user left out (key, tempo, meter, style, density, temperature, bars).

        Explicit options (not None) always win and are not returned; nothing is suggested before
        ``MIN_EVENTS`` pieces of feedback, nor where the learned gain over the usual default is under
        ``margin`` log-odds after subtracting ``caution`` standard deviations of its uncertainty, nor where the
        user's own feedback (not only the community's taste) does not lean that way. The key keeps
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
            grid = DEFAULT_TEMPOS if name == "tempo" else grid  # no extrapolation to tempos never offered
            gains = self._gains(user, name, grid, DEFAULTS[name], caution, own=True)
            best = max(gains, key=gains.__getitem__)
            if gains[best] >= margin and best != DEFAULTS[name]:
                out[name] = best
        if "key" not in explicit:
            mode, gain = self.preferred_mode(user, caution, own=True)
            if mode != "major" and gain >= margin:
                out["key"] = key_for(mode, explicit.get("notes"))
        if "bars" in out and explicit.get("notes"):
            meter = meter_of({"meter": explicit.get("meter") or out.get("meter")})
            try:
                seed = parse_seed(explicit["notes"], meter=meter)
                seed_ticks = seed.ticks - seed.pickup  # ``bars`` counts the full bars after a pickup
            except MusicError:
                seed_ticks = 0
            if seed_ticks >= out["bars"] * meter.bar_ticks:
                del out["bars"]
        return out


def key_for(mode: str, notes: str | None) -> str:
    """A key in ``mode`` that keeps the seed's notes in scale and on stable degrees (no seed: C's key signature),
    named as its signature spells it, with the seed's sharps or flats where it has them (A# minor for `C# E# G#`)."""
    pcs: list[int] = []
    typed: tuple[str, ...] = ()
    if notes:
        try:
            seed = parse_seed(notes)
            pcs, typed = [n.pitch % 12 for n in seed.notes if n.pitch is not None], seed.typed
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
    return str(as_typed(spelled_key(best.tonic, mode), typed))


@functools.lru_cache(maxsize=128)
def _degrees(key: Key) -> tuple[frozenset[int], frozenset[int]]:
    return key.scale, key.stable
