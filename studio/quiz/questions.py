"""Ear-training questions as pure functions of (kind, level, RNG seed), and their checking.

Kinds: ``interval`` (two notes), ``scale`` (a scale or mode, up and back down), ``chord`` (a chord quality, its notes
one by one, then together) and ``dictation`` (the first bar — two at the advanced level — of a real tune from the
corpus index ``data/tunes.json.gz``, against versions with a note or two moved). Levels widen what is asked:

- beginner: intervals unison, minor and major third, fifth and octave, going up (3 choices); major or natural
  minor; major or minor chords; one bar of dictation, 3 choices with two notes moved a third.
- intermediate (4 choices): seconds, fourth and sixths too, going up or down; harmonic minor, dorian and
  mixolydian too; diminished and augmented chords too; one bar, a note or two moved a step.
- advanced (4 choices): all 13 intervals up to the octave, up, down or together; every mode and melodic minor;
  the five seventh chords; two bars, one note moved a step.

Every question is asked from a ``random.Random`` seeded with its kind, level and seed, so the same three values
give the same question (while the code's ``VERSION`` and the tune index stay the same): the bot's buttons carry
them instead of a stored question.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from data.errors import MusicError, cmd
from data.events import FLAT_NAMES, LETTER_PC, PITCH_NAMES, SHARP_NAMES, TPQ, Key, Meter, Note
from data.notation import format_notes, parse_seed
from data.pitch_spelling import note_name
from data.tunes import CorpusTune, load_index
from studio.analysis.key import spelled_key
from studio.analysis.words import article

KINDS = ("interval", "scale", "chord", "dictation")
LEVELS = ("beginner", "intermediate", "advanced")
VERSION = 1  # bump when the same (kind, level, seed) would ask a different question: older buttons then say so
LETTERS = "ABCDE"
QUARTER, EIGHTH = TPQ, TPQ // 2


@dataclass(frozen=True)
class Sound:
    """What a question plays: ``events`` are (start tick, ticks, MIDI pitches), ``TPQ`` ticks per quarter note, at
    ``tempo`` felt beats of ``meter`` a minute."""

    events: tuple[tuple[int, int, tuple[int, ...]], ...]
    tempo: int = 90
    meter: str = "4/4"
    key: str = "C major"


@dataclass(frozen=True)
class Question:
    """One question: ``choices`` (``answer`` is the right one's index), what each choice is (``about``: shown to
    whoever picks it wrongly) and why the answer is right (``explanation``)."""

    kind: str
    level: str
    seed: int
    prompt: str
    choices: tuple[str, ...]
    answer: int
    explanation: str  # "a minor third: 3 semitones; going up, it is the opening of Greensleeves"
    about: tuple[str, ...]  # per choice, a few words: "4 semitones"
    sound: Sound
    lettered: bool = False  # choices too long for a button (note text): buttons say A, B, C…, the prompt lists them

    @property
    def labels(self) -> tuple[str, ...]:
        """What each answer button says."""
        return tuple(LETTERS[: len(self.choices)]) if self.lettered else self.choices

    @property
    def correct(self) -> str:
        return self.choices[self.answer]

    @property
    def title(self) -> str:
        """``Interval · beginner``."""
        return f"{'Scale or mode' if self.kind == 'scale' else self.kind.capitalize()} · {self.level}"


@dataclass(frozen=True)
class Verdict:
    """One answer to a question: right or not, what was picked, and the explanation for the person who picked it."""

    correct: bool
    chosen: str
    answer: str
    text: str


def check(question: Question, index: int) -> Verdict:
    """The verdict on choosing ``question.choices[index]``."""
    if not 0 <= index < len(question.choices):
        raise MusicError(f"That question has no choice {index + 1}. Ask a new one with {cmd('quiz')}.")
    chosen, right = question.choices[index], index == question.answer
    label = question.labels[index]
    if right:
        text = f"✅ Right! That was {question.explanation}."
    else:
        about = question.about[index]
        picked = f"{label} ({chosen}): {about}" if question.lettered else f"{label} ({about})"
        text = f"❌ Not quite: you picked {picked}. That was {question.explanation}."
    return Verdict(right, chosen, question.correct, text)


def pick_kind(seed: int) -> str:
    """The kind of question asked when none is chosen."""
    return random.Random(f"kind:{seed}").choice(KINDS)


def make_question(kind: str, level: str, seed: int, tunes: Sequence[CorpusTune] | None = None) -> Question:
    """The question of ``kind`` at ``level`` that ``seed`` asks (``tunes``: the corpus index, for dictation)."""
    if kind not in KINDS:
        raise MusicError(f"I don't know the quiz kind '{kind}'. Choose one of: {', '.join(KINDS)}.", "kind",
                         "interval")
    if level not in LEVELS:
        raise MusicError(f"I don't know the level '{level}'. Choose one of: {', '.join(LEVELS)}.", "level",
                         "beginner")
    rng = random.Random(f"{kind}:{level}:{seed}")
    if kind == "dictation":
        return _dictation(level, seed, rng, load_index() if tunes is None else tunes)
    return {"interval": _interval, "scale": _scale, "chord": _chord}[kind](level, seed, rng)


def _choose(pool: Sequence[str], count: int, rng: random.Random) -> tuple[tuple[str, ...], int]:
    """``count`` distinct choices from ``pool`` (in the pool's order), one of them the answer: (choices, answer)."""
    answer = rng.choice(pool)
    others = rng.sample([p for p in pool if p != answer], min(count, len(pool)) - 1)
    choices = tuple(p for p in pool if p == answer or p in others)
    return choices, choices.index(answer)


# ---- intervals -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    semitones: int
    name: str
    song: str  # a tune that opens with it, going up


INTERVALS = {i.name: i for i in (
    Interval(0, "unison", "the start of Jingle Bells (“jin-gle”)"),
    Interval(1, "minor second", "the Jaws theme"),
    Interval(2, "major second", "the start of Frère Jacques"),
    Interval(3, "minor third", "the opening of Greensleeves"),
    Interval(4, "major third", "the start of When the Saints Go Marching In"),
    Interval(5, "perfect fourth", "the start of Here Comes the Bride"),
    Interval(6, "tritone", "the start of The Simpsons theme"),
    Interval(7, "perfect fifth", "the leap in Twinkle Twinkle Little Star (“twin-kle twin-”)"),
    Interval(8, "minor sixth", "the leap after the first three notes of The Entertainer"),
    Interval(9, "major sixth", "the start of My Bonnie Lies over the Ocean"),
    Interval(10, "minor seventh", "the start of Somewhere, from West Side Story (“there's a”)"),
    Interval(11, "major seventh", "the start of the chorus of Take On Me (“take on”)"),
    Interval(12, "octave", "the start of Somewhere Over the Rainbow (“some-where”)"),
)}
INTERVAL_LEVELS = {  # level -> (intervals asked, directions, choices)
    "beginner": (("unison", "minor third", "major third", "perfect fifth", "octave"), ("up",), 3),
    "intermediate": (("unison", "major second", "minor third", "major third", "perfect fourth", "perfect fifth",
                      "minor sixth", "major sixth", "octave"), ("up", "down"), 4),
    "advanced": (tuple(INTERVALS), ("up", "down", "together"), 4),
}
DIRECTIONS = {"up": "one after the other", "down": "one after the other", "together": "played together"}


def _semitones(n: int) -> str:
    return f"{n} semitone{'' if n == 1 else 's'}"


_ALTERS = {-2: "bb", -1: "b", 0: "", 1: "#", 2: "##"}
LETTER_STEPS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7)  # semitones -> letters apart (a tritone as a raised 4th)


def _spelled_pair(low: int, semitones: int) -> tuple[str, str]:
    """The two notes of an interval named as the interval is (a minor third above C4 is Eb4, not D#4): the upper
    note ``LETTER_STEPS`` letters above the lower, the lower sharp or flat, whichever needs fewer accidentals (then
    the usual name: Bb3-Db4, not A#3-C#4)."""
    def name(letter: str, midi: int) -> tuple[str, int]:
        alter = (midi - LETTER_PC[letter] + 6) % 12 - 6
        return f"{letter}{_ALTERS.get(alter, '?')}{(midi - alter) // 12 - 1}", abs(alter)

    options = []
    steps = (3, 4) if semitones == 6 else (LETTER_STEPS[semitones],)  # a tritone: raised 4th or lowered 5th
    for spelled in (SHARP_NAMES[low % 12], FLAT_NAMES[low % 12]):
        a, a_alter = name(spelled[0], low)
        for step in steps:
            letter = "CDEFGAB"[("CDEFGAB".index(spelled[0]) + step) % 7]
            b, b_alter = name(letter, low + semitones)
            options.append((max(a_alter, b_alter), a_alter + b_alter, spelled != PITCH_NAMES[low % 12], step, a, b))
    *_, a, b = min(options)
    return a, b


def _interval(level: str, seed: int, rng: random.Random) -> Question:
    pool, directions, count = INTERVAL_LEVELS[level]
    choices, answer = _choose(pool, count, rng)
    interval, direction = INTERVALS[choices[answer]], rng.choice(directions)
    if interval.semitones == 0:
        direction = "up"  # a unison "together" is one note
    low = rng.randint(55, 67)  # G3..G4: the pair stays in the piano's middle
    high = low + interval.semitones
    if direction == "together":
        events: tuple[tuple[int, int, tuple[int, ...]], ...] = ((0, 2 * QUARTER, (low, high)),)
    else:
        first, second = (low, high) if direction == "up" else (high, low)
        events = ((0, QUARTER, (first,)), (QUARTER, QUARTER, (second,)))
    n, (a, b) = _semitones(interval.semitones), _spelled_pair(low, interval.semitones)
    if interval.semitones == 0:
        explanation = f"a unison: the same note twice ({a}), {interval.song}"
    elif direction == "up":
        explanation = f"{article(interval.name)}: {n}, {interval.song} ({a} up to {b})"
    elif direction == "down":
        explanation = f"{article(interval.name)} going down: {n}, from {b} down to {a} (going up: {interval.song})"
    else:
        explanation = f"{article(interval.name)} played together: {n}, {a} and {b} (going up: {interval.song})"
    return Question("interval", level, seed, f"Two notes, {DIRECTIONS[direction]}. Which interval is it?", choices,
                    answer, explanation, tuple(_semitones(INTERVALS[c].semitones) for c in choices),
                    Sound(events, tempo=80))


# ---- scales and modes ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    name: str
    steps: tuple[int, ...]  # semitones above the tonic, going up
    character: str
    down: tuple[int, ...] | None = None  # going down, when it differs


SCALES = {s.name: s for s in (
    Scale("major", (0, 2, 4, 5, 7, 9, 11), "the do-re-mi scale, bright"),
    Scale("natural minor", (0, 2, 3, 5, 7, 8, 10), "the major scale with a lowered 3rd, 6th and 7th, darker"),
    Scale("harmonic minor", (0, 2, 3, 5, 7, 8, 11),
          "natural minor with a raised 7th: listen for the wide step (3 semitones) from the 6th to the 7th"),
    Scale("melodic minor", (0, 2, 3, 5, 7, 9, 11),
          "going up, a major scale with a lowered 3rd; coming down, natural minor", (0, 2, 3, 5, 7, 8, 10)),
    Scale("dorian", (0, 2, 3, 5, 7, 9, 10), "natural minor with a raised 6th, as in Scarborough Fair"),
    Scale("phrygian", (0, 1, 3, 5, 7, 8, 10), "natural minor with a lowered 2nd: a half step just above the tonic"),
    Scale("lydian", (0, 2, 4, 6, 7, 9, 11), "major with a raised 4th, as in The Simpsons theme"),
    Scale("mixolydian", (0, 2, 4, 5, 7, 9, 10), "major with a lowered 7th, as in Norwegian Wood and many Irish reels"),
    Scale("locrian", (0, 1, 3, 5, 6, 8, 10), "lowered 2nd and 5th: the only mode without a perfect fifth"),
)}
SCALE_LEVELS = {
    "beginner": (("major", "natural minor"), 2),
    "intermediate": (("major", "natural minor", "harmonic minor", "dorian", "mixolydian"), 4),
    "advanced": (tuple(SCALES), 4),
}


def step_pattern(steps: Sequence[int]) -> str:
    """``W W H W W W H``: whole (2 semitones), half (1) and augmented (3: ``W+H``) steps up to the octave."""
    gaps = [b - a for a, b in zip(steps, [*steps[1:], 12], strict=True)]
    return " ".join({1: "H", 2: "W", 3: "W+H"}.get(g, str(g)) for g in gaps)


def _scale(level: str, seed: int, rng: random.Random) -> Question:
    pool, count = SCALE_LEVELS[level]
    choices, answer = _choose(pool, count, rng)
    scale = SCALES[choices[answer]]
    tonic = rng.randint(55, 64)  # G3..E4
    up = [tonic + s for s in scale.steps] + [tonic + 12]
    down = [tonic + s for s in reversed(scale.down or scale.steps)]
    events = tuple((i * EIGHTH, EIGHTH, (p,)) for i, p in enumerate(up[:-1]))
    events += ((len(up[:-1]) * EIGHTH, QUARTER, (up[-1],)),)
    start = len(up[:-1]) * EIGHTH + QUARTER
    events += tuple((start + i * EIGHTH, EIGHTH if i < len(down) - 1 else 2 * QUARTER, (p,))
                    for i, p in enumerate(down))
    name = scale.name if scale.name in ("major", "natural minor", "harmonic minor", "melodic minor") else (
        f"{scale.name} mode")
    mode = "minor" if scale.name.endswith("minor") else scale.name
    explanation = (f"{name} (on {spelled_key(tonic, mode).name}): {step_pattern(scale.steps)} — {scale.character}")
    return Question("scale", level, seed, "A scale going up and back down. Which scale or mode is it?", choices,
                    answer, explanation, tuple(step_pattern(SCALES[c].steps) for c in choices), Sound(events, 100))


# ---- chords --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Chord:
    name: str
    steps: tuple[int, ...]  # semitones above the root
    character: str


MEMBERS = {3: "minor 3rd", 4: "major 3rd", 6: "diminished 5th", 7: "perfect 5th", 8: "augmented 5th",
           9: "diminished 7th", 10: "minor 7th", 11: "major 7th"}
CHORDS = {c.name: c for c in (
    Chord("major", (0, 4, 7), "bright and settled"),
    Chord("minor", (0, 3, 7), "darker than major"),
    Chord("diminished", (0, 3, 6), "two minor thirds: tense, it wants to move"),
    Chord("augmented", (0, 4, 8), "two major thirds: floating, unresolved"),
    Chord("major 7th", (0, 4, 7, 11), "soft and jazzy: the 7th sits a half step under the octave"),
    Chord("dominant 7th", (0, 4, 7, 10), "bluesy: it wants to resolve to the chord a fifth below"),
    Chord("minor 7th", (0, 3, 7, 10), "mellow, a minor chord with a minor 7th"),
    Chord("half-diminished 7th", (0, 3, 6, 10), "dark: a diminished chord with a minor 7th"),
    Chord("diminished 7th", (0, 3, 6, 9), "minor thirds all the way up: tense and symmetrical"),
)}
CHORD_LEVELS = {
    "beginner": (("major", "minor"), 2),
    "intermediate": (("major", "minor", "diminished", "augmented"), 4),
    "advanced": (("major 7th", "dominant 7th", "minor 7th", "half-diminished 7th", "diminished 7th"), 4),
}


def members(steps: Sequence[int]) -> str:
    """``root, minor 3rd, perfect 5th``."""
    return ", ".join(["root", *(MEMBERS[s] for s in steps[1:])])


def _chord(level: str, seed: int, rng: random.Random) -> Question:
    pool, count = CHORD_LEVELS[level]
    choices, answer = _choose(pool, count, rng)
    chord = CHORDS[choices[answer]]
    root = rng.randint(52, 64)  # E3..E4
    pitches = tuple(root + s for s in chord.steps)
    events = tuple((i * QUARTER, QUARTER, (p,)) for i, p in enumerate(pitches))
    events += ((len(pitches) * QUARTER, 4 * QUARTER, pitches),)
    explanation = (f"{article(chord.name)} chord on {PITCH_NAMES[root % 12]}: {members(chord.steps)} "
                   f"({'-'.join(map(str, chord.steps))} semitones above the root) — {chord.character}")
    return Question("chord", level, seed, "A chord, its notes one by one and then together. Which kind of chord is it?",
                    choices, answer, explanation, tuple(members(CHORDS[c].steps) for c in choices),
                    Sound(events, 80))


# ---- melodic dictation from the corpus -----------------------------------------------------------------------
DICTATION_LEVELS = {  # level -> (bars, choices, notes moved per wrong choice, scale steps each moves)
    "beginner": (1, 3, 2, 2),
    "intermediate": (1, 4, 2, 1),
    "advanced": (2, 4, 1, 1),
}
TUNE_TRIES = 200  # tunes drawn before giving up (about 3 in 4 fit)
MAX_BAR_NOTES = 8


def opening_bars(tune: CorpusTune, bars: int) -> tuple[Note, ...] | None:
    """The first ``bars`` full bars of a tune's opening, or None when they don't make a fair question: a note held
    over a bar line, fewer than three notes to hear a bar, more than eight a bar, or all on one pitch."""
    try:
        notes = parse_seed(tune.seed).notes
        bar_ticks = Meter.parse(tune.meter).bar_ticks
    except MusicError:
        return None
    kept, now = [], 0
    for note in notes:
        if now >= bars * bar_ticks:
            break
        kept.append(note)
        now += note.ticks
    pitched = [n.pitch for n in kept if n.pitch is not None]
    if any(p % 12 not in Key.parse(tune.key).scale for p in pitched):
        return None  # chromatic notes: the wrong versions, moved along the scale, would be easier to spot
    if now != bars * bar_ticks or len(pitched) < 3 * bars or len(kept) > MAX_BAR_NOTES * bars:
        return None
    return tuple(kept) if len(set(pitched)) >= 3 and kept[0].pitch is not None else None


def _scale_step(pitch: int, steps: int, scale: frozenset[int]) -> int:
    """``pitch`` moved ``steps`` notes of ``scale`` up (or down when negative)."""
    direction = 1 if steps > 0 else -1
    for _ in range(abs(steps)):
        pitch += direction
        while pitch % 12 not in scale:
            pitch += direction
    return pitch


def _altered(notes: tuple[Note, ...], scale: frozenset[int], moved: int, steps: int,
             rng: random.Random) -> tuple[Note, ...]:
    """The notes with ``moved`` of them (never the first) moved ``steps`` scale notes up or down; rhythm kept."""
    where = [i for i, n in enumerate(notes) if i > 0 and n.pitch is not None]
    out = list(notes)
    for i in rng.sample(where, min(moved, len(where))):
        pitch = out[i].pitch
        assert pitch is not None
        out[i] = Note(_scale_step(pitch, rng.choice((-steps, steps)), scale), out[i].ticks)
    return tuple(out)


def _dictation(level: str, seed: int, rng: random.Random, tunes: Sequence[CorpusTune]) -> Question:
    bars, count, moved, steps = DICTATION_LEVELS[level]
    for _ in range(TUNE_TRIES):
        tune = tunes[rng.randrange(len(tunes))] if tunes else None
        notes = None if tune is None else opening_bars(tune, bars)
        if tune is None or notes is None:
            continue
        key, meter = Key.parse(tune.key), Meter.parse(tune.meter)
        versions = [notes]
        for _ in range(20 * count):
            if len(versions) == count:
                break
            other = _altered(notes, key.scale, moved, steps, rng)
            if other not in versions and all(21 <= (n.pitch or 60) <= 108 for n in other):
                versions.append(other)
        if len(versions) < count:
            continue
        order = rng.sample(range(count), count)
        shown = tuple(versions[i] for i in order)
        choices = tuple(format_notes(v, meter.bar_ticks, spelling=key).removesuffix(" |") for v in shown)
        answer = order.index(0)
        what = "first bar" if bars == 1 else f"first {bars} bars"
        explanation = (f"the {what} of “{tune.title}” ({tune.cited}, {tune.key}, {tune.meter}): "
                       f"{choices[answer]}")
        about = tuple(_difference(v, notes, key) for v in shown)
        tempo = min(tune.tempo, 100)
        gap = meter.bar_ticks * bars + meter.bar_ticks  # played twice, a bar's rest between
        events = tuple((start + offset, n.ticks, (n.pitch,)) for offset in (0, gap)
                       for start, n in zip(_onsets(notes), notes, strict=True) if n.pitch is not None)
        first = notes[0].pitch
        assert first is not None
        prompt = (f"The {what} of a folk tune in {tune.key}, {tune.meter}, starting on "
                  f"{note_name(first, key)} (played twice). Which notes did you hear?")
        return Question("dictation", level, seed, prompt, choices, answer, explanation, about,
                        Sound(events, tempo, str(meter), tune.key), lettered=True)
    raise MusicError("I couldn't find a tune for a dictation question. Try another kind: "
                     f"{cmd('quiz', kind='interval')}.")


def _onsets(notes: Sequence[Note]) -> list[int]:
    starts, now = [], 0
    for n in notes:
        starts.append(now)
        now += n.ticks
    return starts


def _difference(version: tuple[Note, ...], real: tuple[Note, ...], key: Key) -> str:
    """What sets a wrong version apart: ``note 3 is F5, not G5``."""
    diffs = [f"note {i + 1} is {note_name(v.pitch, key)}, not {note_name(r.pitch, key)}"
             for i, (v, r) in enumerate(zip(version, real, strict=True))
             if v.pitch != r.pitch and v.pitch is not None and r.pitch is not None]
    return "; ".join(diffs) if diffs else "the tune's own notes"
