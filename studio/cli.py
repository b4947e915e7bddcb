"""Local command line: the same commands as the Discord bot, writing files to a folder.

    musicgenius melody "C E G" --bars 8 --seed 42 --out out/
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from data.events import STYLES, MusicError
from model.engine import EngineBusy
from studio.melody import DEFAULT_CHECKPOINT, Composer, MelodyResult, midi_request
from studio.render import melody_files
from studio.requests import MelodyRequest


def describe(result: MelodyResult) -> str:
    """The summary a user reads: key, meter, tempo, bars, how to reproduce, the notes."""
    r, m = result.request, result.melody
    key = f"{m.key}{' (inferred from your seed)' if result.key_inferred else ''}"
    return (f"Key: {key}\nMeter: {m.meter}   Tempo: {m.tempo} bpm   Bars: {m.bars}   Style: {r.style}\n"
            f"Temperature: {r.temperature}   top_p: {r.top_p}   RNG seed: {r.seed}\n"
            f"Reproduce: {result.reproduce}\n\n{result.text}\n")


def write_melody(result: MelodyResult, out: Path, stem: str) -> list[Path]:
    """Write the note text and every file of one result into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    text = out / f"{stem}.txt"
    text.write_text(describe(result))
    paths = [text]
    for attachment in melody_files(result.melody, stem, title=stem):
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        paths.append(path)
    return paths


async def run_melody(args: argparse.Namespace) -> int:
    options = dict(bars=args.bars, temperature=args.temperature, top_p=args.top_p, seed=args.seed, key=args.key,
                   style=args.style, count=args.count)
    if args.midi is not None:
        try:
            data = args.midi.read_bytes()
        except OSError as exc:
            raise MusicError(f"I can't read `{args.midi}`: {exc.strerror}. Give the path of a .mid file.") from None
        request = midi_request(data, args.track, meter=args.meter, tempo=args.tempo, **options)
    elif args.notes:
        request = MelodyRequest(notes=args.notes, meter=args.meter or "4/4", tempo=args.tempo or 110, **options)
    else:
        raise MusicError('Give me notes to start from, e.g. `musicgenius melody "C E G"`, or `--midi song.mid`.')
    composer = Composer.load(args.checkpoint, args.device)
    try:
        results = await composer.candidates(request)
    finally:
        composer.close()
    loop = asyncio.get_running_loop()
    for i, result in enumerate(results, start=1):
        stem = f"melody-{result.request.seed}" if len(results) == 1 else f"melody-{results[0].request.seed}-{i}"
        paths = await loop.run_in_executor(None, write_melody, result, args.out, stem)
        print(f"=== {'Melody' if len(results) == 1 else f'Candidate {i}'} ===")
        print(describe(result))
        print("Wrote:")
        for path in paths:
            print(f"  {path}")
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musicgenius", description="MusicGenius composition assistant (local).")
    commands = parser.add_subparsers(dest="command", required=True)
    melody = commands.add_parser("melody", help="continue a melody from a few typed notes")
    melody.add_argument("notes", nargs="?", default="",
                        help='seed notes, e.g. "C E G" or "C4:q D4:e E4:e G4:h" or "do re mi"')
    melody.add_argument("--bars", type=int, default=8, help="length of the whole melody in bars (default 8)")
    melody.add_argument("--temperature", type=float, default=1.0, help="0.1-2.0: higher is more adventurous")
    melody.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass, 0.1-1.0")
    melody.add_argument("--seed", type=int, default=None, help="RNG seed: the same seed gives the same melody")
    melody.add_argument("--key", default=None, help='e.g. "G major", "E minor", "D dorian" (default: from the seed)')
    melody.add_argument("--meter", default=None, help="time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)")
    melody.add_argument("--tempo", type=int, default=None, help="beats per minute (default 110)")
    melody.add_argument("--count", type=int, default=1, help="how many candidates to write (1-3, default 1)")
    melody.add_argument("--midi", type=Path, default=None, help="continue the melody of this MIDI file instead")
    melody.add_argument("--track", type=int, default=None,
                        help="with --midi: take the melody from this track (1 = first; default: the top voice)")
    melody.add_argument("--style", choices=STYLES, default="irish")
    melody.add_argument("--out", type=Path, default=Path("out"), help="folder for the files (default ./out)")
    melody.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    melody.add_argument("--device", default="cpu")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run_melody(args))
    except (MusicError, EngineBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
