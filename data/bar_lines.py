"""Typed bar lines against a meter: a short first bar is a pickup, every other bar full (``check_bars``), and
the reading in which notes typed without a length are quarters where the bar lines say so (``read_bars``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from data.errors import MusicError
from data.events import TPQ, Meter, duration_name
from data.notation import BAR_LINES, PICKUP_EXAMPLE, ParsedSeed, token_length

Spans = list[tuple[int, int, str]]  # (start, end, token as typed) of each note, in ticks from the first


class BarError(MusicError):
    """A typed bar that doesn't fit the meter: ``bar`` is its number, from 1 (``_furthest`` compares them)."""

    def __init__(self, bar: int, message: str, example: str) -> None:
        super().__init__(message, "notes", example)
        self.bar = bar


def read_bars(seed: ParsedSeed, meter: Meter) -> ParsedSeed:
    """The seed with its pickup in ``meter`` (``check_bars``). Where its typed bar lines cannot hold it because
    notes typed without a length kept a longer one from before them, but hold them as quarters (``E E E:h | D D
    D:h``: a bar of six beats, or of four with the D's as quarters), those notes are quarters: the bar lines say
    what was meant; failing that, every note without a length of its own is a quarter (``E:e | C B A:q. E:e``: C
    and B quarters, not eighths). So too where the kept lengths fit only by holding a note over a typed bar line
    (``B:h G | C`` in 3/4: the G a half tied into the next bar, or a quarter that fills this one). Otherwise the
    error names the bar and why."""
    if seed.jianpu:
        return replace(seed, pickup=check_bars(seed, meter))
    tokens = seed.note_tokens
    quarters = _with_lengths(seed, _lengths(tokens, TPQ, quarter=True)[0])
    kept = _with_lengths(seed, _lengths(tokens, TPQ, quarter=False)[0])  # every length carried on
    bare = _with_lengths(seed, [token_length(t, TPQ)[1] for t in tokens])  # no length of its own: a quarter
    try:
        pickup = check_bars(seed, meter)
    except MusicError as error:
        if (open_end := _open_end(seed)) is not None:
            with contextlib.suppress(MusicError):
                return read_bars(open_end, meter)
        if quarters.notes == seed.notes == kept.notes == bare.notes:
            raise
        readings = (quarters, kept, bare, _bar_by_bar(seed, meter))
        for reading in readings:
            exact = _exact(reading, meter)
            if exact is not None:
                return replace(reading, pickup=exact)
        raise _furthest(error, readings, meter) from None
    if quarters.notes != seed.notes and _exact(seed, meter) is None:
        exact = _exact(quarters, meter)
        if exact is not None:
            return replace(quarters, pickup=exact)
    return replace(seed, pickup=pickup)


def _open_end(seed: ParsedSeed) -> ParsedSeed | None:
    """The seed without the bar lines typed after its last note, when a bar line comes before that note too (``G |
    C E G C | D:h. |``: a tune's last bar, short to match its pickup, closed as tunes are written), else None."""
    typed = list(seed.typed)
    while typed and typed[-1] in (*BAR_LINES, "]"):
        typed.pop()
    if len(typed) == len(seed.typed) or not any(token in BAR_LINES for token in typed):
        return None
    return replace(seed, typed=tuple(typed))


def _lengths(tokens: list[str], ticks: int, quarter: bool) -> tuple[list[int], int]:
    """The ticks of note tokens read in turn from the length ``ticks`` kept before them (``quarter``: a note
    without a length of its own after a longer one is a quarter), and the length kept after them."""
    out = []
    for token in tokens:
        _, length, ticks = token_length(token, ticks, long_kept_as_quarter=quarter)
        out.append(length)
    return out, ticks


def _with_lengths(seed: ParsedSeed, lengths: list[int]) -> ParsedSeed:
    """The seed's notes with these lengths (the seed itself if they do not match its notes one for one)."""
    if len(lengths) != len(seed.notes):
        return seed
    return replace(seed, notes=tuple(replace(n, ticks=t) for n, t in zip(seed.notes, lengths, strict=True)))


def _bar_by_bar(seed: ParsedSeed, meter: Meter) -> ParsedSeed:
    """Each typed bar read on its own: the lengths kept from before it where they fill it (or leave the first bar
    short, a pickup, or the last), else its notes without a length of their own as quarters after a longer note
    (``E5:h A | G F E D``: A a half that fills its bar, then four quarters), else as quarters after any note
    (``D:q. E:e | C D E:e D:e C``: the bar after an eighth)."""
    bars: list[list[str]] = [[]]
    for token in seed.typed:
        if token in BAR_LINES:
            bars.append([])
        elif not seed.is_mark(token):
            bars[-1].append(token)
    lengths: list[int] = []
    ticks = TPQ
    for index, tokens in enumerate(bars):
        readings = [*(_lengths(tokens, ticks, quarter) for quarter in (False, True)), _lengths(tokens, TPQ, True)]
        edge = index in (0, len(bars) - 1)
        fits = [r for r in readings if sum(r[0]) == meter.bar_ticks or (edge and sum(r[0]) < meter.bar_ticks)]
        out, ticks = (fits or readings)[0]
        lengths += out
    return _with_lengths(seed, lengths)


def _furthest(error: MusicError, readings: tuple[ParsedSeed, ...], meter: Meter) -> MusicError:
    """Of the errors of the seed as typed and of its other readings, the one naming the latest bar: where every
    reading fails, the bars before it read well in one of them, so that bar is the mistake (``C:q. B:e A G | E:h
    G``: the second bar, short with A and G as eighths, is full with them as quarters; the third is short)."""
    errors = [error]
    for reading in readings:
        try:
            check_bars(reading, meter)
        except MusicError as other:
            errors.append(other)
    return max(errors, key=lambda e: e.bar if isinstance(e, BarError) else 0)  # the first of the latest: as typed


def _exact(seed: ParsedSeed, meter: Meter) -> int | None:
    """The seed's pickup when every typed bar line falls on a downbeat with no note held over it, else None."""
    try:
        return check_bars(seed, meter, ties=False)
    except MusicError:
        return None


def check_bars(seed: ParsedSeed, meter: Meter, ties: bool = True) -> int:
    """The seed's pickup in ``meter`` (0: it starts on a downbeat) from its typed bar lines; a MusicError names a
    bar that doesn't fit, with what to type instead. ``ties=False``: a note held over a bar line is an error too.

    A seed without bar lines starts on a downbeat, unchecked. Otherwise the first bar line places the downbeats: a
    first bar shorter than a full bar is a pickup (``G | C E G C``); a full one, or one whose last note is held over
    the bar line, starts on a downbeat. Every later bar line must close a full bar and every full bar must be closed
    by one: only the first bar may be short (a pickup) and the last (the continuation fills it). A note held over
    a bar line (a tie) has the bar line typed after it: ``C:h. D:h | E`` (``format_notes`` writes it so).
    """
    bar = meter.bar_ticks
    spans: Spans = []
    closed: set[int] = set()  # notes followed by a bar line
    notes, now = iter(seed.notes), 0
    for token in seed.typed:
        if seed.is_mark(token):
            if token in BAR_LINES and spans:
                closed.add(len(spans) - 1)
            continue
        note = next(notes)
        spans.append((now, now + note.ticks, token))
        now += note.ticks
    if not closed:
        return 0
    start, end, _ = spans[min(closed)]
    pickup = end if end < bar else 0
    if end >= bar and start >= bar:  # a note starts past the first bar line: bar 1 is over-full
        over = next(i for i, (s, _, _) in enumerate(spans) if s >= bar)
        raise _overfull(spans, closed, 0, 0, over, meter)
    shift = (bar - pickup) % bar  # ticks from the first bar's downbeat to the first note
    current, opened = 0, 0  # the bar (counted from 0) the next note must start in; the first note typed in it
    for i, (s, e, _) in enumerate(spans):
        if (shift + s) // bar > current:
            raise _overfull(spans, closed, shift, current, i, meter, opened)
        if i in closed:
            if (shift + e) // bar == (shift + s) // bar:  # no bar line falls at or inside this note: a short bar
                length = shift + e - current * bar
                bar_tokens = " ".join(t for _, _, t in spans[opened:i + 1])
                why = _kept_why(spans, _kept(spans, opened, i, lambda ticks: ticks < TPQ))  # `C:e D E`: eighths
                raise BarError(current + 1, (
                    f"Bar {current + 1} has {_amount(length, meter)} in {meter}: `{bar_tokens}` — only the first bar "
                    f"may be short (a pickup) and the last (I fill it in). Fill it to {_amount(bar, meter)}, or take "
                    f"out the bar line after `{spans[i][2]}`.{why} A pickup looks like `{PICKUP_EXAMPLE}`."),
                    PICKUP_EXAMPLE)
            if not ties and (shift + e) % bar:  # held over a bar line, the typed one falls inside the next bar
                raise _overfull(spans, closed, shift, current, i, meter, opened)
            current, opened = (shift + e) // bar, i + 1
    return pickup


def _overfull(spans: Spans, closed: set[int], shift: int, current: int, over: int,
              meter: Meter, opened: int = 0) -> BarError:
    """The error for bar ``current`` (from 0), whose typed notes run from ``opened`` and in which note ``over``
    starts past the bar line: where the bar lines would go, and why a note is long when it kept the length typed
    before it (``E:h F G``: F and G are halves)."""
    last = min([i for i in closed if i >= over] or [len(spans) - 1])
    bar = meter.bar_ticks
    length = shift + spans[last][1] - current * bar
    typed = [t for _, _, t in spans[opened:last + 1]]
    fixed = " ".join(t for j in range(opened, last + 1)  # a bar line before each note that starts a new bar
                     for t in (["|"] if j > opened and (shift + spans[j][0]) // bar > (shift + spans[j - 1][0]) // bar
                               else []) + [spans[j][2]])
    # the notes that kept a length longer than a quarter from before them: the usual surprise, ``E:h F G`` is three
    # half notes (a run of ``C:e D E F`` is meant)
    kept = _kept(spans, opened, last, lambda ticks: ticks > TPQ)
    head = f"Bar {current + 1} has {_amount(length, meter)} in {meter}: `{' '.join(typed)}`"
    why = _kept_why(spans, kept)
    if kept and length - sum(kept.values()) + TPQ * len(kept) == bar:  # as quarters, the bar is full
        quarters = " ".join(f"{spans[j][2]}:q" if j in kept else spans[j][2] for j in range(opened, last + 1))
        return BarError(current + 1, f"{head}.{why} For quarter notes write `{quarters}`.", quarters)
    return BarError(current + 1, f"{head} — take a note out or add a bar line, e.g. `{fixed}`.{why}", fixed)


def _kept(spans: Spans, first: int, last: int, surprising: Callable[[int], bool]) -> dict[int, int]:
    """The notes ``first``..``last`` typed without a length whose kept length (ticks) is ``surprising``."""
    return {j: e - s for j, (s, e, t) in enumerate(spans) if first <= j <= last and _kept_length(t)
            and surprising(e - s)}


def _kept_why(spans: Spans, kept: dict[int, int]) -> str:
    """Why the ``kept`` notes (``_kept``) are longer or shorter than the user thought (``C:e D E``: eighths), or ''."""
    if not kept:
        return ""
    length = next(iter(kept.values()))
    alike = [spans[j][2] for j, ticks in kept.items() if ticks == length]
    return (f" A note typed without a length keeps the one before it: `{' '.join(alike)}` "
            f"{'is' if len(alike) == 1 else 'are'} `:{duration_name(length)}` here.")


def _kept_length(token: str) -> bool:
    """A note typed without a length of its own (``F``, ``60``, ``do``): it keeps the one before it."""
    return ":" not in token and not token.endswith(".")


def _amount(ticks: int, meter: Meter) -> str:
    """A length in the meter's units: '5 beats' in 4/4, '7 eighths' in 6/8, '3 half notes' in 2/2."""
    units = Fraction(ticks, meter.unit_ticks)
    name = {2: "half note", 4: "beat", 8: "eighth"}.get(meter.denominator, "beat")
    return f"{float(units):g} {name}{'' if units == 1 else 's'}"
