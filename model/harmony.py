"""Harmony HMM learned from the Bach chorales: roman-numeral states, melody emissions, Viterbi with cadences.

Tables (``model/checkpoints/harmony.json``, deterministic, small) are learned from ``data/cache/chorales.json``
(made by ``python -m data.chorales``). Build: ``python -m model.harmony --train``. Everything here is
relative to the tonic (pitch class 0), so it knows nothing about concrete keys.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.events import TPQ, Key, Meter
from model.config import CHECKPOINTS

CHECKPOINT = CHECKPOINTS / "harmony.json"
VOCAB_SIZE = 24
GRAINS = ("beat", "half", "bar")
# Per-beat moves into a strong / weak beat, into a phrase end, into the beat before a phrase end; and per half bar
# and bar, into the span holding a phrase end and into the span before it (a beat's moves into a cadence are mostly
# the final chord held, while the half bar before a fermata is mostly V).
CADENCES = ("cadence", "pre_cadence", "cadence_half", "pre_cadence_half", "cadence_bar", "pre_cadence_bar")
MATRICES = (*GRAINS, "beat_strong", "beat_weak", *CADENCES)
# Decoder weights, chosen on a third of the training chorales (never the held-out ones): see bench/harmony.py.
DECODER = {"smooth": 0.1, "unlearned": -1.0, "emit": 0.8, "end": 0.0, "before_end": 0.0, "cadence": True,
           "pre_cadence": True, "metric": False, "outside": 0.05, "clash": 0.001,
           "chromatic": -1.0}
HELD_OUT_EVERY = 10  # chorale i (sorted by name) is held out when i % 10 == 0
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
QUALITY = {  # intervals above the root -> (upper case?, suffix)
    (0, 4, 7): (True, ""), (0, 3, 7): (False, ""), (0, 3, 6): (False, "°"), (0, 4, 8): (True, "+"),
    (0, 4, 7, 10): (True, "7"), (0, 4, 7, 11): (True, "maj7"), (0, 3, 7, 10): (False, "7"),
    (0, 3, 6, 10): (False, "ø7"), (0, 3, 6, 9): (False, "°7"), (0, 3, 7, 11): (False, "maj7"),
}
SUFFIX_INTERVALS = {("", True): (0, 4, 7), ("", False): (0, 3, 7), ("°", False): (0, 3, 6), ("+", True): (0, 4, 8),
                    ("7", True): (0, 4, 7, 10), ("maj7", True): (0, 4, 7, 11), ("7", False): (0, 3, 7, 10),
                    ("ø7", False): (0, 3, 6, 10), ("°7", False): (0, 3, 6, 9), ("maj7", False): (0, 3, 7, 11)}


def table_mode(mode: str) -> str:
    """Which learned table a mode uses: major-like (major third) or minor-like."""
    return "major" if mode in ("major", "lydian", "mixolydian") else "minor"


def normalise(label: str | None, mode: str) -> str | None:
    """music21 writes minor's VI and VII as bVI and bVII; learners read them as VI and VII."""
    if label and mode == "minor" and label.startswith("b") and label[1:3].upper() == "VI":
        return label[1:]
    return label


def parse_label(label: str) -> tuple[int, tuple[int, ...]] | None:
    """'V7/V' -> (root relative to the tonic, intervals above the root), for labels in major-scale terms."""
    main, _, of = label.partition("/")
    shift = 0
    if of:
        target = parse_label(of)
        if target is None:
            return None
        shift = target[0]
    accidental = 0
    while main and main[0] in "b#":
        accidental += -1 if main[0] == "b" else 1
        main = main[1:]
    numeral = "".join(ch for ch in main if ch.upper() in "IV")
    suffix = main[len(numeral):]
    if numeral.upper() not in ROMAN or (suffix, numeral.isupper()) not in SUFFIX_INTERVALS:
        return None
    root = (shift + (0, 2, 4, 5, 7, 9, 11)[ROMAN.index(numeral.upper())] + accidental) % 12
    return root, SUFFIX_INTERVALS[(suffix, numeral.isupper())]


def chord_pcs(root: int, intervals: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((root + i) % 12 for i in intervals)


# ---- training ---------------------------------------------------------------------------------
def grain_ticks(grain: str, meter: Meter) -> int:
    """One chord span of ``grain`` in ticks: a felt beat, half of a bar of an even number of beats, else a bar."""
    if grain == "beat":
        return meter.beat_ticks
    if grain == "half" and meter.beats % 2 == 0:
        return meter.bar_ticks // 2
    return meter.bar_ticks


# The chorales (``data.chorales``) are in num/4 time, one entry per quarter note: ``pos`` counts quarters.
def strong(pos: int, num: int) -> bool:
    """Whether quarter ``pos`` of a num/4 bar is on a strong beat (``Meter.strong_ticks``: 1 and 3 of 4/4)."""
    return pos * TPQ in Meter(num, 4).strong_ticks


def grain_stride(grain: str, num: int) -> int:
    """Quarters per chord span of ``grain`` in a num/4 bar."""
    return grain_ticks(grain, Meter(num, 4)) // TPQ


def train(chorales: list[dict], vocab_size: int = VOCAB_SIZE, prior_weight: float = 10.0) -> dict:
    """Learn per-mode vocabulary, transitions (per grain), initial/cadence priors and melody emissions."""
    tables = {}
    for mode in ("major", "minor"):
        counts: Counter[str] = Counter()
        root_counts: dict[str, Counter[int]] = defaultdict(Counter)
        for c in chorales:
            for b in c["beats"]:
                if b["mode"] == mode and b["rn"]:
                    counts[normalise(b["rn"], mode)] += 1
                    root_counts[normalise(b["rn"], mode)][b["root"]] += 1
        vocab = [lab for lab, _ in counts.most_common() if parse_label(lab) is not None][:vocab_size]
        index = {lab: i for i, lab in enumerate(vocab)}
        n = len(vocab)
        emit = np.zeros((n, 12))
        start, end, before_end = np.ones(n), np.ones(n) * 0.5, np.ones(n) * 0.5
        prior = np.ones(n)
        trans = {g: np.ones((n, n)) * 0.5 for g in MATRICES}
        for c in chorales:
            beats = c["beats"]
            labels = [index.get(normalise(b["rn"], b["mode"])) if b["mode"] == mode else None for b in beats]
            for b, lab in zip(beats, labels, strict=True):
                if lab is None:
                    continue
                prior[lab] += 1
                for midi, dur, onset in b["mel"]:
                    emit[lab, (midi - b["tonic"]) % 12] += dur + 0.5 * onset
            for i, (b, lab) in enumerate(zip(beats, labels, strict=True)):
                if lab is None:
                    continue
                if i == 0 or beats[i - 1]["end"]:
                    start[lab] += 1
                if b["end"]:
                    end[lab] += 1
                if i + 1 < len(beats) and beats[i + 1]["end"] and labels[i + 1] is not None:
                    before_end[lab] += 1
            for g in GRAINS:
                stride = grain_stride(g, c["num"])
                picked = [(i, lab) for i, (b, lab) in enumerate(zip(beats, labels, strict=True))
                          if b["pos"] % stride == 0]
                suffix = "" if g == "beat" else f"_{g}"
                for (i, a), (j, b2) in itertools.pairwise(picked):
                    if a is not None and b2 is not None and j - i == stride and beats[i]["tonic"] == beats[j]["tonic"]:
                        trans[g][a, b2] += 1
                        # Into a cadence, a span is read at the chord that moves (its last beat: the half bar
                        # before a fermata often starts on I6 or IV and moves to V on its second beat) and the
                        # phrase-end span at the fermata's chord.
                        last = labels[j - 1] if g != "beat" else a
                        if _holds_end(beats, j, stride):
                            fermata = next(k for k in range(j, j + stride) if beats[k]["end"])
                            if last is not None and labels[fermata] is not None:
                                trans["cadence" + suffix][last, labels[fermata]] += 1
                        elif _holds_end(beats, j + stride, stride):
                            moving = labels[min(len(beats), j + stride) - 1] if g != "beat" else b2
                            if moving is not None:
                                trans["pre_cadence" + suffix][a, moving] += 1
                        if g == "beat" and not beats[j]["end"]:
                            trans["beat_strong" if strong(beats[j]["pos"], c["num"]) else "beat_weak"][a, b2] += 1
        for name in CADENCES:  # back off to any move of the grain
            grain = name.rsplit("_", 1)[1] if name.endswith(("_half", "_bar")) else "beat"
            trans[name] += 5.0 * trans[grain] / trans[grain].sum(1, keepdims=True)
        roots = {lab: (root_counts[lab].most_common(1)[0][0], parse_label(lab)[1]) for lab in vocab}
        template = np.array([_template(chord_pcs(*roots[lab])) for lab in vocab])
        emit = (emit + prior_weight * template) / (emit + prior_weight * template).sum(1, keepdims=True)
        norm = prior / prior.sum()
        tables[mode] = {
            "vocab": vocab,
            "chords": {lab: {"root": roots[lab][0], "intervals": list(roots[lab][1])} for lab in vocab},
            "prior": _round(np.log(norm)),
            "start": _round(np.log(start / start.sum())),
            "end": _round(np.log(end / end.sum()) - np.log(norm)),
            "before_end": _round(np.log(before_end / before_end.sum()) - np.log(norm)),
            "trans": {g: _round(np.log(t / t.sum(1, keepdims=True))) for g, t in trans.items()},
            "emit": _round(np.log(emit)),
            "count": int(sum(counts[lab] for lab in vocab)),
            "coverage": round(sum(counts[lab] for lab in vocab) / max(1, sum(counts.values())), 4),
        }
    return {"version": 1, "source": "music21 Bach chorales (training split: all but every 10th)", "decoder": DECODER,
            "tables": tables}


def clashes(state: State, mode: str) -> frozenset[int]:
    """Melody pitch classes that clash with the chord: the mode's own note on the letter of a chord tone the chord
    alters (D against V's D# in E minor, F against II's F# in C major, A against iv's Ab): the chord tones are
    stacked thirds on the numeral's degree, each on its own letter."""
    main = state.label.partition("/")
    degree = 0
    for part in (main[0], main[2]):
        numeral = "".join(ch for ch in part.lstrip("b#") if ch.upper() in "IV")
        if numeral.upper() in ROMAN:
            degree += ROMAN.index(numeral.upper())
    scale = sorted(Key(0, mode).scale)
    intervals = sorted((pc - state.root) % 12 for pc in state.pcs)
    return frozenset(scale[(degree + 2 * k) % 7] for k, interval in enumerate(intervals)
                     if (state.root + interval) % 12 != scale[(degree + 2 * k) % 7])


def _holds_end(beats: list[dict], k: int, stride: int) -> bool:
    """Whether the span of ``stride`` beats from beat ``k`` holds a phrase end (a fermata)."""
    return any(b["end"] for b in beats[k:k + stride])


def _chord_tones(state: State, outside: float) -> np.ndarray:
    """A melody distribution over a span of several notes: every chord tone equally likely, ``outside`` for the
    rest."""
    tones = sorted({pc % 12 for pc in state.pcs})
    p = np.full(12, outside / (12 - len(tones)))
    p[tones] = (1 - outside) / len(tones)
    return p


def _ends_on(span: Span, tonic: State, states: list[State]) -> bool:
    """Whether a melody whose last span is ``span`` can end on the tonic chord: its last note is a tonic chord tone,
    and when that note is the fifth, no other chord holds more of the span (``G B D G`` ends on V, not I)."""
    if not span.notes:
        return True
    last = span.notes[-1][0] % 12
    if last not in tonic.pcs:
        return False
    if last != (tonic.root + 7) % 12:
        return True

    def held(state: State) -> float:
        return sum(w for pc, w in span.notes if pc % 12 in state.pcs)

    return held(tonic) >= max(held(s) for s in states) - 1e-9


def _template(pcs: tuple[int, ...]) -> np.ndarray:
    """A melody-note distribution that favours chord tones, then the major/minor scale, then anything."""
    t = np.full(12, 0.02)
    t[[0, 2, 4, 5, 7, 9, 11]] = 0.06
    t[list(pcs)] = 0.3
    return t / t.sum()


def _round(a: np.ndarray) -> list:
    return np.round(a, 3).tolist()


def split(chorales: list[dict]) -> tuple[list[dict], list[dict]]:
    """Deterministic split by chorale: (training, held out)."""
    ordered = sorted(chorales, key=lambda c: c["name"])
    return ([c for i, c in enumerate(ordered) if i % HELD_OUT_EVERY],
            [c for i, c in enumerate(ordered) if i % HELD_OUT_EVERY == 0])


# ---- decoding ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """One chord the decoder may choose: roman numeral, root and pitch classes relative to the tonic."""

    label: str
    root: int
    pcs: tuple[int, ...]
    emit: np.ndarray  # log P(melody pitch class relative to the tonic | chord)
    learned: int | None  # row in the learned tables, or None for a chord the chorales don't have


@dataclass(frozen=True)
class Span:
    """Melody inside one chord span: (pitch class relative to the tonic, weight) pairs; phrase end flag."""

    notes: tuple[tuple[int, float], ...]
    phrase_end: bool = False
    strong: bool = True  # starts on a strong beat (used by the per-beat transitions)
    downbeat: bool = True  # starts a bar


class HarmonyModel:
    """The learned tables plus a Viterbi decoder with optional cadence boosts."""

    def __init__(self, tables: dict) -> None:
        self.tables = tables["tables"]
        self.source = tables.get("source", "")
        self.params = {**DECODER, **tables.get("decoder", {})}

    @classmethod
    def load(cls, path: Path = CHECKPOINT) -> HarmonyModel:
        return cls(json.loads(path.read_text()))

    def states(self, mode: str) -> list[State]:
        t = self.tables[table_mode(mode)]
        emit = np.array(t["emit"])
        return [State(lab, t["chords"][lab]["root"], chord_pcs(t["chords"][lab]["root"],
                                                               tuple(t["chords"][lab]["intervals"])), emit[i], i)
                for i, lab in enumerate(t["vocab"])]

    def state_for(self, mode: str, root: int, intervals: tuple[int, ...], label: str) -> State:
        """A chord by its root and intervals: the learned one if the chorales have it, else a template state."""
        pcs = chord_pcs(root, intervals)
        for s in self.states(mode):
            if s.root == root and set(s.pcs) == set(pcs):
                return s
        return State(label, root, pcs, np.log(_template(pcs)), None)

    def decode(self, spans: list[Span], states: list[State], mode: str, grain: str = "beat", cadence: bool = True,
               boosts: dict[tuple[str, str], float] | None = None, transitions: np.ndarray | None = None,
               final: list[str] | None = None, chorale_cadences: bool = True, final_spans: int = 1,
               first: list[str] | None = None, boost_within_bar: bool = True,
               final_cadence: bool = False, early_tonic: float = 0.0, bar_holds: float = 0.0,
               start_bonus: dict[str, float] | None = None, end_weight: float | None = None,
               prefer: dict[int, dict[str, float]] | None = None) -> list[State]:
        """Viterbi: the most likely chord per span. ``cadence``: moves into a phrase end use the learned cadence
        transitions (plus optional end-chord priors), and the last span is forced to one of ``final`` (e.g. the
        tonic) when the melody's last note fits it, and the ``final_spans`` - 1 spans before (those the last note
        holds too) keep the last span's chord, tonic or not (a half cadence's V under a held D); ``boosts`` add
        log-score to chosen transitions (style variants); ``transitions`` replace the learned matrices (e.g.
        uniform); ``chorale_cadences``: False keeps the ordinary moves into and before a phrase end (pop and jazz
        have their own boosts), except into and before the final chord with ``final_cadence``; ``first``: the
        chords the first span may have (a pickup's: the tonic or the dominant that leads into the first bar);
        ``boost_within_bar``: False gives ``boosts`` only to moves onto a downbeat (a song's chords change at the bar
        line unless its melody asks otherwise); ``early_tonic``: a log-score cost on the final chord in the span just
        before it, so a close call there goes to a chord that leads into it (Mary had a little lamb's `D D E D | C:w`
        under `G | C`, not `G C | C`); ``bar_holds``: at half-bar spans, a song's: across a bar line the learned
        moves from bar to bar, and within a bar the chord holds with this probability (the chorales' half-bar moves
        kept V a half bar at most, so a pop tune sat on I for eight bars: `D E G` and `A G E D` found no G);
        ``start_bonus``: log-score added to these chords in the first bar (a song opens on its tonic: with a chord held
        through the bar, a close call in the first half of it would otherwise decide the whole bar); ``end_weight``
        replaces the decoder's weight on the learned phrase-end chords (a song's phrase that rests on the tonic at
        bar 4 rests on I, where the held C fits IV as well and a song's moves would take it there); ``prefer``: span
        index -> log-score added to chords by label there (a repeated bar leaning to its first statement's chords)."""
        if not spans:
            return []
        t = self.tables[table_mode(mode)]
        n = len(states)
        trans = transitions if transitions is not None else self._transitions(t, states, grain)
        per_beat = grain == "beat" and transitions is None and "beat_strong" in t["trans"]
        extra = {name: self._transitions(t, states, name) for name in MATRICES[3:]
                 if name in t["trans"] and transitions is None}
        bonus = np.zeros((n, n))
        labels = [s.label for s in states]
        for (a, b), value in (boosts or {}).items():
            if a in labels and b in labels:
                bonus[labels.index(a), labels.index(b)] += value
        start = np.array([t["start"][s.learned] if s.learned is not None else math.log(0.02) for s in states])
        start = start + np.array([(start_bonus or {}).get(s.label, 0.0) for s in states])
        end_boost = np.array([t["end"][s.learned] if s.learned is not None else -1.0 for s in states])
        pre_boost = np.array([t["before_end"][s.learned] if s.learned is not None else -1.0 for s in states])
        # Spans longer than a beat hold several notes: each chord tone equally likely (the learned distribution is
        # the chorale soprano's over one beat, which over vi sits on C or E and on A 8% of the time, so a bar of
        # A C E A got IV with E against its F), and a little probability for any note, so a passing note can't veto
        # a chord. Folk tunes, one chord per bar: 84.7% -> 86.7% of strong-beat notes are chord tones (bench.harmony).
        if grain == "beat":
            emits = np.array([s.emit for s in states])  # n x 12
        else:
            smooth, outside = self.params["smooth"], self.params["outside"]
            emits = np.log((1 - smooth) * np.array([_chord_tones(s, outside) for s in states]) + smooth / 12)
            for row, state in enumerate(states):  # the note the chord alters sounds wrong, not merely passing
                emits[row, sorted(clashes(state, mode))] = math.log(self.params["clash"])
        penalty = np.array([0.0 if s.learned is not None else self.params["unlearned"] for s in states])
        # a chord with a note outside the mode (its leading tone aside, in minor) where the melody never sounds
        # that note: chromatic colour the tune does not ask for (A major and A7 all through an A minor folk tune)
        allowed = set(Key(0, mode).scale) | {pc % 12 for span in spans for pc, _ in span.notes}
        if table_mode(mode) == "minor":
            allowed.add(11)
        penalty += np.array([0.0 if set(s.pcs) <= allowed else self.params["chromatic"] for s in states])
        score = np.zeros((len(spans), n))
        for k, span in enumerate(spans):
            score[k] += penalty
            if prefer and k in prefer:
                score[k] += np.array([prefer[k].get(s.label, 0.0) for s in states])
            for pc, w in span.notes:
                score[k] += self.params["emit"] * w * emits[:, pc % 12]
            if cadence:
                if span.phrase_end:
                    score[k] += (self.params["end"] if end_weight is None else end_weight) * end_boost
                if k + 1 < len(spans) and spans[k + 1].phrase_end:
                    score[k] += self.params["before_end"] * pre_boost
        if cadence and final:
            allowed = [i for i, s in enumerate(states) if s.label in final]
            fits = [i for i in allowed if _ends_on(spans[-1], states[i], states)]
            if fits:
                mask = np.full(n, -1e9)
                mask[fits] = 0.0
                score[-max(final_spans, 1):] += mask  # every span the last note holds
            if early_tonic and len(spans) > max(final_spans, 1):
                score[-max(final_spans, 1) - 1] -= early_tonic * np.array([s.label in final for s in states])
        if first and (opening := [i for i, s in enumerate(states) if s.label in first]):
            mask = np.full(n, -1e9)
            mask[opening] = 0.0
            score[0] += mask
            if len(spans) > 1:  # the tune's opening chord is the first bar's: the pickup leads into it
                score[1] += start
                start = np.zeros(n)
        best = start + score[0]
        back = np.zeros((len(spans), n), dtype=int)
        suffix = "" if grain == "beat" or f"cadence_{grain}" not in extra else f"_{grain}"
        held = np.where(np.eye(n, dtype=bool), 0.0, -1e9)  # one chord under the held last note, tonic or not
        bars = bool(bar_holds) and grain == "half" and transitions is None and "bar" in t["trans"]
        if bars:
            across = self._transitions(t, states, "bar")
            stay = np.eye(n, dtype=bool)
            off = np.where(stay, -np.inf, trans)
            off = off - np.logaddexp.reduce(off, axis=1, keepdims=True)
            within = np.where(stay, math.log(bar_holds), math.log(1 - bar_holds) + off)
        last = len(spans) - max(final_spans, 1)  # the first span of the final chord
        for k in range(1, len(spans)):
            step = trans
            if cadence and k > last:
                step = held
            elif (cadence and (chorale_cadences or (final_cadence and k == last)) and spans[k].phrase_end
                    and "cadence" + suffix in extra and self.params["cadence"]):
                step = extra["cadence" + suffix]
            elif (cadence and (chorale_cadences or (final_cadence and k + 1 == last)) and k + 1 < len(spans)
                  and spans[k + 1].phrase_end and "pre_cadence" + suffix in extra and self.params["pre_cadence"]):
                step = extra["pre_cadence" + suffix]
            elif per_beat and self.params["metric"]:
                step = extra["beat_strong" if spans[k].strong else "beat_weak"]
            elif bars:
                step = across if spans[k].downbeat else within
            cand = best[:, None] + step + (bonus if boost_within_bar or spans[k].downbeat else 0.0)
            back[k] = cand.argmax(0)
            best = cand.max(0) + score[k]
        path = [int(best.argmax())]
        for k in range(len(spans) - 1, 0, -1):
            path.append(int(back[k, path[-1]]))
        return [states[i] for i in reversed(path)]

    @staticmethod
    def _transitions(t: dict, states: list[State], grain: str) -> np.ndarray:
        learned = np.array(t["trans"][grain])
        n = len(states)
        out = np.full((n, n), math.log(1.0 / max(n, 1)))
        for i, a in enumerate(states):
            for j, b in enumerate(states):
                if a.learned is not None and b.learned is not None:
                    out[i, j] = learned[a.learned, b.learned]
                elif i == j:
                    out[i, j] = math.log(0.3)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Learn the harmony HMM tables from the extracted chorales.")
    parser.add_argument("--train", action="store_true", help="extract (if not cached) and learn the tables")
    parser.add_argument("--limit", type=int, help="only the first N chorales (smoke test)")
    parser.add_argument("--out", type=Path, default=CHECKPOINT)
    args = parser.parse_args()
    if not args.train:
        parser.error("nothing to do: pass --train")
    from data.chorales import CACHE, extract_corpus

    chorales = json.loads(CACHE.read_text()) if CACHE.exists() and args.limit is None else extract_corpus(
        args.limit, CACHE if args.limit is None else Path("/tmp/chorales-smoke.json"))
    training, held = split(chorales)
    tables = train(training or chorales)
    args.out.write_text(json.dumps(tables, separators=(",", ":")))
    stats = {m: (len(t["vocab"]), t["coverage"]) for m, t in tables["tables"].items()}
    print(f"{len(training)} training chorales, {len(held)} held out; (vocab, coverage) per mode: {stats}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
