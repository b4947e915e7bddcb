"""A chord progression read back as a student reads one: its key and each chord's roman numeral, bar by bar —
what `/chords` answers for chords typed where notes go (`notes:"Am F C G"`) or a MIDI file of block chords.

`Am F C G` -> A minor, `| i | VI | III | VII |`. Minor keys read III, VI and VII on the natural minor scale, as
``studio.harmony.harmonizer.roman_label`` does for the harmoniser's own chords; a minor chord's numeral is lower
case and keeps what its symbol adds (`m7` -> `ii7`, `m9` -> `vi9`), a chord with no third keeps its suffix
(`Gsus4` -> `Vsus4`), and a slash chord names its bass as a degree (`C/E` -> `I/3`).
"""

from __future__ import annotations

from dataclasses import dataclass

from data.errors import cmd, opt
from data.events import Key
from model.harmony import QUALITY
from studio.arrange.chord_symbols import ChordSymbol, parse_progression
from studio.chord_melody import key_of_chords
from studio.harmony.harmonizer import roman_label

DEGREES = {0: "1", 1: "b2", 2: "2", 3: "b3", 4: "3", 5: "4", 6: "#4", 7: "5", 8: "b6", 9: "6", 10: "b7", 11: "7"}


def numeral(chord: ChordSymbol, key: Key) -> str:
    """The chord's roman numeral in ``key`` (see the module's doc)."""
    root = (chord.root - key.tonic) % 12
    if chord.intervals in QUALITY:
        label = roman_label(root, chord.intervals, key.mode)
    else:
        minor = 3 in chord.intervals and 4 not in chord.intervals
        head = roman_label(root, (0, 3, 7) if minor else (0, 4, 7), key.mode)
        label = head + (chord.suffix[1:] if minor and chord.suffix.startswith("m") else chord.suffix)
    if chord.bass is not None:
        label += "/" + DEGREES[(chord.bass - chord.root) % 12]
    return label


@dataclass(frozen=True)
class Progression:
    """Typed chords with their key and numerals, one cell a bar."""

    key: Key
    symbols: tuple[str, ...]
    numerals: tuple[str, ...]

    @property
    def table(self) -> str:
        """The symbols over their numerals, each bar as wide as its longer cell."""
        widths = [max(len(a), len(b)) for a, b in zip(self.symbols, self.numerals, strict=True)]

        def row(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        return f"{row(self.symbols)}\n{row(self.numerals)}"


def read_progression(text: str, key: Key | str | None = None) -> Progression:
    """The chords of ``text`` in ``key`` (default: the key they sit in, ``key_of_chords``); MusicError when they
    can't be read."""
    bars = parse_progression(text)
    key = Key.parse(key) if isinstance(key, str) else key or key_of_chords(text)
    return Progression(key, tuple(" ".join(c.text for c in bar) for bar in bars),
                       tuple(" ".join(numeral(c, key) for c in bar) for bar in bars))


def progression_text(progression: Progression, typed: str, key_given: bool, origin: str = "",
                     markdown: bool = True) -> str:
    """What `/chords` answers for chords: the key, the table (in a code block with ``markdown``, for Discord), and
    how to write a melody over them (``typed``: the chords as given; ``origin``: where they came from)."""
    how = "the key you gave" if key_given else f"the key they sit in; set {opt('key')} to read them in another"
    head = f"{'🎹 **Your chords**' if markdown else 'Your chords'} in {progression.key} ({how})"
    table = f"```\n{progression.table}\n```" if markdown else progression.table
    lines = [head, *([origin] if origin else []), table, f"To write a melody over them: {cmd('melody', chords=typed)}."]
    return "\n".join(lines)
