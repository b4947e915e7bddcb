"""The accompaniment of an arrangement, bar by bar: chord voicings and comping, a bass line, a General MIDI drum kit.

Every function returns notes that start and end inside the bar (or chord span) they belong to; pitched notes are
chord tones, or scale steps of the key where the bass walks to the next chord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from data.events import Key, Meter

KICK, SIDE_STICK, SNARE, CLOSED_HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE = 36, 37, 38, 42, 44, 46, 49, 51
LOW_TOM, MID_TOM, HIGH_TOM = 45, 47, 50
BASS_RANGE = (31, 50)  # G1 .. D3
COMPS = ("strum", "power", "arpeggio", "block", "pulse", "hold", "chorale")
KITS = ("light", "soft", "rock")
BASS_PATTERNS = ("root-fifth", "held", "driving", "chorale")
# Register windows of the chord instruments (lowest, highest MIDI pitch of the voicing).
WINDOWS = {"strum": (52, 67), "power": (40, 64), "arpeggio": (48, 72), "block": (52, 72), "pulse": (52, 72),
           "hold": (53, 77), "chorale": (48, 69)}


class TrackNote(NamedTuple):
    """One played note: start and length in ticks from the piece's start, MIDI pitch, velocity."""

    start: int
    ticks: int
    pitch: int
    velocity: int


@dataclass(frozen=True)
class ChordSpan:
    """A chord sounding from ``start`` for ``ticks`` (never across a bar line)."""

    start: int
    ticks: int
    symbol: str
    root: int  # pitch class
    intervals: tuple[int, ...]
    bass: int | None = None  # pitch class of a slash chord's bass

    @property
    def pitch_classes(self) -> frozenset[int]:
        tones = {(self.root + i) % 12 for i in self.intervals}
        return frozenset(tones if self.bass is None else tones | {self.bass})

    @property
    def end(self) -> int:
        return self.start + self.ticks


@dataclass(frozen=True)
class Pulse:
    """How a meter's bar divides: ``unit`` ticks per counted note, group sizes in units (accents), subdivision."""

    unit: int
    groups: tuple[int, ...]
    sub: int

    def group_starts(self) -> list[int]:
        starts, now = [], 0
        for size in self.groups:
            starts.append(now)
            now += size * self.unit
        return starts

    def strong(self) -> list[bool]:
        """Kick (True) or snare (False) on each group: first kick, last snare, alternating between."""
        n = len(self.groups)
        return [i == 0 or (i % 2 == 0 and i != n - 1) for i in range(n)]


def pulse(meter: Meter) -> Pulse:
    """The meter's units and ``Meter.grouping`` (4/4 -> 1+1+1+1, 6/8 -> 3+3 eighths, 5/4 -> 3+2, 7/8 -> 2+2+3),
    subdivided in eighths under quarter (and longer) units."""
    unit = meter.unit_ticks
    sub = unit // 2 if meter.denominator <= 4 and unit % 2 == 0 else unit
    return Pulse(unit, meter.grouping, sub)


# ---- voicings ------------------------------------------------------------------------------------
def close_voicings(pcs: list[int], low: int, high: int) -> list[tuple[int, ...]]:
    """Every close-position stack of the pitch classes (each inversion, each octave) inside [low, high]."""
    out = []
    for first in range(len(pcs)):
        order = pcs[first:] + pcs[:first]
        for base in range(low, low + 12):
            if base % 12 != order[0]:
                continue
            stack = [base]
            for pc in order[1:]:
                stack.append(stack[-1] + (pc - stack[-1]) % 12 or 12)
            if stack[-1] <= high:
                out.append(tuple(stack))
    return out


def lead(previous: tuple[int, ...] | None, options: list[tuple[int, ...]], centre: float) -> tuple[int, ...]:
    """The voicing that moves least from ``previous`` (the one nearest ``centre`` to begin with)."""
    def cost(v: tuple[int, ...]) -> float:
        if previous is None:
            return abs(sum(v) / len(v) - centre)
        return sum(min(abs(p - q) for q in previous) for p in v) + abs(sum(v) / len(v) - centre) * 0.1
    return min(options, key=cost)


def chord_tones(span: ChordSpan, size: int) -> list[int]:
    """``size`` pitch classes of the chord: all of a triad (the root doubled to make four), a seventh's
    guide tones first when a ninth chord must thin out."""
    pcs = [(span.root + i) % 12 for i in span.intervals]
    if len(pcs) > size:
        keep = [0, 1, len(pcs) - 1, *range(2, len(pcs) - 1)]  # root, next tone, top (7th), then the rest
        pcs = [pcs[i] for i in sorted(keep[:size])]
    return pcs


def voice(span: ChordSpan, comp: str, previous: tuple[int, ...] | None, lift: int = 0) -> tuple[int, ...]:
    """The chord's notes for one comping style, led smoothly from the previous voicing."""
    low, high = WINDOWS[comp]
    low, high = low + lift, high + lift
    if comp == "power":  # root, fifth (the chord's own: diminished or augmented too), octave
        root = low + (span.root - low) % 12
        fifth = min(span.intervals[1:] or (7,), key=lambda i: abs(i - 7))
        return (root, root + fifth, root + 12)
    if comp == "strum":  # a guitar shape: the bass string, then a close triad or seventh on the top strings
        bass_pc = span.root if span.bass is None else span.bass
        bass = 40 + lift + (bass_pc - 40 - lift) % 12
        upper = lead(previous[1:] if previous else None, close_voicings(chord_tones(span, 4), low, high),
                     (low + high) / 2)
        return (bass, *upper)
    size = 3 if comp == "chorale" else 4
    tones = chord_tones(span, size)
    return lead(previous, close_voicings(tones, low, high) or close_voicings(tones, low - 12, high),
                (low + high) / 2)


# ---- comping --------------------------------------------------------------------------------------
def _hits(span: ChordSpan, bar_start: int, p: Pulse, every: int) -> list[int]:
    """Onsets inside the span on the bar's grid of ``every`` ticks."""
    first = span.start + (-(span.start - bar_start)) % every
    return list(range(first, span.end, every))


def comp_span(span: ChordSpan, bar_start: int, p: Pulse, comp: str, chord: tuple[int, ...], variant: int,
              velocity: int, final: bool = False) -> list[TrackNote]:
    """One chord span played in a comping pattern; ``final`` holds the chord for the whole span."""
    if final or comp in ("hold", "chorale"):
        return [TrackNote(span.start, span.ticks, pitch, velocity) for pitch in chord]
    starts = sorted({span.start} | {bar_start + s for s in p.group_starts() if span.start < bar_start + s < span.end})
    notes: list[TrackNote] = []
    if comp in ("block", "strum"):
        upstrokes = comp == "strum" or variant % 2 == 1
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else span.end
            accent = velocity + (6 if start == bar_start else 0)
            up = end - p.sub  # an upstroke on the last subdivision before the next accent
            if upstrokes and up > start and (i > 0 or variant > 0):
                notes += [TrackNote(start, up - start, pitch, accent) for pitch in chord]
                notes += [TrackNote(up, end - up, pitch, velocity - 12) for pitch in chord[-3:]]
            else:
                notes += [TrackNote(start, end - start, pitch, accent) for pitch in chord]
    elif comp in ("pulse", "power"):
        for start in _hits(span, bar_start, p, p.sub):
            accent = velocity + (8 if (start - bar_start) in p.group_starts() else 0)
            length = min(p.sub, span.end - start)
            notes += [TrackNote(start, length, pitch, accent) for pitch in chord]
    elif comp == "arpeggio":
        if variant % 2 == 1:  # the repeat: sustained blocks on the accents instead of the broken chord
            return comp_span(span, bar_start, p, "block", chord, 0, velocity)
        order = list(range(len(chord))) + list(range(len(chord) - 2, 0, -1))
        for i, start in enumerate(_hits(span, bar_start, p, p.sub)):
            pitch = chord[order[i % len(order)]]
            notes.append(TrackNote(start, min(2 * p.sub, span.end - start), pitch, velocity - (0 if i else -6)))
    else:
        raise ValueError(f"unknown comping style {comp!r}")
    return notes


# ---- bass -------------------------------------------------------------------------------------------
def nearest(pc: int, previous: int | None, low: int = BASS_RANGE[0], high: int = BASS_RANGE[1]) -> int:
    """The pitch of class ``pc`` inside [low, high] closest to ``previous`` (to the middle to begin with)."""
    target = previous if previous is not None else (low + high) // 2
    options = [p for p in range(low, high + 1) if p % 12 == pc]
    return min(options, key=lambda p: (abs(p - target), p))


def step_towards(key: Key, pitch: int, target: int) -> int:
    """The scale note next to ``target`` on the side of ``pitch`` (a diatonic approach note)."""
    direction = 1 if pitch > target else -1
    candidate = target + direction
    while candidate % 12 not in key.scale:
        candidate += direction
    return candidate


def bass_span(span: ChordSpan, nxt: ChordSpan | None, bar_start: int, p: Pulse, pattern: str, key: Key,
              previous: int | None, velocity: int, final: bool = False) -> tuple[list[TrackNote], int]:
    """The bass under one chord span and the last pitch it played (for the next span to move from)."""
    root = nearest(span.root if span.bass is None else span.bass, previous)
    fifth_pc = (span.root + 7) % 12 if 7 in span.intervals else (span.root + span.intervals[-1]) % 12
    if final or pattern in ("held", "chorale"):
        notes = [TrackNote(span.start, span.ticks, root, velocity)]
        if pattern == "held" and not final:
            middle = [bar_start + s for s in p.group_starts() if span.start < bar_start + s < span.end]
            half = [m for m in middle if m - span.start >= span.ticks // 2][:1]
            if half and span.ticks >= 2 * p.unit * max(p.groups):
                notes = [TrackNote(span.start, half[0] - span.start, root, velocity),
                         TrackNote(half[0], span.end - half[0], nearest(fifth_pc, root), velocity - 8)]
        return notes, notes[-1].pitch
    if pattern == "driving":
        notes = [TrackNote(s, min(p.sub, span.end - s), root, velocity + (6 if s == span.start else 0))
                 for s in _hits(span, bar_start, p, p.sub)]
        return notes, root
    # root-fifth: root and fifth on the strong accents (every accent in a bar of one or two), and a scale step into
    # the next chord on the last accent when the harmony moves
    offsets = p.group_starts()
    strong = [s for s, k in zip(offsets, p.strong(), strict=True) if k or len(offsets) <= 2]
    starts = sorted({span.start} | {bar_start + s for s in strong if span.start < bar_start + s < span.end})
    approach = nxt is not None and nxt.root != span.root and bar_start + offsets[-1] > starts[-1] \
        and bar_start + offsets[-1] < span.end
    if approach:
        starts.append(bar_start + offsets[-1])
    notes, pitch = [], root
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else span.end
        if approach and i == len(starts) - 1 and nxt is not None:
            pitch = step_towards(key, pitch, nearest(nxt.root if nxt.bass is None else nxt.bass, pitch))
        else:
            pitch = root if i % 2 == 0 else nearest(fifth_pc, root)
        notes.append(TrackNote(start, end - start, pitch, velocity - (0 if i == 0 else 10)))
    return notes, pitch


# ---- drums ------------------------------------------------------------------------------------------
KIT_VELOCITY = {"light": (72, 56, 48), "soft": (60, 46, 40), "rock": (104, 100, 76)}  # kick, snare, cymbal


def drum_bar(bar_start: int, bar_ticks: int, p: Pulse, kit: str, variant: int, *, crash: bool = False,
             fill: bool = False, ending: bool = False) -> list[TrackNote]:
    """One bar of the kit: kick and snare on the meter's accents, a cymbal on the subdivisions, ``crash`` on
    the downbeat, a snare-and-toms ``fill`` over the last group(s), or a single ``ending`` hit."""
    kick_v, snare_v, cymbal_v = KIT_VELOCITY[kit]
    hit = p.sub
    notes: list[TrackNote] = []
    if ending:
        return [TrackNote(bar_start, hit, KICK, kick_v), TrackNote(bar_start, bar_ticks, CRASH, cymbal_v + 14)]
    starts = p.group_starts()
    fill_from = bar_ticks
    if fill and len(starts) > 1:  # rock fills the second half of the bar, the lighter kits the last accent
        later = [s for s in starts if s >= bar_ticks // 2]
        fill_from = later[0] if kit == "rock" and later else starts[-1]
    elif fill:
        fill_from = bar_ticks // 2 // p.sub * p.sub
    snare = SIDE_STICK if kit == "soft" else SNARE
    for start, strong in zip(starts, p.strong(), strict=True):
        if start < fill_from:
            notes.append(TrackNote(bar_start + start, hit, KICK if strong else snare,
                                   kick_v if strong else snare_v))
    if kit == "rock" and fill_from == bar_ticks:  # the extra kick of a rock beat, after the last strong accent
        last_kick = max(s for s, strong in zip(starts, p.strong(), strict=True) if strong)
        size = p.groups[starts.index(last_kick)]
        extra = last_kick + (p.sub if size == 1 else (size - 1) * p.unit)
        if extra not in starts and extra < bar_ticks:
            notes.append(TrackNote(bar_start + extra, hit, KICK, kick_v - 14))
    cymbal = RIDE if variant % 2 == 1 else CLOSED_HAT
    every = p.unit if kit == "soft" and p.unit > p.sub else p.sub
    for k, pos in enumerate(range(0, fill_from, every)):
        if pos == 0 and crash:
            notes.append(TrackNote(bar_start, hit, CRASH, cymbal_v + 16))
            continue
        on_accent = pos in starts
        sound = OPEN_HAT if (kit == "rock" and variant >= 2 and pos + every >= fill_from and cymbal == CLOSED_HAT) \
            else cymbal
        notes.append(TrackNote(bar_start + pos, min(every, fill_from - pos), sound,
                               cymbal_v + (8 if on_accent else 0) - (4 if k % 2 else 0)))
    if fill_from < bar_ticks:
        step = hit // 2 if (bar_ticks - fill_from) // hit < 4 and hit % 2 == 0 else hit  # short fills in 16ths
        positions = list(range(fill_from, bar_ticks, step))
        voices = [SNARE, SNARE, HIGH_TOM, HIGH_TOM, MID_TOM, MID_TOM, LOW_TOM, LOW_TOM]
        for i, pos in enumerate(positions):
            sound = voices[min(len(voices) - 1, i * len(voices) // len(positions))]
            notes.append(TrackNote(bar_start + pos, step, sound, min(127, snare_v + 4 * i)))
        notes.append(TrackNote(bar_start + fill_from, hit, KICK, kick_v))
    return notes
