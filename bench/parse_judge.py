"""Link Grammar as a judge: for each line on stdin, the fewest words the parser must skip to link the rest.

Runs under the system Python, where Debian's ``python3-link-grammar`` and ``link-grammar-dictionaries-en`` live
(CMU Link Grammar 5, LGPL-2.1; `apt-get install python3-link-grammar link-grammar-dictionaries-en`); it imports
nothing from this repository, so ``bench.lyric_sense`` calls it as ``/usr/bin/python3 bench/parse_judge.py``.
Prints `nulls N` per line: 0 when the line parses completely, MAX_NULLS + 1 when even that many skips fail.
"""

from __future__ import annotations

import os
import sys

MAX_NULLS = 4


def main() -> None:
    os.environ.setdefault("LANG", "C.UTF-8")
    import linkgrammar as lg

    lg.ParseOptions(verbosity=0)
    dictionary = lg.Dictionary("en")
    options = lg.ParseOptions(min_null_count=0, max_null_count=MAX_NULLS, max_parse_time=1, verbosity=0)
    for text in sys.stdin:
        text = text.strip()
        sentence = lg.Sentence(text or ".", dictionary, options)
        linkages = sentence.parse()
        nulls = sentence.null_count() if text and next(iter(linkages), None) is not None else MAX_NULLS + 1
        print(f"nulls {nulls}")  # marked: the library prints its own notes on stdout too


if __name__ == "__main__":
    main()
