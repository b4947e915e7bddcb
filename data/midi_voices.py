"""The melody line of an uploaded file's parts (``data.midi.seed_from_midi``): what a scan of a MIDI or MusicXML file
found, notes quantised to sixteenths, the part that carries the melody, and its top voice made monophonic. A part is
its notes as (start, end, pitch) in file ticks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from data.events import TPQ

GRID = TPQ // 4  # sixteenth notes
MAX_NOTE_TICKS = 4 * 4 * TPQ  # a note holds (and a gap lasts) at most 4 bars of 4/4, 192 ticks
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
    unit: str = "track"  # what to call one of its parts


def _quantise(tick: int, division: int) -> int:
    """File ticks -> our ticks, rounded to the nearest sixteenth."""
    return (8 * tick + division) // (2 * division) * GRID


def _span(start: int, end: int, division: int) -> tuple[int, int]:
    """A note's quantised start and end: at least a sixteenth long, at most ``MAX_NOTE_TICKS``."""
    q_start = _quantise(start, division)
    return q_start, min(max(_quantise(end, division), q_start + GRID), q_start + MAX_NOTE_TICKS)


def top_line(parts: Sequence[Sequence[TimedNote]], division: int) -> list[TimedNote]:
    """The highest voice of ``parts`` as quantised (start, end, pitch) notes, made monophonic (``_skyline``)."""
    top: dict[int, tuple[int, int]] = {}  # quantised start -> (pitch, end) of its highest (then longest) note
    for part in parts:
        for start, end, pitch in part:
            q_start, q_end = _span(start, end, division)
            if (pitch, q_end) > top.get(q_start, (-1, 0)):
                top[q_start] = (pitch, q_end)
    return _skyline([(start, end, pitch) for start, (pitch, end) in sorted(top.items())])


def melody_part(parts: Sequence[Sequence[TimedNote]], division: int) -> int:
    """The part whose notes are highest most of the time while another part sounds too (then: most of the time;
    ties: the first). Its own top line is the melody, so a bass does not fill the melody's rests or carry on after
    it ends, and a strummed intro before the tune is not the tune."""
    highest: dict[int, tuple[int, int]] = {}  # sixteenth -> (pitch, part) of the highest note sounding
    sounding: Counter[int] = Counter()  # sixteenth -> how many parts sound
    for index, part in enumerate(parts):
        steps: set[int] = set()
        for start, end, pitch in part:
            for step in range(*_span(start, end, division), GRID):
                steps.add(step)
                if pitch > highest.get(step, (-1, 0))[0]:
                    highest[step] = (pitch, index)
        sounding.update(steps)
    together = Counter(owner for step, (_, owner) in highest.items() if sounding[step] > 1)
    anyhow = Counter(owner for _, owner in highest.values())
    return max(range(len(parts)), key=lambda i: (together[i], anyhow[i], -i))


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
