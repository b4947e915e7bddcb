"""Modern English lines for the lyric model: the example sentences quoted in WordNet 3.0's glosses.

    python -m data.modern build     # maintainer only: needs Debian's wordnet-base (/usr/share/wordnet)
    python -m data.modern stats     # what the committed file holds

The verse in ``data/verse.txt.gz`` is mostly Milton; these 44k short sentences ("the rain was heavy", "she
walked home alone") teach the model plain present-day syntax. They are written into ``data/modern.txt.gz`` in
the verse file's format (``author<TAB>poem<TAB>stanza<TAB>text``) so the same reader, split and trainer use
them: the "poem" is WordNet's lexicographer file (noun.weather, verb.motion, ...) and a "stanza" is up to four
consecutive examples of that file, which sit near each other in meaning, so line follows line on one subject.

Licence (WordNet 3.0, Princeton University; kept with the data as it requires): "Permission to use, copy,
modify and distribute this software and database and its documentation for any purpose and without fee or
royalty is hereby granted, provided that you agree to comply with the following copyright notice and
statements, including the disclaimer, and that the same appear on ALL copies of the software, database and
documentation, including modifications that you make for internal use or for distribution. WordNet 3.0
Copyright 2006 by Princeton University. All rights reserved." The disclaimer is in ``data/modern.LICENSE``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from data.spelling import WORDNET
from data.verse import DEFAULT_PATH as VERSE_PATH
from data.verse import VerseLine, encode_lines, load_verse, read_verse, stanzas

DEFAULT_PATH = Path(__file__).parent / "modern.txt.gz"
AUTHOR = "wordnet"
STANZA_LINES = 4
MIN_WORDS, MAX_WORDS = 3, 12  # a lyric line's length; longer examples are definitions' prose
_POS = {"noun": 0, "verb": 1, "adj": 2, "adv": 3}
_QUOTE = re.compile(r'"([^"]+)"')


def lyric_lines(split: str | None = None) -> tuple[VerseLine, ...]:
    """Everything the lyric model learns from: the verse, then these modern lines (one split or all)."""
    return load_verse(VERSE_PATH, split) + load_verse(DEFAULT_PATH, split)


def examples(folder: Path = WORDNET) -> list[tuple[int, str]]:
    """(lexicographer file id, example sentence) in WordNet's data-file order, duplicates dropped."""
    seen: set[str] = set()
    out = []
    for pos, base in _POS.items():
        for row in (folder / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if row.startswith("  "):  # the licence header
                continue
            lexfile = int(row.split(" ", 2)[1])
            for text in _QUOTE.findall(row.partition("|")[2]):
                text = " ".join(text.split()).strip(" ;,")
                key = text.lower()
                if key in seen or not MIN_WORDS <= len(text.split()) <= MAX_WORDS or re.search(r"\d", text):
                    continue
                seen.add(key)
                out.append((base * 100 + lexfile, text))
    return out


def as_lines(rows: list[tuple[int, str]]) -> list[VerseLine]:
    """Consecutive examples of one lexicographer file, up to ``STANZA_LINES`` to a stanza."""
    out: list[VerseLine] = []
    count: dict[int, int] = {}
    for poem, text in rows:
        n = count.get(poem, 0)
        count[poem] = n + 1
        out.append(VerseLine(AUTHOR, poem, n // STANZA_LINES, text))
    return out


def build(folder: Path = WORDNET) -> bytes:
    """The gzipped line file (deterministic bytes: gzip mtime 0)."""
    return encode_lines(as_lines(examples(folder)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build", "stats"))
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    if args.command == "build":
        data = build()
        args.path.write_bytes(data)
        print(f"wrote {args.path} ({len(data):,} bytes)")
    lines = read_verse(args.path)
    splits = {s: sum(v.split == s for v in lines) for s in ("train", "valid", "test")}
    words = sum(len(v.text.split()) for v in lines)
    print(f"{len(lines):,} lines, {len(stanzas(lines)):,} stanzas, {words:,} words; {splits}")


if __name__ == "__main__":
    main()
