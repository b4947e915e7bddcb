"""A corpus tune's number in its printed book: players know O'Neill's tunes by it ("O'Neill's 1584"), and the
1850 collection has titles more than once ("The Brown Thorn" is nos. 31, 32 and 33: three settings).

The number is the ``X:`` field of the tune in music21's bundled ABC file (read as text, no music21 import): a
tune's ``ident`` is ``collection/file#index``, its place among the file's tunes as music21 read them. Where
music21 skipped or split a tune the places shift, so the number is taken only from a tune nearby whose title is
the tune's own.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

NUMBERED = frozenset({"oneills1850"})  # books whose numbers people cite
NEAR = 2  # how far from its index a tune's X: field is looked for
_TUNE = re.compile(r"^X:\s*(\d+)(.*?)(?=^X:|\Z)", re.M | re.S)
_TITLE = re.compile(r"^T:\s*(.*)$", re.M)


def _corpus() -> Path | None:
    spec = importlib.util.find_spec("music21")
    return Path(spec.origin).parent / "corpus" if spec and spec.origin else None


def _key(title: str) -> str:
    """A title to compare by: letters and digits, a trailing article moved to the front as music21 does
    ("Bashful Lover., The" is "The Bashful Lover.")."""
    moved = re.fullmatch(r"(.*?),\s*(the|an|a)\s*", title, re.I | re.S)
    return re.sub(r"[^a-z0-9]", "", (f"{moved[2]} {moved[1]}" if moved else title).lower())


@functools.lru_cache(maxsize=32)
def _file_tunes(collection: str, name: str) -> tuple[tuple[int, str], ...]:
    """(number, title key) of each tune in a corpus file, in order; () when the file is not there."""
    root = _corpus()
    path = root / collection / name if root else None
    if path is None or not path.is_file():
        return ()
    text = path.read_text(encoding="latin-1")
    out = []
    for match in _TUNE.finditer(text):
        title = _TITLE.search(match[2])
        out.append((int(match[1]), _key(title[1] if title else "")))
    return tuple(out)


def book_number(ident: str, title: str) -> int | None:
    """The tune's number in its book (``NUMBERED`` books only), or None when it can't be told for sure."""
    collection, _, rest = ident.partition("/")
    name, _, index = rest.partition("#")
    if collection not in NUMBERED or not index.isdigit():
        return None
    tunes, at, wanted = _file_tunes(collection, name), int(index), _key(title)
    for near in sorted(range(at - NEAR, at + NEAR + 1), key=lambda i: abs(i - at)):
        if 0 <= near < len(tunes) and tunes[near][1] == wanted:
            return tunes[near][0]
    return None


def cited(source_name: str, ident: str, title: str) -> str:
    """A tune's source as a player would cite it: "O'Neill's Music of Ireland (1850), no. 1584"."""
    number = book_number(ident, title)
    return f"{source_name}, no. {number}" if number else source_name
