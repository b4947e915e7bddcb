"""Every corpus tune's whole melody, compact and committed: what originality checks and `/similar` compare with.

    python -m data.corpus_notes                     # data/cache/corpus.jsonl.gz -> data/corpus_notes.npz
    python -m data.corpus_notes --corpus small.jsonl.gz --out /tmp/notes.npz

The prepared corpus (``python -m data.prepare``) is not committed and ``data/tunes.json.gz`` keeps only each tune's
opening; this file keeps every note of every tune (~1.3 MB), so a fresh clone can tell how much of a melody is
already in the corpus. Per note: its pitch (0 for a rest; the tunes are in C-space, as prepared) and its length
in ticks; per tune: where its notes start, the tick in the bar its first note starts on, and its identity, source
collection, cleaned title, style, mode and meter, exactly as ``data.tunes`` has them (the same tune has the same
``ident`` and title in `/inspire`). A plain ``.npz`` (``numpy.load`` reads it) written with fixed zip timestamps:
the same corpus gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from data.book_numbers import book_number, cited
from data.events import BAR, END, MODE_OFFSET, Meter, Note, decode_notes
from data.prepare import DEFAULT_CACHE, Tune, load_tunes
from data.tunes import SOURCE_NAMES, clean_title, untitled_stop

DEFAULT_NOTES = Path(__file__).parent / "corpus_notes.npz"
VERSION = 1
FIELDS = ("ident", "source", "title", "style", "mode", "meter")  # per tune, in order, in the JSON member "tunes"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class TuneInfo:
    """Who a corpus tune is: ``index`` is its position in the file."""

    index: int
    ident: str
    source: str
    title: str
    style: str
    mode: str
    meter: str

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    @property
    def number(self) -> int | None:
        """Its number in its printed book, where players cite one (``data.book_numbers``)."""
        return book_number(self.ident, self.title)

    @property
    def cited(self) -> str:
        return cited(self.source_name, self.ident, self.title)


@dataclass(frozen=True)
class CorpusNotes:
    """The file's arrays: tune ``t``'s notes are ``pitch[starts[t]:starts[t + 1]]`` (0: rest) with ``ticks``."""

    pitch: np.ndarray  # uint8, per note
    ticks: np.ndarray  # uint8, per note
    starts: np.ndarray  # int64, per tune and one more
    offset: np.ndarray  # uint8, per tune: the tick in its bar its first note starts on (a pickup's place)
    tunes: tuple[TuneInfo, ...]

    def notes(self, tune: int) -> list[Note]:
        a, b = int(self.starts[tune]), int(self.starts[tune + 1])
        return [Note(int(p) or None, int(t)) for p, t in zip(self.pitch[a:b], self.ticks[a:b], strict=True)]


def _offset(tokens: tuple[str, ...], meter: Meter) -> int:
    """The tick in the bar where the tune's first note starts: a pickup fills the bar's end before the first bar
    line (as ``data.prepare`` encoded it); 0 when the first bar line does not tell."""
    ticks = 0
    for tok in tokens:
        if tok in (BAR, END):
            break
        if tok.startswith("d") and tok[1:].isdigit():
            ticks += int(tok[1:])
    return (meter.bar_ticks - ticks) % meter.bar_ticks if 0 < ticks <= meter.bar_ticks else 0


def row(tune: Tune) -> tuple[list, list[Note], int] | None:
    """A tune's metadata row (``FIELDS`` order), its notes and first-note offset; None for a tune without a
    meter or mode the project reads, or with fewer than two notes."""
    controls = dict(tok.split(":", 1) for tok in tune.tokens if ":" in tok)
    mode = controls.get("mode", "major")
    try:
        meter = Meter.parse(controls.get("meter", ""))
    except ValueError:
        return None
    if mode not in MODE_OFFSET:
        return None
    notes = decode_notes(list(tune.tokens))
    if sum(n.pitch is not None for n in notes) < 2 or any(not 0 < n.ticks < 256 for n in notes):
        return None
    title = clean_title(tune.title, tune.source, tune.ident)
    return [tune.ident, tune.source, title, tune.style, mode, str(meter)], notes, _offset(tune.tokens, meter)


def build(tunes: Iterable[Tune]) -> tuple[bytes, dict[str, int]]:
    """The file's bytes (deterministic) and counts of tunes kept and skipped and of notes."""
    rows, pitch, ticks, starts, offsets, seen = [], [], [], [0], [], set()
    skipped = 0
    for tune in tunes:
        found = None if tune.ident in seen else row(tune)
        if found is None:
            skipped += 1
            continue
        seen.add(tune.ident)
        meta, notes, offset = found
        rows.append(meta)
        pitch += [n.pitch or 0 for n in notes]
        ticks += [n.ticks for n in notes]
        starts.append(len(pitch))
        offsets.append(offset)
    arrays = {
        "pitch": np.asarray(pitch, np.uint8), "ticks": np.asarray(ticks, np.uint8),
        "starts": np.asarray(starts, np.int32), "offset": np.asarray(offsets, np.uint8),
        "meta": np.frombuffer(json.dumps({"version": VERSION, "fields": FIELDS, "tunes": rows}, ensure_ascii=False,
                                         separators=(",", ":")).encode(), np.uint8),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue(), {"kept": len(rows), "skipped": skipped, "notes": len(pitch)}


def read_notes(path: Path = DEFAULT_NOTES) -> CorpusNotes:
    """Read the file (uncached: ``studio.originality`` keeps the one it loads)."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data["meta"].tobytes())
        if meta.get("version") != VERSION or tuple(meta.get("fields", ())) != FIELDS:
            raise ValueError(f"{path} was built by another version: rebuild it with `python -m data.corpus_notes`.")
        tunes = tuple(replace(TuneInfo(i, *r), title=untitled_stop(r[FIELDS.index("title")]))
                      for i, r in enumerate(meta["tunes"]))
        return CorpusNotes(data["pitch"], data["ticks"], data["starts"].astype(np.int64), data["offset"], tunes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE, help="the prepared corpus (data.prepare)")
    parser.add_argument("--out", type=Path, default=DEFAULT_NOTES)
    args = parser.parse_args()
    start = time.perf_counter()
    data, counts = build(load_tunes(args.corpus))
    tmp = args.out.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(args.out)
    print(f"wrote {args.out}: {counts['kept']} tunes ({counts['skipped']} skipped), {counts['notes']} notes, "
          f"{len(data) / 1e6:.2f} MB, {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
