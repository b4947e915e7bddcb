"""Which key a melody is in, how sure we are, the runner-up, and the notes that decide between them.

Every key (12 tonics x 7 modes) gets a score: a weighted sum of a few things a teacher would point at — how much of
the melody lies outside the key's scale, a raised leading tone, how much time sits on the tonic and on the tonic
chord, whether the melody starts and ends on them, how often the bar's first note is the tonic, and how common the
mode is. A softmax over the scores gives the confidence. The weights are a conditional logit fitted on corpus tunes
(their key signatures and final notes) that the benchmark never scores: ``python -m bench.analyze --fit``.
Pure Python: no music21 (``bench/analyze.py`` compares this with music21's Krumhansl-Schmuckler estimate).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from data.events import FLAT_NAMES, FLAT_PARENTS, MODE_OFFSET, SHARP_NAMES, Key, Melody, Meter, Note, signature_major
from data.pitch_spelling import as_typed
from studio.analysis.words import note_name

MODES = ("major", "minor", "dorian", "mixolydian", "lydian", "phrygian", "locrian")
MAJOR_LIKE = ("major", "lydian", "mixolydian")  # modes with a major third: one learned profile, the others another
FEATURES = ("outside", "leading", "tonic", "triad", "ends_tonic", "ends_triad", "starts_triad", "downbeat_tonic",
            *(f"mode_{m}" for m in MODES[1:]), *(f"{family}_{degree}" for family in ("major", "minor")
                                                 for degree in range(12)))
# Fitted by ``python -m bench.analyze --fit`` (conditional logit, L2 0.0005) on 406 tunes of O'Neill's and Ryan's
# collections, whole and their first four bars; none of them is among the tunes the benchmark scores. The weight on
# notes outside the scale was then raised from the fitted -11.8 to -25, which names the right key more often on those
# fitting tunes (87% -> 87% whole, 66% -> 69% of openings): the logit's penalty keeps it small.
WEIGHTS = {
    "outside": -25.0, "leading": -2.7, "tonic": 2.63, "triad": 4.83, "ends_tonic": 1.84, "ends_triad": -0.22,
    "starts_triad": 0.96, "downbeat_tonic": -0.46, "mode_minor": 0.13, "mode_dorian": -1.15, "mode_mixolydian": -2.8,
    "mode_lydian": -3.02, "mode_phrygian": -1.98, "mode_locrian": -0.86, "major_0": 3.11, "major_1": -0.17,
    "major_2": 1.25, "major_3": -1.07, "major_4": 1.25, "major_5": -0.17, "major_6": -1.59, "major_7": 1.55,
    "major_8": -0.38, "major_9": 0.24, "major_10": 0.24, "major_11": -0.4, "minor_0": -0.49, "minor_1": 0.32,
    "minor_2": 2.72, "minor_3": -1.15, "minor_4": -1.02, "minor_5": -0.76, "minor_6": -0.86, "minor_7": 0.8,
    "minor_8": -2.2, "minor_9": -0.86, "minor_10": 0.64, "minor_11": -0.99,
}
MODE_WORDS = {
    "major": "the bright mode of most tunes",
    "minor": "the darker mode: a minor third above the tonic",
    "dorian": "a minor mode with a major sixth, the sound of many Irish and Scottish tunes",
    "mixolydian": "a major mode with a flat seventh, common in fiddle and bagpipe tunes",
    "lydian": "a major mode with a raised fourth",
    "phrygian": "a minor mode with a flat second",
    "locrian": "a diminished mode with a flat second and fifth, very rare in melodies",
}


def spelled_key(tonic: int, mode: str) -> Key:
    """A key named as its signature spells it: D minor, Bb major, F# minor, Eb dorian."""
    parent = (tonic - MODE_OFFSET[mode]) % 12
    return Key(tonic % 12, mode, (FLAT_NAMES if parent in FLAT_PARENTS else SHARP_NAMES)[tonic % 12])


def triad(key: Key) -> tuple[int, int, int]:
    """Pitch classes of the tonic chord: the mode's 1st, 3rd and 5th degrees."""
    degrees = key.degrees
    return degrees[0], degrees[2], degrees[4]


@dataclass(frozen=True)
class Profile:
    """What the key estimate looks at: time-and-accent weight per pitch class (summing to 1), counts, and the
    first, last and bar-starting notes."""

    weights: tuple[float, ...]
    counts: tuple[int, ...]
    first: int | None
    last: int | None
    downbeats: tuple[int, ...]

    @classmethod
    def of(cls, melody: Melody) -> Profile:
        meter = melody.meter
        weights, counts, downbeats = [0.0] * 12, [0] * 12, []
        pitched = [(o, n) for o, n in zip(melody.onsets(), melody.notes, strict=True) if n.pitch is not None]
        for onset, note in pitched:
            place = melody.place(onset)  # after a pickup the bar lines fall at its end
            accent = 1.5 if place == 0 else 1.2 if place in meter.strong_ticks else 1.0
            weights[note.pitch % 12] += accent * min(note.ticks, meter.bar_ticks) / meter.beat_ticks
            counts[note.pitch % 12] += 1
            if place == 0:
                downbeats.append(note.pitch % 12)
        total = sum(weights) or 1.0
        return cls(tuple(w / total for w in weights), tuple(counts),
                   pitched[0][1].pitch % 12 if pitched else None, pitched[-1][1].pitch % 12 if pitched else None,
                   tuple(downbeats))


def features(profile: Profile, key: Key) -> dict[str, float]:
    """The key's evidence, one number per name in ``FEATURES``."""
    scale, chord = key.scale, triad(key)
    leading = (key.tonic - 1) % 12
    w = profile.weights
    down = profile.downbeats
    values = {
        "outside": sum(w[pc] for pc in range(12) if pc not in scale and pc != leading),
        "leading": w[leading] if leading not in scale else 0.0,
        "tonic": w[key.tonic],
        "triad": sum(w[pc] for pc in chord),
        "ends_tonic": float(profile.last == key.tonic),
        "ends_triad": float(profile.last in chord[1:]),
        "starts_triad": float(profile.first in chord),
        "downbeat_tonic": sum(pc == key.tonic for pc in down) / len(down) if down else 0.0,
    }
    values.update({f"mode_{m}": float(key.mode == m) for m in MODES[1:]})
    family = "major" if key.mode in MAJOR_LIKE else "minor"
    for other in ("major", "minor"):  # the time on each of the 12 semitones above the tonic: a learned key profile
        values.update({f"{other}_{d}": w[(key.tonic + d) % 12] if other == family else 0.0 for d in range(12)})
    return values


def score(profile: Profile, key: Key, weights: dict[str, float] = WEIGHTS) -> float:
    return sum(weights[name] * value for name, value in features(profile, key).items())


def ranked(profile: Profile, weights: dict[str, float] = WEIGHTS) -> list[tuple[Key, float]]:
    """Every key with its probability, most likely first."""
    keys = [spelled_key(tonic, mode) for tonic in range(12) for mode in MODES]
    scores = [score(profile, k, weights) for k in keys]
    top = max(scores)
    exp = [math.exp(s - top) for s in scores]
    total = sum(exp)
    return sorted(((k, e / total) for k, e in zip(keys, exp, strict=True)), key=lambda kp: -kp[1])


FEW_CLASSES = 4  # fewer pitch classes than this say too little for the profiles alone (here and in infer_key)


def heard(profile: Profile, keys: list[tuple[Key, float]]) -> list[tuple[Key, float]]:
    """For a melody of few pitch classes, only the keys whose scale holds them all and whose tonic chord it sounds
    (two of its notes, or the one note it has), their shares summing to 1: `E D C D E E E:h D D D:h` ends on D, but
    with no F or A it is not in D minor (C major). Other melodies: ``keys`` as they are."""
    classes = {pc for pc in range(12) if profile.counts[pc]}
    if len(classes) >= FEW_CLASSES:
        return keys
    kept = [(k, p) for k, p in keys if classes <= k.scale and len(classes & set(triad(k))) >= min(2, len(classes))]
    total = sum(p for _, p in kept)
    return [(k, p / total) for k, p in kept] if len(kept) >= 2 and total > 0 else keys


@dataclass(frozen=True)
class KeyReading:
    """The key, the runner-up, their probabilities, and why."""

    key: Key
    confidence: float
    runner_up: Key
    runner_up_confidence: float
    why: str  # "F# and the final G point to G major; E minor is close: same notes, but the melody ends on G."

    @property
    def close(self) -> bool:
        return self.runner_up_confidence >= 0.5 * self.confidence


def read_key(melody: Melody) -> KeyReading:
    """The most likely key of the melody's notes, with the runner-up and the notes that decide between them; when
    the runner-up has other notes, also why not its relative key, which has the same notes (G major or E minor?)."""
    profile = Profile.of(melody)
    if profile.first is None:
        raise ValueError("a melody without pitched notes has no key")
    # named with the accidentals of the key the melody came with: `C# E# G#` typed is read in C# major, not Db major
    keys = [(as_typed(k, (melody.key.name,)), p) for k, p in heard(profile, ranked(profile))]
    (best, p1), (second, p2) = keys[:2]
    why = explain(profile, best, second, p2, p2 >= 0.5 * p1)
    if second.scale != best.scale:  # the relative key: G major <-> E minor; a mode <-> its parent major
        tonic, mode = ((best.tonic + 9) % 12, "minor") if best.mode == "major" else (best.parent_major, "major")
        sibling, share = next(((k, p) for k, p in keys if k.tonic == tonic and k.mode == mode), (None, 0.0))
        contrast = _contrast(profile, best, sibling) if sibling is not None else []
        if contrast:
            why += f" Why not {sibling} ({share:.0%}), with the same notes? {_sentence(contrast)}."
    return KeyReading(best, p1, second, p2, why)


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts[:2])
    return text[0].upper() + text[1:]


# ---- the explanation --------------------------------------------------------------------------------------
def _name(pc: int, key: Key) -> str:
    return note_name(60 + pc, key, octave=False)


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def explain(profile: Profile, best: Key, second: Key, second_share: float, close: bool) -> str:
    """Two sentences a learner can check against the notes: which notes point to ``best``, and what separates it
    from ``second`` (whose probability is ``second_share``)."""
    pointers: list[str] = []
    contrast: list[str] = []
    same_notes = best.scale == second.scale
    signature = [pc for pc in best.degrees
                 if len(_name(pc, best)) > 1 and profile.counts[pc]]  # the sharps or flats of its signature, used
    if signature:
        pointers.append(" and ".join(_name(pc, best) for pc in signature[:2]))
    leading = (best.tonic - 1) % 12
    if leading not in best.scale and profile.counts[leading]:
        pointers.append(f"the leading tone {_name(leading, best)}")
    tonic = _name(best.tonic, best)
    if profile.last == best.tonic:
        pointers.append(f"the final {tonic}")
    elif profile.first == best.tonic:
        pointers.append(f"the opening {tonic}")
    if not pointers:
        pointers.append(f"the weight on {' '.join(_name(pc, best) for pc in triad(best))}")

    contrast = _contrast(profile, best, second)
    if best.mode != second.mode and len(contrast) < 2:
        more = best.mode if MODES.index(best.mode) < MODES.index(second.mode) else second.mode
        contrast.append(f"{more} is the more common mode")
    lead = f"{_join(pointers)} point{'s' if len(pointers) == 1 and ' and ' not in pointers[0] else ''} to {best}."
    lead = lead[0].upper() + lead[1:]
    why = "; ".join(contrast[:2]) or f"{best} fits a little better"
    if close:
        return f"{lead} {second} is close ({second_share:.0%}): {'same notes, but ' if same_notes else ''}{why}."
    return f"{lead} The next best, {second} ({second_share:.0%}), is far behind: {why}."


def _contrast(profile: Profile, best: Key, second: Key) -> list[str]:
    """What tells ``best`` from ``second`` in the melody: notes only one of them has, the final or first note,
    and how much time the two tonic chords get."""
    contrast = []
    leading = (best.tonic - 1) % 12
    own = [pc for pc in sorted(best.scale - second.scale) if profile.counts[pc]]  # notes only one scale has
    foreign = [pc for pc in sorted(second.scale - best.scale) if profile.counts[pc] and pc != leading]
    if own:
        names = _join([_name(pc, best) for pc in own[:2]])
        contrast.append(f"{names} ({_times(sum(profile.counts[pc] for pc in own[:2]))}) "
                        f"{'is' if len(own[:2]) == 1 else 'are'} not in {second}")
    if foreign:
        names = _join([_name(pc, second) for pc in foreign[:2]])
        contrast.append(f"{names} ({_times(sum(profile.counts[pc] for pc in foreign[:2]))}) "
                        f"{'fits' if len(foreign[:2]) == 1 else 'fit'} {second} better")
    if not own and not foreign and best.scale != second.scale:
        apart = sorted(best.scale ^ second.scale, key=lambda pc: (pc - best.tonic) % 12)
        contrast.append(f"the melody never plays {' or '.join(_name(pc, best) for pc in apart[:2])}, the note that "
                        "tells them apart")
    tonic = _name(best.tonic, best)
    if profile.last == best.tonic != second.tonic:
        contrast.append(f"the melody ends on {tonic}")
    elif profile.last == second.tonic != best.tonic:
        contrast.append(f"the melody ends on {_name(second.tonic, best)}")
    elif profile.first == best.tonic != second.tonic:
        contrast.append(f"the melody starts on {tonic}")
    best_chord = sum(profile.weights[pc] for pc in triad(best))
    second_chord = sum(profile.weights[pc] for pc in triad(second))
    if abs(best_chord - second_chord) > 0.05 and len(contrast) < 2:
        contrast.append(f"{' '.join(_name(pc, best) for pc in triad(best))} (the {best} chord) fill "
                        f"{best_chord:.0%} of its time, {' '.join(_name(pc, best) for pc in triad(second))} "
                        f"{second_chord:.0%}")
    return contrast


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_mode(key: Key) -> str:
    """'E minor: E F# G A B C D — the darker mode: a minor third above the tonic.'"""
    scale = key.degrees
    return f"{key}: {' '.join(_name(pc, key) for pc in scale)} — {MODE_WORDS[key.mode]}"


GUESSED_MODES = ("major", "minor", "dorian", "mixolydian")  # the modes a guessed key may have: the corpus's own
IGNORED = ("ends_tonic", "ends_triad")  # the last note typed is often not the tune's final


def infer_key(notes: tuple[Note, ...], do: int | None = None, typed: Iterable[str] = (),
              fifths: int | None = None) -> Key:
    """Key of a seed or a melody a user gives, read as /analyze reads it (``read_key``) in one of
    ``GUESSED_MODES``, except that the last note is not taken for the final. A few notes say too little for that:
    one pitch class gives its major key (the profiles said F major for `C`), two or three the best key whose tonic
    was typed, major when neither third of it was (`C D E` was A minor). Held-out tunes, keys named right: two-bar
    seeds 72.7% (music21's profile before: 60.7%); bars 1-10 83.4% (75.5% counting the final); last eight bars,
    which end on the final, 81.7% (84.2%). Jianpu's ``do`` (its ``1=`` fixes the signature: its major key or
    relative minor) goes to music21 (``data.theory.estimate_key``, imported there, in the worker thread). ``typed``:
    the notes as typed, whose sharps or flats name the key (``data.pitch_spelling.as_typed``). ``fifths``: a key
    signature (sharps, flats < 0: a MIDI file's) that the key keeps, in any of ``GUESSED_MODES``."""
    return as_typed(_infer_key(notes, do, fifths=fifths), typed)


def sounds_finished(notes: tuple[Note, ...], meter: Meter) -> bool:
    """Whether a melody ends as a tune does: its last note, with any rests after it, lasts a beat or more."""
    rests = 0
    for note in reversed(notes):
        if note.pitch is not None:
            return note.ticks + rests >= meter.beat_ticks
        rests += note.ticks
    return False


FINISHED_ENDING = 0.5  # how much of /analyze's weight on the last note a whole melody that sounds finished gets


def melody_key(notes: tuple[Note, ...], meter: Meter, pickup: int = 0, do: int | None = None,
               typed: Iterable[str] = ()) -> Key:
    """Key of a whole melody a user gives to harmonise, arrange, analyse or rewrite: ``infer_key``, except that in a
    melody that sounds finished (``sounds_finished``) the last note counts for the final at half the weight /analyze
    gives it: `D D E D G F#:h D D E D A G:h` (Happy Birthday) is G major, not D major, and `E D C D E E E:h D D D:h
    E G G:h` (a first phrase, ending on the fifth) stays in C major. Held-out tunes of ``bench.analyze`` that end on
    a note of a beat or more, keys named right: 182 whole tunes 85.7% -> 87.9% (the full weight: 90.1%, but Mary's
    phrase in G major), 66 openings cut after such a note 74.2% -> 69.7% (full weight 68.2%). A bar or less is a
    motif, read as /melody reads a seed: `C D E F` is in C major for every command, not in F major for /chords."""
    classes = {n.pitch % 12 for n in notes if n.pitch is not None}
    motif = sum(n.ticks for n in notes) - pickup <= meter.bar_ticks
    if do is not None or len(classes) < FEW_CLASSES or motif or not sounds_finished(notes, meter):
        return infer_key(notes, do, typed)
    return as_typed(_infer_key(notes, None, Melody(tuple(notes), Key(0), meter, 100, pickup=pickup),
                               FINISHED_ENDING), typed)


def _infer_key(notes: tuple[Note, ...], do: int | None, melody: Melody | None = None, ending: float = 0.0,
               fifths: int | None = None) -> Key:
    """``infer_key``'s reading; ``melody``: the notes with their meter and pickup (default 4/4, no pickup),
    ``ending``: the share of /analyze's weight on the last note as the final (none for a seed)."""
    classes = {n.pitch % 12 for n in notes if n.pitch is not None}
    if not classes:  # no pitched notes: its error
        from data.theory import estimate_key

        return estimate_key(notes, parent=do)
    signature = None if do is None else Key(do % 12, "major").scale
    written = None if fifths is None else Key(signature_major(fifths), "major").scale
    if len(classes) == 1 and signature is None and written is None:
        return spelled_key(classes.pop(), "major")
    few = len(classes) < FEW_CLASSES
    profile = Profile.of(melody or Melody(tuple(notes), Key(0), Meter(), 100))
    keys = [k for k, _ in ranked(profile, {**WEIGHTS, **{name: ending * WEIGHTS[name] for name in IGNORED}})
            if k.mode in GUESSED_MODES and (not few or k.tonic in classes)
            and (signature is None or (k.mode in ("major", "minor") and k.scale == signature))
            and (written is None or k.scale == written)]
    if not keys:  # jianpu's or the file's own keys, none on a typed note: its major key
        return spelled_key((signature_major(fifths) if do is None else do) % 12, "major")
    best = keys[0]
    if few and not {(best.tonic + 3) % 12, (best.tonic + 4) % 12} & classes:
        # the best major key on a typed note that holds them all (`E D C D E E E:h D D D:h`: C major, not D major)
        tonic = next((k.tonic for k in keys if k.mode == "major" and classes <= k.scale), best.tonic)
        return spelled_key(tonic, "major")
    return best
