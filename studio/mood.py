"""Moods: a fixed vocabulary mapped to measurable controls, and a valence/arousal estimate of any melody.

``/melody mood:melancholic`` fills the options the user left out (typed options win, then the mood, then `/prefs`
and learned taste) and adds three controls no option has: register, contour and articulation. The mapping, with
its sources in the music-emotion literature, is ``TABLE`` (reasons in ``Mood.why``; the whole table and its
references are in bench/reports/mood.md):

======== ============ ===== ====== ======= ========= ======= ===========================
mood     mode         bpm   reg.   rhythm  artic.    contour valence, arousal (target)
======== ============ ===== ====== ======= ========= ======= ===========================
calm     major        72    middle sparse  legato    arch    +0.5, -0.6
joyful   major        132   high   busy    detached  rising  +0.8, +0.5
melanch. minor        66    low    sparse  legato    falling -0.7, -0.5
tense    minor        138   middle busy    staccato  rising  -0.6, +0.7
triumph. major        116   middle natural detached  rising  +0.6, +0.7
playful  major        152   high   busy    staccato  level   +0.6, +0.4
dreamy   dorian       60    high   sparse  legato    level    0.0, -0.7
======== ============ ===== ====== ======= ========= ======= ===========================

How each control reaches the notes: mode and tempo set the request's key and tempo, rhythm its ``density``
(``studio.melody.DENSITY_LEAN``); register, rhythm and contour choose the best fitting of ``TAKES`` takes (and,
with no notes typed, where the opening note sits); articulation is the MIDI and audio gate (``Melody.gate``).

The estimator (``estimate``) reads the same features from any melody — major-ness of its third degree, tempo,
mean pitch, notes per beat, articulation when known, contour — and gives a valence and an arousal (weights in
``VALENCE`` and ``AROUSAL``, each with its source) and the nearest mood's prototype in feature space, among the moods
whose circumplex quadrant those agree with (so the name never contradicts the numbers shown beside it).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from data.errors import MusicError, opt
from data.events import FLAT_NAMES, MODE_OFFSET, SHARP_NAMES, TPQ, Key, Melody, Note
from data.form import load_form
from data.notation import parse_seed
from studio.options import DENSITIES, MOODS, SEED_MAX
from studio.requests import MelodyRequest

if TYPE_CHECKING:
    from studio.melody import MelodyResult

REGISTERS = {"low": 59, "middle": 66, "high": 73}  # target mean MIDI pitch: B3, F#4, C#5
ARTICULATIONS = {"legato": 1.0, "detached": 0.75, "staccato": 0.45}  # gate: the sounding fraction of each note
CONTOURS = {"rising": (6.0, 0.0), "falling": (-6.0, 0.0), "arch": (0.0, 3.0), "level": (0.0, 0.0)}
# (slope, arch) in semitones: last third's mean pitch minus the first's; the middle third's above the outer thirds'
MAJOR_MODES = ("major", "lydian", "mixolydian")  # modes with a major third above the tonic
DENSITY_PER_BEAT = {"sparse": 0.75, "natural": 1.1, "busy": 1.75}  # notes per felt beat each density writes (4/4)
TAKES = 6  # melodies written per candidate with a mood, the one nearest its register, rhythm and contour shown:
# ~0.3 s for 3 candidates against 0.1-0.2 s without (2-core CPU, batched); notes-alone accuracy 59% -> 82%
TAKE_STRIDE = 100_003  # take j of RNG seed s uses s + j * TAKE_STRIDE (clear of candidates' s+1, s+2 and retakes)
# Takes this close to the best fitting one are as good: the one that ends most as the corpus's tunes do is kept.
# /melody mood:<m>, 84 requests: into the final by a 2nd 25.0% -> 33.3%, a 5th or more 8.3% -> 3.6% (corpus 61%,
# 3%); mood read back from the notes alone unchanged (bench.mood --per-mood 12: 89.3%; 0.2 gave 88.1%).
ENDING_SLACK = 0.1
DENSITY_TAKES = 3  # melodies written per candidate with density sparse or busy, the nearest its notes a beat kept:
# busy with the lean alone gave 4.0 notes a 4/4 bar at p10 over 48 requests (natural's median 4.5)


@dataclass(frozen=True)
class Mood:
    """One mood's controls, its target place on Russell's circumplex, and why."""

    name: str
    mode: str
    tempo: int
    register: str  # REGISTERS
    density: str  # DENSITIES
    articulation: str  # ARTICULATIONS
    contour: str  # CONTOURS
    valence: float
    arousal: float
    why: str

    @property
    def gate(self) -> float:
        return ARTICULATIONS[self.articulation]


TABLE: dict[str, Mood] = {m.name: m for m in (
    Mood("calm", "major", 72, "middle", "sparse", "legato", "arch", 0.5, -0.6,
         "Hevner's serene cluster: major, slow, simple and flowing; tenderness in Juslin & Laukka (2003): slow, "
         "legato; an arch is the plain phrase shape (Huron 2006)"),
    Mood("joyful", "major", 132, "high", "busy", "detached", "rising", 0.8, 0.5,
         "happiness: major, fast, high pitch (Hevner 1936; Gabrielsson & Lindström 2010); fast, detached or staccato, "
         "many notes (Juslin & Laukka 2003); ascending lines read as happy (G&L 2010)"),
    Mood("melancholic", "minor", 66, "low", "sparse", "legato", "falling", -0.7, -0.5,
         "sadness: minor, slow, low pitch (Hevner 1936; G&L 2010); slow, legato, few notes (Juslin & Laukka 2003); "
         "descending lines read as sad (G&L 2010)"),
    Mood("tense", "minor", 138, "middle", "busy", "staccato", "rising", -0.6, 0.7,
         "fear and agitation: minor, fast, staccato, many notes (Juslin & Laukka 2003; G&L 2010); ascending lines "
         "raise tension (G&L 2010)"),
    Mood("triumphant", "major", 116, "middle", "natural", "detached", "rising", 0.6, 0.7,
         "Hevner's vigorous/majestic cluster: fairly fast, firm rhythm, not high; marcato (detached) articulation and "
         "rising lines for dignity and power (G&L 2010)"),
    Mood("playful", "major", 152, "high", "busy", "staccato", "level", 0.6, 0.4,
         "Hevner's graceful/playful cluster: major, fast, high pitch; staccato for gaiety (G&L 2010); "
         "bouncing about one place rather than going anywhere"),
    Mood("dreamy", "dorian", 60, "high", "sparse", "legato", "level", 0.0, -0.7,
         "Hevner (1935): the minor mode carries dreamy/sentimental, so a soft minor (dorian); slow, legato, flowing "
         "(Hevner 1936); high and still"),
)}
assert tuple(TABLE) == MOODS and all(m.density in DENSITIES and m.mode in MODE_OFFSET for m in TABLE.values())


def _key_in(mode: str, notes: str | None) -> str:
    """A key in ``mode`` that keeps the seed's notes in scale (no seed: the white-key tonic, A minor, D dorian)."""
    from studio.taste.model import key_for  # the same choice candidates make when they try a mode

    return key_for(mode, notes)


def mood_defaults(given: Mapping[str, Any], notes: str | None) -> dict[str, Any]:
    """The options ``given["mood"]`` fills: key (in its mode, fitting the notes), tempo and density, each only when
    the user did not give it (typed options win). Empty without a mood."""
    name = given.get("mood")
    if not name:
        return {}
    mood = TABLE[name]
    out: dict[str, Any] = {"tempo": mood.tempo, "density": mood.density}
    if not given.get("key"):
        out["key"] = _key_in(mood.mode, notes or None)
    return {k: v for k, v in out.items() if given.get(k) is None}


def opening(name: str, key: str) -> str:
    """The note to start from when the user typed none: the tonic or the fifth, whichever sits nearest the mood's
    register — low in it for a rising line. Not high for a falling one: the model drifts back up to its usual range,
    so a falling mood started high ended high (melancholic, seeds 1-20: mean pitch 64.0 started on E4 against 61.1
    on A3, target 59; named melancholic 16 against 19 of 20)."""
    mood = TABLE[name]
    tonic = Key.parse(key).tonic
    target = REGISTERS[mood.register] - (4 if mood.contour == "rising" else 0)
    pitch = min((tonic + degree + 12 * octave for octave in range(2, 8) for degree in (0, 7)),
                key=lambda p: (abs(p - target), p))
    names = FLAT_NAMES if Key.parse(key).uses_flats else SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def settings_line(request: MelodyRequest) -> str:
    """'melancholic: minor, 66 bpm, low register, sparse rhythm, legato, falling contour'; a value the user chose
    instead of the mood's says so ('90 bpm (yours)')."""
    if request.mood is None:
        return ""
    mood = TABLE[request.mood]
    key = request.parsed_key
    mode = key.mode if key is not None else mood.mode
    parts = [f"{mode}{'' if mode == mood.mode else ' (yours)'}",
             f"{request.tempo} bpm{'' if request.tempo == mood.tempo else ' (yours)'}",
             f"{mood.register} register",
             f"{request.density} rhythm{'' if request.density == mood.density else ' (yours)'}",
             mood.articulation, f"{mood.contour} contour"]
    return f"{mood.name}: {', '.join(parts)}"


def articulated(melody: Melody, name: str | None) -> Melody:
    """``melody`` with the mood's articulation as its gate (unchanged without a mood)."""
    return melody if name is None else replace(melody, gate=TABLE[name].gate)


# ---- features and the estimator ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Features:
    """What the estimator reads: all measured from notes, except tempo and articulation (a melody's settings)."""

    major: float  # -1 (minor third above the tonic only) .. +1 (major third only), by duration
    tempo: float  # felt beats per minute
    register: float  # mean MIDI pitch, by duration
    density: float  # notes per felt beat
    slope: float  # semitones: the last third's mean pitch minus the first third's
    arch: float  # semitones: the middle third's mean pitch above the outer thirds'
    gate: float | None = None  # articulation when known (1 legato .. ~0.5 staccato); None: unknown


CENTRE = Features(0.0, 100.0, 66.0, 1.1, 0.0, 0.0, 0.75)
SCALE = Features(1.0, 30.0, 5.0, 0.45, 5.0, 3.0, 0.25)  # one standard unit of each feature
NAMES = ("major", "tempo", "register", "density", "slope", "arch", "gate")
NOTE_FEATURES = ("major", "register", "density", "slope", "arch")  # what the notes alone carry
# Valence and arousal: tanh of a weighted sum of standardized features (articulation as staccato-ness).
# Mode is the strongest valence cue and tempo the strongest arousal cue (Gagnon & Peretz 2003; Gabrielsson &
# Lindström 2010); high pitch and faster tempo add to positive valence, more notes per beat and detached notes to
# arousal (Juslin & Laukka 2003); rising lines lean happy and active, falling ones sad (G&L 2010).
VALENCE = {"major": 0.65, "tempo": 0.15, "register": 0.25, "density": 0.0, "slope": 0.1, "arch": 0.0, "gate": 0.05}
AROUSAL = {"major": 0.0, "tempo": 0.5, "register": 0.05, "density": 0.3, "slope": 0.1, "arch": 0.0, "gate": 0.25}
WEIGHTS = {"major": 1.0, "tempo": 1.0, "register": 1.0, "density": 0.8, "slope": 0.5, "arch": 0.4, "gate": 1.0}
# how much each feature counts in the distance to a mood's prototype (contour is the noisiest measure)


def _thirds(melody: Melody) -> tuple[float, float, float] | None:
    """Duration-weighted mean pitch in each third of the melody's length (None when a third has no notes)."""
    total = melody.ticks
    sums, weights = [0.0, 0.0, 0.0], [0, 0, 0]
    for onset, note in zip(melody.onsets(), melody.notes, strict=True):
        if note.pitch is None or note.ticks <= 0:
            continue
        part = min(3 * (2 * onset + note.ticks) // (2 * total), 2)  # the third holding the note's middle
        sums[part] += note.pitch * note.ticks
        weights[part] += note.ticks
    if not all(weights):
        return None
    first, middle, last = (s / w for s, w in zip(sums, weights, strict=True))
    return first, middle, last


def measure(melody: Melody, gate: float | None = None) -> Features:
    """The mood features of a melody (``gate``: its articulation, when known)."""
    sounding = [n for n in melody.notes if n.pitch is not None and n.ticks > 0]
    if not sounding:
        raise MusicError(f"There are no notes to read a mood from. Give me a melody, e.g. {opt('notes', 'C E G')}.",
                         "notes")
    tonic = melody.key.tonic
    third = {3: 0, 4: 0}
    for n in sounding:
        interval = (n.pitch - tonic) % 12  # type: ignore[operator]
        if interval in third:
            third[interval] += n.ticks
    if third[3] + third[4]:
        major = (third[4] - third[3]) / (third[3] + third[4])
    else:  # no third degree: the mode's own
        major = 1.0 if melody.key.mode in MAJOR_MODES else -1.0
    ticks = sum(n.ticks for n in sounding)
    register = sum(n.pitch * n.ticks for n in sounding) / ticks  # type: ignore[operator]
    beats = max(melody.ticks / melody.meter.beat_ticks, 1.0)
    thirds = _thirds(melody)
    slope, arch = (0.0, 0.0) if thirds is None else (thirds[2] - thirds[0], thirds[1] - (thirds[0] + thirds[2]) / 2)
    return Features(major, float(melody.tempo), register, len(sounding) / beats, slope, arch, gate)


def standard(features: Features) -> dict[str, float]:
    """Each known feature in standard units (gate as staccato-ness: positive for short notes)."""
    out = {}
    for name in NAMES:
        value = getattr(features, name)
        if value is None:
            continue
        z = (value - getattr(CENTRE, name)) / getattr(SCALE, name)
        out[name] = -z if name == "gate" else z
    return out


def prototype(name: str) -> Features:
    """What a melody written for the mood should measure: its own controls as features."""
    mood = TABLE[name]
    slope, arch = CONTOURS[mood.contour]
    return Features(1.0 if mood.mode in MAJOR_MODES else -1.0, float(mood.tempo),
                    float(REGISTERS[mood.register]), DENSITY_PER_BEAT[mood.density], slope, arch, mood.gate)


@dataclass(frozen=True)
class Estimate:
    """Valence and arousal (-1 .. 1) and the nearest mood, with the features they were read from."""

    valence: float
    arousal: float
    mood: str
    features: Features

    @property
    def summary(self) -> str:
        """'melancholic (valence -0.6, arousal -0.3)'."""
        return f"{self.mood} (valence {self.valence:+.1f}, arousal {self.arousal:+.1f})"

    @property
    def line(self) -> str:
        """'mood: melancholic (valence -0.6, arousal -0.3)'."""
        return f"mood: {self.summary}"


def distance(features: Features, name: str, use: tuple[str, ...] = NAMES) -> float:
    """Weighted distance in standard units from the mood's prototype, over the features in ``use`` that are known."""
    z, p = standard(features), standard(prototype(name))
    return math.sqrt(sum(WEIGHTS[f] * (z[f] - p[f]) ** 2 for f in use if f in z))


def nearest(features: Features, use: tuple[str, ...] = NAMES, among: tuple[str, ...] = MOODS) -> str:
    return min(among, key=lambda name: distance(features, name, use))


def agrees(name: str, valence: float, arousal: float) -> bool:
    """Whether a mood's circumplex target is on the same side as ``valence`` and ``arousal`` (targets under 0.3 in
    size take either): a reply never names triumphant beside a negative arousal."""
    mood = TABLE[name]
    return all(abs(target) < 0.3 or target * value > 0
               for target, value in ((mood.valence, valence), (mood.arousal, arousal)))


def valence_arousal(features: Features) -> tuple[float, float]:
    z = standard(features)
    return (math.tanh(sum(VALENCE[f] * v for f, v in z.items())), math.tanh(sum(AROUSAL[f] * v for f, v in z.items())))


def estimate(melody: Melody, gate: float | None = None, use: tuple[str, ...] = NAMES) -> Estimate:
    """The valence, arousal and mood of ``melody`` (``named``; ``use``: which features may decide the nearest mood)."""
    features = measure(melody, gate)
    valence, arousal = valence_arousal(features)
    return Estimate(valence, arousal, named(features, use), features)


def named(features: Features, use: tuple[str, ...] = NAMES) -> str:
    """The mood a reply names: the nearest among those whose quadrant the features' valence and arousal agree with."""
    valence, arousal = valence_arousal(features)
    agreeing = tuple(name for name in MOODS if agrees(name, valence, arousal))
    return nearest(features, use, agreeing or MOODS)


def result_estimate(result: MelodyResult) -> Estimate | None:
    """The estimate of a /melody result (its articulation counts when a mood set it); None when it has no notes."""
    if all(n.pitch is None for n in result.melody.notes):
        return None
    return estimate(result.melody, result.melody.gate if result.request.mood else None)


# ---- writing for a mood --------------------------------------------------------------------------------------
def misfit(name: str, melody: Melody) -> float:
    """How far a take's register and contour are from the mood's (what reranking the takes can choose), plus how
    far it drones: a low, falling mood fitted best a line that sits on its opening note."""
    return distance(measure(melody), name, ("register", "density", "slope", "arch")) + monotony(melody)


def monotony(melody: Melody) -> float:
    """0 for a line the corpus could hold; more (in the distance's standard units) the more of its notes repeat the
    one before past 30% (in the corpus's tunes, of their first 32 notes: median 14%, 90th percentile 35%) and the
    narrower its range under a fourth (no corpus tune of 8+ notes spans less). `/melody mood:melancholic bars:4`,
    seed 1, before: `A3 ➜ B3:q A3:q A3:q | G3:h. A3:q | A3:w | R:q A3:q A3:h`."""
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    if len(pitches) < 8:
        return 0.0
    repeats = sum(a == b for a, b in itertools.pairwise(pitches)) / (len(pitches) - 1)
    return max(0.0, repeats - 0.3) * 20 + max(0, 5 - (max(pitches) - min(pitches))) / 2


async def mood_take(take: Callable[[MelodyRequest], Awaitable[MelodyResult]], request: MelodyRequest,
                    takes: int | None = None) -> MelodyResult:
    """One take for a mood: ``takes`` (default ``TAKES``) melodies with the request's settings (RNG seeds
    ``seed + j * TAKE_STRIDE``, generated together), the one nearest the mood's register and contour kept, with its
    articulation. A reproduce command with the request's seed picks the same one. Words set to music are one take
    (their rhythm is the words')."""
    assert request.mood is not None
    mood = request.mood
    count = 1 if request.lyrics is not None else TAKES if takes is None else takes
    best = await best_take(take, replace(request, mood=None), count, lambda m: misfit(mood, m))
    return replace(best, request=replace(best.request, mood=mood))  # articulated by it


async def density_take(take: Callable[[MelodyRequest], Awaitable[MelodyResult]],
                       request: MelodyRequest) -> MelodyResult:
    """One take for ``density: sparse|busy``: ``DENSITY_TAKES`` melodies (RNG seeds as for a mood, generated
    together), the one whose notes a beat are nearest the density's kept; when even that one is no busier (sparser)
    than a natural melody, ``DENSITY_TAKES`` more are written and the nearest of all kept. The rhythm lean alone
    leaves some busy melodies sparser than a natural one. A reproduce command with the request's seed picks the same
    one."""
    target = math.log(DENSITY_PER_BEAT[request.density])

    def misfit(m: Melody) -> float:
        return abs(math.log(max(measure(m).density, 0.1)) - target)

    natural = DENSITY_PER_BEAT["natural"]  # in 4/4: notes a quarter note
    busy = DENSITY_PER_BEAT[request.density] > natural

    def missed(m: Melody) -> bool:  # busy no busier than natural writes, or sparse no sparser (a quarter's worth)
        per_quarter = measure(m).density * TPQ / m.meter.beat_ticks  # 6/8's beat is a dotted quarter
        return per_quarter <= natural if busy else per_quarter >= natural

    best = await best_take(take, request, DENSITY_TAKES, misfit)
    if missed(best.melody):  # a seed of quarter notes in 3/4 held all three takes to it: three more
        assert request.seed is not None
        more = await best_take(take, replace(request, seed=(request.seed + DENSITY_TAKES * TAKE_STRIDE) % SEED_MAX),
                               DENSITY_TAKES, misfit)
        best = min((best, replace(more, request=best.request)), key=lambda r: misfit(r.melody))
    return best


async def best_take(take: Callable[[MelodyRequest], Awaitable[MelodyResult]], request: MelodyRequest, count: int,
                    misfit: Callable[[Melody], float]) -> MelodyResult:
    """``count`` takes of ``request`` (RNG seeds ``seed + j * TAKE_STRIDE``, generated together), kept under the
    request's seed so a reproduce command picks the same one: of the takes within ``ENDING_SLACK`` of the least
    ``misfit``, the one whose step into its final note is most usual in the corpus's tunes (``data.form``)."""
    assert request.seed is not None
    results = await asyncio.gather(*(take(replace(request, seed=(request.seed + j * TAKE_STRIDE) % SEED_MAX))
                                     for j in range(count)))
    fits = [misfit(r.melody) for r in results]
    least = min(fits)
    near = [k for k, fit in enumerate(fits) if fit <= least + ENDING_SLACK]
    best = results[max(near, key=lambda k: (load_form().end_weight(results[k].melody.notes), -fits[k]))]
    return replace(best, request=replace(best.request, seed=request.seed))


def mood_section(melody: Melody) -> str:
    """/analyze's Mood paragraph: the estimate and what it was read from."""
    e = estimate(melody)
    f = e.features
    mode = "major third" if f.major > 0.3 else "minor third" if f.major < -0.3 else "both thirds"
    return (f"**{e.mood}** — valence {e.valence:+.1f} (unpleasant −1 … +1 pleasant), arousal {e.arousal:+.1f} "
            f"(calm −1 … +1 excited). Read from its {mode} above the tonic, {f.tempo:.0f} bpm, mean pitch "
            f"{_pitch_name(f.register, melody.key)}, {f.density:.1f} notes a beat and a line that "
            f"{_contour_words(f)}: mode and tempo weigh most (Gabrielsson & Lindström 2010).")


def _pitch_name(pitch: float, key: Key) -> str:
    """The mean pitch as the nearest note of the key's scale, spelled in the key ("about E4" for a C major tune
    whose mean lies between D4 and E4: Eb4 named a note the tune may never play)."""
    from studio.analysis.words import note_name

    nearest = min((p for p in range(int(pitch) - 2, int(pitch) + 3) if p % 12 in key.scale),
                  key=lambda p: (abs(p - pitch), p))
    return f"about {note_name(nearest, key)}"


def _contour_words(f: Features) -> str:
    if abs(f.slope) < 2 and abs(f.arch) < 2:
        return "stays level"
    if abs(f.arch) > abs(f.slope):
        return "arches up and back" if f.arch > 0 else "dips and climbs back"
    return f"{'rises' if f.slope > 0 else 'falls'} {abs(f.slope):.0f} semitones"


def notes_melody(text: str, key: str, tempo: int) -> Melody:
    """A typed melody in ``key`` at ``tempo`` (for tests and the bench)."""
    seed = parse_seed(text)
    return Melody(tuple(Note(n.pitch, n.ticks) for n in seed.notes), Key.parse(key), tempo=tempo)
