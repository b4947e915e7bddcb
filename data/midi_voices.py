"""The melody line of a MIDI file's parts (``data.midi.seed_from_midi``): notes quantised to sixteenths, the part
that carries the melody, and its top voice made monophonic. A part is its notes as (start, end, pitch) in file ticks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from data.events import TPQ

GRID = TPQ // 4  # sixteenth notes
MAX_NOTE_TICKS = 4 * 4 * TPQ  # a note holds (and a gap lasts) at most 4 bars of 4/4, 192 ticks
TimedNote = tuple[int, int, int]  # (start, end, pitch) in ticks


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
