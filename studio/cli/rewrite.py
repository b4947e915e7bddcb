"""`musicgenius rewrite` and `musicgenius extend`: some bars of a melody written again, or more bars after its end,
printed and written as files into a folder, like `musicgenius melody`'s candidates."""

from __future__ import annotations

import argparse
import asyncio

from studio.cli.commands import given_melody, print_written
from studio.errors import MusicError, cmd, opt
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.rewrite import RewriteResult, extend_request, rewrite_request

REWRITE_EXAMPLE = cmd("rewrite", notes="E D C D | E E E:h | D:q D D:h | E:q G G:h", bars="3")
EXTEND_EXAMPLE = cmd("extend", notes="E D C D E E E:h", bars=4)


def _options(args: argparse.Namespace, *names: str) -> dict:
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


async def run_rewrite(args: argparse.Namespace) -> int:
    if not args.bars:
        raise MusicError(f"Say which bars to write again, e.g. {opt('bars', '3-4')}: {REWRITE_EXAMPLE}.", "bars",
                         "3-4")
    given, origin = given_melody(args, REWRITE_EXAMPLE)
    options = _options(args, "count", "seed", "style", "density", "temperature", "top_p", "chords")
    request = rewrite_request(given.melody, args.bars, **options, notation=given.notation)
    return await _write(args, request, origin)


async def run_extend(args: argparse.Namespace) -> int:
    given, origin = given_melody(args, EXTEND_EXAMPLE)
    request = extend_request(given.melody, args.bars, notation=given.notation,
                             **_options(args, "count", "seed", "style", "density", "ending", "temperature", "top_p",
                                        "chords"))
    return await _write(args, request, origin)


async def _write(args: argparse.Namespace, request: MelodyRequest, origin: str) -> int:
    from studio.cli.main import describe, write_melody  # imported here: the CLI's main module imports this one

    composer = Composer.load(args.checkpoint, args.device)
    try:
        results = await composer.candidates(request)
    finally:
        composer.close()
    loop = asyncio.get_running_loop()
    first = results[0]
    assert isinstance(first, RewriteResult)
    print(f"{first.what.capitalize()}: the new bars are in [ ], every other bar is as it was." +
          (f" {origin}" if origin else ""))
    print()
    for i, result in enumerate(results, start=1):
        stem = f"{args.command}-{result.request.seed}" if len(results) == 1 else \
            f"{args.command}-{first.request.seed}-{i}"
        paths = await loop.run_in_executor(None, write_melody, result, args.out, stem)
        print(f"=== {'Melody' if len(results) == 1 else f'Candidate {i}'} ===")
        print(describe(result))
        print_written(paths)
        print()
    return 0
