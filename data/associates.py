"""Words that belong with a word, from WordNet 3.0's meanings: what a lyric on a theme may talk about.

    python -m data.associates build     # maintainer only: needs Debian's wordnet-base (/usr/share/wordnet)

The lyric model's own embedding neighbours of a theme are words of the same syntactic slot ("the city lights" ->
sky, pond, sea, river), not of the same subject. WordNet relates words by meaning: for each of a word's first
senses, the other words of that sense, the content words of its definition and examples, and the words of the
senses it points to (kinds of, parts of, similar to, derived from). "clock" -> timepiece, time, hour, hands,
pendulum, alarm, ...; "rain" -> water, drops, wet, storm, ... Each vocabulary word's best associates are
written once into the committed ``data/associates.txt.gz`` (``word<TAB>assoc assoc ...``), so nothing reads
WordNet at run time. Licence: WordNet 3.0's, as for ``data/modern.txt.gz`` (``data/modern.LICENSE``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from data.pronounce import FUNCTION_WORDS
from data.spelling import WORDNET

DEFAULT_PATH = Path(__file__).parent / "associates.txt.gz"
POS = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
SENSE_WEIGHTS = (1.0, 0.25, 0.1)  # a word's first senses only (WordNet orders them by frequency in tagged text)
# a theme word is mostly a thing ("spring", "stars"): its noun senses count more than its verb senses, unless it
# is written as a verb form ("leaving", "broken")
POS_WEIGHTS = {"noun": 1.0, "adj": 0.8, "verb": 0.4, "adv": 0.4}
VERB_FORM_WEIGHTS = {"noun": 0.4, "adj": 0.8, "verb": 1.0, "adv": 0.4}
PLURAL_WEIGHTS = {"noun": 1.0, "adj": 0.0, "verb": 0.4, "adv": 0.0}  # "lights" is never the adjective "light"
PER_WORD = 24
MIN_SCORE = 0.5  # a rare word of the main sense's gloss passes; a common one, or a synonym of a minor sense, does not
# relations followed: hypernym, hyponym, meronyms/holonyms, similar to, also see, attribute, derivation, pertainym
_RELATIONS_TEXT = "@ @i ~ ~i %m %s %p #m #s #p & ^ = + \\"
RELATIONS = frozenset(_RELATIONS_TEXT.split())
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_STOP_TEXT = """this that these those some any one ones something someone which who what when
where how very more most less such other another used especially usually often being having etc e g made make
makes kind form part type way thing things person people include includes including several certain generally
various also typically"""
_STOP = FUNCTION_WORDS | frozenset(_STOP_TEXT.split())

Key = tuple[str, int]  # (data file, byte offset)
Sense = tuple[Key, int]  # a synset and the sense's rank for the lemma in its part of speech


def _synsets(folder: Path) -> dict[Key, tuple[list[str], list[Key], str]]:
    """Every synset: its words, the synsets its followed relations point to, its gloss (definition and examples)."""
    out = {}
    for name in sorted(set(POS.values())):
        for row in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if row.startswith("  "):
                continue
            head, _, gloss = row.partition(" | ")
            f = head.split()
            count = int(f[3], 16)
            words = [f[4 + 2 * i].lower() for i in range(count)]
            at = 4 + 2 * count
            pointers = []
            for i in range(int(f[at])):
                symbol, offset, pos = f[at + 1 + 4 * i : at + 4 + 4 * i]
                if symbol in RELATIONS:
                    pointers.append((POS[pos], int(offset)))
            out[name, int(f[0])] = (words, pointers, gloss)
    return out


def _index(folder: Path) -> dict[str, list[Sense]]:
    """Lemma -> its senses' synsets, most frequent first, across parts of speech (nouns, verbs, adjectives...)."""
    out: dict[str, list[Sense]] = {}
    for name in ("noun", "verb", "adj", "adv"):
        for row in (folder / f"index.{name}").read_text(encoding="latin-1").splitlines():
            if row.startswith("  "):
                continue
            f = row.split()
            offsets = f[-int(f[2]) :]
            out.setdefault(f[0], []).extend(((name, int(o)), r) for r, o in enumerate(offsets[: len(SENSE_WEIGHTS)]))
    return out


def _content(text: str) -> list[str]:
    """Content words of a gloss (no contractions: "doesn't" and "i'll" come from the examples' grammar)."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2 and "'" not in w]


def lemma_of(word: str, index: dict) -> str | None:
    """The WordNet lemma of an inflected word by regular endings ("hands" -> hand, "flying" -> fly); a plural
    goes to its singular even where WordNet lists the plural too ("hands" is also "custody")."""
    if word.endswith("s") and not word.endswith("ss") and word[:-1] in index:
        return word[:-1]
    if word in index:
        return word
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"), ("ing", ""),
                         ("ing", "e"), ("'s", "")):
        if word.endswith(suffix) and (stem := word[: -len(suffix)] + repl) in index:
            return stem
    return None


def gloss_weights(synsets: dict) -> dict[str, float]:
    """Inverse document frequency of each gloss word over all synsets, scaled to 0..1: "large", "several" and
    "include" define thousands of things and say little about any one of them."""
    df = Counter(w for _, _, gloss in synsets.values() for w in set(_content(gloss)))
    top = math.log(len(synsets))
    return {w: math.log(len(synsets) / n) / top for w, n in df.items()}


def associates_of(word: str, index: dict[str, list[Sense]], synsets: dict, vocabulary: set[str],
                  idf: dict[str, float], count: int = PER_WORD) -> list[str]:
    """The vocabulary words most often tied to ``word``'s first senses (its own forms left out), best first."""
    lemma = lemma_of(word, index)
    if lemma is None:
        return []
    scores: Counter[str] = Counter()
    if word == lemma:
        pos_weights = POS_WEIGHTS
    elif word.endswith(("ing", "ed", "en")):
        pos_weights = VERB_FORM_WEIGHTS
    else:
        pos_weights = PLURAL_WEIGHTS
    for key, rank in index[lemma]:
        weight = SENSE_WEIGHTS[rank] * pos_weights[key[0]]
        words, pointers, gloss = synsets[key]
        for w in words:
            scores[w] += 1.5 * weight
        for w in _content(gloss):
            scores[w] += weight * idf.get(w, 1.0)
        for other in pointers[:12]:
            for w in synsets[other][0]:
                scores[w] += 0.5 * weight
    own = {word, lemma}
    kept = [w for w, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
            if score >= MIN_SCORE and w in vocabulary and w not in own and w not in _STOP and "'" not in w
            and lemma_of(w, index) != lemma]
    return kept[:count]


def names(folder: Path) -> set[str]:
    """Words WordNet only ever writes capitalised: places and people ("princeton", "bermuda", "jehovah"), which a
    gloss mentions in passing ("express trains don't stop at Princeton Junction") and a lyric's theme does not
    bring; "earth", "lord" and "troy" (weight) are written in lower case somewhere, so they stay."""
    written: set[str] = set()
    for name in sorted(set(POS.values())):
        for row in (folder / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if not row.startswith("  "):
                f = row.split()
                written.update(f[4 + 2 * i] for i in range(int(f[3], 16)))
    return {w.lower() for w in written if w[:1].isupper()} - written


def build(vocabulary: Iterable[str], folder: Path = WORDNET) -> bytes:
    """The gzipped table for every content word of ``vocabulary`` that WordNet knows (deterministic bytes)."""
    synsets, index = _synsets(folder), _index(folder)
    idf = gloss_weights(synsets)
    words = [w for w in vocabulary if w not in _STOP]
    known = set(words) - names(folder)
    rows = [f"{w}\t{' '.join(found)}\n" for w in words if (found := associates_of(w, index, synsets, known, idf))]
    return gzip.compress("".join(rows).encode("utf-8"), compresslevel=9, mtime=0)


@functools.lru_cache(maxsize=2)
def load_associates(path: Path = DEFAULT_PATH) -> dict[str, tuple[str, ...]]:
    """The committed table: word -> its associates, best first (empty if the file is missing)."""
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {w: tuple(rest.split()) for w, _, rest in (line.rstrip("\n").partition("\t") for line in f)}


def build_args(doc: str | None, default: Path) -> argparse.Namespace:
    """A WordNet table's maintainer command line: ``build [--out FILE]``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("build",))
    parser.add_argument("--out", type=Path, default=default)
    return parser.parse_args()


def lyric_words() -> list[str]:
    """The shipped lyric model's vocabulary, its special tokens aside (maintainer commands only)."""
    from model.lstm import load_checkpoint
    from model.lyric_lstm import SPECIALS
    from studio.lyrics.lyricist import DEFAULT_CHECKPOINT

    _, vocab, _ = load_checkpoint(DEFAULT_CHECKPOINT, kind="lyrics")
    return vocab.itos[len(SPECIALS) :]


def main() -> None:
    args = build_args(__doc__, DEFAULT_PATH)
    data = build(lyric_words())
    args.out.write_bytes(data)
    print(f"{len(load_associates(args.out))} words -> {args.out} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
