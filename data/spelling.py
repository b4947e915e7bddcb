"""Old spellings the CMU dictionary happens to know as names ("forrest", "starrs", "warr", "smoak", "shon"): the
lyric decoder never writes them. Found once against WordNet 3.0 and committed as ``unlisted_words.txt``.

    python -m data.spelling build     # maintainer only: needs Debian's wordnet-base (/usr/share/wordnet)

A vocabulary word is listed when WordNet knows neither it nor its stem (plural, past, -ing, comparative, -ly,
-eth, doubled consonant) and it is not in ``KEEP`` (words WordNet leaves out: pronouns, wh-words, contractions,
the verse's "thee" and "hath").
WordNet 3.0 licence: use, copy and distribute with Princeton's copyright notice ("WordNet 3.0 Copyright 2006 by
Princeton University. All rights reserved.").
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Iterable
from pathlib import Path

from data.pronounce import FUNCTION_WORDS

UNLISTED_PATH = Path(__file__).parent / "unlisted_words.txt"
WORDNET = Path("/usr/share/wordnet")
KEEP = frozenset(("this", "what", "which", "when", "where", "how", "whom", "these", "those", "whose", "women",
                  "women's", "something", "nothing", "anything", "everything", "himself", "herself", "itself",
                  "myself", "yourself", "themselves", "ourselves", "thyself", "because", "although", "whoever",
                  "whatever", "whenever", "wherever", "amongst", "among", "upon", "without", "toward", "towards",
                  "beside", "whether", "unless", "since", "else", "cannot", "i'll", "i'm", "i've", "that's",
                  "what's", "there's", "it's", "hers", "ours", "yours", "theirs", "ought", "ah", "lo", "aye", "ay",
                  "thee", "thy", "thine", "ye", "hath", "doth", "ere", "amid", "amidst", "whilst", "whither",
                  "wherein", "shalt", "wert"))
_SUFFIXES = (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ied", "y"), ("ing", ""), ("ing", "e"),
             ("er", ""), ("er", "e"), ("est", ""), ("est", "e"), ("ly", ""), ("'s", ""), ("ness", ""), ("eth", ""),
             ("d", ""))


def wordnet_lemmas(folder: Path = WORDNET) -> set[str]:
    """Every lemma and listed irregular form in WordNet's index and exception files."""
    out: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        for name in (f"index.{pos}", f"{pos}.exc"):
            for row in (folder / name).read_text(encoding="latin-1").splitlines():
                if row and not row.startswith(" "):
                    out.add(row.split()[0])
    return out


def known(word: str, lemmas: set[str]) -> bool:
    """Whether WordNet knows ``word`` or a regular stem of it."""
    if word in lemmas or word in FUNCTION_WORDS or word in KEEP:
        return True
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and word[: -len(suffix)] + repl in lemmas:
            return True
    stem = word[:-3] if word.endswith("ing") else word[:-2] if word.endswith("ed") else ""
    return len(stem) > 2 and stem[-1] == stem[-2] and stem[:-1] in lemmas  # "stopped", "running"


def build(vocabulary: Iterable[str], lemmas: set[str]) -> list[str]:
    """Words of the vocabulary that WordNet does not know (in vocabulary order)."""
    return [w for w in vocabulary if not known(w, lemmas)]


@functools.lru_cache(maxsize=1)
def unlisted() -> frozenset[str]:
    """The committed list (empty if the file is missing)."""
    if not UNLISTED_PATH.exists():
        return frozenset()
    return frozenset(w for w in UNLISTED_PATH.read_text().split() if w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build"])
    parser.parse_args()
    from model.lstm import load_checkpoint  # maintainer command only
    from model.lyric_lstm import SPECIALS
    from studio.lyrics.lyricist import DEFAULT_CHECKPOINT

    _, vocab, _ = load_checkpoint(DEFAULT_CHECKPOINT, kind="lyrics")
    words = build(vocab.itos[len(SPECIALS):], wordnet_lemmas())
    UNLISTED_PATH.write_text("\n".join(words) + "\n")
    print(f"{len(words)} words -> {UNLISTED_PATH}")


if __name__ == "__main__":
    main()
