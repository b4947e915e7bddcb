"""A melody written as an ABC tune (abcnotation.com 2.1), as folk musicians paste into their ABC tools: the header,
the notes beamed by the beat, ties over bar lines, triplets, chord symbols over the notes and the words under them.
``data.abc`` reads ABC back (what this writes reads back note for note)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from data.abc_header import WHOLE
from data.events import Melody
from data.pitch_spelling import Speller, key_fifths, signature_alters

_MODE_SUFFIX = {"major": "", "minor": "m", "dorian": "dor", "phrygian": "phr", "lydian": "lyd", "mixolydian": "mix",
                "locrian": "loc"}
BARS_A_LINE = 4
CONTINUATION = '"^➜"'  # an annotation above the first note the model wrote (ABC tools print it; readers skip it)


def melody_abc(melody: Melody, title: str = "", chords: Sequence[tuple[int, str]] = (),
               lyrics: Sequence[str | None] | None = None) -> str:
    """A melody as an ABC tune: header lines (``X: T: M: L: Q: K:``), then the body, four bars a line, notes of a
    beat beamed together, a note held over a bar line tied, and ``"^➜"`` over the first note after the seed.
    ``chords``: (tick from the melody's start, symbol) written over the notes (``"G"GAG``), a note held into a new
    chord tied to it, so a folk player's ABC tool shows the chords too. ``lyrics``: a syllable per note (``twin-``
    joins the next, None for none) as a ``w:`` line under each line of music."""
    meter, key = melody.meter, melody.key
    unit = Fraction(1, 16) if Fraction(meter.numerator, meter.denominator) < Fraction(3, 4) else Fraction(1, 8)
    beat = Fraction(meter.beat_ticks, WHOLE)
    head = ["X:1", *([f"T:{title}"] if title else []), f"M:{meter}", f"L:{unit.numerator}/{unit.denominator}",
            f"Q:{beat.numerator}/{beat.denominator}={melody.tempo}", f"K:{key.name}{_MODE_SUFFIX[key.mode]}"]
    lines, onsets = _Writer(melody, unit, chords).body()
    if lyrics is None:
        return "\n".join([*head, *lines])
    sung = [[lyrics[i] or "*" for i in line] for line in onsets]  # `*`: a note with no syllable of its own
    words = ["w: " + "".join(s if s.endswith("-") else f"{s} " for s in line).strip() for line in sung]
    return "\n".join([*head, *(x for pair in zip(lines, words, strict=True) for x in pair if x != "w: ")])


def _triplet(ticks: int) -> bool:
    """A length written in a triplet: two thirds of one ABC writes plainly (4 ticks: two thirds of an eighth)."""
    return ticks % 3 != 0 and ticks % 2 == 0


class _Writer:
    """Writes a melody's notes as an ABC body."""

    def __init__(self, melody: Melody, unit: Fraction, chords: Sequence[tuple[int, str]] = ()) -> None:
        self.melody, self.unit_ticks = melody, int(unit * WHOLE)
        self.chords = {melody.start + tick: name for tick, name in chords}  # from the first bar line
        self.speller = Speller.for_key(melody.key)
        self.signature = signature_alters(key_fifths(melody.key))
        self.bar: dict[tuple[str, int], int] = {}

    def body(self) -> tuple[list[str], list[list[int]]]:
        """The lines of the body, and on each the notes (their indexes) that start a sound there."""
        m = self.melody
        bar_ticks, beat_ticks = m.meter.bar_ticks, m.meter.beat_ticks
        bars: list[str] = []
        words: list[str] = []
        starts: list[list[int]] = [[]]  # per bar
        now = m.start  # ticks from the first bar line (a pickup starts part-way)
        tuplet = 0  # notes left in the current triplet group
        for index, note in enumerate(m.notes):
            left = note.ticks
            mark = CONTINUATION if index == m.seed_len and 0 < m.seed_len < len(m.notes) else ""
            if _triplet(note.ticks) and not tuplet:  # triplet lengths (4, 8 ticks): `(3ABC`, or `(3:2:k` for k notes
                run = next((k for k, n in enumerate(m.notes[index:]) if not _triplet(n.ticks)), len(m.notes) - index)
                if now % bar_ticks + sum(n.ticks for n in m.notes[index: index + run]) <= bar_ticks:
                    tuplet = run  # within the bar; otherwise plain thirds of the unit (`A2/3`), which read back
                    mark += "(3" if tuplet == 3 else f"(3:2:{tuplet}"
            if note.pitch is not None:
                starts[-1].append(index)
            while left:
                in_bar = bar_ticks - now % bar_ticks
                part = min(left, in_bar)
                if not tuplet:  # a note held into a new chord: tied to it, the chord written over the tie's end
                    part = min([part, *(t - now for t in self.chords if now < t < now + part)])
                left -= part
                shown = part * 3 // 2 if tuplet else part
                chord = f'"{self.chords[now]}"' if now in self.chords else ""
                word = mark + chord + self._note(note.pitch, shown) + ("-" if left and note.pitch is not None else "")
                mark = ""
                if now % beat_ticks == 0 or not words or part >= beat_ticks:
                    words.append(word)
                else:
                    words[-1] += word
                now += part
                if now % bar_ticks == 0:
                    bars.append(" ".join(words))
                    words, self.bar = [], {}
                    starts.append([])
            tuplet = max(tuplet - 1, 0)
        if words:
            bars.append(" ".join(words))
        cut = range(0, len(bars), BARS_A_LINE)
        lines = [" | ".join(bars[i: i + BARS_A_LINE]) + " |" for i in cut]
        lines[-1] += "]" if now % bar_ticks == 0 else ""
        return lines, [[n for bar in starts[i: i + BARS_A_LINE] for n in bar] for i in cut]

    def _note(self, pitch: int | None, ticks: int) -> str:
        return ("z" if pitch is None else self._pitch(pitch)) + self._length(ticks)

    def _pitch(self, midi: int) -> str:
        step, alter, octave = self.speller.spell(midi)
        shown = self.bar.get((step, octave), self.signature[step])
        sign = "" if alter == shown else {2: "^^", 1: "^", 0: "=", -1: "_", -2: "__"}[alter]
        self.bar[(step, octave)] = alter
        letter = step if octave <= 4 else step.lower()
        return sign + letter + ("," * (4 - octave) if octave < 4 else "'" * (octave - 5) if octave > 5 else "")

    def _length(self, ticks: int) -> str:
        length = Fraction(ticks, self.unit_ticks)
        if length == 1:
            return ""
        if length.denominator == 1:
            return str(length.numerator)
        if length == Fraction(1, 2):
            return "/"  # `B/c/`: the usual way to write two halves of the unit
        return (str(length.numerator) if length.numerator != 1 else "") + f"/{length.denominator}"
