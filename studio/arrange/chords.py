"""The chords of an arrangement: the Harmonizer's, the user's typed symbols, and intro/outro cadences."""

from __future__ import annotations

from dataclasses import replace

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from studio.arrange.chord_symbols import ChordSymbol
from studio.arrange.parts import ChordSpan
from studio.harmony.harmonizer import Harmonizer, diatonic, roman_label, symbol

# A B section's chords, four by scale degree (0 = I) with the cadence last: away from A's home (IV, vi, the
# relative major's III, VI and VII) and back, to V where it leads into A again (a half cadence), else to I. A
# mode's diminished triad is left out (dorian's vi°: only III VII iv V), and so is a mode with no bridge at all.
BRIDGES = {
    ("major", True): ((3, 0, 3, 4), (5, 3, 0, 4), (3, 5, 1, 4)),  # IV I IV V · vi IV I V · IV vi ii V
    ("minor", True): ((5, 2, 6, 4), (3, 0, 5, 4), (2, 6, 3, 4)),  # VI III VII V · iv i VI V · III VII iv V
    ("major", False): ((3, 0, 4, 0), (5, 3, 4, 0), (3, 5, 4, 0)),  # IV I V I · vi IV V I · IV vi V I
    ("minor", False): ((5, 3, 4, 0), (2, 6, 4, 0), (5, 6, 4, 0)),  # VI iv V i · III VII V i · VI VII V i
}
DIMINISHED = (0, 3, 6)


def harmony_rhythm(meter: Meter, style: str) -> str:
    beats = meter.beats
    if style == "chorale":
        return "beat" if beats in (2, 3, 4) else "bar"
    return "half-bar" if beats == 4 else "bar"


def section_chords(harmonizer: Harmonizer, notes: tuple[Note, ...], key: Key, meter: Meter,
                   style: str, ending: str = "closed") -> list[ChordSpan]:
    """The Harmonizer's chords for a section, a chord repeated within a bar merged into one span; ``ending="half"``
    ends it on the dominant where its last note allows."""
    result = harmonizer.harmonize(Melody(notes, key, meter), harmony_rhythm(meter, style), style, ending)
    spans: list[ChordSpan] = []
    for c in result.chords:
        if spans and spans[-1].symbol == c.symbol and c.start % meter.bar_ticks:
            spans[-1] = replace(spans[-1], ticks=spans[-1].ticks + c.ticks)
        else:
            spans.append(ChordSpan(c.start, c.ticks, c.symbol, c.root, c.intervals))
    return spans


def typed_chords(progression: list[list[ChordSymbol]], bars: int, meter: Meter) -> list[ChordSpan]:
    """The user's chords bar by bar over ``bars`` bars (repeated when shorter); several in a bar share its beats."""
    units, unit = meter.numerator, meter.unit_ticks
    spans = []
    for bar in range(bars):
        cell = progression[bar % len(progression)]
        if len(cell) > units:
            raise MusicError(f"A bar of {meter} has {units} beats, so it can't hold the {len(cell)} chords "
                             f"`{' '.join(c.text for c in cell)}`. Put fewer chords in that bar, e.g. `| C G |`.")
        cuts = [round(i * units / len(cell)) * unit for i in range(len(cell))] + [meter.bar_ticks]
        for chord, a, b in zip(cell, cuts, cuts[1:], strict=False):
            spans.append(ChordSpan(bar * meter.bar_ticks + a, b - a, chord.text, chord.root, chord.intervals,
                                   chord.bass))
    return spans


def bridge_chords(key: Key, meter: Meter, bars: int, half: bool, seed: int, after: int | None = None
                  ) -> list[ChordSpan] | None:
    """A contrasting section's chords, a chord a bar over ``bars`` bars: ``BRIDGES``' four (chosen by ``seed`` among
    those with no diminished triad in the key's mode, and not starting on ``after``, the root of the chord before
    it, where one doesn't), the later ones held longer where the bars don't divide by four. None when the mode has
    none (its B is harmonised from its melody instead)."""
    minor = 3 in diatonic(key, 0)[1]
    usable = [b for b in BRIDGES["minor" if minor else "major", half]
              if all(diatonic(key, d)[1] != DIMINISHED for d in b)]
    if not usable or bars < 2:
        return None
    moving = [b for b in usable if degree_chord(key, b[0], 0, 0).root != after]
    degrees = (moving or usable)[seed % len(moving or usable)]
    last = len(degrees) - 1
    return [degree_chord(key, degrees[last - (bars - 1 - b) * len(degrees) // bars], b * meter.bar_ticks,
                         meter.bar_ticks) for b in range(bars)]


def numerals(spans: list[ChordSpan], key: Key) -> str:
    """`IV vi ii V`: the chords' roman numerals in ``key``, a chord held over several bars named once."""
    names = [roman_label((c.root - key.tonic) % 12, c.intervals, key.mode) for c in spans]
    return " ".join(name for i, name in enumerate(names) if i == 0 or name != names[i - 1])


def degree_chord(key: Key, degree: int, start: int, ticks: int) -> ChordSpan:
    """The diatonic triad on a scale degree (a major V in minor)."""
    root, intervals = (7, (0, 4, 7)) if degree == 4 and key.mode == "minor" else diatonic(key, degree)
    return ChordSpan(start, ticks, symbol(key, root, intervals), (key.tonic + root) % 12, intervals)


def shifted(spans: list[ChordSpan] | tuple[ChordSpan, ...], offset: int) -> tuple[ChordSpan, ...]:
    return tuple(replace(c, start=c.start + offset) for c in spans)
