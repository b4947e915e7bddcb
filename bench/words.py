"""Words and music: the rhythm words get (`/melody lyrics:`), how their melodies end, and the lines a melody's
words are cut into (`/lyrics notes:`, Apps → Lyrics for this melody).

    python -m bench.words [--lines 400] [--melodies 100] [--tunes 400]

Rhythm (``studio.lyrics.setting.rhythm_for_words``, no model): held-out lines of the lyric model's modern text
(``data.modern``'s test split, 6-10 words) set in 4/4, 3/4 and 6/8 at each density: syllables a bar, stressed
syllables on strong beats (and on any beat: a busy setting stresses every beat), unstressed
syllables (not a line's last) held two beats or more, and syllables that start off the beat and hold across the next
one (syncopation). Endings (``Composer.melody``, the shipped model): two such lines sung as one melody, in five keys
by turns, seeds 0, 1, ...: the step into the last note (the corpus's tunes: by a 4th or 5th 5%, by a 2nd 61%), and
the time per melody on this machine. Lines (``studio.lyrics.setting.phrases``, no model): the openings of ``--tunes``
corpus tunes (``data/tunes.json.gz``, shuffled with seed 0) cut into sung lines: how many bars each spans (songs sing
a line to two bars), how many start on an even bar from the first (a line across a phrase's middle does not), and
their syllables.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter

from data.events import Melody, Meter
from data.form import last_step
from data.modern import lyric_lines
from data.tunes import load_index
from studio.lyrics.setting import _slots, phrases, rhythm_for_words

KEYS = ("C major", "G major", "A minor", "D major", "E minor")


def held_out_lines(count: int) -> list[str]:
    lines = [v.text for v in lyric_lines("test") if 6 <= len(v.text.split()) <= 10]
    random.Random(1).shuffle(lines)
    return lines[:count]


def rhythm_row(lines: list[str], meter: Meter, density: str = "natural") -> str:
    stressed = on_strong = on_beat = unstressed = held = syllables = syncopated = bars = ends_held = 0
    beat = meter.beat_ticks
    for text in lines:
        slots = iter(_slots(text))
        now = 0
        for syllable, ticks in rhythm_for_words(text, meter, density):
            if syllable is not None:
                slot = next(slots)
                syllables += 1
                last = ticks
                if slot.syllable.stressed:
                    stressed += 1
                    on_strong += now % meter.bar_ticks in meter.strong_ticks
                    on_beat += now % beat == 0
                elif not slot.phrase_end:
                    unstressed += 1
                    held += ticks >= 2 * beat
                syncopated += now % beat != 0 and now % beat + ticks > beat
            now += ticks
        bars += now / meter.bar_ticks
        ends_held += last >= 2 * beat
    return (f"| {meter} | {density} | {syllables / bars:.1f} | {on_strong / stressed:.1%} | {on_beat / stressed:.1%} | "
            f"{held / unstressed:.1%} | {syncopated / syllables:.1%} | {ends_held / len(lines):.1%} |")


async def endings(lines: list[str], count: int) -> str:
    from studio.melody import Composer
    from studio.requests import MelodyRequest

    composer = Composer.load()
    steps: Counter[int] = Counter()
    times = []
    try:
        for i in range(count):
            text = f"{lines[i % len(lines)]}, {lines[(i + count) % len(lines)]}"
            t0 = time.perf_counter()
            result = await composer.melody(MelodyRequest(None, lyrics=text, seed=i, key=KEYS[i % len(KEYS)]))
            times.append(time.perf_counter() - t0)
            steps[min(last_step(result.melody.notes) or 0, 8)] += 1
    finally:
        composer.close()

    def share(*sizes: int) -> str:
        return f"{sum(steps[s] for s in sizes) / count:.0%}"

    return (f"| {count} | {share(0)} | {share(1, 2)} | {share(3, 4)} | {share(5, 6, 7)} | {share(8)} | "
            f"{statistics.median(times) * 1e3:.0f} ms |")


def line_rows(count: int) -> str:
    """The sung lines of ``count`` corpus openings: their bar spans, starts on an even bar and syllables."""
    tunes = list(load_index())
    random.Random(0).shuffle(tunes)
    spans: Counter[int] = Counter()
    syllables, even = [], 0
    for tune in tunes[:count]:
        melody = Melody(tuple(tune.notes), meter=Meter.parse(tune.meter))
        bar = melody.meter.bar_ticks
        for line in phrases(melody):
            first = round(line.start / bar)  # a pickup of less than half a bar belongs to the bar after it
            spans[min(-(-line.end // bar) - first, 5)] += 1
            even += first % 2 == 0
            syllables.append(line.syllables)
    n = len(syllables)

    def share(*keys: int) -> str:
        return f"{sum(spans[k] for k in keys) / n:.0%}"

    return (f"| {count} | {n} | {share(0, 1)} | {share(2)} | {share(3)} | {share(4)} | {share(5)} | {even / n:.1%} | "
            f"{statistics.mean(syllables):.1f} | {sum(s > 14 for s in syllables) / n:.1%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--melodies", type=int, default=100)
    parser.add_argument("--tunes", type=int, default=400)
    args = parser.parse_args()
    lines = held_out_lines(args.lines)
    print(f"{len(lines)} held-out lines\n")
    print("| meter | density | syllables a bar | stressed syllables on strong beats | on a beat | unstressed held 2 "
          "beats or more | syncopated syllables | last syllable held 2 beats or more |")
    print("|---|---|---|---|---|---|---|---|")
    for meter in ("4/4", "3/4", "6/8"):
        for density in ("sparse", "natural", "busy"):
            print(rhythm_row(lines, Meter.parse(meter), density))
    if args.tunes:
        print("\n| tunes | lines | 1 bar | 2 bars | 3 bars | 4 bars | more | start on an even bar | syllables "
              "| over 14 |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        print(line_rows(args.tunes))
    if args.melodies:
        print("\n| melodies | into the last note: repeated | a 2nd | a 3rd | a 4th or 5th | wider | p50 a melody |")
        print("|---|---|---|---|---|---|---|")
        print(asyncio.run(endings(lines, args.melodies)))


if __name__ == "__main__":
    main()
