"""Bach chorales -> per-beat harmony data (music21): chordify, roman numerals against the local key.

Run once (several minutes of CPU): ``python -m data.chorales [--limit N]`` writes ``data/cache/chorales.json``;
``model.harmony --train`` learns its tables from that file. Nothing here runs at bot start-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from music21 import corpus, expressions, key, roman, stream

CACHE = Path(__file__).resolve().parent / "cache" / "chorales.json"

# Krumhansl-Kessler key profiles (tonic first).
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def chord_label(rn: roman.RomanNumeral) -> str:
    """A roman numeral with its inversion collapsed: V65 -> V7, viio6 -> vii°, V43/V -> V7/V."""
    numeral = rn.frontAlterationString.replace("-", "b") + rn.romanNumeralAlone
    if rn.isDiminishedSeventh():
        numeral += "°7"
    elif rn.isHalfDiminishedSeventh():
        numeral += "ø7"
    elif rn.isSeventh():
        numeral += "maj7" if rn.isSeventhOfType((0, 4, 7, 11)) else "7"
    elif rn.isDiminishedTriad():
        numeral += "°"
    elif rn.isAugmentedTriad():
        numeral += "+"
    secondary = rn.secondaryRomanNumeral
    if secondary is not None:
        numeral += "/" + secondary.frontAlterationString.replace("-", "b") + secondary.romanNumeralAlone
    return numeral


def _profile_key(weights: np.ndarray, candidates: list[tuple[int, str]]) -> tuple[tuple[int, str], float]:
    best, score = candidates[0], -2.0
    for tonic, mode in candidates:
        profile = np.roll(_MAJOR if mode == "major" else _MINOR, tonic)
        r = float(np.corrcoef(weights, profile)[0, 1]) if weights.any() else 0.0
        if r > score:
            best, score = (tonic, mode), r
    return best, score


def _related(tonic: int, mode: str) -> list[tuple[int, str]]:
    """The key itself and its closely related keys."""
    if mode == "major":
        rel = [(tonic, "major"), ((tonic + 7) % 12, "major"), ((tonic + 5) % 12, "major"), ((tonic + 9) % 12, "minor"),
               ((tonic + 4) % 12, "minor"), ((tonic + 2) % 12, "minor")]
    else:
        rel = [(tonic, "minor"), ((tonic + 3) % 12, "major"), ((tonic + 7) % 12, "minor"), ((tonic + 5) % 12, "minor"),
               ((tonic + 10) % 12, "major"), ((tonic + 8) % 12, "major")]
    return rel


def extract(score: stream.Score, name: str) -> dict | None:
    """One chorale as beats: local key, Bach's chord (collapsed roman numeral), soprano notes, fermata."""
    sigs = list(score.parts[0].recurse().getElementsByClass("TimeSignature"))
    if not sigs or sigs[0].denominator != 4 or len({s.ratioString for s in sigs}) != 1:
        return None
    num = sigs[0].numerator
    home = score.analyze("key")
    chords = list(score.chordify().flatten().getElementsByClass("Chord"))
    soprano = [n for n in score.parts[0].flatten().notes]
    measures = list(score.parts[0].getElementsByClass(stream.Measure))
    first = float(measures[0].duration.quarterLength) if measures else num
    total = int(np.ceil(float(score.highestTime)))
    fermatas = sorted(float(n.offset) + float(n.quarterLength) for n in soprano
                      if any(isinstance(e, expressions.Fermata) for e in n.expressions))
    if not fermatas or fermatas[-1] < total - 1:
        fermatas.append(float(total))
    beats, ci = [], 0
    phrase_start = 0.0
    for end in fermatas:  # phrases between fermatas, each with its local key
        end_beat = int(np.ceil(end - 1e-6))
        weights = np.zeros(12)
        for c in chords:
            if phrase_start - 2 <= float(c.offset) < end_beat + 2:
                for p in c.pitches:
                    weights[p.pitchClass] += float(c.quarterLength)
        (tonic, mode), _ = _profile_key(weights, _related(home.tonic.pitchClass, home.mode))
        local = key.Key(_tonic_name(tonic, home), mode)
        for t in range(int(np.ceil(phrase_start - 1e-6)), end_beat):
            while ci + 1 < len(chords) and float(chords[ci + 1].offset) <= t + 1e-6:
                ci += 1
            chord = chords[ci]
            try:
                rn = roman.romanNumeralFromChord(chord, local)
                label, pcs = chord_label(rn), sorted({(pc - tonic) % 12 for pc in rn.pitchClasses})
                root = (rn.root().pitchClass - tonic) % 12
            except Exception:  # noqa: BLE001 - odd sonorities are left unlabelled
                label, pcs, root = None, [], None
            mel = []
            for n in soprano:
                on, off = float(n.offset), float(n.offset) + float(n.quarterLength)
                if off > t and on < t + 1:
                    mel.append([n.pitch.midi, round(min(off, t + 1) - max(on, t), 3), int(on >= t and on < t + 1)])
            beats.append({"pos": round(t - first) % num, "tonic": tonic, "mode": mode, "rn": label, "pcs": pcs,
                          "root": root, "mel": mel, "end": t == end_beat - 1})
        phrase_start = end
    return {"name": name, "num": num, "beats": beats}


def _tonic_name(pc: int, home: key.Key) -> str:
    names = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B") if home.sharps <= 0 else (
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    return names[pc]


def extract_corpus(limit: int | None = None, out: Path = CACHE, log=sys.stderr) -> list[dict]:
    """Every chorale (or the first ``limit``) -> ``out`` as JSON; deterministic order."""
    files = sorted(str(p) for p in corpus.chorales.Iterator(returnType="filename"))[:limit]
    found, started = [], time.time()
    for i, name in enumerate(files):
        try:
            item = extract(corpus.parse(name), name)
        except Exception as exc:  # noqa: BLE001 - a damaged file is skipped, not fatal
            print(f"skip {name}: {exc}", file=log)
            item = None
        if item:
            found.append(item)
        if i % 20 == 0:
            print(f"{i}/{len(files)} chorales, {time.time() - started:.0f} s", file=log, flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(found))
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path, default=CACHE)
    args = parser.parse_args()
    extract_corpus(args.limit, args.out)
