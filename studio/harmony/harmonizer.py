"""Chords for a melody: spans -> learned HMM (chorale, pop, jazz) -> chord symbols, roman numerals, voicings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path

from data.errors import MusicError, opt
from data.events import FLAT_NAMES, SHARP_NAMES, Key, Melody, Meter, Note
from data.pitch_spelling import note_name
from model.harmony import CHECKPOINT, QUALITY, ROMAN, HarmonyModel, Span, State, grain_ticks, table_mode
from studio.harmony.repeats import REPEAT_TIE, repeated_spans
from studio.options import HARMONY_STYLES, RHYTHMS

SYMBOL_SUFFIX = {(0, 4, 7): "", (0, 3, 7): "m", (0, 3, 6): "dim", (0, 4, 8): "aug", (0, 4, 7, 10): "7",
                 (0, 4, 7, 11): "maj7", (0, 3, 7, 10): "m7", (0, 3, 6, 10): "m7b5", (0, 3, 6, 9): "dim7",
                 (0, 3, 7, 11): "m(maj7)"}
MAJOR_REF, MINOR_REF = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
POP_DEGREES = {"major": (0, 3, 4, 5), "minor": (0, 2, 3, 5, 6)}  # I IV V vi; i III iv VI VII
POP_MODAL = {"mixolydian": (6,), "lydian": (1,)}  # each mode's own chord: G mixolydian's F, F lydian's G
# Pop's favourite moves (log-score bonuses, on moves onto a downbeat only): half what they were before bench.leadsheets
# showed them overruling the melody (Amazing Grace's `G:h B:e G:e` under C, Twinkle's `D D C:h` under `G F`).
POP_MOVES = {"major": {(0, 4): 0.5, (4, 5): 0.5, (5, 3): 0.5, (3, 0): 0.5, (0, 3): 0.35, (3, 4): 0.35, (4, 0): 0.35},
             "minor": {(0, 5): 0.5, (5, 2): 0.4, (2, 6): 0.5, (6, 0): 0.5, (0, 3): 0.35, (3, 0): 0.35, (5, 6): 0.4,
                       (0, 6): 0.5, (4, 0): 0.5}}
EARLY_TONIC = 1.0  # pop's and jazz's cost on the final chord just before it arrives: see model.harmony's decode
BAR_HOLDS = 0.7  # a song's chord holds through its bar this often, at half-bar spans: see model.harmony's decode
OPEN_TONIC = 1.0  # and a tune of four bars or more opens on its tonic: log-score for it in the first bar (a shorter
# one may be a song's last line: `D D E D | C:w` is `G | C`); bench/reports/harmony.md
SONG_PHRASE_END = 0.5  # and its phrases end on the chords phrases end on (model.harmony's learned "end" table)


@dataclass(frozen=True)
class Chord:
    """One chord of the harmonisation: where it sounds, how learners and players read it, its notes."""

    start: int  # ticks from the melody's start
    ticks: int
    roman: str
    symbol: str
    root: int  # pitch class
    intervals: tuple[int, ...]  # semitones above the root
    voicing: tuple[int, ...]  # MIDI pitches, bass first, below the melody

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.root + i) % 12 for i in self.intervals)


@dataclass(frozen=True)
class HarmonyResult:
    melody: Melody  # from the first downbeat: after a pickup, a rest fills its bar first (``Melody.on_downbeat``)
    chords: tuple[Chord, ...]
    rhythm: str
    style: str
    pickup: int = 0  # the melody's pickup (ticks), shown as one again in the score and the ABC

    @property
    def chord_text(self) -> str:
        """``| C | Am | F G7 | C |``: a lead sheet's cells, one per bar (see ``bar_cells``)."""
        return bar_cells(self, [c.symbol for c in self.chords])

    def chord_at(self, tick: int) -> Chord | None:
        """The chord sounding at ``tick`` (from the first downbeat); None over a pickup left without a chord."""
        return next((c for c in self.chords if c.start <= tick < c.start + c.ticks), None)

    def as_written(self, chords: list[tuple[int, str]]) -> tuple[Melody, list[tuple[int, str]]]:
        """The melody with its pickup again (no rest before it) and ``chords`` (start, name) moved with it."""
        lead = self.melody.meter.bar_ticks - self.pickup
        if not self.pickup or not self.melody.notes or self.melody.notes[0] != Note(None, lead):
            return self.melody, chords
        melody = replace(self.melody, notes=self.melody.notes[1:], pickup=self.pickup,
                         seed_len=max(self.melody.seed_len - 1, 0))
        return melody, [(tick - lead, name) for tick, name in chords]

    @property
    def roman_text(self) -> str:
        """``| I | vi | IV V7 | I |`` in the melody's key, cell for cell as ``chord_text``."""
        return bar_cells(self, [c.roman for c in self.chords])


def bar_cells(result: HarmonyResult, names: list[str]) -> str:
    """``| C | Am | F G7 | Dm7 G / / |``: ``names`` (one per chord) in ``lead_sheet`` cells."""
    meter = result.melody.meter
    spans = [(c.start, c.ticks, c.symbol, name) for c, name in zip(result.chords, names, strict=True)]
    return "| " + " | ".join(lead_sheet(spans, meter.bar_ticks, meter.beat_ticks, meter.strong_ticks)) + " |"


def lead_sheet(spans: list[tuple[int, int, str, str]], bar_ticks: int, beat_ticks: int,
               strong: frozenset[int] = frozenset({0})) -> list[str]:
    """One cell per bar from (start, ticks, symbol, name) spans, written as lead sheets write them: a chord held
    over spans is named once (`C C C C` is `C`), chords sharing a bar evenly, or changing on its ``strong`` beats,
    are just listed (`C G`: two beats each in 4/4), and otherwise each holds with a slash per further beat
    (`Dm7 G / /`, `G / / C`)."""
    bars: dict[int, list[list]] = {}  # bar -> [symbol, name, ticks held]
    starts: dict[int, list[int]] = {}  # bar -> where its chords start
    merged: set[int] = set()  # bars where a chord was held over spans
    for start, ticks, symbol, name in spans:
        cell = bars.setdefault(start // bar_ticks, [])
        if cell and cell[-1][0] == symbol:
            cell[-1][2] += ticks
            merged.add(start // bar_ticks)
        else:
            cell.append([symbol, name, ticks])
            starts.setdefault(start // bar_ticks, []).append(start)
    cells = []
    for bar in sorted(bars):
        held = bars[bar]
        on_strong = all(at % bar_ticks in strong for at in starts[bar][1:])
        if len({ticks for *_, ticks in held}) == 1 or (bar not in merged and on_strong):  # 7/8's `F G`: 4 + 3
            cells.append(" ".join(name for _, name, _ in held))
        else:
            cells.append(" ".join(name + " /" * (max(round(ticks / beat_ticks), 1) - 1) for _, name, ticks in held))
    return cells


def span_ticks(meter: Meter, rhythm: str) -> tuple[int, str]:
    """The length of one chord span in ticks (a felt beat, half a bar or a bar), and which learned transition
    table fits it."""
    if rhythm not in RHYTHMS:
        raise MusicError(f"Unknown rhythm '{rhythm}'. Use one of {', '.join(RHYTHMS)} — e.g. {opt('rhythm', 'bar')}.",
                         "rhythm", "bar")
    grain = {"beat": "beat", "half-bar": "half", "bar": "bar"}[rhythm]
    ticks = grain_ticks(grain, meter)
    return ticks, grain if ticks < meter.bar_ticks else "bar"


def span_bounds(melody: Melody, ticks: int, degree: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each chord span: every ``ticks`` from the first downbeat, the last one cut at the melody's
    end. When the final note, the tonic, arrives on a beat inside the last span and the melody spends most of that span
    before it outside the tonic chord (`G A B C` in one bar, `E F# G# A` in A; not `E D C:h`, whose D passes),
    the tonic chord comes with the final note: the span is split there, so those notes can have their dominant
    (``| C | C / G C |``, ``| A | E / / A |``) instead of sounding against the tonic. ``degree``: the final
    chord's scale degree (4: a half cadence's dominant, arriving with the 5th)."""
    bounds = [(start, min(start + ticks, melody.ticks)) for start in range(0, melody.ticks, ticks)]
    onsets = melody.onsets()
    pitched = [(onset, note.pitch, onset + note.ticks)
               for onset, note in zip(onsets, melody.notes, strict=True) if note.pitch is not None]
    if not pitched or not bounds:
        return bounds
    start, end = bounds[-1]
    last = pitched[-1][0]
    root, intervals = diatonic(melody.key, degree)
    tonic = {(melody.key.tonic + root + i) % 12 for i in intervals}
    outside = sum(max(0, min(stop, last) - max(onset, start)) for onset, pitch, stop in pitched[:-1]
                  if pitch % 12 not in tonic)
    arrives = pitched[-1][1] % 12 == (melody.key.tonic + root) % 12  # on the root itself: `G B D G` ends on G
    if arrives and start < last and last % melody.meter.beat_ticks == 0 and 2 * outside > last - start:
        bounds[-1:] = [(start, last), (last, end)]
    return bounds


def final_tonic(melody: Melody, bounds: list[tuple[int, int]], spans: list[Span], last: int, extend: bool,
                degree: int = 0) -> int:
    """How many spans at the end the final tonic chord holds: those the last note (onset ``last``) sounds in and,
    with ``extend``, when that note is a tonic chord tone, the spans of the last bar before it whose notes all are
    too (Mary had a little lamb's `E G G:h`: the tonic arrives with the bar, so the D before it gets the dominant;
    per beat the chorales' own cadence moves place it). ``degree``: the final chord's scale degree (4: a half
    cadence's dominant)."""
    held = sum(end > last for _, end in bounds)
    root, intervals = diatonic(melody.key, degree)
    tonic = {(root + i) % 12 for i in intervals}
    if not extend or not spans[-1].notes or spans[-1].notes[-1][0] not in tonic:
        return held
    bar_start = melody.ticks - melody.meter.bar_ticks
    while (held < len(spans) and bounds[-held - 1][0] >= bar_start and spans[-held - 1].notes
           and all(pc in tonic for pc, _ in spans[-held - 1].notes)):
        held += 1
    return held


def held_sevenths(path: list[State], bounds: list[tuple[int, int]], melody: Melody, final: int) -> list[State]:
    """A triad and its own diatonic seventh chord side by side in one bar (`Am Am7`, `Dm Dm7`) are one chord to a
    player: the seventh, held over both (the final tonic's ``final`` spans are left as they are)."""
    path = list(path)
    scale = set(scale_degrees(melody.key))
    bar = melody.meter.bar_ticks  # the melody starts on a downbeat (``Melody.on_downbeat``): bounds count from it
    for k in range(1, len(path) - final):
        a, b = path[k - 1], path[k]
        if a.root != b.root or a.pcs == b.pcs or bounds[k - 1][0] // bar != bounds[k][0] // bar:
            continue
        small, big = sorted((a, b), key=lambda s: len(s.pcs))
        if set(small.pcs) < set(big.pcs) and set(big.pcs) <= scale:
            path[k - 1] = path[k] = big
    return path


def phrase_rest(melody: Melody, boundary: int, lead_in: int) -> int:
    """Where a phrase that ends at the bar line ``boundary`` comes to rest: ``lead_in`` ticks (the tune's pickup)
    before it when a note starts there (the next phrase's pickup, as the first one led into the first phrase),
    else the bar line."""
    if lead_in and any(boundary - lead_in <= onset < boundary and note.pitch is not None
                       for onset, note in zip(melody.onsets(), melody.notes, strict=True)):
        return boundary - lead_in
    return boundary


PASSING_WEIGHT, LEAP_WEIGHT = 0.5, 2.0  # see note_roles


def note_roles(melody: Melody) -> list[float]:
    """How much each note says about the chord under it, as a player hears it: a note reached and left by step (a
    passing or neighbour note: `C C D E`'s D) counts half unless it starts a bar, a note reached or left by leap
    counts double (an arpeggio's `G F D B` spells G), others once. bench.leadsheets (12 songs' lead sheets):
    pop 90.4% -> 94.9% of half bars (Yankee Doodle's `C G | C G |` -> `C | C G |`, Happy Birthday opens on G),
    chorale 79.8% -> 87.4%; over 300 folk openings at half bars, melody time on chord tones 0.735 -> 0.739 (pop),
    strong-beat notes on chord tones 0.949 -> 0.929 (an accented passing note now counts against it)."""
    pitches = [note.pitch for note in melody.notes]
    roles = []
    for i, (onset, pitch) in enumerate(zip(melody.onsets(), pitches, strict=True)):
        steps = [abs(pitch - p) for p in pitches[max(i - 1, 0):i] + pitches[i + 1:i + 2]
                 if pitch is not None and p is not None]
        if len(steps) == 2 and all(1 <= s <= 2 for s in steps) and onset % melody.meter.bar_ticks:
            roles.append(PASSING_WEIGHT)
        elif any(s >= 3 for s in steps):
            roles.append(LEAP_WEIGHT)
        else:
            roles.append(1.0)
    return roles


def melody_spans(melody: Melody, ticks: int | list[tuple[int, int]], phrase_bars: int = 4,
                  first_bar: int = 0, lead_in: int = 0) -> list[Span]:
    """Melody pitch classes (relative to the tonic) per span (every ``ticks``, or the given (start, end) bounds),
    weighted by length in beats, less off the strong beats, and in spans longer than a beat by ``note_roles``; an
    onset at the span's start weighs half a beat more.
    The last span, and spans ending a 4-bar phrase counted from ``first_bar`` (the first full bar's tick: a pickup
    belongs to the phrase it leads into), are phrase ends: before the next phrase's pickup of ``lead_in`` ticks
    (``phrase_rest``) where a span of the phrase's last bar ends there, else the span the bar line ends."""
    meter = melody.meter
    beat = meter.beat_ticks
    bounds = ticks if isinstance(ticks, list) else [(start, min(start + ticks, melody.ticks))
                                                     for start in range(0, melody.ticks, ticks)]
    notes: list[list[tuple[int, float]]] = [[] for _ in bounds]
    for onset, note, role in zip(melody.onsets(), melody.notes, note_roles(melody), strict=True):
        if note.pitch is None:
            continue
        for k, (start, end) in enumerate(bounds):
            overlap = min(onset + note.ticks, end) - max(onset, start)
            if overlap <= 0:
                continue
            accent = 1.0 if onset % meter.bar_ticks in meter.strong_ticks else 0.6
            heard = role if end - start > beat else 1.0  # a chord per beat harmonises each beat's own note
            weight = heard * (accent * overlap / beat + (0.5 if onset == start else 0.0))
            notes[k].append(((note.pitch - melody.key.tonic) % 12, weight))
    phrase = phrase_bars * meter.bar_ticks
    ends = {len(bounds) - 1}
    if melody.ticks >= 2 * phrase:
        for k, (_, end) in enumerate(bounds):
            if first_bar < end < melody.ticks and (end - first_bar) % phrase == 0:
                rest = phrase_rest(melody, end, lead_in)
                ends.add(max((j for j, (_, e) in enumerate(bounds) if end - meter.bar_ticks < e <= rest), default=k))
    return [Span(tuple(n), k in ends, start % meter.bar_ticks in meter.strong_ticks, start % meter.bar_ticks == 0)
            for k, (n, (start, end)) in enumerate(zip(notes, bounds, strict=True))]


def scale_degrees(key: Key) -> list[int]:
    """The mode's seven pitch classes relative to its tonic, ascending."""
    return sorted((pc - key.tonic) % 12 for pc in key.scale)


def roman_label(root: int, intervals: tuple[int, ...], mode: str) -> str:
    """Roman numeral of a chord relative to the tonic: minor keys read III VI VII on the natural minor scale."""
    ref = MAJOR_REF if table_mode(mode) == "major" else MINOR_REF
    upper, suffix = QUALITY.get(intervals, (True, "?"))
    prefix = ""
    if root in ref:
        degree = ref.index(root)
    elif table_mode(mode) == "minor" and root in (9, 11):  # raised 6th and leading tone
        degree = 5 if root == 9 else 6
    elif (root + 1) % 12 in ref:
        degree, prefix = ref.index((root + 1) % 12), "b"
    else:
        degree, prefix = ref.index((root - 1) % 12), "#"
    numeral = ROMAN[degree] if upper else ROMAN[degree].lower()
    return f"{prefix}{numeral}{suffix}"


def diatonic(key: Key, degree: int, seventh: bool = False) -> tuple[int, tuple[int, ...]]:
    """(root, intervals) of the triad or seventh chord on a scale degree (0-based) of the key's mode."""
    scale = scale_degrees(key)
    root = scale[degree]
    tones = [scale[(degree + step) % 7] for step in ((0, 2, 4, 6) if seventh else (0, 2, 4))]
    return root, tuple(sorted((t - root) % 12 for t in tones))


def symbol(key: Key, root: int, intervals: tuple[int, ...], label: str = "") -> str:
    """Chord symbol in the key: (key tonic + root) spelled as the key spells its notes, plus a suffix: 'Am', 'G7',
    'C#dim' in D minor (its leading tone), 'E#dim' in F# major; a numeral's own b or # wins ('bII': Db in C)."""
    pc = (key.tonic + root) % 12
    name = note_name(pc, key, octave=False)
    if (label[:1] == "b" and "#" in name) or (label[:1] == "#" and "b" in name[1:]):
        name = (FLAT_NAMES if label[:1] == "b" else SHARP_NAMES)[pc]
    return name + SYMBOL_SUFFIX.get(intervals, "")


def voicing(root_pc: int, pcs: frozenset[int], melody_low: int | None) -> tuple[int, ...]:
    """Close-position chord tones just below the melody (at most B4), the root a tenth or more below them."""
    ceiling = max(55, min((melody_low or 72) - 1, 71))
    bass = ceiling - 15 - (ceiling - 15 - root_pc) % 12
    return (bass, *sorted({ceiling - (ceiling - pc) % 12 for pc in pcs}))


class Harmonizer:
    """Chorale-learned HMM plus the pop and jazz variants of its decoder."""

    def __init__(self, model: HarmonyModel) -> None:
        self.model = model

    @classmethod
    def load(cls, path: Path = CHECKPOINT) -> Harmonizer:
        return cls(HarmonyModel.load(path))

    def states(self, key: Key, style: str, sounded: frozenset[int] = frozenset()) -> list[State]:
        """The chords a style may use in the key (relative to its tonic) under a melody that sounds the pitch classes
        ``sounded`` (relative to the tonic)."""
        mode = key.mode
        if style == "pop":  # major and minor triads, and V7 where the mode has its seventh: no dorian vi°
            degrees = POP_DEGREES[table_mode(mode)] + POP_MODAL.get(mode, ())
            states = [s for s in (self._diatonic_state(key, d) for d in degrees) if len(set(s.pcs)) == 3
                      and sorted((p - s.root) % 12 for p in s.pcs) in ([0, 4, 7], [0, 3, 7])]
            if table_mode(mode) == "minor":  # the major V a melody's raised seventh asks for (G# in A minor)
                states.append(self.model.state_for(mode, 7, (0, 4, 7), "V"))
            if any(s.root == 7 and 11 in s.pcs for s in states) and 5 in scale_degrees(key):
                states.append(self.model.state_for(mode, 7, (0, 4, 7, 10), "V7"))  # G7, a folk guitar's chord too
            if 10 in sounded and 11 not in sounded:  # G natural, never G#: no E major in A minor (nor G in C)
                states = [s for s in states if not (s.root == 7 and 11 in s.pcs)]
            return states
        if style == "jazz":
            states = [self._diatonic_state(key, d) for d in range(7)]
            if table_mode(mode) == "minor":
                states.append(self.model.state_for(mode, 7, (0, 4, 7), "V"))
            return states
        if mode in ("major", "minor"):
            return self.model.states(mode)
        scale = set(scale_degrees(key))
        learned = [s for s in self.model.states(mode) if set(s.pcs) <= scale]
        extra = [self._diatonic_state(key, d) for d in range(7)]
        return learned + [s for s in extra if all(s.root != x.root or s.pcs != x.pcs for x in learned)]

    def _diatonic_state(self, key: Key, degree: int) -> State:
        root, intervals = diatonic(key, degree)
        return self.model.state_for(key.mode, root, intervals, roman_label(root, intervals, key.mode))

    def harmonize(self, melody: Melody, rhythm: str = "beat", style: str = "chorale",
                  ending: str = "closed") -> HarmonyResult:
        """One chord per span (CPU work: call it in an executor). ``ending``: ``closed`` ends on the tonic chord,
        ``half`` on the dominant (a half cadence: a section that leads back into the tune), each where the melody's
        last note fits it."""
        if style not in HARMONY_STYLES:
            raise MusicError(f"Unknown style '{style}'. Use one of {', '.join(HARMONY_STYLES)} — e.g. "
                             f"{opt('style', 'pop')}.", "style", "pop")
        if all(n.pitch is None for n in melody.notes):
            raise MusicError(f"There are no notes to harmonise. Give me a melody, e.g. {opt('notes', 'C D E F G')}.",
                             "notes")
        padded = melody.on_downbeat()  # chords change on the downbeats, after a pickup too
        lead = padded.ticks - melody.ticks  # the rest before a pickup: no chord sounds there (N.C., as lead sheets)
        pickup = melody.pickup
        if 0 < pickup <= melody.meter.beat_ticks < melody.ticks:  # a pickup of a beat or less leads into the first
            lead = melody.meter.bar_ticks  # chord, as lead sheets and fake books write it: no chord over it
        melody = padded
        ticks, grain = span_ticks(melody.meter, rhythm)
        degree = 4 if ending == "half" else 0
        bounds = span_bounds(melody, ticks, degree)
        bar = melody.meter.bar_ticks
        if pickup and grain != "beat" and len(bounds) > 1 and bounds[0][1] < bar:  # one chord over a longer pickup
            bounds = [(0, bar), *((a, b) for a, b in bounds if a >= bar)]
        bounds = [(a, b) for a, b in bounds if b > lead]  # a pickup under no chord chooses none: nor the next one
        spans = melody_spans(melody, bounds, first_bar=melody.meter.bar_ticks if pickup else 0, lead_in=pickup)
        states = self.states(melody.key, style,
                             frozenset((n.pitch - melody.key.tonic) % 12 for n in melody.notes if n.pitch is not None))
        home = diatonic(melody.key, 0)
        tonic = [s.label for s in states if s.root == 0 and set(s.pcs) == {(home[0] + i) % 12 for i in home[1]}]
        final = tonic
        if ending == "half":  # V, or the mode's own v where the style has no dominant (pop in natural minor)
            if not any(s.root == 7 and len(s.pcs) == 3 for s in states):
                states = [*states, self._diatonic_state(melody.key, 4)]
            final = [s.label for s in states if s.root == 7 and len(s.pcs) == 3]
        boosts = self._boosts(melody.key, style, states)
        onsets = melody.onsets()
        last = next((o for o, n in zip(reversed(onsets), reversed(melody.notes), strict=True)
                     if n.pitch is not None), 0)
        held = final_tonic(melody, bounds, spans, last, extend=grain != "beat", degree=degree)
        spans[-held:] = [replace(span, phrase_end=True) for span in spans[-held:]]  # the cadence is where it arrives
        song = style != "chorale"
        song_start = dict.fromkeys(tonic, OPEN_TONIC) if song and melody.ticks >= 4 * bar else None
        opening = None  # a pickup with a chord leads into the first bar: the tonic or the dominant
        if pickup and bounds[0][1] <= bar < melody.ticks:
            opening = [s.label for s in states if s.label in tonic or (s.root == 7 and 11 in s.pcs)]
        decode = partial(self.model.decode, spans, states, melody.key.mode, grain, cadence=True, boosts=boosts,
                         final=final, chorale_cadences=style == "chorale", final_spans=held, first=opening,
                         boost_within_bar=style != "pop", final_cadence=style == "pop",
                         early_tonic=EARLY_TONIC if style in ("pop", "jazz") else 0.0,
                         bar_holds=BAR_HOLDS if song else 0.0, start_bonus=song_start,
                         end_weight=SONG_PHRASE_END if song else None)
        path = decode()
        ties = repeated_spans(melody, bounds) if song else {}
        if any(path[k] != path[was] for k, was in ties.items()):  # a repeated bar leans to its first chords
            path = decode(prefer={k: {path[was].label: REPEAT_TIE} for k, was in ties.items()})
        path = held_sevenths(path, bounds, melody, held)
        chords = []
        for k, state in enumerate(path):
            root, intervals = state.root, tuple(sorted((p - state.root) % 12 for p in state.pcs))
            label = state.label
            if style == "jazz":
                root, intervals, label = self._seventh(melody.key, state)
            start, end = max(bounds[k][0], lead), bounds[k][1]
            if end <= start:
                continue
            sounding = [n.pitch for o, n in zip(onsets, melody.notes, strict=True)
                        if n.pitch is not None and o < end and o + n.ticks > start]
            root_pc = (melody.key.tonic + root) % 12
            pcs = frozenset((root_pc + i) % 12 for i in intervals)
            name = symbol(melody.key, root, intervals, label)
            chords.append(Chord(start, end - start, label, name, root_pc, intervals,
                                voicing(root_pc, pcs, min(sounding) if sounding else None)))
        return HarmonyResult(melody, tuple(chords), rhythm, style, pickup)

    def _boosts(self, key: Key, style: str, states: list[State]) -> dict[tuple[str, str], float]:
        by_root = {s.root: s.label for s in states if len(s.pcs) == 3}
        if style == "pop":
            scale = scale_degrees(key)
            moves = POP_MOVES[table_mode(key.mode)]
            return {(by_root[scale[a]], by_root[scale[b]]): v for (a, b), v in moves.items()
                    if scale[a] in by_root and scale[b] in by_root}
        if style == "jazz":
            ii, v, i, vi = (by_root.get(r) for r in (2, 7, 0, 9 if table_mode(key.mode) == "major" else 8))
            return {pair: bonus for pair, bonus in {(ii, v): 1.5, (v, i): 1.0, (vi, ii): 0.7, (i, vi): 0.3}.items()
                    if None not in pair}
        return {}

    @staticmethod
    def _seventh(key: Key, state: State) -> tuple[int, tuple[int, ...], str]:
        """The seventh chord on the state's root: diatonic, except a dominant seventh on a major V."""
        intervals = tuple(sorted((p - state.root) % 12 for p in state.pcs))
        scale = scale_degrees(key)
        if state.root == 7 and intervals == (0, 4, 7):
            sevenths: tuple[int, ...] = (0, 4, 7, 10)
        elif state.root in scale:
            _, sevenths = diatonic(key, scale.index(state.root), seventh=True)
            if sevenths[:3] != intervals:
                sevenths = (*intervals, 10 if intervals != (0, 4, 7) else 11)
        else:
            sevenths = (*intervals, 10)
        return state.root, sevenths, roman_label(state.root, sevenths, key.mode)


@lru_cache(maxsize=1)
def default_harmonizer() -> Harmonizer:
    """The shipped tables, loaded once."""
    return Harmonizer.load(CHECKPOINT)


def harmonize_melody(melody: Melody, rhythm: str = "beat", style: str = "chorale",
                     ending: str = "closed") -> HarmonyResult:
    """Chords for a melody with the shipped tables (CPU work: front ends call it in an executor); ``ending``: how a
    melody of the bot's was asked to end (``half``: on the dominant)."""
    return default_harmonizer().harmonize(melody, rhythm, style, ending)


def chord_tone_share(result: HarmonyResult) -> float:
    """Share of melody notes starting on a strong beat (``Meter.strong_ticks``: 1 and 3 of 4/4, 1 of 3/4) that
    belong to the chord sounding with them."""
    melody = result.melody
    hits, total = 0, 0
    for onset, note in zip(melody.onsets(), melody.notes, strict=True):
        if note.pitch is None or onset % melody.meter.bar_ticks not in melody.meter.strong_ticks:
            continue
        total += 1
        chord = result.chord_at(onset)
        hits += chord is not None and note.pitch % 12 in chord.pitch_classes
    return hits / total if total else 1.0
