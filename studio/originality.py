"""How much of a melody is already in the corpus: the longest passage it shares with a corpus tune, and the tunes
closest to it (`/similar`).

Notes are compared as steps: each note against the one before it, by its interval and by the ratio of the two
notes' lengths (a note lasts until the next one starts: a rest after it belongs to it). So a passage matches in any
key and at any tempo, and only with the same rhythm; only the last note's length is free (a phrase end held
longer, or a rest after it, is still the same passage). ``PhraseIndex`` is a suffix array over those steps for every
note of every corpus tune (``data/corpus_notes.npz``), built once per process with numpy when first needed
(``phrase_index()``, ~1-2 s; call it off the event loop). A lookup is a vectorised binary search: the longest match
starting at each note of a melody, in ~1-3 ms.

A melody's own seed never counts against it: ``longest_shared(notes, seed_len)`` looks only at the notes after the
seed, so a passage that runs from the seed into the continuation counts its continuation notes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from data.corpus_notes import DEFAULT_NOTES, CorpusNotes, TuneInfo, read_notes
from data.errors import MusicError, cmd
from data.events import MODE_OFFSET, Key, Melody, Meter, Note
from data.notation import format_notes

__all__ = ["COPY_NOTES", "MIN_SHARED", "NAME_NOTES", "PhraseIndex", "Shared", "Similar", "TuneInfo",
           "longest_shared", "phrase_index", "similar_tunes"]

COPY_NOTES = 12  # a candidate sharing this many notes in a row (with rhythm) with a corpus tune is a copy
NAME_NOTES = 8  # from this many shared notes the originality line names the tune
MIN_SHARED = 6  # /similar counts runs of at least this many notes
WINDOW = 128  # steps compared at once: the suffix array is sorted this deep (longer matches are extended)
COMMON = 4000  # /similar skips a run of MIN_SHARED notes found in more places than this (a scale, repeated notes)
SCORE_HELP = ("Score: the share of your notes that lie in runs of 6 or more notes the tune also has, with the same "
              "intervals and rhythm in any key and at any tempo. The tune's run is moved to your pitch.")
_UNKNOWN, _PAD = -2, -3  # a step no corpus tune has; past the end of a melody


def _raw_steps(pitch: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Each note after the first against the one before it, as one int64: interval, then the ratio of their
    lengths as a reduced fraction (exact: 3:2 and 6:4 are the same step)."""
    interval = np.clip(np.diff(pitch.astype(np.int64)), -127, 127) + 128
    num, den = length[1:].astype(np.int64), length[:-1].astype(np.int64)
    common = np.gcd(num, den)
    num, den = np.minimum(num // common, 4095), np.minimum(den // common, 4095)
    return (interval << 24) | (num << 12) | den


def _sounding(notes: Sequence[Note]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pitched notes' positions in ``notes``, pitches and lengths up to the next pitched note (the last one:
    to the end)."""
    ticks = np.fromiter((n.ticks for n in notes), np.int64, len(notes))
    pitched = np.fromiter((n.pitch is not None for n in notes), bool, len(notes))
    where = np.flatnonzero(pitched)
    onsets = np.concatenate([[0], np.cumsum(ticks)])
    pitch = np.fromiter((notes[i].pitch for i in where), np.int64, len(where))  # type: ignore[misc]
    length = np.diff(np.concatenate([onsets[where], onsets[-1:]])) if len(where) else np.zeros(0, np.int64)
    return where, pitch, length


@dataclass(frozen=True)
class Shared:
    """The longest passage a melody shares with a corpus tune: ``notes`` long, starting at note ``start`` of the
    melody and note ``tune_start`` of ``tune`` (None when no two notes in a row match)."""

    notes: int
    tune: TuneInfo | None = None
    start: int = 0
    tune_start: int = 0

    @property
    def copied(self) -> bool:
        return self.notes >= COPY_NOTES

    @property
    def named(self) -> str:
        """The tune as people know it: “Lady Day” (O'Neill's Music of Ireland (1850), no. 1584)."""
        return f"“{self.tune.title}” ({self.tune.cited})" if self.tune else "a corpus tune"

    @property
    def line(self) -> str:
        """One line about it: the tune is named from ``NAME_NOTES`` notes."""
        if self.tune is not None and self.notes >= NAME_NOTES:
            return f"shares {self.notes} notes with {self.named}"
        return f"longest passage shared with a corpus tune: {self.notes} note{'' if self.notes == 1 else 's'}"


@dataclass(frozen=True)
class Similar:
    """A corpus tune close to a melody: its score (0-1, see ``SCORE_HELP``), the longest run both have, and that
    run as notes on both sides (``mine`` in the melody's key, ``theirs`` moved from the corpus's C to start on
    ``mine``'s first pitch, so the two read alike: the corpus keeps no tune's own key), each
    with where it starts: its first note's index and onset in ticks from the first bar line (a pickup's bar
    counts as bar 1)."""

    tune: TuneInfo
    score: float
    longest: int
    mine: Melody
    theirs: Melody
    mine_at: int
    theirs_at: int
    mine_onset: int
    theirs_onset: int

    @property
    def mine_text(self) -> str:
        bar = self.mine.meter.bar_ticks
        return format_notes(self.mine.notes, bar, self.mine_onset % bar, self.mine.key)

    @property
    def theirs_text(self) -> str:
        bar = self.theirs.meter.bar_ticks
        return format_notes(self.theirs.notes, bar, self.theirs_onset % bar, self.theirs.key)


class PhraseIndex:
    """Every corpus tune's steps in one array (a unique separator before each tune) and its suffix array."""

    def __init__(self, corpus: CorpusNotes) -> None:
        self.corpus = corpus
        starts = corpus.starts
        tune_of_note = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        where = np.flatnonzero(corpus.pitch > 0)  # pitched notes, in corpus order
        onsets = np.concatenate([[0], np.cumsum(corpus.ticks, dtype=np.int64)])
        tune = tune_of_note[where]
        first = np.concatenate([[True], tune[1:] != tune[:-1]])  # a tune's first pitched note
        after = np.concatenate([onsets[where[1:]], [0]])  # the next pitched note's onset, or its tune's end
        last = np.concatenate([first[1:], [True]])  # a tune's last pitched note
        after[last] = onsets[starts[tune[last] + 1]]
        length = after - onsets[where]
        raw = _raw_steps(corpus.pitch[where], length)  # step i: pitched note i against i - 1
        real = ~first[1:]
        self.vocab = np.unique(raw[real])
        steps = np.empty(len(where) + WINDOW, np.int64)  # step j is pitched note j against j - 1
        steps[1:len(where)][real] = np.searchsorted(self.vocab, raw[real])
        steps[np.flatnonzero(first)] = len(self.vocab) + tune[first]  # each tune opens with its own separator
        steps[len(where):] = len(self.vocab) + len(starts)  # padding past the end
        suffixes = _suffix_array(steps[:len(where)], WINDOW)
        self.suffixes = suffixes[~first[suffixes]].astype(np.int32)  # only suffixes that start with a real step
        self.steps = steps.astype(np.int32)
        self.where, self.tune_of = where.astype(np.int32), tune.astype(np.int32)  # pitched note -> corpus note, tune

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.vocab, self.steps, self.where, self.tune_of, self.suffixes))

    def query_steps(self, notes: Sequence[Note]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A melody's steps as index symbols (``_UNKNOWN`` where no corpus tune has that step), the positions of
        its pitched notes in ``notes`` and each step's interval (as ``_raw_steps`` codes it)."""
        where, pitch, length = _sounding(notes)
        if len(where) < 2:
            return np.zeros(0, np.int64), where, np.zeros(0, np.int64)
        raw = _raw_steps(pitch, length)
        found = np.minimum(np.searchsorted(self.vocab, raw), len(self.vocab) - 1)
        return np.where(self.vocab[found] == raw, found, _UNKNOWN), where, raw >> 24

    def _windows(self, steps: np.ndarray, width: int) -> np.ndarray:
        """Row i: the melody's steps from i on, ``width`` of them (padded past its end)."""
        padded = np.concatenate([steps, np.full(width, _PAD, np.int64)])
        return np.lib.stride_tricks.sliding_window_view(padded, width)[: len(steps)]

    def _rows(self, at: np.ndarray, width: int) -> np.ndarray:
        return self.steps[self.suffixes[at][:, None] + np.arange(width)]

    def _bound(self, queries: np.ndarray, upper: bool = False) -> np.ndarray:
        """Per query row: the first suffix not below it (``upper``: the first above it), comparing as many steps
        as the rows have."""
        n = len(self.suffixes)
        lo, hi = np.zeros(len(queries), np.int64), np.full(len(queries), n, np.int64)
        rows = np.arange(len(queries))
        while (active := lo < hi).any():
            mid = np.minimum((lo + hi) // 2, n - 1)
            cand = self._rows(mid, queries.shape[1])
            differ = cand != queries
            first = differ.argmax(axis=1)
            below = differ[rows, first] & (cand[rows, first] < queries[rows, first])
            if upper:
                below |= ~differ.any(axis=1)
            lo = np.where(active & below, mid + 1, lo)
            hi = np.where(active & ~below, mid, hi)
        return lo

    def _match(self, steps: np.ndarray, at: np.ndarray, offset: int = 0) -> np.ndarray:
        """How many steps the melody (from ``offset``) and each corpus position ``at`` share, from there on."""
        remaining = len(steps) - offset
        stop = np.zeros(len(at), np.int64)
        for chunk in range(0, remaining, WINDOW):
            width = min(WINDOW, remaining - chunk)
            ahead = self.steps[np.minimum(at[:, None] + chunk + np.arange(width), len(self.steps) - 1)]
            equal = ahead == steps[offset + chunk: offset + chunk + width]
            run = np.where(equal.all(axis=1), width, (~equal).argmax(axis=1))
            stop += np.where(stop == chunk, run, 0)
        return stop

    def longest(self, notes: Sequence[Note]) -> Shared:
        """The longest passage of ``notes`` that a corpus tune has too (indices into ``notes``)."""
        steps, where, intervals = self.query_steps(notes)
        if len(steps) == 0:
            return Shared(min(len(where), 1))
        width = min(WINDOW, len(steps))
        queries = self._windows(steps, width)
        spot = self._bound(queries)
        best_len = np.zeros(len(steps), np.int64)
        best_at = np.zeros(len(steps), np.int64)
        for side in (spot - 1, spot):
            ok = (side >= 0) & (side < len(self.suffixes))
            at = self.suffixes[np.clip(side, 0, len(self.suffixes) - 1)]
            differ = self.steps[at[:, None] + np.arange(width)] != queries
            shared = np.where(ok, np.where(differ.any(axis=1), differ.argmax(axis=1), width), 0)
            better = shared > best_len
            best_len, best_at = np.where(better, shared, best_len), np.where(better, at, best_at)
        for start in np.flatnonzero(best_len == width):  # as deep as the sort goes: compare the rest directly
            best_len[start] = self._match(steps, best_at[start:start + 1], int(start))[0]
        top = best_len.max()  # the last note of a passage may be longer or shorter (a phrase end held, a rest after)
        ends = np.flatnonzero((best_len >= top - 1) & (best_len < WINDOW) & (np.arange(len(steps)) + best_len
                                                                              < len(steps)))
        if len(ends):
            found, at = self._last_note(steps, intervals, ends, best_len[ends])
            best_len[ends[found]] += 1
            best_at[ends[found]] = at[found]
        start = int(best_len.argmax())
        length, at = int(best_len[start]), int(best_at[start])
        if length == 0:
            return Shared(1)
        tune = int(self.tune_of[at])
        return Shared(length + 1, self.corpus.tunes[tune], int(where[start]),
                      int(self.where[at - 1] - self.corpus.starts[tune]))

    def _last_note(self, steps: np.ndarray, intervals: np.ndarray, starts: np.ndarray,
                   lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For matches of ``lengths`` steps from ``starts``: whether some corpus passage with those steps goes on
        by the melody's next interval (in any rhythm: the last note's length is free), and where one starts.

        Step ids are sorted by interval first, so the steps with one interval are a run of ids (``lo`` to ``hi``)
        and the suffixes that continue the match by it lie between two lower bounds."""
        width = int(lengths.max()) + 1
        cols = np.arange(width)
        rows = np.where(cols < lengths[:, None], steps[np.minimum(starts[:, None] + cols, len(steps) - 1)], _PAD)
        nxt = intervals[starts + lengths]
        lo = rows.copy()
        lo[np.arange(len(starts)), lengths] = np.searchsorted(self.vocab, nxt << 24)
        hi = rows
        hi[np.arange(len(starts)), lengths] = np.searchsorted(self.vocab, (nxt + 1) << 24)
        first, after = self._bound(lo), self._bound(hi)
        return first < after, self.suffixes[np.minimum(first, len(self.suffixes) - 1)]

    def similar(self, melody: Melody, count: int = 5) -> list[Similar]:
        """The ``count`` corpus tunes that share the most of ``melody`` in runs of ``MIN_SHARED`` notes or more."""
        steps, where, _ = self.query_steps(melody.notes)
        gram = MIN_SHARED - 1  # steps in a run of MIN_SHARED notes
        if len(steps) < gram:
            return []
        queries = self._windows(steps, gram)[: len(steps) - gram + 1]
        lo, hi = self._bound(queries), self._bound(queries, upper=True)
        sizes = np.where(hi - lo <= COMMON, hi - lo, 0)
        if not sizes.sum():
            return []
        q = np.repeat(np.arange(len(queries)), sizes)
        at = self.suffixes[np.repeat(lo, sizes) + np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)]
        tune = self.tune_of[at]
        # Coverage: the melody's pitched notes inside a shared run, per tune.
        covered = np.unique(tune[:, None] * len(where) + q[:, None] + np.arange(gram + 1))
        tunes, notes_covered = np.unique(covered // len(where), return_counts=True)
        # Longest run per tune: hits on one diagonal (corpus position - melody position) at consecutive positions.
        order = np.lexsort((q, at - q, tune))
        q, at, tune = q[order], at[order], tune[order]
        fresh = np.concatenate([[True], (tune[1:] != tune[:-1]) | (at[1:] - q[1:] != at[:-1] - q[:-1])
                                | (q[1:] != q[:-1] + 1)])
        run_id = np.cumsum(fresh) - 1
        run_len = np.bincount(run_id)
        run_start = np.flatnonzero(fresh)
        best: dict[int, tuple[int, int, int]] = {}
        for r in np.argsort(-run_len, kind="stable"):
            t = int(tune[run_start[r]])
            if t not in best:
                best[t] = (int(run_len[r]) + gram - 1, int(q[run_start[r]]), int(at[run_start[r]]))
        ranked = sorted(zip(tunes.tolist(), notes_covered.tolist(), strict=True),
                        key=lambda tc: (-tc[1], -best[tc[0]][0], tc[0]))
        shown: list[tuple[int, int]] = []
        seen: set[object] = set()  # O'Neill's has some tunes in two transcriptions: list each number once
        for t, c in ranked:
            info = self.corpus.tunes[t]
            tune = (info.source, info.number) if info.number else t
            if tune not in seen:
                seen.add(tune)
                shown.append((t, c))
            if len(shown) == count:
                break
        return [self._similar(melody, where, t, c / len(where), *best[t]) for t, c in shown]

    def _similar(self, melody: Melody, where: np.ndarray, t: int, score: float, steps: int, q: int,
                 at: int) -> Similar:
        """One tune's entry: the run of ``steps + 1`` notes starting at the melody's pitched note ``q`` and the
        corpus step ``at`` (pitched note ``at - 1``), as notes on both sides."""
        info = self.corpus.tunes[t]
        tune_notes = self.corpus.notes(t)
        base = int(self.corpus.starts[t])
        a, b = int(self.where[at - 1]) - base, int(self.where[at - 1 + steps]) - base
        x, y = int(where[q]), int(where[q + steps])
        meter = Meter.parse(info.meter)
        before = sum(n.ticks for n in tune_notes[:a]) + int(self.corpus.offset[t])
        mine_before = sum(n.ticks for n in melody.notes[:x])
        mine = Melody(tuple(melody.notes[x:y + 1]), melody.key, melody.meter, melody.tempo)
        shift = int(melody.notes[x].pitch) - int(tune_notes[a].pitch)  # type: ignore[arg-type]  # onto your pitch
        moved = tuple(n if n.pitch is None else Note(n.pitch + shift, n.ticks) for n in tune_notes[a:b + 1])
        theirs = Melody(moved, Key((MODE_OFFSET[info.mode] + shift) % 12, info.mode), meter, melody.tempo)
        return Similar(info, score, steps + 1, mine, theirs, x, a, mine_before, before)


def _suffix_array(steps: np.ndarray, depth: int) -> np.ndarray:
    """Positions of ``steps`` sorted by the ``depth`` steps from each (prefix doubling: a few numpy sorts)."""
    n = len(steps)
    padded = np.concatenate([steps, np.full(4, -1, np.int64)]) + 1
    assert padded.max() < 1 << 16, "too many distinct steps and tunes to pack four in 64 bits"
    packed = (padded[:n] << 48) | (padded[1:n + 1] << 32) | (padded[2:n + 2] << 16) | padded[3:n + 3]
    order = np.argsort(packed)
    sorted_keys = packed[order]
    rank = np.empty(n, np.int64)
    rank[order] = np.cumsum(np.concatenate([[0], sorted_keys[1:] != sorted_keys[:-1]]))
    k = 4
    while k < depth and rank.max() < n - 1:
        ahead = np.concatenate([rank[k:] + 1, np.zeros(k, np.int64)])
        keys = rank * (n + 1) + ahead
        order = np.argsort(keys)
        sorted_keys = keys[order]
        rank[order] = np.cumsum(np.concatenate([[0], sorted_keys[1:] != sorted_keys[:-1]]))
        k *= 2
    return order


_lock = threading.Lock()
_indexes: dict[Path, PhraseIndex] = {}


def phrase_index(path: Path = DEFAULT_NOTES) -> PhraseIndex:
    """The index of a corpus notes file, built once per process (~1-2 s and ~30 MB: call it off the event loop;
    threads asking at the same time wait for the one build)."""
    path = Path(path).resolve()
    with _lock:
        if path not in _indexes:
            _indexes[path] = PhraseIndex(read_notes(path))
        return _indexes[path]


def longest_shared(notes: Sequence[Note], seed_len: int = 0, index: PhraseIndex | None = None,
                   own: Sequence[tuple[int, int]] = ()) -> Shared:
    """The longest passage of the notes after the seed (the first ``seed_len``) that a corpus tune has too, with
    its position counted in ``notes``: the user's own seed never counts against a melody, nor do the spans
    ``own`` (``(start, end)`` in ``notes``: bars that restate the seed, see ``data.form.restated_seed``)."""
    index = index or phrase_index()
    best, start = Shared(0), seed_len
    for a, b in [*sorted(own), (len(notes), len(notes))]:
        if a > start:
            found = index.longest(notes[start:a])
            if found.notes > best.notes:
                best = replace(found, start=found.start + start)
        start = max(start, b)
    return best


def similar_tunes(melody: Melody, count: int = 5, index: PhraseIndex | None = None) -> list[Similar]:
    """The corpus tunes closest to ``melody`` (best first; see ``SCORE_HELP``)."""
    return (index or phrase_index()).similar(melody, count)


def check_similar_length(melody: Melody) -> None:
    """A MusicError for a melody too short to share a passage: the shortest one counted is ``MIN_SHARED`` notes
    (`/similar notes:C` said "no tune shares a run of 6 notes with it: it's all yours")."""
    pitched = sum(n.pitch is not None for n in melody.notes)
    if pitched < MIN_SHARED:
        raise MusicError(f"Give me at least {MIN_SHARED} notes (you gave {pitched}): a shared passage is a run of "
                         f"{MIN_SHARED} or more, e.g. {cmd('similar', notes='G:e A B D:q B:e D E:q')}.", "notes",
                         "G:e A B D:q B:e D E:q")
