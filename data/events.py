"""The project's own music types: notes, keys, meters, melodies, and their token encoding.

Time is exact: durations are integer ticks, ``TPQ`` ticks per quarter note, so that
triplets and sixteenths both land on the grid and nothing is compared as a float.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

from data.errors import MusicError

TPQ = 12  # ticks per quarter note: 1/4 (sixteenth) = 3, 1/3 (triplet eighth) = 4
PIANO_LOW, PIANO_HIGH = 21, 108  # A0 .. C8
DEFAULT_BPM = 110  # felt beats a minute, for a quarter or dotted-quarter beat (see Meter.default_bpm)

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
LETTER_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}  # a letter's major key: sharps (flats < 0)
MODE_FIFTHS = {"lydian": 1, "major": 0, "mixolydian": -1, "dorian": -2, "minor": -3, "phrygian": -4, "locrian": -5}
FLAT_PARENTS = frozenset({5, 10, 3, 8, 1})  # major keys written with flats: F Bb Eb Ab Db


def signature_fifths(name: str, mode: str) -> int:
    """The key signature of a tonic spelled ``name`` ('C#', 'Bb', 'E') in ``mode``: sharps > 0, flats < 0, not
    bounded (G# major: 8, a signature no one writes)."""
    return LETTER_FIFTHS[name[0]] + 7 * {"#": 1, "b": -1}.get(name[1:], 0) + MODE_FIFTHS[mode]


def signature_major(fifths: int) -> int:
    """The pitch class of the major key with ``fifths`` sharps (flats < 0): 2 -> D, -3 -> Eb."""
    return 7 * fifths % 12

# Semitones from the parent major scale's tonic to each mode's tonic (D dorian -> C major).
MODE_OFFSET = {
    "major": 0,
    "dorian": 2,
    "phrygian": 4,
    "lydian": 5,
    "mixolydian": 7,
    "minor": 9,
    "locrian": 11,
}
MODE_ALIASES = {"ionian": "major", "aeolian": "minor", "maj": "major", "min": "minor", "m": "minor", "dur": "major",
                "moll": "minor"}  # German: "Es dur", "a moll"
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
SCALE_HINTS = {  # scales people type as a key, and the modes nearest them
    "blues": "For a bluesy tune try `{tonic} dorian` (minor, bright sixth) or `{tonic} mixolydian` (major, flat 7th). ",
    "pentatonic": "A pentatonic scale is part of a mode: try `{tonic} major` or `{tonic} minor`. ",
}

# Durations the model can produce, in ticks: 16th, triplet 8th, 8th, triplet quarter,
# dotted 8th, quarter, dotted quarter, half, dotted half, whole, dotted whole.
DURATIONS = (3, 4, 6, 8, 9, 12, 18, 24, 36, 48, 72)
DURATION_NAMES = {3: "s", 4: "et", 6: "e", 8: "qt", 9: "e.", 12: "q", 18: "q.", 24: "h", 36: "h.", 48: "w", 72: "w."}


def pitch_name(midi: int, flats: bool = False) -> str:
    """MIDI number -> scientific pitch name, e.g. 61 -> 'C#4' (or 'Db4' with ``flats``)."""
    names = FLAT_NAMES if flats else SHARP_NAMES
    return f"{names[midi % 12]}{midi // 12 - 1}"


def duration_name(ticks: int) -> str:
    """Ticks -> the duration suffix the notation parser reads back: 'q', 'e.', a sum of up to three named lengths,
    longest first, where there is no one name ('w+q': five quarters, a tie), else quarters as a fraction ('1/12')."""
    if ticks in DURATION_NAMES:
        return DURATION_NAMES[ticks]
    if parts := _named_parts(ticks):
        return "+".join(DURATION_NAMES[t] for t in parts)
    quarters = Fraction(ticks, TPQ)
    return f"{quarters.numerator}/{quarters.denominator}"  # always with a slash: `8` alone is an eighth


@functools.lru_cache(maxsize=256)
def _named_parts(ticks: int, most: int = 3) -> tuple[int, ...]:
    """The fewest named lengths (up to ``most``) that add up to ``ticks``, longest first; () when there are none."""
    if ticks in DURATION_NAMES:
        return (ticks,)
    if most > 1:
        found = [(t, *rest) for t in sorted(DURATION_NAMES, reverse=True) if t < ticks
                 if (rest := _named_parts(ticks - t, most - 1)) and rest[0] <= t]
        return min(found, key=len, default=())
    return ()


@dataclass(frozen=True)
class Note:
    """One note or rest (``pitch is None``) lasting ``ticks``."""

    pitch: int | None
    ticks: int

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class Key:
    """A tonic (pitch class 0-11, spelled ``name``) and a mode from ``MODE_OFFSET``."""

    tonic: int
    mode: str = "major"
    name: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODE_OFFSET:
            raise MusicError(f"Unknown mode '{self.mode}'. Try one of: {', '.join(MODE_OFFSET)}.")
        if not self.name:
            object.__setattr__(self, "name", PITCH_NAMES[self.tonic % 12])

    @property
    def parent_major(self) -> int:
        """Pitch class of the major scale this mode is drawn from."""
        return (self.tonic - MODE_OFFSET[self.mode]) % 12

    @property
    def transpose_to_c(self) -> int:
        """Semitones to add to move this key's notes onto the white keys (smallest move, -5..6)."""
        shift = -self.parent_major % 12
        return shift - 12 if shift > 6 else shift

    @property
    def scale(self) -> frozenset[int]:
        return frozenset((self.parent_major + step) % 12 for step in MAJOR_SCALE)

    @property
    def degrees(self) -> tuple[int, ...]:
        """The scale's pitch classes from the tonic up: the 1st degree, the 2nd ... the 7th."""
        return tuple(sorted(self.scale, key=lambda pc: (pc - self.tonic) % 12))

    @property
    def stable(self) -> frozenset[int]:
        """Pitch classes a melody can end on: the mode's 1st, 3rd and 5th degrees."""
        return frozenset(self.degrees[i] for i in (0, 2, 4))

    @property
    def uses_flats(self) -> bool:
        """Written with flats: a flat in its name, else a parent major of F, Bb, Eb, Ab or Db, unless its name has a
        sharp and a signature of seven sharps at most does (C# major, A# minor; not G# major)."""
        if "b" in self.name:
            return True
        if "#" in self.name and signature_fifths(self.name, self.mode) <= 7:
            return False
        return self.parent_major in FLAT_PARENTS

    def __str__(self) -> str:
        return f"{self.name} {self.mode}"

    @classmethod
    def parse(cls, text: str) -> Key:
        """'C', 'F# minor', 'Bbm', 'D dorian', 'a minor', 'D mixo', 'key of G', 'C major scale', 'A harmonic minor',
        'h-moll' -> Key, or a MusicError with an example. A key whose signature would need more than seven sharps or
        flats is named as musicians write it: G# major -> Ab major, Db minor -> C# minor."""
        text = re.sub(r"^\s*([A-Ga-g])[\s-]*(flat|sharp)\b", lambda m: m[1] + ("b" if m[2].lower() == "flat" else "#"),
                      text or "", flags=re.I)  # "E-flat major", "F sharp minor"
        text = re.sub(r"^\s*(the\s+)?key\s+of\s+|(\s+(scale|mode|key))?[\s.]*$", "", text, flags=re.I)  # "key of G"
        # a kind of the mode's scale: "A natural minor", "A harmonic minor", "C major pentatonic" -> its mode
        text = re.sub(r"\b(natural|harmonic|melodic)\s+(minor)\b|\b(major|minor)\s+pentatonic\b",
                      lambda m: m[2] or m[3], text, flags=re.I)
        match = re.fullmatch(r"\s*([A-Ha-h])\s*(#|♯|b|♭|s|is|es)?[\s-]*([A-Za-z]*)\s*", text)
        if not match:
            raise MusicError(f"I can't read the key '{text}'. Type it like `G major`, `F# minor` or `D dorian`.")
        letter, accidental, word = match.groups()
        letter = "B" if letter in "Hh" else letter  # German: "H-Dur", "h-moll" (their B is Bb: not a key letter here)
        mode = _mode_name(word)
        if mode is None and accidental and accidental.isalpha() and re.match(rf"\s*.\s+{accidental}{word}", text):
            accidental, word = None, accidental + word  # "C blues": a word after the letter, not B-flat
            mode = _mode_name(word)
        if accidental == "s" and letter.upper() in "AE":
            accidental = "es"  # German "Es", "As": E-flat, A-flat ("Cs", "Fs": C-sharp, F-sharp)
        tonic = LETTER_PC[letter.upper()] + {"#": 1, "♯": 1, "s": 1, "is": 1, "b": -1, "♭": -1, "es": -1}.get(
            accidental or "", 0
        )
        spelled = letter.upper() + {1: "#", -1: "b", 0: ""}[tonic - LETTER_PC[letter.upper()]]
        if mode is None:
            hint = SCALE_HINTS.get(word.lower(), "").format(tonic=spelled)
            raise MusicError(
                f"I don't know the mode '{word.lower()}'. {hint}Use one of {', '.join(MODE_OFFSET)} — e.g. `D dorian`."
            )
        if abs(signature_fifths(spelled, mode)) > 7:  # G# major: 8 sharps, a key no one writes; Ab major has 4 flats
            spelled = (FLAT_NAMES if "#" in spelled else SHARP_NAMES)[tonic % 12]
        return cls(tonic % 12, mode, spelled)


def _mode_name(word: str) -> str | None:
    """A mode's name from how it is typed ("", "m", "min", "Dorian", "mixo", "aeol", "moll"), or None."""
    word = word.lower()
    mode = MODE_ALIASES.get(word, word) or "major"
    named = [m for m in (*MODE_OFFSET, "ionian", "aeolian") if len(mode) >= 3 and m.startswith(mode)]
    if mode not in MODE_OFFSET and len(named) == 1:  # "D mixo", "E phryg", "A aeol"
        mode = MODE_ALIASES.get(named[0], named[0])
    return mode if mode in MODE_OFFSET else None


METER_NAMES = {"c": "4/4", "common time": "4/4", "common": "4/4", "cut time": "2/2", "cut": "2/2", "alla breve": "2/2",
               "¢": "2/2", "¾": "3/4",  # what musicians call some meters, and the signs
               # the dances' (``studio.retime.RHYTHMS`` has the same meters)
               "reel": "4/4", "hornpipe": "4/4", "strathspey": "4/4", "jig": "6/8", "double jig": "6/8",
               "slip jig": "9/8", "slide": "12/8", "waltz": "3/4", "mazurka": "3/4", "minuet": "3/4", "march": "2/4",
               "polka": "2/4"}

# How odd (additive) bars group their units into accents; other numerators over 4 not compound: threes, then the rest.
ODD_GROUPS = {5: (3, 2), 7: (2, 2, 3), 8: (3, 3, 2), 10: (3, 3, 2, 2), 11: (3, 3, 3, 2)}


@dataclass(frozen=True)
class Meter:
    """A time signature such as 6/8, and the one place its beats, groups and accents are worked out.

    The unit is the denominator's note. A meter is compound when its numerator is a multiple of three above three
    (6/8, 9/8, 12/8, 6/4, 6/2): the felt beat is a dotted unit, three units long. Otherwise the beat is the unit
    (3/8 is three eighth beats, 2/2 two half-note beats). A tempo counts felt beats per minute.
    """

    numerator: int = 4
    denominator: int = 4

    @property
    def bar_ticks(self) -> int:
        return self.numerator * 4 * TPQ // self.denominator

    @property
    def unit_ticks(self) -> int:
        """The denominator's note: 12 (a quarter) in x/4, 6 in x/8, 24 in x/2."""
        return 4 * TPQ // self.denominator

    @property
    def compound(self) -> bool:
        return self.numerator % 3 == 0 and self.numerator > 3

    @property
    def beat_ticks(self) -> int:
        """The felt beat: a dotted unit in compound meters (a dotted quarter in 6/8), else the unit."""
        return 3 * self.unit_ticks if self.compound else self.unit_ticks

    @property
    def beats(self) -> int:
        """Felt beats per bar: 6/8 has two, 3/8 three, 6/4 two, 5/4 five."""
        return self.bar_ticks // self.beat_ticks

    @property
    def grouping(self) -> tuple[int, ...]:
        """How the bar's units group into accents: 4/4 -> 1,1,1,1; 6/8 -> 3,3; 5/4 -> 3,2; 7/8 -> 2,2,3."""
        n = self.numerator
        if self.compound:
            return (3,) * (n // 3)
        if n <= 4:
            return (1,) * n
        return ODD_GROUPS.get(n, (3,) * (n // 3) + ((n % 3,) if n % 3 else ()))

    @property
    def group_starts(self) -> tuple[int, ...]:
        """Tick position in the bar of each group of ``grouping``."""
        starts = [0]
        for size in self.grouping[:-1]:
            starts.append(starts[-1] + size * self.unit_ticks)
        return tuple(starts)

    @property
    def strong_ticks(self) -> frozenset[int]:
        """Strong positions in the bar: the downbeat, plus the group start nearest the middle of a bar of four beats
        (4/4, 12/8), of two compound beats (6/8, 6/4) or of uneven groups (5/4 -> beat 4, 7/8 -> the 3 of 2+2+3).
        Bars of one to three beats (2/4, 2/2, 3/4, 3/8, 9/8) have the downbeat only."""
        if self.beats == 4 or (self.compound and self.beats == 2) or self.group == "odd":
            middle = min(self.group_starts[1:], key=lambda start: abs(2 * start - self.bar_ticks))
            return frozenset({0, middle})
        return frozenset({0})

    @property
    def group(self) -> str:
        """The coarse family: 'compound', 'triple' (three simple beats), 'duple' (1, 2 or 4), else 'odd' (5/4, 7/8)."""
        if self.compound:
            return "compound"
        return "triple" if self.beats == 3 else "duple" if self.beats in (1, 2, 4) else "odd"

    @property
    def default_bpm(self) -> int:
        """A moderate tempo for this beat: 110 for a quarter or a dotted quarter, slower for longer beats (2/2 at
        78, 6/4 at 78 dotted halves), quicker for shorter ones (3/8 at 156 eighths)."""
        usual = 3 * TPQ // 2 if self.compound else TPQ
        return round(min(max(DEFAULT_BPM * math.sqrt(usual / self.beat_ticks), 40), 200))

    def quarter_bpm(self, bpm: float) -> float:
        """Quarter notes per minute at ``bpm`` felt beats per minute (6/8 at 110 is quarter = 165)."""
        return bpm * self.beat_ticks / TPQ

    def beat_bpm(self, quarter_bpm: float) -> float:
        """Felt beats per minute at ``quarter_bpm`` quarter notes per minute (MIDI tempo is in quarters)."""
        return quarter_bpm * TPQ / self.beat_ticks

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, text: str) -> Meter:
        """'6/8', '6-8', '3 4', '3/4 time', 'C' or 'common time' (4/4), 'cut time' or 'alla breve' (2/2), a dance
        ('waltz': 3/4, 'jig': 6/8) -> Meter, or a MusicError that says what to type."""
        plain = re.sub(r"\s+", " ", (text or "").strip().lower())
        plain = re.sub(r"(?<=.) time$", "", plain) if plain not in METER_NAMES else plain  # "3/4 time", "waltz time"
        named = METER_NAMES.get(plain)
        match = re.fullmatch(r"\s*(\d{1,2})\s*[/:\- ]\s*(\d{1,2})\s*", named or plain)
        if not match:
            raise MusicError(f"I can't use the meter '{text}'. Type it like `4/4`, `3/4` or `6/8`.")
        top, bottom = int(match[1]), int(match[2])
        if bottom not in (2, 4, 8) or not 1 <= top <= 12:
            raise MusicError(f"I can't use the meter '{text}': the lower number must be 2, 4 or 8 and the upper 1 to "
                             f"12. Type it like `4/4`, `3/4` or `6/8`.")
        return cls(top, bottom)


@dataclass(frozen=True)
class Melody:
    """A monophonic line with its key, meter and tempo; ``seed_len`` notes at the start were given.

    ``pickup`` is the length of a short first bar (an anacrusis: ``G | C E G C`` has a quarter), 0 when the first note
    is on a downbeat. Ticks still count from the first note; bar lines fall at ``pickup``, ``pickup + bar_ticks``, …
    """

    notes: tuple[Note, ...]
    key: Key = field(default_factory=lambda: Key(0))
    meter: Meter = field(default_factory=Meter)
    tempo: int = 120
    seed_len: int = 0
    pickup: int = 0
    gate: float = 1.0  # articulation: the fraction of each note's length that sounds (1 legato, ~0.5 staccato)

    def __post_init__(self) -> None:
        if not 0 < self.gate <= 1:
            raise ValueError(f"a gate of {self.gate} is not a fraction of a note's length")
        if not 0 <= self.pickup < self.meter.bar_ticks:
            raise ValueError(f"a pickup of {self.pickup} ticks does not fit a bar of {self.meter}")

    @property
    def ticks(self) -> int:
        return sum(n.ticks for n in self.notes)

    @property
    def start(self) -> int:
        """Where in its bar the first note starts: ``bar_ticks - pickup`` after a pickup, else 0."""
        return (self.meter.bar_ticks - self.pickup) % self.meter.bar_ticks

    @property
    def bars(self) -> int:
        """Bars after the pickup, as ``bars:`` counts them (a partial last bar counts)."""
        return max(-(-(self.ticks - self.pickup) // self.meter.bar_ticks), 0)

    @property
    def measures(self) -> int:
        """Bars as a score numbers them: the pickup's short bar too."""
        return -(-(self.start + self.ticks) // self.meter.bar_ticks)

    def place(self, tick: int) -> int:
        """Where in its bar a tick (counted from the first note) falls: 0 on a downbeat."""
        return (tick + self.start) % self.meter.bar_ticks

    def bar_of(self, tick: int) -> int:
        """The bar a tick (counted from the first note) falls in, as a score numbers them: 1 the first full bar, 0 a
        pickup's short bar."""
        return (tick + self.start) // self.meter.bar_ticks + (0 if self.pickup else 1)

    def on_downbeat(self) -> Melody:
        """The same melody starting on a downbeat: after a pickup, a rest fills the rest of its short bar first (for
        code that counts bars from the first note: chords, arrangements, lyric lines). Unchanged without one."""
        if not self.pickup:
            return self
        return replace(self, notes=(Note(None, self.start), *self.notes), seed_len=self.seed_len and self.seed_len + 1,
                       pickup=0)

    def onsets(self) -> list[int]:
        """Start tick of every note."""
        starts, now = [], 0
        for note in self.notes:
            starts.append(now)
            now += note.ticks
        return starts


# ---- token encoding -------------------------------------------------------------------------
BAR, END, REST = "|", "end", "r"
STYLES = ("irish", "scottish", "american", "european", "chorale")
ENDINGS = ("closed", "open", "half")  # the last note: the tonic; the 3rd or 5th; the 5th (over the dominant)


def control_tokens(style: str, mode: str, meter: Meter) -> list[str]:
    """The prefix that conditions the model: style, mode and meter."""
    return [f"style:{style}", f"mode:{mode}", f"meter:{meter}"]


def note_tokens(note: Note) -> list[str]:
    """A note as a pitch token and a duration token; the duration is snapped to ``DURATIONS``."""
    ticks = min(DURATIONS, key=lambda d: (abs(d - note.ticks), d))
    return [REST if note.pitch is None else f"p{note.pitch}", f"d{ticks}"]


def encode_notes(notes: list[Note] | tuple[Note, ...], bar_ticks: int, start: int = 0) -> list[str]:
    """Notes -> tokens with a bar token at every bar line a note ends on or crosses."""
    tokens: list[str] = []
    now = start
    for note in notes:
        tokens += note_tokens(note)
        before = now // bar_ticks
        now += note.ticks
        if now // bar_ticks > before:
            tokens.append(BAR)
    return tokens


def decode_notes(tokens: list[str]) -> list[Note]:
    """Tokens -> notes (bar, control and end tokens are skipped)."""
    notes: list[Note] = []
    pitch: int | str | None = "none"
    for tok in tokens:
        if tok == REST:
            pitch = None
        elif tok.startswith("p") and tok[1:].isdigit():
            pitch = int(tok[1:])
        elif tok.startswith("d") and tok[1:].isdigit() and pitch != "none":
            notes.append(Note(pitch if isinstance(pitch, int) else None, int(tok[1:])))
            pitch = "none"
    return notes
