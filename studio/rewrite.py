"""Rewriting chosen bars of a melody, and adding bars at its end: `/rewrite`, `/extend` and the More bars button.

A request is a ``MelodyRequest`` whose ``rewrite`` names bars of the melody in ``notes`` ("3-4", "2,5", "3-4,7");
bars past its end, up to ``bars``, are added (that is how `/extend` and More bars ask for more). Every other bar
is kept note for note: a note that crosses into a rewritten bar keeps its part outside it, cut at the bar line.
The result is as long as the melody (or ``bars`` bars, when bars are added) and every rewritten bar is full.

Each run of rewritten bars (a gap) is filled left to right. The model reads only forwards, so ``SAMPLES`` fillings
are sampled with everything before the gap as the prompt (``model.infill.InfillGrammar``: whole bars landing
exactly on the gap's end; a gap that reaches the end of the melody closes it properly with
``model.sample.MelodyGrammar``), and the filling kept is the one the kept bars after the gap follow best
(``model.infill.fill_scores``: their log-probability given the prompt and the filling, teacher-forced in one
batched pass), less a penalty for an awkward join into or out of the gap (``model.infill.join_score``). A gap that
ends the melody has no bars after it: its filling is drawn, as /melody draws its last bars, with weights from how
usual its step into the final note is among the corpus tunes' (``data.form.FormTable.end_weight``) times the
exponential of the join penalty.
Candidate ``i`` of a request uses the RNG seed ``seed + i`` alone, so ``seed:`` with ``count:1`` gives it again.
``bench/rewrite.py`` measures it (model/checkpoints/REPORT.md, "Rewriting bars").
"""

from __future__ import annotations

import asyncio
import functools
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from data.errors import MusicError, cmd, opt
from data.events import Key, Melody, Meter, Note, control_tokens, encode_notes
from data.form import load_form
from data.notation import ParsedSeed, format_note, format_notes, parse_seed, stored_notes
from model.chord_grammar import ChordGrammar, ChordInfill
from model.infill import JOIN_WEIGHT, SCORE_BARS, InfillGrammar, fill_scores, interval_logprobs, join_score
from model.sample import MelodyGrammar
from studio.analysis.key import melody_key
from studio.analysis.words import plural
from studio.bar_spec import example_bars, read_spec, spec_text
from studio.chord_melody import check_fits, grammar_fields
from studio.melody import DENSITY_LEAN, MelodyResult, _fold
from studio.options import EXTEND, MELODY, SEED_MAX
from studio.requests import MelodyRequest
from studio.restate import clamp as _clamp
from studio.restate import register_octaves

if TYPE_CHECKING:
    from studio.melody import Composer

SAMPLES = 8  # fillings sampled per candidate and gap; the scorer keeps one (bench/rewrite.py: 4 to 32 compared)
EXTEND_BARS = 4  # bars the More bars button adds
MAX_BARS = int(MELODY["bars"].high)  # the longest melody the model writes, and so the longest it rewrites


@dataclass(frozen=True)
class Plan:
    """What a request writes. Ticks count from the melody's first note, as ``Melody`` counts them; bar 1 is the
    first full bar (after a ``pickup`` of that many ticks, which is always kept). ``gaps``: the tick ranges to write,
    in order; ``end``: the result's length; ``kept``: the given melody's length (ticks past it are added);
    ``numbers``: the bars named (1-based); ``bars``: how many the given melody has."""

    gaps: tuple[tuple[int, int], ...]
    end: int
    kept: int
    numbers: tuple[int, ...]
    bars: int
    pickup: int = 0

    @property
    def adds(self) -> bool:
        return self.end > self.kept

    @property
    def added(self) -> list[int]:
        """The bars named that the melody does not have yet (they are added)."""
        return [n for n in self.numbers if n > self.bars]

    @property
    def rewritten(self) -> list[int]:
        """The bars named that the melody has (they are written again)."""
        return [n for n in self.numbers if n <= self.bars]


# ---- which bars (``studio.bar_spec`` reads them) -------------------------------------------------------------
def plan(spec: str, kept: int, meter: Meter, bars: int | None = None, pickup: int = 0) -> Plan:
    """Check a spec against a melody of ``kept`` ticks (with a ``pickup``; ``bars`` bars in all when bars are added at
    its end) and say what to write; MusicError (with an example that fits) for bars it doesn't have, or all of them."""
    bar = meter.bar_ticks
    have = max(-(-(kept - pickup) // bar), 0)
    total = max(have, bars or have)
    numbers = read_spec(spec, have)
    example = example_bars(have)
    if numbers[0] < 1 or numbers[-1] > total:
        wrong = numbers[0] if numbers[0] < 1 else numbers[-1]
        counted = "after its pickup" if pickup else "counting from 1"
        raise MusicError(f"Your melody has {have} bar{'s' if have != 1 else ''} ({counted}), so there is no bar "
                         f"{wrong}; try {opt('bars', example)}.", "bars", example)
    added = set(range(have + 1, total + 1))
    if not added <= set(numbers):
        raise ValueError(f"bars {spec_text(added)} are added, so they must be written too (not {spec!r})")
    if len(numbers) == total:
        instead = (f"Choose some of its bars, e.g. {opt('bars', example)}" if have > 1 else
                   f"Add bars to it with {cmd('extend', bars=EXTEND_BARS)}")
        raise MusicError(f"{opt('bars', spec_text(numbers))} is every bar of your melody, so nothing would be kept. "
                         f"{instead}, or write a new one with {cmd('melody', notes='C E G')}.", "bars", example)
    end = kept if total == have else pickup + total * bar
    gaps = []
    for run in spec_text(numbers).split(","):
        first, _, last = run.partition("-")
        start = pickup + (int(first) - 1) * bar if int(first) <= have else kept  # added bars start at its end
        gaps.append((start, min(pickup + int(last or first) * bar, end)))
    return Plan(tuple(gaps), end, kept, numbers, have, pickup)


# ---- requests ---------------------------------------------------------------------------------------------------
def _given(melody: Melody, **options: Any) -> dict[str, Any]:
    """A request's fields for working on ``melody``: its notes as text (bar lines after its pickup), key, meter and
    tempo."""
    if melody.bars > MAX_BARS:
        raise MusicError(f"Your melody has {melody.bars} bars; I rewrite melodies of up to {MAX_BARS}. Give me a "
                         f"shorter one, e.g. its first {MAX_BARS // 4} bars.", "notes")
    text = format_notes(melody.notes, melody.meter.bar_ticks, start=melody.start, spelling=melody.key)
    return {"notes": text, "key": str(melody.key), "meter": str(melody.meter), "tempo": melody.tempo, **options}


def rewrite_request(melody: Melody, spec: str, **options: Any) -> MelodyRequest:
    """`/rewrite`: write the bars ``spec`` names of ``melody`` again (MusicError for bars it doesn't have)."""
    chosen = plan(spec, melody.ticks, melody.meter, pickup=melody.pickup)
    if options.get("chords"):
        check_fits(options["chords"], melody.bars)
    return MelodyRequest(bars=melody.bars, rewrite=spec_text(chosen.numbers), **_given(melody, **options))


def extend_request(melody: Melody, more: int = EXTEND_BARS, **options: Any) -> MelodyRequest:
    """`/extend` and More bars: ``more`` bars after the end of ``melody`` (whose last note is then no longer the
    end), closing again as a melody does."""
    EXTEND["bars"].check(more)
    total = melody.bars + more
    if total > MAX_BARS:
        room = MAX_BARS - melody.bars
        hint = f"Ask for {opt('bars', room)} at most." if room > 0 else "Rewrite some of its bars instead."
        raise MusicError(f"That melody has {plural(melody.bars, 'bar')} and I write at most {MAX_BARS}. {hint}",
                         "bars", max(room, 1))
    if options.get("chords"):
        check_fits(options["chords"], total)
    return MelodyRequest(bars=total, rewrite=spec_text(range(melody.bars + 1, total + 1)), **_given(melody, **options))


def more_bars(result: MelodyResult, more: int = EXTEND_BARS) -> MelodyRequest:
    """More bars under a reply: extend that candidate with the settings it was written with, except that bars after
    a half cadence answer it: they close on the tonic."""
    r = result.request
    ending = "closed" if r.ending == "half" else r.ending
    return extend_request(result.melody, more, style=r.style, density=r.density, ending=ending,
                          temperature=r.temperature, top_p=r.top_p, count=r.count, notation=result.notation,
                          chords=r.chords)


def given(request: MelodyRequest) -> ParsedSeed:
    """The melody a rewrite request works on (its ``notes``), with the pickup its bar lines show."""
    return parse_seed(request.notes, max_notes=100_000, meter=request.parsed_meter)


def request_plan(request: MelodyRequest) -> Plan:
    """The plan of a rewrite request (its ``notes`` are the melody before rewriting)."""
    assert request.rewrite is not None
    melody = given(request)
    return plan(request.rewrite, melody.ticks, request.parsed_meter, request.bars, melody.pickup)


# ---- results ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RewriteResult(MelodyResult):
    """A melody with some bars written again (or added): ``gaps`` are their tick ranges. Its note text marks them
    with ``[ ]`` (which the notation parser reads as nothing, so the text pastes back)."""

    gaps: tuple[tuple[int, int], ...] = ()
    heading: ClassVar[str] = "Rewritten melody"
    layout: ClassVar[str] = "kept bars, new ones in [ ]"

    @property
    def text(self) -> str:
        return marked_text(self.melody, self.gaps)

    @property
    def continuation(self) -> tuple[Note, ...]:
        return tuple(n for n, at in zip(self.melody.notes, self.melody.onsets(), strict=True)
                     if any(start <= at < end for start, end in self.gaps))

    @property
    def reproduce(self) -> str:
        r = self.request
        chosen = request_plan(r)
        density = {} if r.density == "natural" else {"density": r.density}
        common = {"chords": r.chords, "key": r.key, "meter": r.meter, "tempo": r.tempo, "style": r.style, **density,
                  "temperature": r.temperature, "top_p": r.top_p, "seed": r.seed, "count": 1}
        if not chosen.rewritten:
            ending = {} if r.ending == "closed" else {"ending": r.ending}
            return cmd("extend", notes=r.notes, bars=len(chosen.added), **common, **ending)
        return cmd("rewrite", notes=r.notes, bars=r.rewrite, **common)

    @property
    def what(self) -> str:
        return summary(self.request)


def summary(request: MelodyRequest) -> str:
    """Which bars a rewrite request writes, in words: "bars 3-4 rewritten", "4 bars added"."""
    chosen = request_plan(request)
    old, new = chosen.rewritten, len(chosen.added)
    parts = [f"bar{'s' if len(old) > 1 else ''} {spec_text(old).replace(',', ', ')} rewritten"] if old else []
    parts += [f"{new} bar{'s' if new > 1 else ''} added"] if new else []
    return " and ".join(parts)


def marked_text(melody: Melody, gaps: Sequence[tuple[int, int]]) -> str:
    """The melody as note text with bar lines, each gap in ``[ ]``: ``C4:q D4:q | [ E4:h F4:h ] | G4:w |``."""
    starts, ends = {s for s, _ in gaps}, {e for _, e in gaps}
    bar, key = melody.meter.bar_ticks, melody.key
    parts: list[str] = []
    now = 0
    for note in melody.notes:  # bar lines after the pickup: at ticks where (start + tick) is a multiple of a bar
        if now in starts:
            parts.append("[")
        parts.append(format_note(note, key))
        before = (melody.start + now) // bar
        now += note.ticks
        if now in ends:
            parts.append("]")
        if (melody.start + now) // bar > before:
            parts.append("|")
    return " ".join(parts)


def restore_rewrite(request: MelodyRequest, text: str) -> RewriteResult:
    """A stored rewrite back from its request and note text (see ``studio.melody.Composer.restore``)."""
    chosen = request_plan(request)
    notes = stored_notes(text)
    key = request.parsed_key or Key(0)
    before = _before(notes, chosen.gaps[0][0])
    melody = Melody(notes, key, request.parsed_meter, request.tempo, len(before), chosen.pickup)
    return RewriteResult(request, melody, ParsedSeed(tuple(before), ()), False, gaps=chosen.gaps)


def variation_request(result: MelodyResult) -> MelodyRequest:
    """More like this, for a rewrite: keep the first half of the bars it wrote (as it wrote them) and write the rest
    again, a little cooler; a single bar is written again, cooler."""
    r = result.request
    chosen = request_plan(r)
    cooler = max(0.1, round(r.temperature * 0.85, 2))
    keep = chosen.numbers[: len(chosen.numbers) // 2]
    if not keep:
        return replace(r, seed=None, temperature=cooler)
    rest = chosen.numbers[len(keep):]
    melody, bar = result.melody, result.melody.meter.bar_ticks
    added = [n for n in rest if n > chosen.bars]  # bars still to add
    cut = chosen.pickup + (added[0] - 1) * bar if added else melody.ticks  # bars to add are not in the melody yet
    notes = _before(melody.notes, cut)
    text = format_notes(notes, bar, start=melody.start, spelling=melody.key)
    return replace(r, notes=text, rewrite=spec_text(rest), seed=None, temperature=cooler)


def _before(notes: Sequence[Note], tick: int) -> list[Note]:
    """The notes that start before ``tick``."""
    out, now = [], 0
    for note in notes:
        if now >= tick:
            break
        out.append(note)
        now += note.ticks
    return out


def _cut(notes: Sequence[Note], at: Iterable[int]) -> list[Note]:
    """``notes`` with each one that crosses a tick of ``at`` cut in two there (same pitch; what sounds is kept)."""
    cuts = sorted(set(at))
    out, now = [], 0
    for note in notes:
        end = now + note.ticks
        for tick in [t for t in cuts if now < t < end] + [end]:
            out.append(Note(note.pitch, tick - now))
            now = tick
    return out


# ---- writing ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """What every candidate of one request shares: the melody as given, its key and meter, the plan, and the
    model's control tokens."""

    notes: tuple[Note, ...]
    key: Key
    meter: Meter
    plan: Plan
    controls: tuple[str, ...]
    key_inferred: bool = False

    @functools.cached_property
    def shift(self) -> int:
        """Semitones into the model's space: to C, and whole octaves for a melody far from the middle (computed
        once: the per-note conversions read it for every note)."""
        return self.key.transpose_to_c + register_octaves(self.notes, self.key)

    @property
    def start(self) -> int:
        """Where in its bar the first note starts (after a pickup): the grammars and the model count ticks from
        that bar's downbeat, so bar lines fall at multiples of a bar."""
        return (self.meter.bar_ticks - self.plan.pickup) % self.meter.bar_ticks


async def prepare(composer: Composer, request: MelodyRequest) -> tuple[MelodyRequest, Job]:
    """The request with a concrete RNG seed and key (guessed off the event loop when not given), and its job;
    MusicError for bars the melody doesn't have, a meter the model doesn't know, or unreadable notes."""
    request = request.with_seed()
    assert request.rewrite is not None
    meter = request.parsed_meter
    composer.check_meter(meter)
    typed = given(request)
    notes = typed.notes
    chosen = request_plan(request)
    key = request.parsed_key
    inferred = key is None
    if key is None:
        key = await asyncio.get_running_loop().run_in_executor(None, melody_key, notes, meter, typed.pickup, typed.do,
                                                               typed.typed)
        request = replace(request, key=str(key))
    return request, Job(notes, key, meter, chosen, tuple(control_tokens(request.style, key.mode, meter)), inferred)


def warm() -> None:
    """Read the corpus's intervals for the join penalty now (about a second, blocking: run it in an executor) rather
    than in the first request."""
    interval_logprobs()


def sample_seed(seed: int, gap: int, sample: int) -> int:
    """The RNG seed of one sampled filling: a function of the candidate's seed, the gap and the sample."""
    return (seed * 1_000_003 + gap * 7_919 + sample) % 2**62


async def rewrite_candidates(composer: Composer, request: MelodyRequest) -> list[RewriteResult]:
    """``request.count`` rewrites, RNG seeds ``seed, seed+1, …`` (see the module's docstring)."""
    request, job = await prepare(composer, request)
    assert request.seed is not None
    each = [replace(request, seed=(request.seed + i) % SEED_MAX) for i in range(request.count)]
    written = await asyncio.gather(*(write(composer, job, r) for r in each))
    return [RewriteResult(r, melody, ParsedSeed(melody.notes[: melody.seed_len], ()), job.key_inferred,
                          gaps=job.plan.gaps) for r, melody in zip(each, written, strict=True)]


async def write(composer: Composer, job: Job, request: MelodyRequest, samples: int = SAMPLES) -> Melody:
    """One candidate (RNG seed ``request.seed``): each gap filled in turn, the melody around it kept."""
    bounds = [t for gap in job.plan.gaps for t in gap if t < job.plan.kept]
    notes = _cut(job.notes, bounds)
    for index, gap in enumerate(job.plan.gaps):
        before, after = around(notes, gap)
        prompt, fillings = await sample_fillings(composer, job, request, index, before, gap, samples)
        scores = await asyncio.get_running_loop().run_in_executor(
            None, score_fillings, composer, job, prompt, fillings, before, after, gap)
        was = [_to_model(n, job.shift) for n in notes[len(before):len(notes) - len(after)]]
        same = torch.tensor([filling == was for filling in fillings])
        if not same.all():  # a bar asked to be rewritten comes back changed when any sample changed it
            scores = scores.masked_fill(same, float("-inf"))
        if gap[1] == job.plan.end:  # the melody's ending: drawn as /melody draws its last bars
            model_before = [_to_model(n, job.shift) for n in before]
            weights = [load_form().end_weight(model_before + f) * math.exp(score)
                       for f, score in zip(fillings, scores.tolist(), strict=True)]
            rng = random.Random(sample_seed(request.seed or 0, index, samples))
            best = rng.choices(fillings, weights)[0] if sum(weights) > 0 else fillings[int(torch.argmax(scores))]
        else:
            best = fillings[int(torch.argmax(scores))]
        notes = before + [Note(None if n.pitch is None else _clamp(n.pitch - job.shift), n.ticks) for n in best] + after
    return Melody(tuple(notes), job.key, job.meter, request.tempo, len(_before(notes, job.plan.gaps[0][0])),
                  job.plan.pickup)


def around(notes: Sequence[Note], gap: tuple[int, int]) -> tuple[list[Note], list[Note]]:
    """The notes before a gap and after it (none may cross its edges: see ``_cut``)."""
    onsets = Melody(tuple(notes)).onsets()
    return ([n for n, at in zip(notes, onsets, strict=True) if at < gap[0]],
            [n for n, at in zip(notes, onsets, strict=True) if at >= gap[1]])


async def sample_fillings(composer: Composer, job: Job, request: MelodyRequest, index: int, before: list[Note],
                          gap: tuple[int, int], samples: int = SAMPLES) -> tuple[list[int], list[list[Note]]]:
    """The prompt (everything before the gap) and ``samples`` fillings of gap number ``index`` sampled from the
    model with RNG seeds from ``sample_seed``, in model space (the C-based key)."""
    assert request.seed is not None
    bar, offset = job.meter.bar_ticks, job.start
    start, end = offset + gap[0], offset + gap[1]  # on the grammars' clock: bar lines at multiples of a bar
    vocab = composer.vocab
    prompt = vocab.encode([*job.controls, *encode_notes([_to_model(n, job.shift) for n in before], bar, offset)])
    closing = gap[1] == job.plan.end  # the gap ends the melody: a proper ending, as /melody writes one
    stable = frozenset((pc + job.shift) % 12 for pc in job.key.stable)
    density = DENSITY_LEAN[request.density]
    chords = {} if not request.chords else grammar_fields(  # written over chords: new bars keep to them
        request.chords, job.meter, (end - offset) // bar + 1, offset + job.plan.pickup, job.key, job.shift)

    def grammar() -> MelodyGrammar | InfillGrammar:
        if closing:
            return (ChordGrammar if chords else MelodyGrammar)(
                vocab, prompt, start, bar, end, stable, density, job.meter, (job.key.tonic + job.shift) % 12,
                request.ending, pickup=job.plan.pickup, **chords)
        return (ChordInfill if chords else InfillGrammar)(vocab, prompt, start, end, bar, density, **chords)

    takes = await asyncio.gather(*(
        composer.engine.generate(grammar(), sample_seed(request.seed, index, j), request.temperature, request.top_p)
        for j in range(samples)))
    fillings = [list(t.notes) for t in takes if sum(n.ticks for n in t.notes) == end - start]
    if not fillings:
        raise RuntimeError(f"no filling of ticks {start}..{end} came out whole")
    return prompt, fillings


def score_fillings(composer: Composer, job: Job, prompt: list[int], fillings: Sequence[list[Note]],
                   before: list[Note], after: list[Note], gap: tuple[int, int],
                   join_weight: float = JOIN_WEIGHT) -> torch.Tensor:
    """How well each filling (model space) leads into the kept notes ``after`` the gap (as given, in the melody's
    key): the log-probability of their first ``SCORE_BARS`` bars given the prompt and the filling, plus
    ``join_weight`` times ``join_score`` (B,). Blocking (a model pass): run it in an executor."""
    vocab, bar, offset = composer.vocab, job.meter.bar_ticks, job.start
    model_before = [_to_model(n, job.shift) for n in before]
    model_after = [_to_model(n, job.shift) for n in _before(after, SCORE_BARS * bar)]
    ahead = torch.zeros(len(fillings))
    if model_after:
        tokens = [vocab.encode(encode_notes(f, bar, start=offset + gap[0])) for f in fillings]
        _, ahead = fill_scores(composer.engine.model, prompt, tokens,
                               vocab.encode(encode_notes(model_after, bar, start=offset + gap[1])), vocab.pad_id)
    joins = torch.tensor([join_score(model_before, f, model_after) for f in fillings])
    return ahead + join_weight * joins


def _to_model(note: Note, shift: int) -> Note:
    return Note(None if note.pitch is None else _fold(note.pitch + shift), note.ticks)
