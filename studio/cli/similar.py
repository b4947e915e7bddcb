"""`musicgenius similar`: the corpus tunes closest to a melody, printed, with a piano roll of each shared passage."""

from __future__ import annotations

import argparse

from studio.cli.commands import given_melody, print_written, write_files
from studio.errors import cmd
from studio.similar import SCORE_HELP, check_similar_length, similar_files, similar_tunes, summary_lines


async def run_similar(args: argparse.Namespace) -> int:
    given, origin = given_melody(args, cmd("similar", notes="G:e A B D:q B:e D E:q"))
    melody = given.melody
    check_similar_length(melody)
    found = similar_tunes(melody, args.count)
    pitched = sum(n.pitch is not None for n in melody.notes)
    lines = [f"Corpus tunes closest to your melody ({pitched} notes, {melody.key}, {melody.meter})",
             *([origin] if origin else []), ""]
    for rank, item in enumerate(found, start=1):
        lines += [*summary_lines(item, rank), ""]
    if not found:
        lines.append("No tune in the corpus shares a run of 6 notes with it (same intervals and rhythm, in any key and "
                     "at any tempo): it's all yours.")
    lines.append(SCORE_HELP)
    summary = "\n".join(lines)
    paths = write_files(args.out, similar_files(found), ("similar.txt", summary + "\n"))
    print(summary, end="\n\n")
    print_written(paths)
    return 0
