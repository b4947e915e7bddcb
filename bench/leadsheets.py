"""/chords on well-known public-domain songs against the chords their lead sheets give them.

    python -m bench.leadsheets [--rhythm half-bar] [--styles chorale pop] [--show]

Chorales and folk tunes come without chord symbols, so bench.harmony scores the pop style only by chord tones. A
songwriter checks it on songs everyone knows: Twinkle, Happy Birthday, Amazing Grace. Each song below is typed as
a user types it (key and meter given, so only the harmonisation is judged) with the chords of its common lead
sheet, one cell per bar: one chord for the bar, or one per half bar (``F C``); ``/`` separates chords that
lead sheets give equally often (``G/Em``). A half bar (4/4 and 6/8; a whole bar in 3/4) agrees when /chords sounds
a chord there with the same root and the same triad (a seventh counts as its triad: G7 is G). Also counted:
chord changes a bar, /chords' against the lead sheets'. ``--show`` prints every song, bar by bar. The lead sheets
are the common versions as a musician plays them (written from memory and checked bar by bar against the melody).
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass

from studio.harmony.harmonizer import HarmonyResult, harmonize_melody
from studio.inputs import melody_from_notes

NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


@dataclass(frozen=True)
class Song:
    name: str
    key: str
    meter: str
    notes: str
    chords: str  # lead-sheet cells: "C | F C | G/G7 C |"


SONGS = (
    Song("Twinkle, Twinkle, Little Star", "C major", "4/4",
         "C:q C G G | A A G:h | F:q F E E | D D C:h | G:q G F F | E E D:h | G:q G F F | E E D:h | "
         "C:q C G G | A A G:h | F:q F E E | D D C:h",
         "C | F C | F C | G C | C F/G | C G | C F/G | C G | C | F C | F C | G C"),
    Song("Mary Had a Little Lamb", "C major", "4/4",
         "E:q D C D | E E E:h | D:q D D:h | E:q G G:h | E:q D C D | E E E E | D D E D | C:w",
         "C | C | G | C | C | C | G | C"),
    Song("Ode to Joy", "C major", "4/4",
         "E:q E F G | G F E D | C C D E | E:q. D:e D:h | E:q E F G | G F E D | C C D E | D:q. C:e C:h",
         "C | G | C | C/G G | C | G | C | G C"),
    Song("Jingle Bells", "C major", "4/4",
         "E:q E E:h | E:q E E:h | E:q G C:q. D:e | E:w | F:q F F:q. F:e | F:q E E E:e E:e | E:q D D E | D:h G:h",
         "C | C | C | C | F | F C | C/D/G D/G | G"),
    Song("Happy Birthday", "G major", "3/4",
         "D:e. D:s | E:q D G | F#:h D:e. D:s | E:q D A | G:h D:e. D:s | D5:q B G | F# E C5:e. C5:s | B:q G A | "
         "G:h.",
         "G | D | D | G | G | C/Em | G/D | G"),
    Song("Amazing Grace", "G major", "3/4",
         "D:q | G:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | D5:h. | D5:h B:q | "
         "D5:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | G:h.",
         "G | G | C | G | G | G/Em | D | D | G | G | C | G | G/Em | D/G | G"),
    Song("Oh! Susanna", "C major", "4/4",
         "C:e D:e | E:q G G:q. A:e | G:q E C:q. D:e | E:q E D C | D:h. C:e D:e | E:q G G:q. A:e | "
         "G:q E C:q. D:e | E:q E D D | C:h.",
         "C | C | C C/G | G | C | C | C/G G | C"),
    Song("Row, Row, Row Your Boat", "C major", "6/8",
         "C:q. C:q. | C:q D:e E:q. | E:q D:e E:q F:e | G:h. | C5:e C5:e C5:e G:e G:e G:e | "
         "E:e E:e E:e C:e C:e C:e | G:q F:e E:q D:e | C:h.",
         "C | C | C | C | C | C | G/C G | C"),
    Song("London Bridge", "C major", "4/4",
         "G:q. A:e G:q F | E F G:h | D:q E F:h | E:q F G:h | G:q. A:e G:q F | E F G:h | D:h G:h | E:q C:h.",
         "C | C | G | C | C | C | G | C"),
    Song("Yankee Doodle", "C major", "4/4",
         "C:q C D E | C E D G3 | C:q C D E | C:h B3:h | C:q C D E | F E D C | B3 G3 A3 B3 | C:h C:h",
         "C | C G | C | C G | C | F/C F/C/G | G | C"),
    Song("Auld Lang Syne", "F major", "4/4",
         "C:q | F:q. F:e F:q A | G:q. F:e G:q A | F:q. F:e A:q C5 | D5:h. D5:q | C5:q. A:e A:q F | "
         "G:q. F:e G:q A | F:q. D:e D:q C | F:h.",
         "F | C | F | Bb | F | C | Dm/F/Bb Bb/C/Gm/Dm | F"),
    Song("Silent Night", "C major", "3/4",
         "G:q. A:e G:q | E:h. | G:q. A:e G:q | E:h. | D5:h D5:q | B:h. | C5:h C5:q | G:h. | A:h A:q | "
         "C5:q. B:e A:q | G:q. A:e G:q | E:h. | A:h A:q | C5:q. B:e A:q | G:q. A:e G:q | E:h. | D5:h D5:q | "
         "F5:q. D5:e B:q | C5:h. | E5:h. | C5:q. G:e E:q | G:q. F:e D:q | C:h.",
         "C | C | C | C | G | G | C | C | F | F | C | C | F | F | C | C | G | G | C | C | C | G | C"),
)


def triad(symbol: str) -> tuple[int, str]:
    """'F#m7' -> (6, 'm'); 'Bb' -> (10, ''); 'Bdim' -> (11, 'dim'): root pitch class and triad."""
    m = re.fullmatch(r"([A-G])([#b]?)(.*)", symbol.strip())
    if not m:
        raise ValueError(f"not a chord symbol: {symbol!r}")
    root = (NAMES[m[1]] + {"#": 1, "b": -1, "": 0}[m[2]]) % 12
    rest = m[3].split("/")[0]
    if rest.startswith(("dim", "°", "m7b5", "ø")):
        return root, "dim"
    if rest.startswith("aug") or rest.startswith("+"):
        return root, "aug"
    return root, "m" if rest.startswith("m") and not rest.startswith("maj") else ""


def cells(song: Song) -> list[list[set[tuple[int, str]]]]:
    """Per bar, per half bar (or one entry for a whole-bar chord), the accepted triads."""
    return [[{triad(s) for s in half.split("/")} for half in cell.split()] for cell in song.chords.split("|")]


def judge(song: Song, result: HarmonyResult) -> tuple[int, int, int, int, list[str]]:
    """(half bars agreeing, half bars, /chords' changes, the lead sheet's changes, /chords' cells)."""
    melody, meter = result.melody, result.melody.meter
    bar = meter.bar_ticks
    halves = 1 if meter.numerator == 3 else 2
    first = bar if result.pickup else 0
    agree = total = ours_changes = ref_changes = 0
    shown: list[str] = []
    previous_ours = previous_ref = None
    for b, cell in enumerate(cells(song)):
        start = first + b * bar
        if start >= melody.ticks:
            break
        names = []
        for h in range(halves):
            tick = start + h * bar // halves
            if tick >= melody.ticks:
                break
            accepted = cell[min(h, len(cell) - 1)]  # a one-chord cell holds for both halves
            chord = result.chord_at(tick)
            ours = (chord.root, triad(chord.symbol)[1]) if chord else None
            names.append(chord.symbol if chord else "N.C.")
            total += 1
            agree += ours in accepted
            ref = frozenset(accepted)
            ours_changes += previous_ours is not None and ours != previous_ours
            ref_changes += previous_ref is not None and ref.isdisjoint(previous_ref)
            previous_ours, previous_ref = ours, ref
        shown.append(" ".join(names) if len(set(names)) > 1 else names[0])
    return agree, total, ours_changes, ref_changes, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rhythm", default="half-bar", choices=("beat", "half-bar", "bar"))
    parser.add_argument("--styles", nargs="+", default=["chorale", "pop"])
    parser.add_argument("--show", action="store_true", help="print each song's chords beside its lead sheet")
    args = parser.parse_args()
    t0 = time.perf_counter()
    print(f"{len(SONGS)} songs, rhythm {args.rhythm}\n")
    print("| style | half bars agreeing with the lead sheet | songs fully agreeing "
          "| changes a bar, /chords / lead sheet |")
    print("|---|---|---|---|")
    shows = []
    for style in args.styles:
        agree = total = ours = ref = whole = 0
        for song in SONGS:
            melody = melody_from_notes(song.notes, key=song.key, meter=song.meter).melody
            a, t, o, r, shown = judge(song, harmonize_melody(melody, args.rhythm, style))
            agree, total, ours, ref, whole = agree + a, total + t, ours + o, ref + r, whole + (a == t)
            shows.append(f"{style:8s} {song.name} ({a}/{t}):\n   lead sheet | {song.chords} |\n"
                         f"   /chords    | {' | '.join(shown)} |")
        bars = sum(len(cells(s)) for s in SONGS)
        print(f"| {style} | {agree}/{total} = {agree / total:.1%} | {whole} of {len(SONGS)} | "
              f"{ours / bars:.2f} / {ref / bars:.2f} |")
    if args.show:
        print("\n```\n" + "\n".join(shows) + "\n```")
    print(f"\n{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
