"""The corpus as ready-to-continue tunes: a small committed index of every prepared tune, for `/inspire`.

    python -m data.tunes                       # data/cache/corpus.jsonl.gz -> data/tunes.json.gz
    python -m data.tunes --corpus small.jsonl.gz --out /tmp/tunes.json.gz

The prepared corpus (``python -m data.prepare``) is not committed; this index is (under 1 MB), so the bot works
on a fresh clone. Per tune it keeps the identity, source collection, cleaned title, style, mode and meter, the
opening (the first two full bars, at most 12 notes) as note text that `/melody` reads back, and the tokens of
the first eight bars (for taste features). The key to present a tune in follows from its mode (prepared tunes
are in C-space, so minor -> A minor, dorian -> D dorian) and its tempo from its style. The file is
deterministic: the same corpus gives the same bytes (gzip mtime 0).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from data.book_numbers import cited
from data.errors import MusicError
from data.events import BAR, DEFAULT_BPM, END, MODE_OFFSET, Key, Meter, Note, decode_notes
from data.notation import format_notes
from data.prepare import DEFAULT_CACHE, Tune, load_tunes

DEFAULT_INDEX = Path(__file__).parent / "tunes.json.gz"
VERSION = 1
FIELDS = ("ident", "source", "title", "style", "mode", "meter", "seed", "tokens")  # one list per tune, in order
OPENING_BARS, OPENING_NOTES = 2, 12
FEATURE_BARS = 8
SOURCE_NAMES = {
    "oneills1850": "O'Neill's Music of Ireland (1850)",
    "airdsAirs": "Aird's Airs",
    "ryansMammoth": "Ryan's Mammoth Collection",
    "essenFolksong": "Essen folk songs",
    "bach": "Bach chorales",
}
# A typical tempo (felt beats per minute) for each style: dance tunes move, airs and chorales less so.
STYLE_TEMPOS = {"irish": 120, "american": 120, "scottish": 100, "european": 100, "chorale": 80}
_C1_CONTROLS = re.compile("[\x80-\x9f]")


@dataclass(frozen=True)
class CorpusTune:
    """One indexed tune, ready to continue: ``seed`` is its opening as note text in ``key``."""

    index: int  # position in the index file
    ident: str
    source: str  # the music21 collection, e.g. "oneills1850"
    title: str
    style: str
    mode: str
    meter: str
    seed: str
    tokens: str  # its first ``FEATURE_BARS`` bars (from the first full bar), as space-separated tokens

    @property
    def source_name(self) -> str:
        return SOURCE_NAMES.get(self.source, self.source)

    @property
    def cited(self) -> str:
        """Its source as a player would cite it: "O'Neill's Music of Ireland (1850), no. 1584"."""
        return cited(self.source_name, self.ident, self.title)

    @property
    def key(self) -> str:
        """The key it is written in: the prepared tunes have C's key signature, so the mode's white-key tonic."""
        return str(Key(MODE_OFFSET[self.mode], self.mode))

    @property
    def tempo(self) -> int:
        return STYLE_TEMPOS.get(self.style, DEFAULT_BPM)

    @property
    def notes(self) -> list[Note]:
        """The notes of its first ``FEATURE_BARS`` bars (decoded on each call)."""
        return decode_notes(self.tokens.split())

    @property
    def params(self) -> dict:
        """``MelodyRequest`` keyword arguments that continue its opening."""
        return {"notes": self.seed, "key": self.key, "meter": self.meter, "tempo": self.tempo, "style": self.style,
                "temperature": 1.0, "bars": 8}

    @property
    def command(self) -> str:
        """The `/melody` command that does what its Continue button does."""
        p = self.params
        return (f"/melody notes:{p['notes']} key:{p['key']} meter:{p['meter']} tempo:{p['tempo']} "
                f"style:{p['style']} temperature:{p['temperature']} bars:{p['bars']}")


def untitled_stop(title: str) -> str:
    """A title without the full stop the printed books end it with ("Duncan Gray." -> "Duncan Gray"): the indexes
    were built before titles lost it, so they are read through this too."""
    return title.removesuffix(".") if title.endswith(".") and not title.endswith("..") else title


def clean_title(title: str, source: str, ident: str) -> str:
    """Readable titles: Essen's DOS umlauts decoded, stray quotes and commas dropped, chorales named by BWV."""
    # Some Essen files are DOS code page 437 read as Latin-1: "getr\x84umet" for "geträumet", "groá" for "groß"
    # (the Irish-language file has real "á" and is left alone).
    german_cp437 = source == "essenFolksong" and "á" in title and "/irl." not in ident
    if _C1_CONTROLS.search(title) or german_cp437:
        with contextlib.suppress(UnicodeError):  # not Latin-1 after all: keep it as it is
            title = title.encode("latin-1").decode("cp437")
    title = untitled_stop(" ".join(title.split()).rstrip(",;").strip().strip('"').strip())
    if source == "bach" and (not title or re.fullmatch(r"tune \d+", title)):
        match = re.search(r"bwv([\w.]+?)(?:\.mxl|\.xml|\.krn)?#", ident, re.I)
        return f"Chorale BWV {match[1]}" if match else "Bach chorale"
    return title or "Untitled"


def _bars(tokens: Sequence[str]) -> list[list[str]]:
    """Note tokens grouped by bar (control and end tokens dropped; a last, unfinished bar kept)."""
    bars: list[list[str]] = [[]]
    for tok in tokens:
        if tok == END:
            break
        if tok == BAR:
            bars.append([])
        elif ":" not in tok:
            bars[-1].append(tok)
    return [b for b in bars if b]


def _ticks(tokens: Iterable[str]) -> int:
    return sum(n.ticks for n in decode_notes(list(tokens)))


def entry(tune: Tune) -> list | None:
    """A tune's index row (``FIELDS`` order), or None when it has no usable opening.

    A pickup (a first bar shorter than a full bar) is left out: the model continues seeds from a downbeat.
    """
    controls = dict(tok.split(":", 1) for tok in tune.tokens if ":" in tok)
    try:
        meter = Meter.parse(controls.get("meter", ""))
        mode = controls.get("mode", "major")
        Key(MODE_OFFSET.get(mode, 0), mode)
    except MusicError:
        return None
    bars = _bars(tune.tokens)
    if len(bars) > 1 and _ticks(bars[0]) < meter.bar_ticks:
        bars = bars[1:]
    while len(bars) > 1 and all(n.pitch is None for n in decode_notes(bars[0])):
        bars = bars[1:]  # whole bars of rest before the tune starts
    opening = decode_notes([t for bar in bars[:OPENING_BARS] for t in bar])[:OPENING_NOTES]
    if not any(n.pitch is not None for n in opening):
        return None
    seed = format_notes(opening, meter.bar_ticks).removesuffix(f" {BAR}")
    tokens = f" {BAR} ".join(" ".join(bar) for bar in bars[:FEATURE_BARS])
    title = clean_title(tune.title, tune.source, tune.ident)
    return [tune.ident, tune.source, title, tune.style, mode, str(meter), seed, tokens]


def build(tunes: Iterable[Tune]) -> tuple[bytes, Counter]:
    """The gzipped index (deterministic bytes) and counts of what was kept and skipped."""
    rows, seen, counts = [], set(), Counter()
    for tune in tunes:
        row = None if tune.ident in seen else entry(tune)
        counts["kept" if row else "skipped"] += 1
        if row:
            seen.add(tune.ident)
            rows.append(row)
    data = json.dumps({"version": VERSION, "fields": FIELDS, "tunes": rows}, ensure_ascii=False,
                      separators=(",", ":"))
    return gzip.compress(data.encode(), compresslevel=9, mtime=0), counts


def read_index(path: Path) -> tuple[CorpusTune, ...]:
    """Read an index file (uncached: see ``load_index``)."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    if data.get("version") != VERSION or tuple(data.get("fields", ())) != FIELDS:
        raise ValueError(f"{path} was built by another version: rebuild it with `python -m data.tunes`.")
    return tuple(replace(CorpusTune(i, *row), title=untitled_stop(row[FIELDS.index("title")]))
                 for i, row in enumerate(data["tunes"]))


def load_index(path: Path = DEFAULT_INDEX) -> tuple[CorpusTune, ...]:
    """Every indexed tune, in file order (read once per file; the tuple is shared, so it is immutable)."""
    return _cached(Path(path).resolve())


@functools.lru_cache(maxsize=4)
def _cached(path: Path) -> tuple[CorpusTune, ...]:
    return read_index(path)


@functools.lru_cache(maxsize=4)
def _by_ident(path: Path) -> dict[str, CorpusTune]:
    return {t.ident: t for t in _cached(path)}


def find_tune(ident: str, path: Path = DEFAULT_INDEX) -> CorpusTune | None:
    """The indexed tune with this identity, if any."""
    return _by_ident(Path(path).resolve()).get(ident)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE, help="the prepared corpus (data.prepare)")
    parser.add_argument("--out", type=Path, default=DEFAULT_INDEX)
    args = parser.parse_args()
    start = time.perf_counter()
    data, counts = build(load_tunes(args.corpus))
    tmp = args.out.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(args.out)
    print(f"wrote {args.out}: {counts['kept']} tunes ({counts['skipped']} skipped), {len(data) / 1e6:.2f} MB, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
