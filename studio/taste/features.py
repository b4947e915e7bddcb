"""What the taste model sees of a generation: interpretable, standardized features, and stored feedback as events.

Every generation becomes a short, standardized feature vector (``FEATURE_NAMES``: mode, tempo, meter,
style, temperature, range, density, ...): a candidate, a stored row and a corpus tune alike.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from data.errors import MusicError
from data.events import MODE_OFFSET, STYLES, TPQ, Key, Meter, Note
from data.notation import stored_notes
from studio.requests import MelodyRequest

MODE_GROUPS = ("major", "minor", "modal")
MODES = tuple(MODE_OFFSET)
TEMPO_CENTRES = (70, 90, 110, 130, 150)  # soft (triangular) tempo bands, so "90–110 bpm" tastes are learnable
TEMPO_HALF_WIDTH = 20
METER_GROUPS = ("duple", "triple", "compound", "odd")
DENSE, SPARSE = 6.5, 2.0  # notes per bar that count as "very dense" / "sparse" in plain-words counts
# What each /melody density writes, on average in 4/4 (notes per bar, quarter notes per note): see studio.melody
DENSITY_NOTES = {"sparse": (3.0, 1.33), "natural": (4.5, 0.89), "busy": (7.0, 0.57)}

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
# Tastes that peak in the middle ("a moderate range"): the square of a standardized value, so that with the value
# itself a linear score can hold a bump anywhere. name, what a high value means, what a low value means
_BUMPS: tuple[tuple[str, str, str], ...] = (
    ("range", "pitch ranges far from a usual octave", "a pitch range near an octave"),
    ("density", "very dense or very sparse melodies", "a middling number of notes per bar"),
    ("register", "registers far from the middle", "a middle register"),
)
RAW_NAMES: tuple[str, ...] = tuple(s[0] for s in _SPECS)  # what ``raw_features`` measures
FEATURE_NAMES: tuple[str, ...] = RAW_NAMES + tuple(f"{b[0]}_far" for b in _BUMPS)
FEATURE_LABELS: dict[str, str] = {s[0]: s[1] for s in _SPECS} | {f"{b[0]}_far": b[1] for b in _BUMPS}
# a continuous feature's low end ("slower tempos")
LOW_LABELS: dict[str, str] = {s[0]: s[2] for s in _SPECS} | {f"{b[0]}_far": b[2] for b in _BUMPS}
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
_MU = np.array([s[3] for s in _SPECS])
_SD = np.array([s[4] for s in _SPECS])
_BUMP_INDEX = [RAW_NAMES.index(b[0]) for b in _BUMPS]
DIM = len(FEATURE_NAMES)
RAW_LIMIT = 1e6  # no option comes near this: larger values standardize past CLIP either way
CLIP = 4.0  # standardized values are clipped to ±CLIP so an extreme option can't dominate a score

DEFAULTS = {k: v for k, v in vars(MelodyRequest(notes="C")).items() if k != "notes"}  # tempo: 4/4's


def mode_group(mode: str) -> str:
    return mode if mode in ("major", "minor") else "modal"


def meter_group(meter: Meter) -> str:
    """``Meter.group``: 'duple', 'triple', 'compound' or 'odd'."""
    return meter.group


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


def meter_of(params: dict) -> Meter:
    """The meter of stored request params (4/4 when missing or unreadable)."""
    try:
        return Meter.parse(str(params.get("meter") or "4/4"))
    except MusicError:
        return Meter()


def raw_features(params: dict, notes: Sequence[Note] | None = None) -> np.ndarray:
    """The unscaled values behind ``FEATURE_NAMES`` (bpm, semitones, notes per bar ...)."""
    ix = FEATURE_INDEX
    raw = _MU.copy()
    key = _key(params)
    if key is not None:
        raw[ix[f"mode_{key.mode}"]] = 1.0
    meter = meter_of(params)
    tempo = _number(params.get("tempo"), meter.default_bpm)
    raw[ix["tempo"]] = tempo
    for c, m in zip(TEMPO_CENTRES, tempo_bands(tempo), strict=True):
        raw[ix[f"tempo_{c}"]] = m
    raw[ix[f"meter_{meter.group}"]] = 1.0
    if params.get("style", DEFAULTS["style"]) in STYLES:
        raw[ix[f"style_{params.get('style', DEFAULTS['style'])}"]] = 1.0
    raw[ix["temperature"]] = _number(params.get("temperature"), DEFAULTS["temperature"])
    raw[ix["bars"]] = _number(params.get("bars"), DEFAULTS["bars"])
    if not notes and params.get("density") in DENSITY_NOTES:  # no notes yet: what the density option writes
        raw[ix["density"]], raw[ix["note_length"]] = DENSITY_NOTES[params["density"]]
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
        raw[ix["range"]] = max(pitches) - min(pitches)
        raw[ix["density"]] = len(pitches) / max(ticks / meter.bar_ticks, 0.25)
        raw[ix["note_length"]] = note_ticks / len(pitches) / TPQ
        raw[ix["rests"]] = rest_ticks / ticks
        raw[ix["register"]] = sum(pitches) / len(pitches)
        raw[ix["leaps"]] = sum(abs(b - a) for a, b in itertools.pairwise(pitches)) / max(len(pitches) - 1, 1)
    return raw


def standardize(raw: np.ndarray) -> np.ndarray:
    """Raw feature values (``raw_features``) -> the standardized features the model uses (the bumps appended)."""
    z = np.clip((raw - _MU) / _SD, -CLIP, CLIP)
    return np.concatenate([z, np.minimum(z[_BUMP_INDEX] ** 2 / 2, CLIP)])


def features(params: dict, notes: Sequence[Note] | None = None) -> np.ndarray:
    """Standardized, fixed-length (``len(FEATURE_NAMES)``) features of a request and (optionally) its notes.

    Unknown or missing options fall back to ``MelodyRequest`` defaults; without notes, the note-based
    features (range, density, ...) sit at their neutral centre.
    """
    return standardize(raw_features(params, notes))


def with_bias(x: np.ndarray) -> np.ndarray:
    """Model input: the features (any extra entries dropped) plus a bias of 1."""
    return np.append(np.asarray(x, dtype=float)[:DIM], 1.0)


@functools.lru_cache(maxsize=512)
def option_features(name: str, value: Any) -> np.ndarray:
    """Model input (features + bias) of a request that sets only ``name`` (read-only, cached)."""
    x = np.append(features({name: value}), 1.0)
    x.flags.writeable = False
    return x


def unscale(z: np.ndarray) -> np.ndarray:
    """Standardized features back to raw units (up to clipping)."""
    return np.asarray(z)[:len(RAW_NAMES)] * _SD + _MU


def notes_from_text(text: str) -> tuple[Note, ...] | None:
    """Stored note text ``"seed ➜ continuation"`` back to notes (as ``Composer.restore`` reads it)."""
    try:
        return stored_notes(text)
    except MusicError:
        return None


def item_traits(z: np.ndarray) -> list[str]:
    """Plain-words categories of one item ("mode:minor", "tempo:80–100", "very dense" ...), for counts."""
    raw = unscale(z)
    ix = FEATURE_INDEX
    out = [f"mode:{mode_group(m)}" for m in MODES if raw[ix[f"mode_{m}"]] > 0.5]
    out += [f"meter:{g}" for g in METER_GROUPS if raw[ix[f"meter_{g}"]] > 0.5]
    out += [f"style:{s}" for s in STYLES if raw[ix[f"style_{s}"]] > 0.5]
    out.append(f"tempo:{_tempo_bin(raw[ix['tempo']])}")
    if raw[ix["density"]] >= DENSE:
        out.append("very dense")
    if raw[ix["density"]] <= SPARSE:
        out.append("sparse")
    return out


def _tempo_bin(tempo: float) -> str:
    low = int(min(max(tempo, 60), 159.99) // 20 * 20)
    return "under 80" if low < 80 else "140+" if low >= 140 else f"{low}–{low + 20}"


def trait_combo(traits: list[str]) -> str:
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
    created_at: float = 0.0  # Unix time

    def vector(self) -> np.ndarray:
        return self.features if self.features is not None else features(self.params, None)


def event_from_row(kind: str, value: int, candidate: int, message_id: int | None, params: dict, notes: str,
                   siblings: Iterable[tuple[dict, str]] = (), created_at: float = 0.0) -> FeedbackEvent:
    """A stored feedback row (and, for picks, the other candidates' (params, notes text)) as an event."""
    others = tuple(features(p, notes_from_text(t)) for p, t in siblings)
    return FeedbackEvent(kind, value, message_id, candidate, params, features(params, notes_from_text(notes)), others,
                         created_at)
