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
from studio.melody import DEFAULT_CHECKPOINT, Composer, MelodyResult
from studio.render import melody_files
from studio.requests import MelodyRequest


def describe(result: MelodyResult) -> str:
    """The summary a user reads: key, meter, tempo, bars, how to reproduce, the notes."""
    r, m = result.request, result.melody
    key = f"{m.key}{' (inferred from your seed)' if result.key_inferred else ''}"
    return (f"Key: {key}\nMeter: {m.meter}   Tempo: {m.tempo} bpm   Bars: {m.bars}   Style: {r.style}\n"
            f"Temperature: {r.temperature}   top_p: {r.top_p}   RNG seed: {r.seed}\n"
            f"Reproduce: {result.reproduce}\n\n{result.text}\n")


def write_melody(result: MelodyResult, out: Path) -> list[Path]:
    """Write the note text, piano roll and MIDI of a result into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"melody-{result.request.seed}"
    paths = []
    for attachment in melody_files(result.melody, stem):
        path = out / attachment.filename
        path.write_bytes(attachment.data)
        paths.append(path)
    text = out / f"{stem}.txt"
    text.write_text(describe(result))
    return [text, *paths]


async def run_melody(args: argparse.Namespace) -> int:
    request = MelodyRequest(
        notes=args.notes, bars=args.bars, temperature=args.temperature, top_p=args.top_p, seed=args.seed,
        key=args.key, meter=args.meter, tempo=args.tempo, style=args.style,
    )
    composer = Composer.load(args.checkpoint, args.device)
    try:
        result = await composer.melody(request)
    finally:
        composer.close()
    loop = asyncio.get_running_loop()
    paths = await loop.run_in_executor(None, write_melody, result, args.out)
    print(describe(result))
    print("Wrote:")
    for path in paths:
        print(f"  {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="musicgenius", description="MusicGenius composition assistant (local).")
    commands = parser.add_subparsers(dest="command", required=True)
    melody = commands.add_parser("melody", help="continue a melody from a few typed notes")
    melody.add_argument("notes", help='seed notes, e.g. "C E G" or "C4:q D4:e E4:e G4:h" or "do re mi"')
    melody.add_argument("--bars", type=int, default=8, help="length of the whole melody in bars (default 8)")
    melody.add_argument("--temperature", type=float, default=1.0, help="0.1-2.0: higher is more adventurous")
    melody.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass, 0.1-1.0")
    melody.add_argument("--seed", type=int, default=None, help="RNG seed: the same seed gives the same melody")
    melody.add_argument("--key", default=None, help='e.g. "G major", "E minor", "D dorian" (default: from the seed)')
    melody.add_argument("--meter", default="4/4", help="time signature, e.g. 4/4, 3/4, 6/8")
    melody.add_argument("--tempo", type=int, default=110, help="beats per minute")
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
