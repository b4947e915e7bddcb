"""Letters typed without octaves: do they read as the tune was written?

    python -m bench.letters [--notes 8 16 32 64]

Corpus tunes held out from fitting (bench.analyze's evaluation tunes: Ryan's, O'Neill's and the Essen songs, parsed
once into ``data/cache/analyze-tunes.json.gz``) are typed as bare letters: each note's pitch class only, the first
one read near F4 as the parser reads it. Three readings give the octaves back: each letter the nearest pitch to the
one before (LilyPond's relative mode; what the parser did before), ``data.octaves.octaves_for`` for every tune, and
what the parser does now (``octaves_for`` where the nearest pitches span more than ``DRIFT`` or there are ``TUNE``
letters or more). Reported per
reading and per length (the first N notes of each tune): the share of tunes with every interval right, the share
of intervals right, and the share whose range came out more than 5 semitones wider than the tune's (drift).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable

from bench.analyze import load
from data.notation import FIRST_REFERENCE
from data.octaves import letter_octaves, nearest_pitch, octaves_for

Reading = Callable[[list[int]], list[int]]


def nearest(pitches: list[int]) -> list[int]:
    """Each pitch moved to the nearest octave to the one before (the first kept)."""
    out = [pitches[0]]
    for p in pitches[1:]:
        out.append(nearest_pitch(p, out[-1]))
    return out


def shipped(pitches: list[int]) -> list[int]:
    return letter_octaves(nearest(pitches))


READINGS: dict[str, Reading] = {"nearest pitch": nearest, "octaves_for, every tune": octaves_for,
                                "shipped (octaves_for past DRIFT or TUNE)": shipped}


def score(reading: Reading, tunes: list[list[int]], length: int) -> tuple[float, float, float]:
    """(tunes with every interval right, intervals right, tunes drifting more than 5 semitones wider)."""
    whole = right = count = wide = 0
    for pitches in tunes:
        real = pitches[:length]
        first = nearest_pitch(real[0], FIRST_REFERENCE)
        read = reading([first, *(p % 12 + 60 for p in real[1:])])
        ok = [b - a == d - c for (a, b), (c, d) in zip(itertools.pairwise(real), itertools.pairwise(read),
                                                         strict=True)]
        whole += all(ok)
        right += sum(ok)
        count += len(ok)
        wide += (max(read) - min(read)) - (max(real) - min(real)) > 5
    return whole / len(tunes), right / count, wide / len(tunes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, nargs="+", default=[8, 16, 32, 64])
    args = parser.parse_args()
    tunes = [p for t in load() if t.use != "fit"
             if len(p := [n.pitch for n in t.melody.notes if n.pitch is not None]) >= 8]
    print(f"{len(tunes)} held-out tunes of 8 notes or more, typed as letters\n")
    print("| reading | notes | tunes, every interval right | intervals right | range >5 semitones too wide |")
    print("|---|---|---|---|---|")
    for length in args.notes:
        for name, reading in READINGS.items():
            whole, right, wide = score(reading, tunes, length)
            print(f"| {name} | {length} | {whole:.1%} | {right:.1%} | {wide:.1%} |")


if __name__ == "__main__":
    main()
