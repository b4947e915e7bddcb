"""The CLI's `analyze` command: a teacher's reading of a melody, printed, with the marked score, MIDI and audio."""

from __future__ import annotations

import argparse

from studio.analysis.files import analysis_files
from studio.analysis.report import analyze, plain_text
from studio.cli.commands import print_written, read_midi, write_files
from studio.cli.syntax import cli_syntax
from studio.errors import MusicError, cmd, opt, render
from studio.inputs import Key, melody_from_midi, melody_from_notes

EXAMPLE = cmd("analyze", notes="G A B C D:h B G")
MAX_NOTES = 256


async def run_analyze(args: argparse.Namespace) -> int:
    if args.midi is not None and args.notes:
        raise MusicError(f"Give me either typed notes or a MIDI file ({opt('midi')}), not both, e.g. {EXAMPLE}.")
    if args.midi is not None:
        given = melody_from_midi(read_midi(args.midi), args.key, args.meter, args.tempo, args.track, MAX_NOTES,
                                 EXAMPLE, str(args.midi))
        origin = render(f"{given.used} {given.cut}".strip(), cli_syntax("analyze"))
    elif args.notes:
        given = melody_from_notes(args.notes, args.key, args.meter, args.tempo, MAX_NOTES, EXAMPLE)
        origin = given.read_as
    else:
        raise MusicError(f"Give me a melody to analyse: type notes, e.g. {EXAMPLE}, or give a MIDI file with "
                         f"{opt('midi', 'song.mid')}.")
    key = Key.parse(args.key) if args.key else given.melody.key if given.key_written else None
    result = analyze(given.melody, key, written=given.key_written)
    text = plain_text(result) + (f"\n{origin}\n" if origin else "")
    paths = write_files(args.out, analysis_files(result, "analysis", "Analysis"), ("analysis.txt", text))
    print(text)
    print_written(paths)
    return 0
