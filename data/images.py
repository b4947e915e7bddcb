"""Words a listener can see, hear or touch: the images a lyric is made of ("window", "rain", "night").

    python -m data.images build     # maintainer only: needs Debian's wordnet-base (/usr/share/wordnet)

A word is an image when it is mostly a noun (its noun senses are tagged at least half as often in WordNet's sense-tagged
text as its adjective or verb senses; a plural always is) and its most frequent noun sense names a thing: an
animal, artifact, body part, event (a fire, a wave), food, place, natural object, person, natural phenomenon, plant,
substance or time of day and year (WordNet's lexicographer files). "window", "rainfall", "night", "mother" are
images; "sensation", "visual", "administrative", "condensed" are not. The lyric vocabulary's images are written
once into the committed ``data/images.txt.gz``, so nothing reads WordNet at run time. Licence: WordNet 3.0's
(``data/modern.LICENSE``).
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Iterable
from pathlib import Path

from data.associates import build_args, lemma_of, lyric_words
from data.pronounce import FUNCTION_WORDS
from data.spelling import WORDNET

DEFAULT_PATH = Path(__file__).parent / "images.txt.gz"
# noun.animal, artifact, body, event, food, location, object, person, phenomenon, plant, substance, time
CONCRETE = frozenset({5, 6, 8, 11, 13, 15, 17, 18, 19, 20, 27, 28})


def _index(folder: Path) -> dict[str, dict[str, tuple[int, int]]]:
    """Lemma -> part of speech -> (sense-tagged count, offset of its most frequent synset)."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        for row in (folder / f"index.{pos}").read_text(encoding="latin-1").splitlines():
            if row.startswith("  "):
                continue
            f = row.split()
            pointers = int(f[3])
            tagged = int(f[5 + pointers])
            out.setdefault(f[0], {})[pos] = (tagged, int(f[6 + pointers]))
    return out


def _lexfiles(folder: Path) -> dict[int, int]:
    """Noun synset offset -> its lexicographer file number."""
    rows = (folder / "data.noun").read_text(encoding="latin-1").splitlines()
    return {int(f[0]): int(f[1]) for f in (row.split(maxsplit=2) for row in rows if not row.startswith("  "))}


def is_image(word: str, index: dict[str, dict[str, tuple[int, int]]], lexfiles: dict[int, int]) -> bool:
    """Whether ``word`` (or the singular it is the plural of) is mostly a noun naming a thing (see the module). A verb's
    forms are not ("barking", "grounded": their stems are nouns), nor a word of two letters or a function word
    (WordNet's "at", "am", "br" are chemical elements)."""
    if (len(word) < 3 and word not in ("ox", "ax")) or word in FUNCTION_WORDS:
        return False
    lemma = lemma_of(word, index) if word.endswith("s") else None  # "hands", "day's"; not "barked"
    nouns = [w for w in (word, lemma) if w is not None and "noun" in index.get(w, {})]
    if not nouns:
        return False
    lemma = max(nouns, key=lambda w: index[w]["noun"][0])  # the more used: "hand" for hands, "physics" itself
    senses = index[lemma]
    tagged, first = senses["noun"]
    plural = lemma != word and word.endswith("s")
    mostly_noun = plural or all(2 * tagged >= other for pos, (other, _) in senses.items() if pos != "noun")
    return mostly_noun and lexfiles.get(first) in CONCRETE


def build(vocabulary: Iterable[str], folder: Path = WORDNET) -> bytes:
    """The gzipped list of the images among ``vocabulary`` (deterministic bytes)."""
    index, lexfiles = _index(folder), _lexfiles(folder)
    images = sorted({w for w in vocabulary if is_image(w, index, lexfiles)})
    return gzip.compress("".join(f"{w}\n" for w in images).encode("utf-8"), compresslevel=9, mtime=0)


@functools.lru_cache(maxsize=2)
def load_images(path: Path = DEFAULT_PATH) -> frozenset[str]:
    """The committed list (empty if the file is missing)."""
    if not path.exists():
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def main() -> None:
    args = build_args(__doc__, DEFAULT_PATH)
    data = build(lyric_words())
    args.out.write_bytes(data)
    print(f"{len(load_images(args.out))} images -> {args.out} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
