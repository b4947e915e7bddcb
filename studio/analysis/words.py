"""The names a learner reads: notes spelled for the key, intervals, note values."""

from __future__ import annotations

from data.events import TPQ, Key
from data.musicxml import Speller

INTERVALS = ("unison", "minor second", "major second", "minor third", "major third", "perfect fourth", "tritone",
             "perfect fifth", "minor sixth", "major sixth", "minor seventh", "major seventh", "octave")
SHORT_INTERVALS = ("unison", "second", "second", "third", "third", "fourth", "tritone", "fifth", "sixth", "sixth",
                   "seventh", "seventh", "octave")
_ALTERS = {2: "##", 1: "#", 0: "", -1: "b", -2: "bb"}
VALUES = {  # ticks -> (name, plural)
    3: ("sixteenth", "sixteenths"), 4: ("triplet eighth", "triplet eighths"), 6: ("eighth", "eighths"),
    8: ("triplet quarter", "triplet quarters"), 9: ("dotted eighth", "dotted eighths"),
    12: ("quarter", "quarters"), 16: ("triplet half", "triplet halves"), 18: ("dotted quarter", "dotted quarters"),
    24: ("half", "halves"), 36: ("dotted half", "dotted halves"), 48: ("whole", "wholes"),
    72: ("dotted whole", "dotted wholes"), 2: ("triplet sixteenth", "triplet sixteenths"),
}


def note_name(midi: int, key: Key, octave: bool = True) -> str:
    """'F#4' in G major, 'Gb4' in Db major; a note outside the scale as a raised or lowered scale note: the flat
    second, third, sixth and seventh (Bb in C major), the sharp fourth and leading tone (F# in C, G# in A minor)."""
    speller = Speller.for_key(key)
    pc = midi % 12
    if pc in key.scale:
        step, alter, number = speller.spell(midi)
    else:
        flat_degree = (pc - key.tonic) % 12 in (1, 3, 8, 10)
        lowered = (pc + 1) % 12 in key.scale and (flat_degree or (pc - 1) % 12 not in key.scale)
        step, alter, number = speller.spell(midi + 1) if lowered else speller.spell(midi - 1)
        alter += -1 if lowered else 1
        if abs(alter) > 1:  # no double sharps or flats in a sentence: the plain spelling
            step, alter, number = speller.spell(midi)
    return f"{step}{_ALTERS[alter]}{number if octave else ''}"


def interval_name(semitones: int, short: bool = False) -> str:
    """'perfect fifth', 'octave and a major second' (compound intervals name the octave)."""
    size = abs(semitones)
    names = SHORT_INTERVALS if short else INTERVALS
    if size <= 12:
        return names[size]
    octaves, rest = divmod(size, 12)
    head = "octave" if octaves == 1 else f"{octaves} octaves"
    return head if rest == 0 else f"{head} and a {names[rest]}"


def article(word: str) -> str:
    """'a fifth', 'an octave', 'an eleventh'."""
    return f"{'an' if word[:1].lower() in 'aeio' else 'a'} {word}"


def value_name(ticks: int, plural: bool = False) -> str:
    """'dotted quarter', 'eighths'; other lengths in quarter notes."""
    if ticks in VALUES:
        return VALUES[ticks][plural]
    quarters = ticks / TPQ
    return f"{quarters:g} quarter{'s' * plural}-long note{'s' * plural}"


def percent(share: float) -> str:
    return f"{round(100 * share)}%"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def join(items: list[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]
