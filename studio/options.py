"""The option table: every option a user can give, with its range, default, help and an example.

The request dataclasses check values with it, the CLI builds its argparse flags from it and the Discord cogs
their option descriptions, choices and autocomplete. A bad value is a ``MusicError`` that names the option and
shows a good value; each front end renders it in its own syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.errors import MusicError, opt
from data.events import ENDINGS, MODE_OFFSET, PITCH_NAMES, STYLES
from data.midi import TEMPO_RANGE

SEED_MAX = 2**31 - 1
MAX_LYRICS = 1000  # characters of words that /melody lyrics: sets to music
HARMONY_STYLES = ("chorale", "pop", "jazz")
RHYTHMS = ("beat", "half-bar", "bar")
BAND_STYLES = ("folk band", "piano ballad", "rock", "chorale")
FORMS = ("AABA", "ABAB", "ABA", "AAB", "AB", "A", "verse-chorus")
INSTRUMENTS = ("piano", "guitar", "strings", "organ")
DENSITIES = ("sparse", "natural", "busy")  # how busy a melody's rhythm is; "natural" leaves it to the model
MOODS = ("calm", "joyful", "melancholic", "tense", "triumphant", "playful", "dreamy")  # studio.mood's table
SCHEMES = ("ABAB", "AABB", "ABCB", "ABBA", "AAAA", "free")
METERS = ("4/4", "3/4", "6/8", "2/4", "2/2", "9/8", "3/8", "6/4", "3/2", "12/8", "4/2")
ODD_METERS = ("5/4", "7/8")  # the arranger plays these; the melody model has not learned them
KEYS = tuple(f"{tonic} {mode}" for tonic in PITCH_NAMES for mode in MODE_OFFSET)
QUIZ_KINDS = ("interval", "scale", "chord", "dictation")  # what studio.quiz asks (tests/studio/test_quiz.py)
QUIZ_LEVELS = ("beginner", "intermediate", "advanced")
NOTATIONS = ("letters", "solfege", "jianpu", "abc")  # how a reply writes notes: C4:q D4:e, fixed-do Do4:q Re4:e,
# numbered (data.jianpu) or ABC


@dataclass(frozen=True)
class Option:
    """One option: ``kind`` is int, float, str or bool; ``low``/``high`` bound numbers, ``choices`` strings."""

    name: str
    kind: type
    help: str
    example: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        """The command-line flag: ``--top-p``."""
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> Any:
        """``value`` if it is allowed, else a MusicError naming this option with an example."""
        if value is None:
            return value
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            raise MusicError(f"{opt(self.name)} must be between {self.low:g} and {self.high:g} (you gave {value:g}). "
                             f"Try {opt(self.name, self.example)}.", self.name, self.example)
        if self.choices and value not in self.choices:
            raise MusicError(f"I don't know the {self.name} '{str(value)[:60]}'. Choose one of: "
                             f"{', '.join(self.choices)} — e.g. {opt(self.name, self.example)}.", self.name,
                             self.example)
        return value


def _options(*options: Option) -> dict[str, Option]:
    return {o.name: o for o in options}


SEED = Option("seed", int, "RNG seed: the same seed gives the same result", "42", None, 0, SEED_MAX)
KEY = Option("key", str, 'Key, e.g. "G major", "E minor", "D dorian" (default: guessed from the notes)', "G major")
METER = Option("meter", str, "Time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)", "6/8", "4/4")
TEMPO = Option("tempo", int, "Beats per minute (30-300; default: the melody's, or one that suits the meter)", "100",
               None, *TEMPO_RANGE)
MIDI = Option("midi", str, "A MIDI, MusicXML or ABC file (.mid, .mxl, .abc): I find its melody, or use the track you "
              "choose", "song.mid")
TRACK = Option("track", int, "With a MIDI or MusicXML file: which track or part holds the melody (1 = first; default: "
               "I find it)", "1", None, 1, 64)
MELODY_NOTES = Option("notes", str, "The melody, e.g. E D C D E E E:h (default: your last melody)", "E D C D E E E:h")

MELODY = _options(
    Option("notes", str, "Seed notes, e.g. C E G · C4:q D4:e E4:e G4:h · do re mi · 60 64 67 · jianpu 1 2 3 5 · ABC",
           "C E G"),
    Option("bars", int, "Length of the whole melody in bars, after any pickup (1-64, default 8)", "8", 8, 1, 64),
    Option("temperature", float, "0.1-2.0: low is safe, high is adventurous (default 1.0)", "1.0", 1.0, 0.1, 2.0),
    SEED, KEY, METER,
    Option("tempo", int, "Beats per minute, counting the felt beat (30-300; default 110 in 4/4 and 6/8)", "100", None,
           *TEMPO_RANGE),
    Option("style", str, "Which tradition the continuation leans on", "irish", "irish", choices=STYLES),
    Option("density", str, "How busy the rhythm is: sparse (long notes), natural or busy (short notes)", "busy",
           "natural", choices=DENSITIES),
    Option("ending", str,
           "closed: end on the tonic (default); open: on the 3rd or 5th; half: on the 5th, a half cadence", "half",
           "closed", choices=ENDINGS),
    Option("notation", str, "How replies write notes: letters C4:q, solfege Do4:q, jianpu 1=C 1 2 3 or abc; "
           "default: as typed", "jianpu", choices=NOTATIONS),
    # 0.98, not 0.95: the realism classifier told 0.95's continuations from real ones 67.8% of the time, 0.98's 63.8%
    # (bench.realism; 1.0: 64.6%): truncating the tail made them too uniform (fewer new rhythms, a narrower range)
    Option("top_p", float, "Nucleus sampling, 0.1-1.0 (default 0.98)", "0.98", 0.98, 0.1, 1.0),
    Option("count", int, "How many candidates to offer (1-3, default 3)", "3", 3, 1, 3),
    Option("midi", str, "A MIDI, MusicXML or ABC file to continue instead of typed notes (its melody track or part is "
           "used)", "song.mid"),
    TRACK,
    Option("lyrics", str, "Your words: I write a melody for them, one note per syllable (notes, if given, start it)",
           "Twinkle twinkle little star"),
    Option("mood", str, "How it should feel: sets mode, tempo, register, rhythm, articulation and contour (yours win)",
           "melancholic", choices=MOODS),
    Option("chords", str, "Chords to write the melody over, one per bar: Am F C G, or | C | F G | (notes optional)",
           "Am F C G"),
)
CHORDS = _options(
    MELODY_NOTES, KEY, METER,
    Option("rhythm", str, "How often the chord may change: every beat, half bar or bar (default half-bar)", "bar",
           "half-bar",
           choices=RHYTHMS),
    Option("style", str, "pop (I IV V vi, as lead sheets; default), chorale (learned from Bach) or jazz (sevenths)",
           "jazz", "pop", choices=HARMONY_STYLES),
    MIDI, TRACK, TEMPO,
)
ARRANGE = _options(
    MELODY_NOTES, KEY,
    Option("meter", str, "Time signature, e.g. 4/4, 3/4, 6/8, 5/4, 7/8 (default 4/4)", "6/8", "4/4"),
    TEMPO,
    Option("form", str, "Sections after the intro: A is your melody, B a new one from the model (default AABA)",
           "AABA", "AABA"),
    Option("style", str, "folk band, piano ballad, rock or chorale (default folk band)", "folk band", "folk band",
           choices=BAND_STYLES),
    Option("instruments", str, "Who plays the chords (default: the style's own)", "piano", choices=INSTRUMENTS),
    Option("chords", str, "Your chords, one per bar: C Am F G7 — or bars: | C | Am | F G7 | C | (default: I choose)",
           "C Am F G7"),
    MIDI, TRACK,
    Option("seed", int, "RNG seed for the B melody: the same seed gives the same arrangement", "42", None, 0,
           SEED_MAX),
)
LYRICS = _options(
    Option("theme", str, 'What the words are about, e.g. "the sea at night"', "the sea at night", ""),
    Option("lines", int, "How many lines (1-16; with a melody: one per phrase)", "4", None, 1, 16),
    Option("scheme", str, "Rhyme scheme: a letter per line, e.g. ABAB, AABB, ABCB, or free", "ABAB", "ABAB"),
    Option("syllables", str, 'Syllables per line: one number for all, or one per line, e.g. "8 6 8 6" (default 8)',
           "8 6 8 6"),
    Option("notes", str, "A melody to write words for, e.g. C D E C E F G:h (one syllable per note)",
           "C D E C E F G:h"),
    Option("my_melody", bool, "Write words for your last /melody (one syllable per note, stresses on strong beats)",
           "True", False),
    Option("key", str, 'With notes: the key, e.g. "G major" (default: guessed)', "G major"),
    Option("meter", str, "With notes: the time signature, e.g. 3/4 (default 4/4)", "3/4", "4/4"),
    Option("tempo", int, "With a melody: beats per minute for the audio (30-300)", "100", None, *TEMPO_RANGE),
    MIDI, TRACK,
    Option("seed", int, "RNG seed: the same seed gives the same words", "7", None, 0, SEED_MAX),
)
INSPIRE = _options(
    Option("topic", str, 'Lyric ideas instead: opening lines, rhymes and images for a topic, e.g. "rain"', "rain"),
    Option("seed", int, "With a topic: the same seed gives the same ideas", "5", None, 0, SEED_MAX),
    Option("count", int, "How many opening lines (1-8, default 4)", "4", 4, 1, 8),
    Option("expand", int, "Grow idea N into a verse", "2", None, 1, 8),
)
QUIZ = _options(
    Option("level", str, "beginner (thirds, fifths, major/minor), intermediate or advanced (every interval, modes…)",
           "beginner", "beginner", choices=QUIZ_LEVELS),
    Option("kind", str, "interval, scale (or mode), chord or dictation (a folk tune's first bar); default: any",
           "interval", choices=QUIZ_KINDS),
    Option("seed", int, "RNG seed: the same seed asks the same question", "7", None, 0, SEED_MAX),
)
SIMILAR = _options(
    MELODY_NOTES, KEY, METER, TEMPO, MIDI, TRACK,
    Option("count", int, "How many corpus tunes to show (3-5, default 5)", "3", 5, 3, 5),
)
ANALYZE = _options(
    MELODY_NOTES,
    Option("key", str, 'The key to read the harmony in, e.g. "G major" (default: I work it out and say why)',
           "G major"),
    METER, TEMPO, MIDI, TRACK,
)
UNDER = Option("chords", str, "The chords under your melody, one per bar: new bars keep to them (e.g. Am F C G)",
               "Am F C G")
REWRITE = _options(
    Option("bars", str, "Which bars to write again: a range or a list, e.g. 3-4, 2,5, 3-4,7 or the last two bars",
           "3-4"),
    MELODY_NOTES,
    Option("count", int, "How many candidates to offer (1-3, default 3)", "3", 3, 1, 3),
    SEED, KEY, METER, TEMPO, MELODY["style"], MELODY["density"], MELODY["temperature"], MELODY["top_p"], MIDI, TRACK,
    UNDER,
)
EXTEND = _options(
    MELODY_NOTES,
    Option("bars", int, "How many bars to add after its end (1-16, default 4)", "4", 4, 1, 16),
    Option("count", int, "How many candidates to offer (1-3, default 3)", "3", 3, 1, 3),
    SEED, KEY, METER, TEMPO, MELODY["style"], MELODY["density"], MELODY["ending"], MELODY["temperature"],
    MELODY["top_p"], MIDI, TRACK, UNDER,
)
DANCES = ("reel", "hornpipe", "jig", "slip jig", "waltz", "march")  # /transform's rhythms (studio.retime.RHYTHMS)
TONICS = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")  # transpose:
REGISTERS = ("up", "down", "low", "middle", "high")  # /transform's register moves (studio.transform.change_register)
TRANSFORM = _options(
    MELODY_NOTES,
    Option("mode", str, "New mode on the same tonic: each scale degree moves to the new mode's (e.g. minor, dorian)",
           "dorian", choices=tuple(MODE_OFFSET)),
    Option("transpose", str, "Move it to another key on this note, e.g. D or Bb (the mode stays unless you choose one)",
           "D", choices=TONICS),
    Option("rhythm", str, "New meter and feel: reel 4/4, hornpipe 4/4, jig 6/8, slip jig 9/8, waltz 3/4, march 2/4",
           "jig", choices=DANCES),
    Option("style", str, "Written again by the model in this style, keeping its rhythm and contour", "scottish",
           choices=STYLES),
    Option("tempo", int, "New tempo in beats per minute (30-300; default: the melody's own)", "90", None,
           *TEMPO_RANGE),
    Option("register", str, "up or down an octave, or moved by octaves into a low, middle or high register", "up",
           choices=REGISTERS),
    Option("count", int, "With style: how many variations to offer (1-3, default 3)", "2", 3, 1, 3),
    SEED, MELODY["temperature"],
    Option("key", str, "Your melody's key, e.g. \"G major\" (default: guessed from the notes)", "G major"),
    Option("meter", str, "Your melody's time signature (default 4/4): to change it, choose a rhythm", "6/8", "4/4"),
    MIDI, TRACK, MELODY["notation"],
    Option("chords", str, "The chords under your melody, one per bar: they move with it to a new key (e.g. Am F C G)",
           "Am F C G"),
)
# /prefs set: the /melody options a user can save
PREFERENCES = ("key", "meter", "tempo", "style", "density", "temperature", "bars", "top_p", "notation")
COMMANDS = {"melody": MELODY, "chords": CHORDS, "arrange": ARRANGE, "lyrics": LYRICS, "inspire": INSPIRE,
            "quiz": QUIZ, "similar": SIMILAR, "analyze": ANALYZE, "rewrite": REWRITE, "extend": EXTEND,
            "transform": TRANSFORM}


def option_help(command: str, names: Sequence[str] | None = None) -> dict[str, str]:
    """Discord option descriptions (at most 100 characters each) for ``command``'s options."""
    table = COMMANDS[command]
    return {name: table[name].help[:100] for name in (names or table)}


def matching(values: Sequence[str], current: str, limit: int = 25) -> list[str]:
    """Autocomplete: the values containing what was typed so far (all of them when nothing was)."""
    typed = current.strip().lower()
    return [v for v in values if typed in v.lower()][:limit]


def key_choices(current: str, limit: int = 25) -> list[str]:
    """Key autocomplete: "d dor" -> D dorian; "minor" -> every minor key."""
    words = current.lower().split()

    def fits(choice: str) -> bool:
        tonic, mode = choice.lower().split()
        if len(words) >= 2:
            return tonic.startswith(words[0]) and mode.startswith(words[1])
        return not words or tonic.startswith(words[0]) or mode.startswith(words[0])

    return [k for k in KEYS if fits(k)][:limit]
