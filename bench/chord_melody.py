"""/melody over typed chords: how often the melody's notes are tones of the chord under them.

    python -m bench.chord_melody [--seeds 8] [--leans 0,0 2,0.6 3,1] [--style irish] [--follow-ups]

For each progression below and each RNG seed, a melody is written from the chords alone (no seed notes), once
per lean setting (``model.chord_grammar``'s ``strong``, ``weak`` and ``repeat``, in nats; ``0,0,0`` is the model
with the chords' key and nothing else, the baseline of the same run). Printed: the share of notes starting on a strong
position (beats 1 and 3 of 4/4) that are chord tones, the same on every beat, over all notes, and the share of
notes outside the key's scale and the chord. For comparison, Twinkle, Mary Had a Little Lamb and Ode to Joy over
their lead sheets (bench.leadsheets' chords): 85% of strong beats, 84% of beats, 82% of all notes. With
``--follow-ups``: More bars after such a melody and words set over `C Am F G`, with the chords and without them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import replace

import model.chord_grammar as grammar_module
from data.events import STYLES
from studio.chord_melody import CHORDS_STYLE, chord_spans
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.rewrite import more_bars

PROGRESSIONS = ("Am F C G", "C G Am F", "| C | F G | C | G7 C |", "D G A D", "Em C G D", "| F | Bb | C7 | F |")


def repeats(notes) -> tuple[int, int, bool]:
    """(notes sounding the pitch of both notes before them, pitched notes, whether some pitch sounds 4+ times in a
    row): a melody stuck on one chord tone."""
    pitches = [n.pitch for n in notes if n.pitch is not None]
    thirds = sum(a == b == c for a, b, c in zip(pitches, pitches[1:], pitches[2:], strict=False))
    fours = any(a == b == c == d for a, b, c, d in zip(pitches, pitches[1:], pitches[2:], pitches[3:], strict=False))
    return thirds, len(pitches), fours


def corpus_repeats(count: int = 300) -> str:
    """``repeats`` over the first 8 bars of ``count`` corpus tunes (what the model learned from)."""
    from data.events import Meter
    from data.tunes import load_index

    rows = []
    for tune in load_index()[:count]:
        end, total, kept = 8 * Meter.parse(tune.meter).bar_ticks, 0, []
        for note in tune.notes:
            if total >= end:
                break
            kept.append(note)
            total += note.ticks
        rows.append(repeats(kept))
    return (f"{sum(r[0] for r in rows) / sum(r[1] for r in rows):.1%} of notes repeat the pitch of the two before "
            f"them, {sum(r[2] for r in rows) / len(rows):.0%} of melodies sound one pitch 4+ times in a row")


def shares(result, chords: str | None = None, after: int = 0) -> tuple[int, int, int, int, int, int, int]:
    """(strong hits, strong notes, beat hits, beat notes, hits, notes, notes outside the scale) over ``chords`` (the
    request's by default), of the notes from ``after`` ticks past the first full bar."""
    m, r = result.melody, result.request
    spans = chord_spans(chords or r.chords, m.meter, m.bars)
    counts = [0] * 7
    for onset, note in zip(m.onsets(), m.notes, strict=True):
        if note.pitch is None:
            continue
        tick = onset - m.pickup  # onsets count from the first note, the chords from the first full bar
        span = next((s for s in spans if s.start <= tick < s.start + s.ticks), None)
        if span is None or tick < after:
            continue
        hit = note.pitch % 12 in span.pitch_classes
        in_bar = (m.start + onset) % m.meter.bar_ticks
        if in_bar in m.meter.strong_ticks:
            counts[0] += hit
            counts[1] += 1
        if in_bar % m.meter.beat_ticks == 0:
            counts[2] += hit
            counts[3] += 1
        counts[4] += hit
        counts[5] += 1
        counts[6] += note.pitch % 12 not in m.key.scale and not hit
    return tuple(counts)  # type: ignore[return-value]


def pace(notes, meter) -> tuple[int, int, int]:
    """(pitched notes, of them shorter than an eighth, bars): how busy a melody is."""
    pitched = [n for n in notes if n.pitch is not None]
    bars = sum(n.ticks for n in notes) // meter.bar_ticks
    return len(pitched), sum(n.ticks < meter.beat_ticks // 2 for n in pitched), bars


async def run(seeds: int, leans: list[tuple[float, ...]], style: str) -> None:
    composer = Composer.load()
    print(f"{len(PROGRESSIONS)} progressions x {seeds} seeds, melodies from the chords alone, 8 bars, {style} style. "
          f"Corpus openings: {corpus_repeats()}.\n")
    print("| lean (strong, weak, repeat) | strong beats on chord tones | beats on chord tones | all notes on chord "
          "tones | notes outside the key and chord | notes repeating the two before | melodies with 4+ in a row | "
          "notes a bar | notes shorter than an eighth | s per melody |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    shipped = grammar_module.STRONG_LEAN, grammar_module.WEAK_LEAN, grammar_module.REPEAT_LEAN
    try:
        for strong, weak, *rest in leans:
            repeat = rest[0] if rest else grammar_module.REPEAT_LEAN
            grammar_module.STRONG_LEAN, grammar_module.WEAK_LEAN = strong, weak
            totals, again, fours, busy = [0] * 7, [0, 0], 0, [0, 0, 0]
            began = time.perf_counter()
            for chords in PROGRESSIONS:
                for seed in range(seeds):
                    grammar_module.REPEAT_LEAN = repeat
                    request = MelodyRequest(notes="", chords=chords, seed=seed, count=1, style=style)
                    result = await composer.melody(request)
                    totals = [a + b for a, b in zip(totals, shares(result), strict=True)]
                    thirds, pitched, four = repeats(result.melody.notes)
                    again, fours = [again[0] + thirds, again[1] + pitched], fours + four
                    busy = [a + b for a, b in zip(busy, pace(result.melody.notes, result.melody.meter), strict=True)]
            per = (time.perf_counter() - began) / (len(PROGRESSIONS) * seeds)
            print(f"| {strong:g}, {weak:g}, {repeat:g} | {totals[0] / totals[1]:.0%} | {totals[2] / totals[3]:.0%} | "
                  f"{totals[4] / totals[5]:.0%} | {totals[6] / totals[5]:.1%} | {again[0] / again[1]:.1%} | "
                  f"{fours / (len(PROGRESSIONS) * seeds):.0%} | {busy[0] / busy[2]:.1f} | {busy[1] / busy[0]:.0%} | "
                  f"{per:.2f} |")
    finally:
        grammar_module.STRONG_LEAN, grammar_module.WEAK_LEAN, grammar_module.REPEAT_LEAN = shipped
        composer.close()


WORDS = "I walked along the river in the rain, and thought of you again"


async def follow_ups(seeds: int) -> None:
    """More bars after a melody over `C Am F G`, and words set over it, with the chords and without them (the
    shipped lean; without: how More bars and words were written before they took the chords)."""
    composer = Composer.load()
    counts = {(what, kept): [0] * 7 for what in ("more bars", "words") for kept in (True, False)}
    try:
        for seed in range(seeds):
            first = await composer.melody(MelodyRequest("", chords="C Am F G", bars=4, seed=seed, count=1))
            for kept in (True, False):
                request = replace(more_bars(first), seed=seed, count=1, chords="C Am F G" if kept else None)
                longer = (await composer.candidates(request))[0]
                row = shares(longer, "C Am F G", after=4 * longer.melody.meter.bar_ticks)  # the new bars
                counts["more bars", kept] = [a + b for a, b in zip(counts["more bars", kept], row, strict=True)]
                words = MelodyRequest("", lyrics=WORDS, key="C major", seed=seed, count=1,
                                      chords="C Am F G" if kept else None)
                row = shares(await composer.melody(words), "C Am F G")
                counts["words", kept] = [a + b for a, b in zip(counts["words", kept], row, strict=True)]
    finally:
        composer.close()
    print(f"\nFollow-ups over `C Am F G`, {seeds} seeds: strong beats on chord tones (all notes)\n")
    print("| written | with the chords | without them |")
    print("|---|---|---|")
    for what in ("more bars", "words"):
        cells = [f"{c[0] / c[1]:.0%} ({c[4] / c[5]:.0%})" for c in (counts[what, True], counts[what, False])]
        print(f"| {what} | {cells[0]} | {cells[1]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--leans", nargs="+", default=["0,0,0", "2,0.6", "3,1,0", "3,1", "4,1.5"],
                        help="strong,weak[,repeat] in nats (repeat: the shipped REPEAT_LEAN when left out)")
    parser.add_argument("--follow-ups", action="store_true", help="also More bars and words over chords")
    parser.add_argument("--style", default=CHORDS_STYLE, choices=STYLES,
                        help=f"the melodies' style (default {CHORDS_STYLE}: /melody's from chords alone)")
    args = parser.parse_args()
    asyncio.run(run(args.seeds, [tuple(float(x) for x in lean.split(",")) for lean in args.leans], args.style))
    if args.follow_ups:
        asyncio.run(follow_ups(args.seeds))


if __name__ == "__main__":
    main()
