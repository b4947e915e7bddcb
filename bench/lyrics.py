"""Lyric benchmark: the constrained decoder against the same model without constraints, theme conditioning
compared, and the lyric LSTM's perplexity against a smoothed n-gram on the held-out verse.

    python -m bench.lyrics --verses 200 --report bench/reports/lyrics.md --model-report model/checkpoints/LYRICS.md

Half the verses are text requests (20 themes x 5 rhyme schemes x 5 syllable plans), half are set to real melodies:
the first eight bars of tunes from the committed corpus index (``data/tunes.json.gz``), cut into phrases by
``studio.lyrics.lyricist.phrase_templates`` (one syllable per note, strong beats from the meter). Every verse is decoded
twice with the same seed and theme: constrained, and by the same model and sampler with no syllable, rhyme,
stress or copy masks (lines end where the model ends them). Runs on one CPU thread.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from bench.report import write_section
from data.events import Melody, Meter
from data.modern import AUTHOR as MODERN
from data.modern import lyric_lines
from data.pronounce import rhymes, stresses, syllable_count
from data.tunes import load_index
from data.verse import VerseLine, line_words
from model.lyric_decode import STRONG, DecodeSettings
from model.lyric_lstm import LyricLSTM, LyricVocab
from model.lyric_theme import Theme
from model.lyric_train import LyricTrainConfig, evaluate_nll, examples
from model.ngram import NGram
from studio.lyrics.lyricist import DEFAULT_CHECKPOINT, Lyricist, LyricRequest, phrase_templates

THEMES = ("the sea at night", "autumn rain", "a lost love", "the mountain road", "winter morning", "war and peace",
          "the city lights", "a garden in spring", "my mother's hands", "the last train home", "fire and ice",
          "stars over the desert", "the old church bell", "dreams of flying", "a river in flood", "summer fields",
          "the death of a king", "birds at dawn", "silence and sleep", "the long journey")
SCHEMES = ("ABAB", "AABB", "ABCB", "AAAA", "ABBA")
SYLLABLE_PLANS: tuple[int | tuple[int, ...], ...] = (6, 7, 8, 10, (8, 6, 8, 6))


@dataclass
class Scores:
    """Running totals for one decoding setting."""

    pairs: int = 0
    rhymed: int = 0
    lines: int = 0
    exact: int = 0
    strong: int = 0
    stressed: int = 0
    copies: int = 0
    verses: int = 0
    theme_word: int = 0
    theme_near: int = 0
    nll: float = 0.0
    tokens: int = 0
    seconds: list[float] | None = None
    bigrams: list[tuple[str, str]] | None = None

    def __post_init__(self) -> None:
        self.seconds, self.bigrams = [], []

    def row(self) -> dict[str, str]:
        pct = lambda a, b: f"{100 * a / b:.1f}%" if b else "-"  # noqa: E731
        assert self.seconds is not None and self.bigrams is not None
        times = sorted(self.seconds)
        return {
            "rhyme": pct(self.rhymed, self.pairs), "syllables": pct(self.exact, self.lines),
            "stress": pct(self.stressed, self.strong),
            "distinct-2": f"{len(set(self.bigrams)) / max(len(self.bigrams), 1):.3f}",
            "copied": pct(self.copies, self.lines), "theme": pct(self.theme_word, self.verses),
            "near": pct(self.theme_near, self.verses), "ppl": f"{math.exp(self.nll / max(self.tokens, 1)):.0f}",
            "time": f"{1000 * statistics.mean(times):.0f} / {1000 * times[int(0.95 * (len(times) - 1))]:.0f}"
            if times else "-",
        }


def requests(count: int) -> list[tuple[LyricRequest, str]]:
    """``count`` requests: half text (themes x schemes x syllable plans), half set to corpus melodies."""
    out: list[tuple[LyricRequest, str]] = []
    for i in range(count // 2):
        plan = SYLLABLE_PLANS[(i // len(SCHEMES)) % len(SYLLABLE_PLANS)]
        lines = 8 if i % 4 == 3 else 4
        request = LyricRequest.make(THEMES[i % len(THEMES)], lines, SCHEMES[i % len(SCHEMES)], plan, None, i)
        out.append((request, "text"))
    tunes = list(load_index())
    random.Random(0).shuffle(tunes)
    i = 0
    for tune in tunes:
        if len(out) >= count:
            break
        templates = phrase_templates(Melody(tuple(tune.notes), meter=Meter.parse(tune.meter)), max_lines=4)
        if len(templates) < 2 or any(len(t) < 3 for t in templates):
            continue
        scheme = {2: "AA", 3: "AAB"}.get(len(templates), "ABAB")
        out.append((LyricRequest.make(THEMES[i % len(THEMES)], len(templates), scheme, None, templates, 1000 + i),
                    "melody"))
        i += 1
    return out


class Scorer:
    """Scores verses; the plain model (no theme, no priming) gives the perplexity of what was written."""

    def __init__(self, lyricist: Lyricist) -> None:
        self.decoder = lyricist.decoder
        self.corpus = {tuple(line_words(v.text)) for v in lyric_lines()}

    @torch.no_grad()
    def nll(self, lines: Sequence[Sequence[str]]) -> tuple[float, int]:
        dec = self.decoder
        ids = [dec.bos]
        for words in lines:
            ids += [*dec.vocab.encode(words), dec.eol]
        logits, _ = dec.model(torch.tensor([ids[:-1]]))
        logp = torch.log_softmax(logits[0], -1).gather(1, torch.tensor(ids[1:]).unsqueeze(1))
        return -float(logp.sum()), len(ids) - 1

    def add(self, s: Scores, request: LyricRequest, lines: list[tuple[str, ...]], theme: Theme | None,
            seconds: float) -> None:
        assert s.seconds is not None and s.bigrams is not None
        s.verses += 1
        s.seconds.append(seconds)
        for letter in {x for x in request.scheme if x}:
            group = [lines[i][-1] for i, x in enumerate(request.scheme) if x == letter and lines[i]]
            for a, b in itertools.combinations(group, 2):
                s.pairs += 1
                s.rhymed += rhymes(a, b)
        for i, words in enumerate(lines):
            s.lines += 1
            s.exact += sum(syllable_count(w) for w in words) == request.syllables[i]
            s.copies += tuple(words) in self.corpus
            s.bigrams += list(itertools.pairwise(words))
            if request.stress:
                marks = "".join(stresses(w) for w in words)
                for j, c in enumerate(request.stress[i]):
                    if c == STRONG and j < len(marks):
                        s.strong += 1
                        s.stressed += marks[j] == "1"
        if theme is not None:
            used = {w for words in lines for w in words}
            s.theme_word += bool(used & set(theme.words))
            s.theme_near += bool(used & (set(theme.words) | set(theme.neighbours)))
        nll, n = self.nll(lines)
        s.nll += nll
        s.tokens += n


def run(lyricist: Lyricist, reqs: list[tuple[LyricRequest, str]], settings: DecodeSettings, scorer: Scorer,
        kinds: tuple[str, ...] = ("text", "melody")) -> dict[str, Scores]:
    """Decode every request with ``settings``; scores per request kind and overall ("all")."""
    lyr = Lyricist(lyricist.decoder, settings)
    out = {k: Scores() for k in (*kinds, "all")}
    for request, kind in reqs:
        if kind not in kinds:
            continue
        t0 = time.perf_counter()
        verse = lyr.write(request)
        seconds = time.perf_counter() - t0
        lines = [line.words for line in verse.lines]
        for key in (kind, "all"):
            scorer.add(out[key], request, lines, verse.theme, seconds)
    return out


def table(rows: list[tuple[str, Scores]], columns: Sequence[str], names: dict[str, str]) -> str:
    head = "| setting | " + " | ".join(names[c] for c in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 1)]
    for label, s in rows:
        r = s.row()
        lines.append(f"| {label} | " + " | ".join(r[c] for c in columns) + " |")
    return "\n".join(lines)


NAMES = {"rhyme": "rhyme pairs that truly rhyme", "syllables": "lines with the exact syllable count",
         "stress": "strong beats on stressed syllables", "distinct-2": "distinct-2",
         "copied": "lines copied from the corpus", "theme": "verses with a theme word",
         "near": "verses with a theme word or neighbour", "ppl": "perplexity (plain model)",
         "time": "ms per verse (mean / p95)"}


def perplexity(lyricist: Lyricist, orders: Sequence[int]) -> str:
    """Test-split NLL per token: the LSTM against the best n-gram (order and discount chosen on valid)."""
    model: LyricLSTM = lyricist.decoder.model
    vocab: LyricVocab = lyricist.decoder.vocab
    chunk = LyricTrainConfig().chunk_lines
    split = {s: examples(lyric_lines(s), vocab, chunk) for s in ("train", "valid", "test")}
    lstm = evaluate_nll(model, split["test"], "cpu")

    def as_tokens(items: list[list[int]]) -> list[list[str]]:
        return [vocab.decode(x) for x in items]

    train, valid, test = (as_tokens(split[s]) for s in ("train", "valid", "test"))
    best = (math.inf, 0, 0.0)
    for order, discount in itertools.product(orders, (0.6, 0.75, 0.9)):
        nll = NGram(order, len(vocab), discount).fit(train).nll(valid, skip=1)
        print(f"n-gram order {order} discount {discount}: valid NLL {nll:.4f}")
        best = min(best, (nll, order, discount))
    _, order, discount = best
    ngram = NGram(order, len(vocab), discount).fit(train).nll(test, skip=1)
    unigram = NGram(1, len(vocab), 0.75).fit(train).nll(test, skip=1)
    info = lyricist.info
    m, cfg = info["metrics"], info["config"]
    tokens = sum(len(x) - 1 for x in split["test"])
    lines = [
        f"Test split: {len(lyric_lines('test'))} lines, {tokens:,} tokens (words, <unk> and end-of-line; "
        "the same tokens for every model).",
        "",
        "| model | test NLL per token (nats) | perplexity | vs n-gram |",
        "|---|---|---|---|",
        f"| lyrics.pt: LSTM {cfg['layers']}x{cfg['hidden']}, embed {cfg['embed']} (tied), {m['params']:,} params "
        f"| {lstm:.4f} | {math.exp(lstm):.1f} | {100 * (lstm - ngram) / ngram:+.1f}% |",
        f"| n-gram, order {order}, discount {discount} (chosen on valid) | {ngram:.4f} | {math.exp(ngram):.1f} "
        "| +0.0% |",
        f"| unigram | {unigram:.4f} | {math.exp(unigram):.1f} | {100 * (unigram - ngram) / ngram:+.1f}% |",
        "",
        "The LSTM by source of the test lines: "
        + "; ".join(f"{name} {evaluate_nll(model, items, 'cpu'):.4f} ({len(items)} chunks)"
                    for name, items in by_source(lyric_lines("test"), vocab, chunk).items() if items) + ".",
    ]
    return "\n".join(lines)


def by_source(lines: Sequence[VerseLine], vocab: LyricVocab, chunk: int) -> dict[str, list[list[int]]]:
    """Test examples of the verse and of the modern lines apart (their NLLs differ a lot)."""
    return {"verse": examples([v for v in lines if v.author != MODERN], vocab, chunk),
            "modern (WordNet examples)": examples([v for v in lines if v.author == MODERN], vocab, chunk)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--verses", type=int, default=200)
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--model-report", type=Path, default=None)
    parser.add_argument("--orders", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--skip", nargs="*", default=[], choices=["perplexity", "theme", "decoding"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    lyricist = Lyricist.load(args.checkpoint)
    print(f"loaded in {time.time() - t0:.1f} s")
    scorer = Scorer(lyricist)
    reqs = requests(args.verses)
    base = lyricist.settings
    sections: dict[str, str] = {}

    if "perplexity" not in args.skip:
        sections["lyrics-perplexity"] = perplexity(lyricist, args.orders)
        print(sections["lyrics-perplexity"])

    if "decoding" not in args.skip:
        free = replace(base, constrained=False)
        rows = [("constrained (shipped settings)", run(lyricist, reqs, base, scorer)),
                ("unconstrained, same model and sampler", run(lyricist, reqs, free, scorer))]
        rows += [(f"constrained, stress weight {w:g}", run(lyricist, reqs, replace(base, stress_weight=w), scorer,
                                                          ("melody",))) for w in (0.0, 1.0, 2.0, 4.0)
                 if w != base.stress_weight]
        n_text = sum(k == "text" for _, k in reqs)
        out = [f"{len(reqs)} verses: {n_text} text requests (20 themes; schemes {', '.join(SCHEMES)}; 6, 7, 8, 10 or "
               f"8-6-8-6 syllables; 4 or 8 lines) and {len(reqs) - n_text} set to corpus melodies (2-4 phrases of "
               "their first 8 bars, scheme AA, AAB or ABAB by phrase count, stress template from the meter). "
               f"Seeds fixed; one CPU thread; `python -m bench.lyrics --verses {args.verses}`.", ""]
        cols = ["rhyme", "syllables", "stress", "distinct-2", "copied", "near", "ppl", "time"]
        out += ["All verses:", "", table([(label, r["all"]) for label, r in rows[:2]], cols, NAMES), ""]
        out += [f"Set to melodies (stress is measured only here; shipped stress weight {base.stress_weight:g}):", "",
                table([(label, r["melody"]) for label, r in rows], cols, NAMES)]
        sections["lyrics-decoding"] = "\n".join(out)
        print(sections["lyrics-decoding"])

    if "theme" not in args.skip:
        variants = [("no theme", replace(base, prime=False, theme_weight=0.0, theme_weight_after=None)),
                    ("priming only", replace(base, prime=True, theme_weight=0.0, theme_weight_after=None)),
                    ("topic vector 3", replace(base, prime=False, theme_weight=3.0, theme_weight_after=None)),
                    ("topic vector 8", replace(base, prime=False, theme_weight=8.0, theme_weight_after=None)),
                    ("topic vector 8, then 2", replace(base, prime=False, theme_weight=8.0, theme_weight_after=2.0)),
                    ("priming + topic vector 3", replace(base, prime=True, theme_weight=3.0, theme_weight_after=None)),
                    ("priming + topic vector 5", replace(base, prime=True, theme_weight=5.0, theme_weight_after=None)),
                    ("priming + topic vector 8", replace(base, prime=True, theme_weight=8.0, theme_weight_after=None)),
                    ("priming + topic vector 8, then 2 (shipped)", replace(base, prime=True, theme_weight=8.0,
                                                                          theme_weight_after=2.0))]
        rows = [(label, run(lyricist, reqs, s, scorer, ("text",))["text"]) for label, s in variants]
        cols = ["theme", "near", "ppl", "distinct-2", "rhyme", "syllables", "time"]
        sections["lyrics-theme"] = "\n".join([
            f"Theme conditioning on the {sum(k == 'text' for _, k in reqs)} text requests, all constrained. Theme "
            "words and neighbours (the 8 vocabulary words nearest the topic vector) are the same for every row; "
            "perplexity is the plain model's (no theme) on what was written, so it measures fluency, not fit. "
            "Topic vector W: a logit bonus of W x cosine(word, mean embedding of the theme words) on content words; "
            "\"then 2\": the weight drops to 2 for a candidate line once it, or the verse before it, holds a theme "
            "word or neighbour.", "",
            table(rows, cols, NAMES)])
        print(sections["lyrics-theme"])

    for path in (args.report, args.model_report):
        if path:
            for name, text in sections.items():
                write_section(path, name, text)
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
