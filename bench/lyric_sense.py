"""Does the verse make sense? An independent judge of well-formedness and a per-line theme measure.

    python -m bench.lyric_sense --verses 20 --model-report model/checkpoints/LYRICS.md --label after

Judges, none of which the generator uses: an order-3 n-gram (``model.ngram.NGram``) trained on Debian's fortune
cookies, text the lyric LSTM never read (the verse's validation split when ``fortunes`` is not installed), and
the Link Grammar parser (``bench/parse_judge.py``). Both score real test-split lines of 6-10 syllables (verse and
WordNet's modern examples) and the generated lines the same way; the n-gram gap is (generated - real) / real.
Theme adherence: the share of generated *lines* holding a theme word, or a theme word or corpus associate (words
that share stanzas with a theme word far more often than chance: positive PMI over the training text,
independent of the model), or a theme word or the model's own embedding neighbours. 20 verses per scheme (ABAB
and AABB, 4 lines of 8 syllables) are printed for a reader.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from bench.lyrics import THEMES
from bench.report import write_section
from data.blocklist import is_blocked
from data.modern import AUTHOR as MODERN
from data.modern import lyric_lines
from data.pronounce import FUNCTION_WORDS, syllable_count
from data.verse import line_words, load_verse, stanzas
from model.lyric_decode import COMMON_ENDS, LyricDecoder
from model.ngram import NGram
from studio.lyrics.lyricist import DEFAULT_CHECKPOINT, Lyricist, LyricRequest

FORTUNES = Path("/usr/share/games/fortunes")  # Debian `fortunes` + `fortunes-min`: `apt-get install fortunes`
SHUFFLES = 10
SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's python3-link-grammar is importable
JUDGE_ORDER = 3
JUDGE_VOCAB = 20_000  # the uniform floor of the judge: the same for real and generated lines
SCHEMES = ("ABAB", "AABB")
ASSOCIATES = 20


def fortune_lines(folder: Path = FORTUNES) -> list[list[str]]:
    """The sentences of Debian's fortune cookies (quotes, jokes, proverbs: modern English the lyric model never
    read), as lyric-model words. Sentences are cut at . ! ? ; so a judge sees units of about a line's length."""
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.suffix and "art" not in p.name):
        for cookie in path.read_text(encoding="utf-8", errors="replace").split("\n%\n"):
            out += [words for part in re.split(r"[.!?;]+", cookie) if len(words := line_words(part)) >= 2]
    return out


def judge_text() -> tuple[str, list[list[str]]]:
    """Text for the judge: Debian's fortunes if installed, else the verse's validation split."""
    if FORTUNES.is_dir() and (lines := fortune_lines()):
        return "Debian's fortune cookies (`fortunes`, `fortunes-min`)", lines
    return "validation-split verse", [line_words(v.text) for v in load_verse(split="valid")]


def judge(order: int, text: list[list[str]]) -> NGram:
    """An n-gram judge over lines with start and end marks."""
    return NGram(order, JUDGE_VOCAB, 0.75).fit([["<s>", *w, "</s>"] for w in text if w])


def real_lines(low: int = 6, high: int = 10, modern: bool | None = None) -> list[list[str]]:
    """Test-split lines with ``low`` to ``high`` syllables (the lengths the bench asks for): the modern lines, the
    verse, or both (None)."""
    out = []
    for v in lyric_lines("test"):
        if modern is not None and (v.author == MODERN) != modern:
            continue
        words = line_words(v.text)
        if words and low <= sum(syllable_count(w) for w in words) <= high:
            out.append(words)
    return out


def line_nll(ngram: NGram, lines: Sequence[Sequence[str]]) -> float:
    """Mean judge NLL per token (words and end of line)."""
    return ngram.nll([["<s>", *w, "</s>"] for w in lines], skip=1)




def order_score(ngram: NGram, lines: Sequence[Sequence[str]], seed: int = 0) -> float:
    """Share of (line, shuffle) pairs where the judge prefers the line to a random order of its own words: the same
    words either way, so word frequency cancels and only the order counts (0.5: order means nothing to the judge)."""
    rng = random.Random(seed)
    wins = total = 0.0
    for words in lines:
        if len(set(words)) < 2:
            continue
        own = -line_nll(ngram, [words])
        for _ in range(SHUFFLES):
            other = rng.sample(list(words), len(words))
            if other == list(words):
                continue
            theirs = -line_nll(ngram, [other])
            wins += 1.0 if own > theirs else 0.5 if own == theirs else 0.0
            total += 1
    return wins / max(total, 1)


def parse_nulls(lines: Sequence[Sequence[str]]) -> list[int] | None:
    """Link Grammar's null count per line (``bench/parse_judge.py`` under the system Python), None without it."""
    if not Path(SYSTEM_PYTHON).exists():
        return None
    script = Path(__file__).with_name("parse_judge.py")
    text = "".join(" ".join(words) + "\n" for words in lines)
    out = subprocess.run([SYSTEM_PYTHON, str(script)], input=text, capture_output=True, text=True, check=False)
    nulls = [int(row.split()[1]) for row in out.stdout.splitlines() if row.startswith("nulls ")]
    return nulls if len(nulls) == len(lines) else None


def parse_row(name: str, lines: Sequence[Sequence[str]]) -> str:
    """A table row: share of lines and of couplets (lines 1+2, 3+4, ...) the parser links with no word skipped."""
    couplets = [[*lines[i], *lines[i + 1]] for i in range(0, len(lines) - 1, 2)]
    single, double = parse_nulls(lines), parse_nulls(couplets)
    if single is None or double is None:
        return f"| {name} | parser not installed | - | - |"
    words = sum(len(w) for w in lines)
    return (f"| {name} | {100 * sum(n == 0 for n in single) / len(single):.1f}% | "
            f"{100 * sum(n == 0 for n in double) / len(double):.1f}% | {sum(single) / words:.3f} |")


class Associates:
    """Corpus associates of a word: content words sharing stanzas with it, ranked by positive PMI."""

    def __init__(self) -> None:
        self.docs = [{w for v in st for w in line_words(v.text) if w not in FUNCTION_WORDS and len(w) > 2}
                     for st in stanzas(lyric_lines())]
        self.df = Counter(w for d in self.docs for w in d)

    def of(self, word: str, count: int = ASSOCIATES) -> set[str]:
        with_word = [d for d in self.docs if word in d]
        if not with_word:
            return set()
        co = Counter(w for d in with_word for w in d if w != word)
        n, nw = len(self.docs), len(with_word)
        pmi = {w: math.log(c * n / (nw * self.df[w])) for w, c in co.items() if c >= 2}
        return {w for w, s in sorted(pmi.items(), key=lambda kv: -kv[1])[:count] if s > 0}


@dataclass
class Result:
    lines: list[tuple[str, ...]] = field(default_factory=list)
    theme_word: int = 0
    theme_assoc: int = 0
    theme_near: int = 0
    theme_wordnet: int = 0  # a theme word or one of its WordNet associates (what the decoder steers toward)
    control_wordnet: int = 0  # the same for another theme's words: what chance gives
    seconds: list[float] = field(default_factory=list)
    shown: dict[str, list[str]] = field(default_factory=dict)


def generate(lyricist: Lyricist, verses: int, assoc: Associates) -> Result:
    """``verses`` per scheme (ABAB, AABB; 4 lines of 8 syllables), one theme each, seeds fixed."""
    res = Result()
    cache: dict[str, set[str]] = {}
    for scheme in SCHEMES:
        res.shown[scheme] = []
        for i in range(verses):
            theme_text = THEMES[i % len(THEMES)]
            t0 = time.perf_counter()
            verse = lyricist.write(LyricRequest.make(theme_text, 4, scheme, 8, None, 7000 + i))
            res.seconds.append(time.perf_counter() - t0)
            words = set(verse.theme.words) if verse.theme else set()
            near = set(verse.theme.neighbours) if verse.theme else set()
            wordnet = words | set(verse.theme.associates) if verse.theme else set()
            other = lyricist.decoder.theme(line_words(THEMES[(i + 7) % len(THEMES)]))
            control = set(other.words) | set(other.associates)
            associated = set().union(*(cache.setdefault(w, assoc.of(w)) for w in words)) if words else set()
            for line in verse.lines:
                res.lines.append(line.words)
                got = set(line.words)
                res.theme_word += bool(got & words)
                res.theme_assoc += bool(got & (words | associated))
                res.theme_near += bool(got & (words | near))
                res.theme_wordnet += bool(got & wordnet)
                res.control_wordnet += bool(got & control)
            res.shown[scheme].append(f"*{theme_text}*: " + " / ".join(line.text for line in verse.lines))
    return res


def of_share(lines: Sequence[Sequence[str]], count: int) -> float:
    """Share of lines holding ``count`` or more "of"s: noun chains glued by "of" are how word salad reads."""
    return sum(list(w).count("of") >= count for w in lines) / max(len(lines), 1)


def section(label: str, res: Result, source: str, ngram: NGram, uni: NGram, real: list[list[str]]) -> str:
    real_nll, gen_nll = line_nll(ngram, real), line_nll(ngram, res.lines)
    real_gain, gen_gain = line_nll(uni, real) - real_nll, line_nll(uni, res.lines) - gen_nll
    n = len(res.lines)
    times = sorted(res.seconds)
    p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
    out = [f"**{label}** ({len(times)} verses, {n} lines; one CPU thread; `python -m bench.lyric_sense`; judge: "
           f"order-{ngram.order} n-gram on {source})", "",
           "| measure | value |", "|---|---|",
           f"| judge NLL per token, real test-split lines ({len(real)} lines of 6-10 syllables) | {real_nll:.3f} |",
           f"| judge NLL per token, generated lines | {gen_nll:.3f} |",
           f"| gap (generated - real) / real (target: within 25%) | {100 * (gen_nll - real_nll) / real_nll:+.1f}% |",
           f"| word-order gain (judge's unigram NLL - n-gram NLL), real / generated | {real_gain:.3f} / "
           f"{gen_gain:.3f} |",
           f"| judge prefers the line to a shuffle of its words, real / generated | {order_score(ngram, real):.3f} / "
           f"{order_score(ngram, res.lines):.3f} |",
           f"| lines with a theme word | {100 * res.theme_word / n:.1f}% |",
           f"| lines with a theme word or corpus associate | {100 * res.theme_assoc / n:.1f}% |",
           f"| lines with a theme word or embedding neighbour | {100 * res.theme_near / n:.1f}% |",
           f"| lines with a theme word or WordNet associate, own theme / another theme's (chance) | "
           f"{100 * res.theme_wordnet / n:.1f}% / {100 * res.control_wordnet / n:.1f}% |",
           f"| lines with \"of\", real / generated | {of_share(real, 1):.1%} / {of_share(res.lines, 1):.1%} |",
           f"| lines with two \"of\"s (\"the X of the Y of the Z\"), real / generated | {of_share(real, 2):.1%} / "
           f"{of_share(res.lines, 2):.1%} |",
           f"| seconds per verse, p50 / p95 | {p50:.2f} / {p95:.2f} |", ""]
    rng = random.Random(0)
    shuffled = [rng.sample(list(w), len(w)) for w in real]
    out += ["Link Grammar (Debian `link-grammar` 5, LGPL-2.1), an independent parser: lines it links with no word "
            "skipped. Couplets are consecutive lines (1+2, 3+4, ...); the shuffled row is the "
            "same real lines with their words in random order (what word salad scores).", "",
            "| lines | lines parsed whole | couplets parsed whole | skipped words per word |", "|---|---|---|---|",
            parse_row("real test-split lines, verse", real_lines(modern=False)),
            parse_row("real test-split lines, modern (WordNet examples)", real_lines(modern=True)),
            parse_row("generated lines", res.lines),
            parse_row("real lines, words shuffled", shuffled), ""]
    for scheme, shown in res.shown.items():
        out += [f"{scheme}, 8 syllables:", ""] + [f"{k + 1}. {v}" for k, v in enumerate(shown)] + [""]
    return "\n".join(out).rstrip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--verses", type=int, default=20, help="verses per scheme")
    parser.add_argument("--label", default="after", help="report section suffix: before or after")
    parser.add_argument("--model-report", type=Path, default=None)
    parser.add_argument("--common-ends", type=int, default=COMMON_ENDS, help="0: any vocabulary word may end a line")
    parser.add_argument("--theme-per-line", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--theme-weight", type=float, default=None)
    parser.add_argument("--theme-after", type=float, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--theme-rank", type=float, default=None)
    parser.add_argument("--of-penalty", type=float, default=None)
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="any other DecodeSettings field, e.g. temperature=0.9 stress_weight=2")
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = Lyricist.load(args.checkpoint)
    changes = {k: v for k, v in (("theme_per_line", args.theme_per_line), ("theme_weight_after", args.theme_after),
                                 ("theme_weight", args.theme_weight),
                                 ("samples", args.samples), ("of_penalty", args.of_penalty),
                                 ("theme_rank", args.theme_rank)) if v is not None}
    for item in args.set:
        name, _, value = item.partition("=")
        changes[name] = type(getattr(base.settings, name))(value)
    decoder = base.decoder
    if args.common_ends != COMMON_ENDS:
        corpus = [line_words(v.text) for v in lyric_lines()]
        decoder = LyricDecoder(decoder.model, decoder.vocab, corpus, is_blocked, args.common_ends or None)
    lyricist = Lyricist(decoder, replace(base.settings, **changes))
    print(f"common ends {args.common_ends}, settings {lyricist.settings}")
    source, text_ = judge_text()
    ngram, uni = judge(JUDGE_ORDER, text_), judge(1, text_)
    text = section(args.label, generate(lyricist, args.verses, Associates()), source, ngram, uni, real_lines())
    print(text)
    if args.model_report:
        write_section(args.model_report, f"lyrics-sense-{args.label}", text)


if __name__ == "__main__":
    main()
