"""The melody line of an uploaded file's parts (``data.midi.seed_from_midi``): what a scan of a MIDI or MusicXML file
found, notes quantised to sixteenths (or triplet eighths, beat by beat), the part that carries the melody, its top
voice made monophonic, and lengths spelled as one-token durations. A part is its notes as (start, end, pitch) in file
ticks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from data.events import DURATION_NAMES, TPQ

GRID = TPQ // 4  # sixteenth notes
TRIPLET = TPQ // 3  # triplet eighths
PRECISE = 0.02  # of a beat: a note starting this near a sixteenth or a third of the beat was written there
SPELLABLE = tuple(sorted((t for t in DURATION_NAMES if t % GRID == 0), reverse=True))  # 72 48 36 ... 6 3
MAX_NOTE_TICKS = 4 * 4 * TPQ  # a note holds (and a gap lasts) at most 4 bars of 4/4, 192 ticks
CHORDAL = 0.75  # the share of a part's onsets that must start 3+ notes together for it to be block chords
MIN_ONSETS = 2  # fewer onsets than this is not a progression
HYMN_MOVES = 0.6  # a top note that changes this often a quarter note is a hymn's tune (Bach's chorales, chordified:
# 0.66-0.85), not a progression's top voice (a chord or two a bar: 0.5 at most)
TUNE_LOW = 50  # D3: a part beside block chords whose median pitch is this high or higher is a tune, not a bass
HORIZON_BEATS = 1200  # notes starting after 1200 quarter notes (10 minutes at 120 bpm) are not read
TimedNote = tuple[int, int, int]  # (start, end, pitch) in ticks


@dataclass
class Part:
    """The notes of one MIDI (track, channel) or MusicXML part as (start, end, pitch) in file ticks."""

    name: str
    program: int
    notes: list[TimedNote]
    instrument: str | None = None  # how to describe it; None: the General MIDI name of ``program``


@dataclass
class Scan:
    """What the scanner of an uploaded file found in the whole file."""

    division: int  # file ticks per quarter note
    parts: dict[tuple[int, int], Part] = field(default_factory=dict)
    tempo: tuple[int, int] | None = None  # (tick, microseconds per quarter) of the earliest tempo event
    meters: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, numerator, denominator exponent)
    signature: tuple[int, int, int] | None = None  # (tick, sharps (flats < 0), minor 0/1) of the earliest key signature
    drum_notes: int = 0
    late_notes: int = 0  # tracks that go on with notes after the horizon
    origin: int | None = None  # a tick a bar line falls on, where the file says so (a MusicXML pickup bar's end)
    kind: str = "MIDI file"  # what to call the file in a message
    lyrics: dict[int, dict[int, str]] = field(default_factory=dict)  # part index -> tick -> the syllable sung on the
    # note starting there ('-' joins the next): a MusicXML score's first verse
    symbols: dict[int, tuple[int, str]] = field(default_factory=dict)  # tick -> (root pitch class, kind suffix and
    # any `/bass`) of a MusicXML score's chord symbols (``<harmony>``), from that tick on
    unit: str = "track"  # what to call one of its parts


@dataclass(frozen=True)
class Grid:
    """Where quantised notes start and end: on sixteenths, or on thirds of the beat (triplet eighths) in the beats
    ``triplets``; beats are quarters counted from ``anchor`` (our ticks: a bar line of the file), files in
    ``division`` ticks a quarter."""

    division: int
    anchor: int = 0
    triplets: frozenset[int] = frozenset()

    @classmethod
    def detect(cls, notes: Sequence[TimedNote], division: int, anchor: int = 0) -> Grid:
        """The grid of a part: a beat is in triplets where its notes' starts (else, in a beat no note starts inside,
        their ends) lie nearer thirds of the beat than sixteenths, all told (a hornpipe's ``B c d`` triplet, ``qt et``
        swing as notated). Only in a file written on a grid (nine starts in ten within ``PRECISE`` of a beat of one):
        played timing is too loose to tell a dotted eighth from a triplet, so it keeps sixteenths as before."""
        starts: dict[int, list[float]] = {}  # beat -> [distance to sixteenths, distance to thirds], summed
        ends: dict[int, list[float]] = {}
        near = far = 0
        for start, end, _ in notes:
            for tick, table in ((start, starts), (end, ends)):
                beat, within = divmod(tick * TPQ - anchor * division, TPQ * division)
                if within:
                    x = within / (TPQ * division)
                    found = table.setdefault(beat, [0.0, 0.0])
                    four, three = abs(x - round(x * 4) / 4), abs(x - round(x * 3) / 3)
                    found[0], found[1] = found[0] + four, found[1] + three
                    if table is starts:
                        near, far = near + (min(four, three) <= PRECISE), far + (min(four, three) > PRECISE)
        if far * 9 > near:
            return cls(division, anchor)
        error = {**ends, **starts}
        return cls(division, anchor, frozenset(beat for beat, (four, three) in error.items() if three < four))

    def step(self, tick: int) -> int:
        """The grid step of the beat our ``tick`` falls in."""
        return TRIPLET if (tick - self.anchor) // TPQ in self.triplets else GRID

    def ticks(self, tick: int) -> int:
        """File ticks -> our ticks, rounded to the nearest point of the grid (halves up)."""
        beat, within = divmod(tick * TPQ - self.anchor * self.division, TPQ * self.division)
        step = TRIPLET if beat in self.triplets else GRID
        return self.anchor + beat * TPQ + (2 * within + step * self.division) // (2 * step * self.division) * step

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A note's quantised start and end: at least a grid step long, at most ``MAX_NOTE_TICKS``."""
        q_start = self.ticks(start)
        return q_start, min(max(self.ticks(end), q_start + self.step(q_start)), q_start + MAX_NOTE_TICKS)


def lengths(start: int, end: int) -> list[int]:
    """Our ticks from ``start`` to ``end`` (counted from a bar line of a simple meter, or any tick of the sixteenth
    grid) as one-token lengths, longest first: from a third of a beat, the rest of that triplet (to the beat or to
    ``end``); elsewhere the longest spellable length that stops on the grid (at a beat before a triplet point)."""
    out = []
    while start < end:
        into = start % TPQ
        if into % GRID:  # a triplet point, 4 or 8 ticks into its beat
            out.append(min(end, start - into + TPQ) - start)
        else:
            limit = end if end % GRID == 0 else end - end % TPQ
            out.append(next((d for d in SPELLABLE if d <= limit - start), end - start))
        start += out[-1]
    return out


def top_line(parts: Sequence[Sequence[TimedNote]], grid: Grid) -> list[TimedNote]:
    """The highest voice of ``parts`` as (start, end, pitch) notes quantised to ``grid``, made monophonic
    (``_skyline``)."""
    top: dict[int, tuple[int, int]] = {}  # quantised start -> (pitch, end) of its highest (then longest) note
    for part in parts:
        for start, end, pitch in part:
            q_start, q_end = grid.span(start, end)
            if (pitch, q_end) > top.get(q_start, (-1, 0)):
                top[q_start] = (pitch, q_end)
    return _skyline([(start, end, pitch) for start, (pitch, end) in sorted(top.items())])


def block_chords(notes: Sequence[TimedNote], division: int) -> bool:
    """Whether a part plays block chords rather than a tune harmonised note by note: most of its onsets start three
    or more notes together (within a 32nd of the first: a chord played by hand spreads), and it is not a hymn's
    texture, a top voice moving on most beats (``HYMN_MOVES``)."""
    window = max(division // 8, 1)
    groups: list[list[TimedNote]] = []
    for note in sorted(notes):
        if groups and note[0] - groups[-1][0][0] <= window:
            groups[-1].append(note)
        else:
            groups.append([note])
    if len(groups) < MIN_ONSETS or sum(len(g) >= 3 for g in groups) < CHORDAL * len(groups):
        return False
    tops = [max(pitch for _, _, pitch in group) for group in groups]
    moves = sum(a != b for a, b in pairwise(tops))
    quarters = (groups[-1][0][0] - groups[0][0][0]) / division + 1
    return moves / quarters < HYMN_MOVES


def melody_part(parts: Sequence[Sequence[TimedNote]], division: int) -> int:
    """The part whose notes are highest most of the time while another part sounds too (then: most of the time;
    ties: the first). Its own top line is the melody, so a bass does not fill the melody's rests or carry on after
    it ends, and a strummed intro before the tune is not the tune. When that part plays block chords and another
    part, not a bass (``TUNE_LOW``), plays single notes, that part is: a sung line under the piano's chords."""
    grid = Grid(division)
    highest: dict[int, tuple[int, int]] = {}  # sixteenth -> (pitch, part) of the highest note sounding
    sounding: Counter[int] = Counter()  # sixteenth -> how many parts sound
    for index, part in enumerate(parts):
        steps: set[int] = set()
        for start, end, pitch in part:
            for step in range(*grid.span(start, end), GRID):
                steps.add(step)
                if pitch > highest.get(step, (-1, 0))[0]:
                    highest[step] = (pitch, index)
        sounding.update(steps)
    together = Counter(owner for step, (_, owner) in highest.items() if sounding[step] > 1)
    anyhow = Counter(owner for _, owner in highest.values())
    best = max(range(len(parts)), key=lambda i: (together[i], anyhow[i], -i))
    if block_chords(parts[best], division):  # chords voiced above a sung line: the line is the melody
        tunes = [i for i, part in enumerate(parts) if i != best and part and not block_chords(part, division)
                 and sorted(p for _, _, p in part)[len(part) // 2] >= TUNE_LOW]
        best = max(tunes, key=lambda i: (together[i], anyhow[i], -i), default=best)
    return best


def _skyline(onsets: list[tuple[int, int, int]]) -> list[TimedNote]:
    """The top line of (start, end, pitch) notes with distinct starts, in time order, made monophonic.

    A note is skipped while a higher melody note is still sounding; otherwise it cuts the one before.
    """
    line: list[tuple[int, int, int]] = []
    for start, end, pitch in onsets:
        if line and line[-1][1] > start:
            if line[-1][2] > pitch:
                continue
            line[-1] = (line[-1][0], start, line[-1][2])
        line.append((start, end, pitch))
    return line
