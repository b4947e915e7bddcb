"""How folk tunes restate their bars, counted in the corpus, and a plan of restatements for a new melody.

    python -m data.form build      # data/corpus_notes.npz (training tunes) -> data/form.json

Folk tunes are built of repeats: in the training tunes (pickups left out), bar 5 restates bar 1 note for note in
a third of them, bar 6 bar 2 in a third, bar 7 bar 3 in a fifth, bar 3 bar 1 in a tenth. The LSTM, sampling a
note at a time, restates 2% of its bars (``bench.realism``), and it shows. ``form.json`` counts, per bar position
(1-16; later bars fold onto 9-16) and per what the bar before did (restated the bar ``p`` bars back, 0: nothing),
how often a bar restates the bar ``d`` bars back (``d`` 1-8; 0: new). ``FormTable.plan`` samples a melody's
restatements from those counts, and ``studio.restate`` writes them in. Only whole bars count: a bar a note crosses
into or out of (a tie), and a bar of rests alone, is neither restated nor a restatement.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.events import Note

DEFAULT_FORM = Path(__file__).parent / "form.json"
VERSION = 3
MAX_OFFSET = 8  # a bar restates one at most this many bars back
POSITIONS = 16  # bar positions counted apart; bar 17 on counts as 9 on (8-bar strains)
WIDEST = 13  # steps into a restated bar are counted up to this many semitones (and wider)


def first_tick(pickup: int, bar_ticks: int) -> int:
    """Where the first note starts when bar ``b`` spans ticks ``b * bar_ticks`` on: bar 1 the first full bar, bar 0
    a pickup's short bar (as ``Melody.bar_of`` numbers them)."""
    return bar_ticks - pickup if pickup else bar_ticks


def bar_spans(notes: Sequence[Note], first: int, bar_ticks: int) -> dict[int, tuple[int, int]]:
    """Bar index (``tick // bar_ticks``, the first note at tick ``first``) -> the span ``(start, end)`` of its notes
    in ``notes``, for every bar that is whole: full, no note crossing its bar lines, and not rests alone."""
    spans: dict[int, tuple[int, int]] = {}
    broken: set[int] = set()
    now = first
    for i, note in enumerate(notes):
        bar, last = now // bar_ticks, (now + note.ticks - 1) // bar_ticks
        if last != bar:
            broken.update(range(bar, last + 1))
        spans[bar] = (spans.get(bar, (i, i))[0], i + 1)
        now += note.ticks
    return {b: (a, e) for b, (a, e) in spans.items() if b not in broken
            and sum(n.ticks for n in notes[a:e]) == bar_ticks and any(n.pitch is not None for n in notes[a:e])}


def whole_bars(notes: Sequence[Note], first: int, bar_ticks: int) -> dict[int, tuple[Note, ...]]:
    """Bar index -> the notes of every whole bar (see ``bar_spans``)."""
    notes = tuple(notes)
    return {b: notes[a:e] for b, (a, e) in bar_spans(notes, first, bar_ticks).items()}


def restated_seed(notes: Sequence[Note], seed_len: int, first: int, bar_ticks: int) -> list[tuple[int, int]]:
    """The spans of the notes after the first ``seed_len`` (the seed) that are whole bars restating a whole bar of
    the seed note for note."""
    spans = bar_spans(notes, first, bar_ticks)
    seed_bars = {tuple(notes[a:e]) for a, e in spans.values() if e <= seed_len}
    return sorted((a, e) for a, e in spans.values() if a >= seed_len and tuple(notes[a:e]) in seed_bars)


def position(bar: int) -> int:
    """The row of ``bar`` (1 = the first full bar) in the counts."""
    return bar if bar <= POSITIONS else POSITIONS // 2 + 1 + (bar - POSITIONS // 2 - 1) % (POSITIONS // 2)


def restated(bars: dict[int, tuple[Note, ...]], bar: int, before: int) -> int:
    """How many bars back the bar ``bar`` restates (the same distance as the bar before did, when it can; else
    the nearest); 0 when it is new."""
    if before and bars.get(bar - before) == bars[bar]:
        return before
    return next((d for d in range(1, min(MAX_OFFSET, bar - 1) + 1) if bars.get(bar - d) == bars[bar]), 0)


@dataclass(frozen=True)
class FormTable:
    """``counts[position, before, d]``: bars at ``position`` after a bar that restated ``before`` bars back,
    restating ``d`` bars back (0: new); ``joins[s]``: steps of ``s`` semitones into a restated bar; ``ends[s]``:
    steps of ``s`` semitones into a tune's last note."""

    counts: np.ndarray
    joins: np.ndarray
    ends: np.ndarray

    def join_weight(self, before: Sequence[Note], after: Sequence[Note]) -> float:
        """How usual the step from the notes ``before`` into the restated bar ``after`` is in the corpus (its
        share of the steps into restatements)."""
        return float(self.joins[join(before, after)] / max(1, self.joins.sum()))

    def end_weight(self, notes: Sequence[Note]) -> float:
        """How usual the step into the last of ``notes`` is among the corpus tunes' steps into their last note."""
        return float(self.ends[last_step(notes) or 0] / max(1, self.ends.sum()))  # no step: as a repeated note

    def plan(self, rng: random.Random, bars: Sequence[int], whole: Callable[[int], bool]) -> dict[int, int]:
        """Bar -> the earlier bar it restates, for those of ``bars`` (ascending) that the draw makes restatements.
        ``whole(b)``: whether bar ``b`` before ``bars[0]`` is whole (the bars planned here always are)."""
        plan: dict[int, int] = {}
        before = 0
        for bar in bars:
            weights = self.counts[position(bar), before].astype(float)
            for d in range(1, MAX_OFFSET + 1):
                source = bar - d
                if source < 1 or (source < bars[0] and not whole(source)):
                    weights[d] = 0.0
            before = rng.choices(range(MAX_OFFSET + 1), weights=weights.tolist())[0] if weights.sum() else 0
            if before:
                plan[bar] = bar - before
        return plan


def count(tunes: Iterable[tuple[Sequence[Note], int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counts over tunes given as (notes, the tick in its bar the first note starts on, bar ticks), and how
    often the step into a restatement (the last pitch of the bar before to its first pitch), and into the tune's
    last note, is 0, 1, ... ``WIDEST`` or more semitones."""
    counts = np.zeros((POSITIONS + 1, MAX_OFFSET + 1, MAX_OFFSET + 1), np.int64)
    joins = np.zeros(WIDEST + 1, np.int64)
    ends = np.zeros(WIDEST + 1, np.int64)
    for notes, offset, bar_ticks in tunes:
        step = last_step(notes)
        if step is not None:
            ends[step] += 1
        bars = whole_bars(notes, offset or bar_ticks, bar_ticks)  # bar 0: a pickup's (or none)
        before = 0
        for bar in range(1, max(bars, default=0) + 1):
            if bar not in bars:
                before = 0
                continue
            d = restated(bars, bar, before)
            counts[position(bar), before, d] += 1
            if d and d != before and bar - 1 in bars:
                joins[join(bars[bar - 1], bars[bar])] += 1
            before = d
    return counts, joins, ends


def last_step(notes: Sequence[Note]) -> int | None:
    """Semitones into the last pitch of ``notes`` from the pitch before it (``join``); None with fewer than two."""
    pitched = [n for n in notes if n.pitch is not None]
    return join(pitched[-2:-1], pitched[-1:]) if len(pitched) >= 2 else None


def steps_home(notes: Sequence[Note]) -> bool:
    """Whether the last pitch of ``notes`` is reached by a 2nd (a semitone or a tone), as most tunes' finals are."""
    return last_step(notes) in (1, 2)


def join(before: Sequence[Note], after: Sequence[Note]) -> int:
    """Semitones from the last pitch of ``before`` to the first of ``after`` (at most ``WIDEST``; 0 without one)."""
    last = next((n.pitch for n in reversed(before) if n.pitch is not None), None)
    first = next((n.pitch for n in after if n.pitch is not None), None)
    return 0 if last is None or first is None else min(abs(first - last), WIDEST)


def build(path: Path | None = None) -> dict:
    """The file's content from the training tunes of ``data/corpus_notes.npz``."""
    from data.corpus_notes import DEFAULT_NOTES, read_notes
    from data.events import Meter
    from data.prepare import split_of

    corpus = read_notes(path or DEFAULT_NOTES)
    tunes = ((corpus.notes(t.index), int(corpus.offset[t.index]), Meter.parse(t.meter).bar_ticks)
             for t in corpus.tunes if split_of(t.ident) == "train")
    counts, joins, ends = count(tunes)
    return {"version": VERSION, "max_offset": MAX_OFFSET, "positions": POSITIONS, "counts": counts.tolist(),
            "joins": joins.tolist(), "ends": ends.tolist()}


def read_form(path: Path = DEFAULT_FORM) -> FormTable:
    data = json.loads(path.read_text())
    if data.get("version") != VERSION or data.get("max_offset") != MAX_OFFSET or data.get("positions") != POSITIONS:
        raise ValueError(f"{path} was built by another version: rebuild it with `python -m data.form build`.")
    return FormTable(*(np.asarray(data[name], np.int64) for name in ("counts", "joins", "ends")))


@functools.cache
def load_form() -> FormTable:
    """The committed table (read once per process)."""
    return read_form()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build",))
    parser.add_argument("--out", type=Path, default=DEFAULT_FORM)
    args = parser.parse_args()
    data = build()
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    counts = np.asarray(data["counts"])
    print(f"{counts.sum():,} bars counted -> {args.out}")
    for bar in range(2, 11):
        row = counts[bar].sum(0)
        print(f"bar {bar}: " + " ".join(f"{d} back {row[d] / row.sum():.0%}" for d in range(1, MAX_OFFSET + 1)
                                       if row[d] / row.sum() >= 0.02))


if __name__ == "__main__":
    main()
