"""Melodies that restate bars as folk tunes do: ``data.form``'s plan written in around the model's stretches.

The model writes up to the next restated bar (``MelodyGrammar.stop``), the bar comes back note for note, and the
model writes on from there, seeing everything before it. The stretch before a restated bar is written in
``JOIN_TAKES`` takes and one is kept, drawn by how usual its step into the restated bar is in the corpus (one take:
13% of those steps were wider than a 5th, the corpus's 7%). Measured in ``bench/realism.py``. The last two bars
are written in ``JOIN_TAKES`` takes, ``ENDING_TAKES`` when none of those steps into the final note by a 2nd, and one
is drawn by how usual its step into the final is (one take: a 4th or 5th in a quarter of the replies, in the
corpus's tunes 5%; a semitone 3%, the corpus 21%). 252 replies (``bench.more_bars``' requests x 3): three takes
ended by a 2nd 38%, by a 4th 10%, on a repeated note 32%; three and then three more where none stepped: 51%, 4.8%,
30% (corpus 61%, 2.6%, 22%). Cost: 20 users at once through the fake Discord, replies a second 3.13 -> ~2.7.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from data.events import PIANO_HIGH, PIANO_LOW, Key, Note
from data.form import first_tick, load_form, steps_home, whole_bars
from data.notation import ParsedSeed
from studio.chord_melody import bar_symbols
from studio.options import SEED_MAX
from studio.requests import MelodyRequest

if TYPE_CHECKING:
    from studio.melody import Composer

# Where the corpus's tunes sit, in the model's C-based space: 98% of their median pitches lie in 63-81 (E4-A5).
# A seed whose median lies outside REGISTER is written an octave or more nearer REGISTER_CENTRE and the model's
# notes are moved back by as much, so a bass line goes on in the bass and `C7 E7 G7` is not folded note by note.
REGISTER, REGISTER_CENTRE = (60, 84), 72
FORM_STRIDE = 7_000_003  # take k of the s-th stretch between restated bars uses seed + (s * JOIN_TAKES + k) * stride
JOIN_TAKES = 3  # takes of a stretch before a restated bar
ENDING_TAKES = 6  # takes of the last two bars when the first JOIN_TAKES have no step by a 2nd into the final


async def continue_seed(composer: Composer, request: MelodyRequest, seed: ParsedSeed, key: Key,
                        join_takes: int = JOIN_TAKES, restate: bool = True) -> list[Note]:
    """The continuation of ``seed`` in ``key``, with the bars ``data.form``'s plan restates written in: the
    model writes up to the next restated bar (``MelodyGrammar.stop``: as it would for the whole melody), in
    ``join_takes`` takes of which one is kept, drawn by how usual its step into the restated bar is in the
    corpus; the bar is restated, and the model writes on from there, seeing everything before it. The last two
    bars are the ending's, never restated: they are written in ``ENDING_TAKES`` takes, one kept by how usual its
    step into the final note is. Seeded by ``request.seed`` throughout: reproducible. Without ``restate``, the
    model writes it all in one go."""
    assert request.seed is not None
    octaves = register_octaves(seed.notes, key)
    bar = request.parsed_meter.bar_ticks
    first = first_tick(seed.pickup, bar)  # bar b starts at tick b * bar
    seed_bars = whole_bars(seed.notes, first, bar)
    begin = -(-(first + seed.ticks) // bar)  # the first bar after the seed
    form, rng = load_form(), random.Random(request.seed)
    # a bar before ``begin`` is a source when whole in the seed, or when the seed ends in it (whole once written)
    plan = form.plan(rng, range(begin, request.bars - 1), lambda b: b in seed_bars or b == begin - 1) if restate else {}
    if request.chords:  # a bar comes back only over the same chords (bar b is the progression's b - 1)
        cells = bar_symbols(request.chords, request.parsed_meter, request.bars)
        plan = {b: source for b, source in plan.items() if source >= 1 and cells[b - 1] == cells[source - 1]}
    notes, admitted = list(seed.notes), False  # once admitted, later stretches are not refused as busy
    ending = (request.bars - 1) * bar  # the last two bars, written in ``join_takes`` takes
    for stretch in range(len(plan) + 1):
        now = first + sum(n.ticks for n in notes)
        upcoming = [b for b in sorted(plan) if b * bar >= now]
        if not upcoming and join_takes > 1 and now < ending:  # the bars before them in one take
            notes += (await _stretch(composer, request, replace(seed, notes=tuple(notes)), key, ending - now,
                                     stretch, admitted, 1, octaves))[0]
            admitted, now, stretch = True, ending, len(plan) + 1
        if not upcoming or upcoming[0] * bar > now:
            stop = upcoming[0] * bar - now if upcoming else None
            takes = await _stretch(composer, request, replace(seed, notes=tuple(notes)), key, stop, stretch,
                                   admitted, join_takes, octaves)
            admitted = True
            if stop is None:  # the ending: drawn by how usual its step into the last note is in the corpus
                if join_takes > 1 and not any(steps_home(notes + t) for t in takes):  # no step: more
                    takes += await _stretch(composer, request, replace(seed, notes=tuple(notes)), key, stop,
                                            stretch + 1, admitted, ENDING_TAKES - join_takes, octaves)
                weights = [form.end_weight(notes + t) for t in takes]
                return notes[len(seed.notes):] + (rng.choices(takes, weights)[0] if sum(weights) else takes[0])
            weights = [form.join_weight(notes + t, whole_bars(notes + t, first, bar).get(plan[upcoming[0]], ()))
                       for t in takes]
            notes += rng.choices(takes, weights)[0] if sum(weights) else takes[0]
        for restated in range(upcoming[0], request.bars - 1):
            source = whole_bars(notes, first, bar).get(plan.pop(restated, -1))
            if source is None:
                break
            notes += source
    return notes[len(seed.notes):]


async def _stretch(composer: Composer, request: MelodyRequest, seed: ParsedSeed, key: Key, ticks: int | None,
                   stretch: int, admitted: bool, takes: int, octaves: int = 0) -> list[list[Note]]:
    """``takes`` takes of the model's notes after ``seed`` in ``key``, written together: of the next ``ticks`` (to
    a bar line), or to the end (``ticks`` None). Unless ``admitted``, the first is queued as a new request
    (EngineBusy when the queue is full) and the others only once it is."""
    grammars = [composer.grammar(request, seed, key, octaves) for _ in range(takes)]
    for grammar in grammars:
        grammar.stop = None if ticks is None else grammar.now + ticks
    await generate_takes(composer, request, grammars, stretch, admitted)
    shift = key.transpose_to_c + octaves
    return [[Note(None if n.pitch is None else clamp(n.pitch - shift), n.ticks) for n in g.notes]
            for g in grammars]


async def generate_takes(composer: Composer, request: MelodyRequest, grammars: Sequence[object], stretch: int = 0,
                         admitted: bool = False) -> None:
    """Decode ``grammars`` (takes of one stretch) together, take k seeded ``request.seed + (stretch * JOIN_TAKES + k)
    * FORM_STRIDE``. Unless ``admitted``, the first is queued as a new request (EngineBusy when the queue is full)
    and the others only once it is."""
    assert request.seed is not None
    jobs = []
    for k, grammar in enumerate(grammars):
        rng_seed = (request.seed + (stretch * JOIN_TAKES + k) * FORM_STRIDE) % SEED_MAX
        jobs.append(asyncio.ensure_future(composer.engine.generate(
            grammar, rng_seed, request.temperature, request.top_p, follow_up=admitted or k > 0)))
        if k == 0 and not admitted:
            await asyncio.sleep(0)  # its admission runs first: refused, the others are not queued
            if jobs[0].done() and jobs[0].exception() is not None:
                break
    try:
        await asyncio.gather(*jobs)
    except BaseException:
        for job in jobs:
            job.cancel()
        raise


def register_octaves(notes: tuple[Note, ...] | list[Note], key: Key) -> int:
    """Semitones, whole octaves, that bring the seed's median pitch (in the model's space) into ``REGISTER``: 0 for
    almost every seed, +24 for `C2 E2 G2 C3`, -24 for `C7 E7 G7`."""
    pitches = sorted(n.pitch + key.transpose_to_c for n in notes if n.pitch is not None)
    if not pitches:
        return 0
    median = pitches[len(pitches) // 2]
    if REGISTER[0] <= median <= REGISTER[1]:
        return 0
    return 12 * round((REGISTER_CENTRE - median) / 12)


def clamp(pitch: int) -> int:
    """A pitch kept on the piano."""
    return min(max(pitch, PIANO_LOW), PIANO_HIGH)
