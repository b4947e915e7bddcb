"""How melodies end and where their phrases breathe: the grammar in git against the working tree, beside the corpus.

    python -m bench.endings [-n 144] [--open 48] [--cadence 0 0.5 1 1.5] [--report model/checkpoints/REPORT.md]

One run generates the same requests (RNG seeds, typed seeds in the key, every mode, meters 4/4 3/4 6/8 2/4, 4, 8
and 16 bars) with ``model.sample.MelodyGrammar`` as committed at ``--before`` and as it is now, through one engine,
and measures:

- the last note: on a strong beat of the bar (``Meter.strong_ticks``), a beat or longer, the tonic, all three; a
  rest right before it;
- phrase ends: the note sounding at the last strong beat of bar 4 (and 8, 12 in 16 bars; bar 2 in 4 bars) — a
  beat or longer, a stable degree (1, 3, 5), the tonic or 5th; bar 8 of 16: the tonic;
- the model's own view: mean log-probability per generated token (pitches and durations; bar lines are forced)
  under the LSTM at temperature 1, and the share of notes in the key's scale;
- the corpus's own rates (``data/cache/corpus.jsonl.gz`` from ``python -m data.prepare``, or ``--corpus``) on the
  same definitions: tunes' last notes, and the last strong beat of bars 1-8 (which bars close phrases).

``--cadence`` adds working-tree runs with other strengths of the phrase-end lean (``MelodyGrammar.cadence``);
``--examples N`` prints the endings of N requests before and after as note text.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

import torch

from bench.report import write_section
from data.events import BAR, END, MODE_OFFSET, PITCH_NAMES, Key, Meter, Note, decode_notes, encode_notes
from data.notation import format_notes, parse_seed
from data.prepare import DEFAULT_CACHE
from model.sample import BREATH_LEAN, CADENCE_LEAN
from studio.melody import Composer, _clamp
from studio.requests import MelodyRequest

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "HEAD"
METERS = ("4/4", "3/4", "6/8", "2/4")
BARS = (4, 8, 16)
MODES = tuple(MODE_OFFSET)
STYLES = ("irish", "scottish", "american", "european")
DANCE = ("irish", "scottish", "american", "chorale")  # collections whose key labels name the final (not Essen)
# Seeds as (scale degree from the tonic, 0 = tonic, negative below; duration) per meter family: simple, compound.
MOTIFS = {
    "simple": [[(0, "q"), (2, "q"), (4, "h")], [(4, "e"), (3, "e"), (2, "q"), (1, "q"), (0, "q")],
               [(0, "q"), (1, "e"), (2, "e"), (4, "q")], [(4, "q."), (5, "e"), (4, "q"), (2, "q")],
               [(0, "e"), (0, "e"), (4, "e"), (4, "e"), (5, "e"), (5, "e"), (4, "q")], [(-3, "e"), (0, "q"), (2, "e")],
               [(2, "q"), (1, "q"), (0, "q")], [(0, "q"), (4, "q"), (3, "e"), (2, "e"), (1, "e"), (2, "e")]],
    "compound": [[(0, "q"), (2, "e"), (4, "q"), (2, "e")], [(4, "e"), (3, "e"), (2, "e"), (1, "q"), (0, "e")],
                 [(0, "q."), (4, "q.")], [(0, "e"), (1, "e"), (2, "e"), (3, "q"), (4, "e")],
                 [(2, "q"), (1, "e"), (0, "q.")], [(-3, "e"), (0, "e"), (2, "e"), (4, "q.")]],
}


# ---- requests ---------------------------------------------------------------------------------------------------
def seed_text(key: Key, motif: Sequence[tuple[int, str]]) -> str:
    """A motif as explicit notes in ``key`` around its tonic in octave 4."""
    degrees = key.degrees
    words = []
    for degree, length in motif:
        octave, step = divmod(degree, 7)
        pitch = 60 + key.tonic + (degrees[step] - key.tonic) % 12 + 12 * octave
        words.append(f"{pitch}:{length}")
    return " ".join(words)


def requests(n: int, rng: random.Random, ending: str = "closed") -> list[MelodyRequest]:
    """n requests over meters x lengths, every mode, random tonics, styles and RNG seeds."""
    out = []
    for i in range(n):
        meter = Meter.parse(METERS[i % len(METERS)])
        bars = BARS[(i // len(METERS)) % len(BARS)]
        key = Key.parse(f"{rng.choice(PITCH_NAMES)} {MODES[i % len(MODES)]}")
        motif = rng.choice(MOTIFS["compound" if meter.compound else "simple"])
        out.append(MelodyRequest(seed_text(key, motif), bars=bars, key=str(key), meter=str(meter),
                                 style=rng.choice(STYLES), seed=rng.randrange(10**6), count=1, ending=ending))
    return out


# ---- generation ------------------------------------------------------------------------------------------------
@dataclass
class Take:
    """One generated melody: the request, the key, the whole line (seed + continuation) and the model tokens."""

    request: MelodyRequest
    key: Key
    meter: Meter
    notes: list[Note]  # in the requested key
    seed_len: int
    tokens: list[int]  # prompt + continuation, model space
    prompt_len: int

    @property
    def seed_ticks(self) -> int:
        return sum(n.ticks for n in self.notes[: self.seed_len])


def load_before(ref: str) -> ModuleType:
    """model/sample.py as committed at ``ref``, imported under another name."""
    source = subprocess.run(["git", "show", f"{ref}:model/sample.py"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-endings-")) / "sample_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("sample_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sample_before"] = module
    spec.loader.exec_module(module)
    return module


Version = ModuleType | tuple[float, float]  # the committed grammar, or today's with (cadence, breath) leans


def grammar_for(composer: Composer, request: MelodyRequest, version: Version):
    """The request's grammar as ``Composer.grammar`` builds it now, or the committed module's (same inputs)."""
    seed = composer.validate(request)
    key = request.parsed_key
    assert key is not None
    now = composer.grammar(request, seed, key)
    if isinstance(version, tuple):
        return replace(now, cadence=version[0], breath=version[1])
    return version.MelodyGrammar(composer.vocab, now.prompt, now.now, now.bar_ticks, now.target, now.stable,
                                 now.density)


async def generate(composer: Composer, reqs: list[MelodyRequest], version: Version) -> list[Take]:
    grammars = [grammar_for(composer, r, version) for r in reqs]
    await asyncio.gather(*[composer.engine.generate(g, r.seed, r.temperature, r.top_p) for g, r in zip(
        grammars, reqs, strict=True)])
    takes = []
    for r, g in zip(reqs, grammars, strict=True):
        key, meter = r.parsed_key, r.parsed_meter
        assert key is not None
        shift = key.transpose_to_c
        seed = parse_seed(r.notes).notes
        continuation = [Note(None if n.pitch is None else _clamp(n.pitch - shift), n.ticks) for n in g.notes]
        tokens = g.prompt + composer.vocab.encode(encode_notes(g.notes, meter.bar_ticks, start=g.target - sum(
            n.ticks for n in g.notes)))
        takes.append(Take(r, key, meter, list(seed) + continuation, len(seed), tokens, len(g.prompt)))
    return takes


def log_probs(composer: Composer, takes: list[Take]) -> tuple[float, float, float]:
    """Mean log-probability (nats) per generated pitch or duration token; the same without the last note; the last
    note's two tokens (per melody)."""
    model, vocab = composer.engine.model, composer.vocab
    skip = {vocab.stoi[BAR], vocab.stoi[END]}
    total = count = last = 0.0
    with torch.inference_mode():
        for start in range(0, len(takes), 32):
            batch = takes[start : start + 32]
            length = max(len(t.tokens) for t in batch)
            ids = torch.zeros(len(batch), length, dtype=torch.long)
            for i, t in enumerate(batch):
                ids[i, : len(t.tokens)] = torch.tensor(t.tokens)
            logits, _ = model(ids.to(composer.engine.device))
            logp = torch.log_softmax(logits.float().cpu(), -1)
            for i, t in enumerate(batch):
                scores = [float(logp[i, j - 1, t.tokens[j]]) for j in range(t.prompt_len, len(t.tokens))
                          if t.tokens[j] not in skip]
                total += sum(scores)
                count += len(scores)
                last += sum(scores[-2:])
    return total / max(count, 1), (total - last) / max(count - 2 * len(takes), 1), last / max(len(takes), 1)


# ---- measuring a line ------------------------------------------------------------------------------------------
@dataclass
class Line:
    """A melody on the bar grid: ``pickup`` ticks before the first full bar, in ``key``."""

    notes: list[Note]
    meter: Meter
    key: Key
    pickup: int = 0  # length of the upbeat before the first bar line
    first_free: int = 0  # tick from which the notes are the model's (generated); 0 for corpus tunes
    tail: int = 0  # a tune with an upbeat may stop that much short of its last bar line: its final is held so long

    def onsets(self) -> list[int]:
        starts, now = [], -self.pickup
        for note in self.notes:
            starts.append(now)
            now += note.ticks
        return starts

    @property
    def full_bars(self) -> int:
        return (sum(n.ticks for n in self.notes) - self.pickup) // self.meter.bar_ticks


def final_note(line: Line) -> dict[str, bool]:
    """What the last note does: strong beat, a beat or more, tonic, all three; a rest before it; to a bar line."""
    onsets = line.onsets()
    index = max(i for i, n in enumerate(line.notes) if n.pitch is not None)
    note, start = line.notes[index], onsets[index]
    meter, key = line.meter, line.key
    strong = start % meter.bar_ticks in meter.strong_ticks
    long = note.ticks + line.tail >= meter.beat_ticks
    tonic = note.pitch % 12 == key.tonic
    third_fifth = note.pitch % 12 in key.stable - {key.tonic}
    return {"strong": strong, "long": long, "tonic": tonic, "all": strong and long and tonic,
            "3rd/5th": third_fifth, "open all": strong and long and third_fifth,
            "rest before": index > 0 and line.notes[index - 1].pitch is None,
            "to bar line": (start + note.ticks + line.tail) % meter.bar_ticks == 0}


def phrase_point(line: Line, bar: int) -> dict[str, bool] | None:
    """The note sounding at the last strong beat of full bar ``bar`` (1 = the first full bar); None if not there."""
    meter = line.meter
    tick = (bar - 1) * meter.bar_ticks + max(meter.strong_ticks)
    if tick < line.first_free or bar > line.full_bars:
        return None
    for note, start in zip(line.notes, line.onsets(), strict=True):
        if start <= tick < start + note.ticks:
            pc = None if note.pitch is None else note.pitch % 12
            fifth = max(line.key.stable, key=lambda p: (p - line.key.tonic) % 12)
            return {"long": pc is not None and note.ticks >= meter.beat_ticks, "rest": pc is None,
                    "starts there": start == tick, "stable": pc in line.key.stable,
                    "tonic or 5th": pc in (line.key.tonic, fifth), "tonic": pc == line.key.tonic}
    return None


def cadence_bars(bars: int) -> list[int]:
    """The phrase ends measured in a melody of ``bars`` bars (as the grammar leans: every 4, every 2 under 8)."""
    phrase = 4 if bars >= 8 else 2
    return list(range(phrase, bars, phrase))


class Rates:
    """Counts of True per measure, over how many were measured."""

    def __init__(self) -> None:
        self.hits: Counter = Counter()
        self.seen: Counter = Counter()

    def add(self, prefix: str, values: dict[str, bool] | None) -> None:
        if values is None:
            return
        for name, value in values.items():
            self.seen[f"{prefix}{name}"] += 1
            self.hits[f"{prefix}{name}"] += bool(value)

    def pct(self, name: str) -> str:
        return f"{100 * self.hits[name] / self.seen[name]:.1f}%" if self.seen[name] else "–"

    def n(self, name: str) -> int:
        return self.seen[name]


def take_rates(takes: list[Take]) -> Rates:
    rates = Rates()
    for t in takes:
        line = Line(t.notes, t.meter, t.key, 0, t.seed_ticks)
        rates.add("final ", final_note(line))
        for bar in cadence_bars(t.request.bars):
            point = phrase_point(line, bar)
            rates.add("phrase ", point)
            if bar % 8 == 0:
                rates.add("bar 8 ", point)
        for bar in set(range(1, t.request.bars)) - set(cadence_bars(t.request.bars)):
            rates.add("other ", phrase_point(line, bar))
        pitches = [n.pitch for n in t.notes[t.seed_len :] if n.pitch is not None]
        rates.seen["in scale"] += len(pitches)
        rates.hits["in scale"] += sum(p % 12 in t.key.scale for p in pitches)
    return rates


# ---- the corpus ------------------------------------------------------------------------------------------------
def corpus_lines(path: Path) -> tuple[list[tuple[str, Line]], int]:
    """Every prepared tune (C-space, mode from its token) as (style, Line), its upbeat found from the bar tokens.

    Left out: tunes whose end is off the bar grid their start sets (irregular bars; repeats are not written out).
    A tune that ends short of a bar line by its upbeat gets ``tail``: its final is held to the bar line. Returns the
    lines and how many tunes the file holds."""
    import gzip
    import json

    out, total = [], 0
    with gzip.open(path, "rt") as fh:
        for row in fh:
            total += 1
            tokens = json.loads(row)["tokens"].split()
            style, mode, meter = (t.split(":", 1)[1] for t in tokens[:3])
            meter = Meter.parse(meter)
            notes = decode_notes(tokens)
            pickup = _pickup(tokens[3:], meter.bar_ticks)
            if pickup is None or not notes:
                continue
            end = sum(n.ticks for n in notes) - pickup
            if end % meter.bar_ticks and not (pickup and (end + pickup) % meter.bar_ticks == 0):
                continue
            tail = pickup if end % meter.bar_ticks else 0
            out.append((style, Line(notes, meter, Key(MODE_OFFSET[mode] % 12, mode), pickup, 0, tail)))
    return out, total


def _pickup(tokens: list[str], bar_ticks: int) -> int | None:
    """The upbeat length that puts ``data.events.encode_notes``'s bar tokens where they are (None: no bar token)."""
    ticks = [int(t[1:]) for t in tokens if t.startswith("d") and t[1:].isdigit()]
    bar_after = []  # per note: a bar token follows it
    for i, t in enumerate(tokens):
        if t.startswith("d") and t[1:].isdigit():
            bar_after.append(i + 1 < len(tokens) and tokens[i + 1] == BAR)
    if True not in bar_after:
        return None
    first = bar_after.index(True)
    ends = sum(ticks[: first + 1])
    for gap in range(bar_ticks):  # the upbeat is bar_ticks - ends, unless a tied note crosses the first bar line
        upbeat = (ends - gap) % bar_ticks if ends - gap > 0 else None
        if upbeat is not None and _consistent(ticks, bar_after, upbeat, bar_ticks):
            return upbeat
    return None


def _consistent(ticks: list[int], bar_after: list[bool], upbeat: int, bar_ticks: int) -> bool:
    now = bar_ticks - upbeat if upbeat else 0
    for length, bar in zip(ticks, bar_after, strict=True):
        before = now // bar_ticks
        now += length
        if (now // bar_ticks > before) != bar:
            return False
    return True


def corpus_rates(lines: list[tuple[str, Line]], meters: Sequence[str],
                 styles: Sequence[str] | None = None) -> tuple[Rates, dict[int, Rates], Counter]:
    """The tunes' last notes and phrase points (bars 1-8 of tunes of 8+ bars), in ``meters`` (and ``styles``); and
    the finals' (meter, position in the bar, length with the held upbeat) counts."""
    rates, by_bar, finals = Rates(), defaultdict(Rates), Counter()
    for style, line in lines:
        if str(line.meter) not in meters or (styles is not None and style not in styles):
            continue
        rates.add("final ", final_note(line))
        onsets = line.onsets()
        index = max(i for i, n in enumerate(line.notes) if n.pitch is not None)
        finals[(str(line.meter), onsets[index] % line.meter.bar_ticks, line.notes[index].ticks + line.tail)] += 1
        bars = line.full_bars
        for bar in range(1, 9):
            if bars >= 8:
                by_bar[bar].add("", phrase_point(line, bar))
        for bar in cadence_bars(bars) if bars >= 8 else ():
            point = phrase_point(line, bar)
            rates.add("phrase ", point)
            if bar % 8 == 0:
                rates.add("bar 8 ", point)
        for bar in set(range(1, bars)) - set(cadence_bars(bars)) if bars >= 8 else ():
            rates.add("other ", phrase_point(line, bar))
    return rates, by_bar, finals


# ---- report ----------------------------------------------------------------------------------------------------
def ending_text(take: Take, bars: int = 2) -> str:
    """The last ``bars`` bars as note text, from the first bar line before them."""
    bar_ticks = take.meter.bar_ticks
    total = sum(n.ticks for n in take.notes)
    start, now, out = max(total - bars * bar_ticks, 0), 0, []
    for note in take.notes:
        if now >= start:
            out.append(note)
        now += note.ticks
    return "… | " + format_notes(out, bar_ticks, start=total - sum(n.ticks for n in out), spelling=take.key)


ROWS = [("last note on a strong beat", "final strong"), ("last note a beat or longer", "final long"),
        ("last note the tonic", "final tonic"), ("all three", "final all"),
        ("last note the 3rd or 5th (open), on a strong beat, a beat or longer", "final open all"),
        ("a rest right before the last note", "final rest before"),
        ("phrase end: a note of a beat or more", "phrase long"),
        ("other bars, same beat: a note of a beat or more", "other long"), ("phrase end: a rest", "phrase rest"),
        ("phrase end: a note starts on that beat", "phrase starts there"),
        ("phrase end: a stable degree (1, 3, 5)", "phrase stable"), ("phrase end: tonic or 5th", "phrase tonic or 5th"),
        ("other bars, same beat: tonic or 5th", "other tonic or 5th"),
        ("bar 8 of 12+ bars: the tonic", "bar 8 tonic")]


def table(columns: list[tuple[str, Rates]]) -> list[str]:
    lines = ["| | " + " | ".join(name for name, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, name in ROWS:
        lines.append(f"| {label} | " + " | ".join(r.pct(name) for _, r in columns) + " |")
    lines.append("| measured (replies or tunes / phrase ends) | " + " | ".join(
        f"{r.n('final all')} / {r.n('phrase long')}" for _, r in columns) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=144, help="closed-ending requests (default 144)")
    parser.add_argument("--open", type=int, default=48, help="open-ending requests (default 48)")
    parser.add_argument("--cadence", type=float, nargs="*", default=[], help="other phrase-end degree leans to try")
    parser.add_argument("--breath", type=float, nargs="*", default=[], help="other phrase-end length leans to try")
    parser.add_argument("--before", default=BEFORE, help="git revision of the old model/sample.py")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--examples", type=int, default=8)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)

    reqs = requests(args.n, random.Random(0))
    opens = [replace(r, ending="open") for r in reqs[: args.open]]
    composer = Composer.load(max_batch=64, max_queue=len(reqs) + len(opens) + 1)
    runs: dict[str, list[Take]] = {}
    seconds: dict[str, float] = {}
    try:
        leans = (CADENCE_LEAN, BREATH_LEAN)
        versions: list[tuple[str, Version, list[MelodyRequest]]] = [
            (f"before ({args.before})", load_before(args.before), reqs), ("after", leans, reqs)]
        versions += [(f"after, cadence {c:g}", (c, BREATH_LEAN), reqs) for c in args.cadence if c != CADENCE_LEAN]
        versions += [(f"after, breath {b:g}", (CADENCE_LEAN, b), reqs) for b in args.breath if b != BREATH_LEAN]
        versions.append(("after, ending open", leans, opens))
        for name, version, batch in versions:
            t0 = time.perf_counter()
            runs[name] = asyncio.run(generate(composer, batch, version))
            seconds[name] = time.perf_counter() - t0
        scores = {name: log_probs(composer, takes) for name, takes in runs.items()}
    finally:
        composer.close()

    columns = [(name, take_rates(takes)) for name, takes in runs.items()]
    corpus = None
    if args.corpus.exists():
        lines, tunes = corpus_lines(args.corpus)
        corpus, by_bar, finals = corpus_rates(lines, METERS)
        dance, dance_by_bar, _ = corpus_rates(lines, METERS, DANCE)
        columns.append(("corpus", corpus))
        columns.append(("corpus without Essen", dance))
    out = [f"{args.n} closed-ending requests ({len(opens)} again with `ending: open`): RNG seeds, seeds typed in the "
           f"key (all 7 modes, random tonics), meters {', '.join(METERS)} x {', '.join(map(str, BARS))} bars, "
           f"folk styles, temperature 1.0, top_p {MelodyRequest.top_p}; `python -m bench.endings`. Phrase ends: the "
           "note sounding at the last strong beat of bar 4 (and 8, 12 of 16; bar 2 of 4), generated part only.", ""]
    out += table(columns)
    out += ["", "| | " + " | ".join(name for name in runs) + " |", "|---" * (len(runs) + 1) + "|"]
    out.append("| mean log-prob per generated token (nats) | " + " | ".join(
        f"{scores[n][0]:.3f}" for n in runs) + " |")
    out.append("| the same without the last note | " + " | ".join(f"{scores[n][1]:.3f}" for n in runs) + " |")
    out.append("| log-prob of the last note (pitch + duration) | " + " | ".join(
        f"{scores[n][2]:.2f}" for n in runs) + " |")
    out.append("| generated notes in the scale | " + " | ".join(r.pct("in scale") for _, r in columns[: len(runs)])
               + " |")
    out.append("| seconds (batched, this CPU) | " + " | ".join(f"{seconds[n]:.1f}" for n in runs) + " |")
    if corpus is not None:
        where = args.corpus.resolve().relative_to(ROOT) if args.corpus.resolve().is_relative_to(ROOT) else args.corpus
        out += ["", f"Corpus (`{where}`: {len(lines)} of its {tunes} tunes lie on a regular bar grid to their end; "
                "the columns above count those in the four meters): the note at the last strong beat of each of "
                "bars 1-8, tunes of 8+ full bars:", "",
                "| bar | " + " | ".join(str(b) for b in range(1, 9)) + " |", "|---" * 9 + "|"]
        for label, name in (("a beat or more", "long"), ("a rest", "rest"), ("stable degree", "stable"),
                            ("tonic or 5th", "tonic or 5th"), ("tonic", "tonic")):
            out.append(f"| {label} | " + " | ".join(by_bar[b].pct(name) for b in range(1, 9)) + " |")
        for label, name in (("tonic or 5th, without Essen", "tonic or 5th"), ("tonic, without Essen", "tonic")):
            out.append(f"| {label} | " + " | ".join(dance_by_bar[b].pct(name) for b in range(1, 9)) + " |")
        out += ["", "Corpus finals, most common (meter: position in the bar, length, in ticks of 12 per quarter):", ""]
        for meter in METERS:
            common = sorted(((n, pos, ticks) for (m, pos, ticks), n in finals.items() if m == meter), reverse=True)
            total = sum(n for n, _, _ in common)
            out.append(f"- {meter}: " + ", ".join(f"at {pos} for {ticks} {100 * n / total:.0f}%"
                                                   for n, pos, ticks in common[:6]))
    before, after = runs[versions[0][0]], runs["after"]
    out += ["", "Endings, before -> after (same request and RNG seed):", ""]
    for b, a in list(zip(before, after, strict=True))[: args.examples]:
        r = b.request
        out.append(f"- {r.key}, {r.meter}, {r.bars} bars: `{ending_text(b)}` -> `{ending_text(a)}`")
    opened = runs["after, ending open"]
    out += ["", "Open endings:", ""] + [f"- {t.request.key}, {t.request.meter}: `{ending_text(t)}`"
                                       for t in opened[: max(args.examples // 2, 1)]]
    text = "\n".join(out)
    print(text)
    if args.report:
        write_section(args.report, "endings", text)


if __name__ == "__main__":
    main()
