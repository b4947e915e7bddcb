"""Re-timing a melody onto a dance rhythm's metric grid (``/transform rhythm:``, see ``studio.transform``).

The notes keep their order and move pulse by pulse (the felt beat: a quarter, or a dotted quarter in 6/8 and 9/8),
so bars and phrases stay whole: each pulse's figure becomes the new meter's (a reel's two quavers a jig's
long-short quarter and quaver, a jig's three quavers a reel's quaver and two semiquavers); between two and three
pulses a bar the first pulse of each pair takes two (a waltz's long first beat), or the first two of each three share
one. The last note moves to a strong position if needed and fills its bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

from data.errors import MusicError, opt
from data.events import TPQ, Melody, Meter, Note
from studio.options import TRANSFORM

F = Fraction


@dataclass(frozen=True)
class Rhythm:
    """A dance rhythm: its meter, and where a pulse's second note of two falls (its ``split``): 1/2 even,
    3/4 dotted (a hornpipe's), 2/3 long-short (a jig's, in compound time)."""

    name: str
    meter: Meter
    split: Fraction
    feel: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.meter})"


RHYTHMS = {r.name: r for r in (
    Rhythm("reel", Meter(4, 4), F(1, 2), "even quavers"),
    Rhythm("hornpipe", Meter(4, 4), F(3, 4), "dotted pairs"),
    Rhythm("jig", Meter(6, 8), F(2, 3), "long-short pairs"),
    Rhythm("slip jig", Meter(9, 8), F(2, 3), "three beats of three"),
    Rhythm("waltz", Meter(3, 4), F(1, 2), "a long first beat"),
    Rhythm("march", Meter(2, 4), F(1, 2), "two beats a bar"),
)}
assert tuple(RHYTHMS) == TRANSFORM["rhythm"].choices  # the option table lists them in this order
assert all(Meter.parse(name) == r.meter for name, r in RHYTHMS.items())  # `meter:waltz` is the waltz's meter


def pulse_of(meter: Meter) -> tuple[int, int]:
    """(ticks of a pulse, pulses in a bar): the felt beat, a quarter in bars of halves, a 3/8 bar one pulse.
    MusicError for bars of five or seven, whose beats are uneven."""
    if meter.compound:
        return meter.beat_ticks, meter.beats
    if (meter.numerator, meter.denominator) == (3, 8):
        return meter.bar_ticks, 1
    if meter.numerator in (1, 2, 3, 4) or meter.denominator == 2:
        unit = min(meter.unit_ticks, TPQ)
        return unit, meter.bar_ticks // unit
    raise MusicError(f"I can't re-time a melody in {meter}: its beats are uneven. I re-time melodies in 2/4, 3/4, "
                     f"4/4, 2/2, 6/8, 9/8 and 12/8.", "meter", "4/4")


def _cells(source: int, target: int) -> tuple[int, int]:
    """How many pulses of the source go to how many of the target: one to one, or two to three (a duple bar to a
    triple one) and back."""
    if (source % 3 == 0) == (target % 3 == 0):
        return 1, 1
    return (2, 3) if target % 3 == 0 else (3, 2)


_COMPOUND_FIGURES = {  # a simple pulse's onsets (from its start, by how many) -> a compound pulse's
    2: (F(0), F(2, 3)), 3: (F(0), F(1, 3), F(2, 3)), 4: (F(0), F(1, 3), F(2, 3), F(5, 6))}
_SIMPLE_FIGURES = {3: (F(0), F(1, 2), F(3, 4)), 4: (F(0), F(1, 4), F(1, 2), F(3, 4))}  # compound -> simple


def _piecewise(x: Fraction, source: Fraction, target: Fraction) -> Fraction:
    """``x`` in [0, 1) with ``source`` moved to ``target``, linearly on each side."""
    return x * target / source if x <= source else target + (x - source) * (1 - target) / (1 - source)


def map_pulse(onsets: tuple[Fraction, ...], source: Fraction, target: Fraction) -> tuple[Fraction, ...]:
    """The onsets of one pulse (fractions of it, ascending) in the target's feel. ``source``/``target``: the
    pulse's split (1/2 or 3/4 for simple time, 2/3 for compound)."""
    compound_in, compound_out = source == F(2, 3), target == F(2, 3)
    if compound_in != compound_out and onsets and onsets[0]:  # a note held into the pulse: its figure from the beat
        return map_pulse((F(0), *onsets), source, target)[1:]
    here = set(onsets)
    if not compound_in:  # a simple pulse is dotted when it holds a dotted pair, else even
        source = F(3, 4) if F(3, 4) in here and F(1, 2) not in here else F(1, 2)
    if not compound_in and not compound_out:
        if here <= {F(0), source} and source != target:
            return tuple(target if x == source else x for x in onsets)
        return onsets
    if compound_in == compound_out:
        return onsets
    if onsets[0] == 0:
        if compound_out and (here <= {F(0), F(1, 3), F(2, 3)} and len(here) > 1):
            return onsets  # triplets are a compound pulse's quavers already
        if compound_out and len(onsets) in _COMPOUND_FIGURES:
            return _COMPOUND_FIGURES[len(onsets)]
        if not compound_out and len(onsets) == 2:
            return F(0), target
        if not compound_out and len(onsets) in _SIMPLE_FIGURES:
            return _SIMPLE_FIGURES[len(onsets)]
    return tuple(_piecewise(x, source, target) for x in onsets)


_STRAIGHT = {F(1, 3): F(1, 2), F(2, 3): F(3, 4)}  # a triplet's onsets as a quaver and two semiquavers


def straight(onsets: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    """A simple pulse's triplet onsets as straight ones (0 1/3 2/3 -> 0 1/2 3/4; a long-short 0 2/3 -> dotted 0 3/4):
    a pulse stretched over two (a waltz's long first beat) or squeezed into half of one keeps no triplet that a
    score can write."""
    return tuple(_STRAIGHT.get(x, x) for x in onsets)


_RESIZED = {((2, 3), 0), ((3, 2), 0), ((3, 2), 1)}  # (cells, pulse in the cell) stretched to two or squeezed to half


def _map_cell(x: Fraction, cells: tuple[int, int], split: Fraction) -> Fraction:
    """A position in a cell of source pulses (0 <= x < cells[0]) -> in target pulses: two pulses to three, the first
    taking two (a waltz's long first beat); three to two, the first two sharing one at its ``split`` (a jig's
    long-short)."""
    if cells == (2, 3):
        return 2 * x if x < 1 else x + 1
    if cells == (3, 2):
        if x < 1:
            return x * split
        return split + (x - 1) * (1 - split) if x < 2 else x - 1
    return x


BUSY = 1.5  # notes a pulse from which a simple tune's beat is one of a jig's (else two are), and a jig's beat is
# two of a reel's crotchets (else one)
_GRIDS = ((6, 0.0), (3, 1.0), (4, 1.0))  # snapping grid (ticks: quavers, semiquavers, triplets), its cost per onset
SHORTEST = 3  # ticks: no note is shorter than a semiquaver, which the notation writes


def snap(positions: Sequence[Fraction], pulse: int) -> list[int]:
    """Exact positions (ticks, ascending) on the coarsest grid that keeps each pulse's onsets apart and inside it:
    quavers where they fit, else semiquavers or triplets. A pulse holding more than four onsets (a triplet squeezed
    into half a beat) is written in semiquavers running on into the next pulse, which starts that much later: every
    note stays, none shorter than a semiquaver."""
    groups: dict[int, list[int]] = {}
    for i, x in enumerate(positions):
        groups.setdefault(math.floor(x / pulse), []).append(i)
    out = [0] * len(positions)
    for index, members in groups.items():
        start, end = index * pulse, (index + 1) * pulse
        best: tuple[float, list[int]] | None = None
        for grid, cost in _GRIDS:
            if pulse % grid:
                continue
            snapped = [math.floor(positions[i] / grid + F(1, 2)) * grid for i in members]
            if all(a < b for a, b in pairwise(snapped)) and start <= snapped[0] and \
                    snapped[-1] < end:
                score = float(sum(abs(s - positions[i]) for s, i in zip(snapped, members, strict=True))) + \
                    cost * len(members)
                if best is None or score < best[0]:
                    best = (score, snapped)
        fallback = [math.floor(positions[i] / SHORTEST + F(1, 2)) * SHORTEST for i in members]
        for i, s in zip(members, best[1] if best else fallback, strict=True):
            out[i] = s
    for i in range(1, len(out)):
        if out[i] < out[i - 1] + SHORTEST:  # pushed on to the next semiquaver
            out[i] = -(-(out[i - 1] + SHORTEST) // SHORTEST) * SHORTEST
    return out


def change_rhythm(melody: Melody, rhythm: Rhythm) -> Melody:
    """The melody's notes, in order, on ``rhythm``'s grid (see the module's docstring), ending on a strong position
    with a note that fills its bar."""
    notes = list(melody.notes)
    while notes and notes[-1].pitch is None:
        notes.pop()
    if not notes:
        raise MusicError("Your melody is only rests: there is nothing to re-time.", "notes")
    source_pulse, source_count = pulse_of(melody.meter)
    target_pulse, target_count = pulse_of(rhythm.meter)
    busy = len(notes) * source_pulse / max(melody.ticks, 1) >= BUSY  # notes a pulse
    if not melody.meter.compound and rhythm.meter.compound and not busy and source_count % 2 == 0:
        source_pulse, source_count = 2 * source_pulse, source_count // 2  # a tune in crotchets: two make a beat
    elif melody.meter.compound and not rhythm.meter.compound and busy and target_count % 2 == 0:
        target_pulse, target_count = 2 * target_pulse, target_count // 2  # a beat of quavers: two crotchets' worth
    cells = _cells(source_count, target_count)
    source_split = F(2, 3) if melody.meter.compound else F(1, 2)
    onsets = [at - melody.pickup for at in melody.onsets()[: len(notes)]]  # from the first downbeat
    by_pulse: dict[int, list[int]] = {}
    for i, at in enumerate(onsets):
        by_pulse.setdefault(at // source_pulse, []).append(i)
    mapped: list[Fraction] = [F(0)] * len(notes)
    for pulse, members in by_pulse.items():
        inside = tuple(F(onsets[i] - pulse * source_pulse, source_pulse) for i in members)
        cell, within = divmod(pulse, cells[0])
        if not melody.meter.compound and (cells, within) in _RESIZED:
            inside = straight(inside)
        moved = map_pulse(inside, source_split, rhythm.split)
        for i, x in zip(members, moved, strict=True):
            mapped[i] = (cell * cells[1] + _map_cell(within + x, cells, rhythm.split)) * target_pulse
    at = snap(mapped, target_pulse)
    bar = rhythm.meter.bar_ticks
    place = at[-1] % bar
    if place not in rhythm.meter.strong_ticks:  # the last note moves on to the next strong position
        at[-1] += min([s for s in rhythm.meter.strong_ticks if s > place] or [bar]) - place
    end = at[-1] - at[-1] % bar + bar
    ticks = [b - a for a, b in zip(at, [*at[1:], end], strict=True)]
    retimed = tuple(Note(n.pitch, t) for n, t in zip(notes, ticks, strict=True))
    return Melody(retimed, melody.key, rhythm.meter, melody.tempo, pickup=-at[0] % bar)


def meter_hint(error: MusicError, meter: Meter | str | None) -> MusicError:
    """A melody that does not fit the ``meter`` typed with /transform (``Bar 1 has 8 eighths in 6/8``): the error
    says too that ``meter:`` is the melody's own and that a rhythm rewrites it in another meter."""
    if not meter or not error.message.startswith("Bar "):
        return error
    try:
        wanted = Meter.parse(str(meter))
    except MusicError:
        return error
    rhythm = next((r for r in RHYTHMS.values() if r.meter == wanted), None)
    way = (f"choose {opt('rhythm', rhythm.name)}" if rhythm is not None else
           f"choose a rhythm, e.g. {opt('rhythm', 'jig')} (6/8) or {opt('rhythm', 'waltz')} (3/4)")
    return MusicError(f"{error.message} {opt('meter')} is the meter your melody is in; to rewrite it in "
                      f"{wanted}, {way}.", error.option, error.example)
