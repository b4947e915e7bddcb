"""The names a learner reads: notes spelled for the key, intervals, note values."""

from __future__ import annotations

from data.events import TPQ, Key
from data.pitch_spelling import note_name as spell

INTERVALS = ("unison", "minor second", "major second", "minor third", "major third", "perfect fourth", "tritone",
             "perfect fifth", "minor sixth", "major sixth", "minor seventh", "major seventh", "octave")
SHORT_INTERVALS = ("unison", "second", "second", "third", "third", "fourth", "tritone", "fifth", "sixth", "sixth",
                   "seventh", "seventh", "octave")
VALUES = {  # ticks -> (name, plural)
    3: ("sixteenth", "sixteenths"), 4: ("triplet eighth", "triplet eighths"), 6: ("eighth", "eighths"),
    8: ("triplet quarter", "triplet quarters"), 9: ("dotted eighth", "dotted eighths"),
    12: ("quarter", "quarters"), 16: ("triplet half", "triplet halves"), 18: ("dotted quarter", "dotted quarters"),
    24: ("half", "halves"), 36: ("dotted half", "dotted halves"), 48: ("whole", "wholes"),
    72: ("dotted whole", "dotted wholes"), 2: ("triplet sixteenth", "triplet sixteenths"),
}


def note_name(midi: int, key: Key, octave: bool = True) -> str:
    """'F#4' in G major, 'Gb4' in Db major, 'E#4' (the leading tone) in F# minor: as ``data.spelling`` spells it."""
    return spell(midi, key, octave)


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
    """'a fifth', 'an octave', 'an eleventh'; a count takes none ('2 octaves and a third')."""
    if word[:1].isdigit():
        return word
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
