"""`musicgenius transform`: a melody in another mode, key, rhythm, style, tempo or register, printed with the notes
before and after, and written as files into a folder (the result's, and a piano roll of both)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from studio.cli.commands import given_melody, print_written
from studio.cli.syntax import cli_syntax
from studio.errors import MusicError, cmd, render
from studio.melody import Composer
from studio.render import before_after_png
from studio.retime import meter_hint
from studio.transform import (
    TransformResult,
    chords_note,
    shown_text,
    transform_candidates,
    transform_request,
    unsampled_note,
)
from studio.transform_targets import Targets, no_targets

EXAMPLE = cmd("transform", notes="E D C D | E E E:h | D:q D D:h | E:q G G:h", mode="minor", rhythm="jig")


async def run_transform(args: argparse.Namespace) -> int:
    from studio.cli.main import describe, write_melody  # imported here: the CLI's main module imports this one

    targets = Targets(mode=args.mode, transpose=args.transpose, rhythm=args.rhythm, style=args.style, tempo=args.tempo,
                      register=args.register)
    if not targets.given:
        raise no_targets()
    try:
        given, origin = given_melody(argparse.Namespace(**{**vars(args), "tempo": None}), EXAMPLE)  # --tempo: new one
    except MusicError as exc:
        raise meter_hint(exc, args.meter) from exc
    options = {name: getattr(args, name) for name in ("count", "seed", "temperature")
               if getattr(args, name) is not None}
    options["notation"] = args.notation or given.notation  # as typed
    request = transform_request(given.melody, targets, args.chords, **options).with_seed()
    composer = Composer.load(args.checkpoint, args.device) if targets.style else None  # the model writes styles only
    try:
        results = await transform_candidates(composer, request)
    finally:
        if composer is not None:
            composer.close()
    first = results[0]
    print(f"Transformed: {first.what}." + (f" {origin}" if origin else ""))
    if unused := unsampled_note(targets, options, lambda option: f"--{option}"):
        print(unused)
    if left := chords_note(args.chords, request):
        print(render(left, cli_syntax("transform")))
    print(f"Before: {shown_text(given.melody, request.notation)}")
    print()
    loop = asyncio.get_running_loop()
    for i, result in enumerate(results, start=1):
        stem = f"transform-{result.request.seed}" if len(results) == 1 else f"transform-{first.request.seed}-{i}"
        paths = await loop.run_in_executor(None, write_melody, result, args.out, stem)
        paths.append(await loop.run_in_executor(None, _write_roll, result, args, stem))
        print(f"=== {'After' if len(results) == 1 else f'Variation {i}'} ===")
        print(describe(result))
        print_written(paths)
        print()
    return 0


def _write_roll(result: TransformResult, args: argparse.Namespace, stem: str) -> Path:
    """A piano roll of the melody before the change and after it."""
    assert result.before is not None
    path = args.out / f"{stem}-before-after.png"
    path.write_bytes(before_after_png(result.before, [result.melody]))
    return path
