"""Engine throughput: iteration-level batching vs one request at a time, measured in the same run.

    python -m bench.engine [--checkpoint model/checkpoints/melody.pt] [--bars 16] [--device cpu]
                           [--sizes 1 8 64 256] [--precision int8] [--level both]

The first line names the machine (CPU and cores, or GPU), torch, the engine's precision and threads. For each N
(default 1, 8, 64, 256, and 1,024 on a GPU) it prints tokens/s and per-request latency (median and p95) for N
concurrent requests, the same for requests run one at a time through the same engine (the first 64 of them when
N is larger), and the throughput ratio. Tokens are the continuation's pitch and duration tokens (bar lines not
counted).

Levels: ``engine`` times ``Engine.generate`` with each request's grammar built beforehand (decoding alone);
``composer`` times ``Composer.melody`` as the bot calls it (parsing, the grammar, decoding, the originality check).
``--restate-cost N`` instead writes N concurrent melodies with restated bars (as shipped), with one take a stretch,
and in one pass: what restating costs under load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import torch

from studio.melody import DEFAULT_CHECKPOINT, Composer
from studio.originality import phrase_index
from studio.requests import MelodyRequest

BASELINE_MAX = 64  # requests run one at a time per row, at most (the rate does not depend on how many)
WARM_UP = 8  # concurrent requests run before the clock starts

Run = Callable[[int], Awaitable[int]]  # request number -> tokens produced


def machine(device: str) -> str:
    """What the numbers were measured on."""
    if torch.device(device).type == "cuda":
        return f"GPU {torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU {model}, {os.cpu_count()} cores, torch {torch.__version__}"


async def timed(run: Run, i: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    tokens = await run(i)
    return time.perf_counter() - t0, tokens


async def one_at_a_time(run: Run, n: int) -> tuple[float, list[float], int]:
    t0 = time.perf_counter()
    results = [await timed(run, i) for i in range(n)]
    return time.perf_counter() - t0, [r[0] for r in results], sum(r[1] for r in results)


async def concurrent(run: Run, n: int) -> tuple[float, list[float], int]:
    t0 = time.perf_counter()
    results = await asyncio.gather(*[timed(run, i) for i in range(n)])
    return time.perf_counter() - t0, [r[0] for r in results], sum(r[1] for r in results)


def line(label: str, seconds: float, latencies: list[float], tokens: int) -> str:
    p95 = sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)]
    median = statistics.median(latencies)
    return f"{label:33s} {tokens / seconds:9,.0f} tok/s  latency median {median * 1e3:8.1f} ms  p95 {p95 * 1e3:8.1f} ms"


def request(i: int, bars: int) -> MelodyRequest:
    """Request number ``i``: the same seed notes and key, RNG seed ``i``."""
    return MelodyRequest("C E G", bars=bars, seed=i, key="C major")


async def measure(composer: Composer, level: str, bars: int, sizes: list[int]) -> None:
    """Print the rows for one level (see the module docstring)."""
    grammars: dict[int, object] = {}

    def prepare(n: int) -> None:  # the engine level builds each grammar before the clock starts
        if level == "engine":
            for i in range(n):
                r = request(i, bars)
                assert r.parsed_key is not None
                grammars[i] = composer.grammar(r, composer.validate(r), r.parsed_key)

    async def run(i: int) -> int:
        if level == "composer":
            return 2 * len((await composer.melody(request(i, bars))).continuation)
        r = request(i, bars)  # sampled as the composer samples a request (its temperature and top_p)
        done = await composer.engine.generate(grammars.pop(i), i, r.temperature, r.top_p)  # type: ignore[arg-type]
        return 2 * len(done.notes)

    print(f"-- {level}: {'Engine.generate, grammars built beforehand' if level == 'engine' else 'Composer.melody'}")
    prepare(WARM_UP)
    await concurrent(run, WARM_UP)
    for n in sizes:
        k = min(n, BASELINE_MAX)
        prepare(k)
        base = await one_at_a_time(run, k)
        prepare(n)
        batched = await concurrent(run, n)
        print(line(f"{n:5d} requests, one at a time" + ("" if k == n else f" (first {k})"), *base))
        print(line(f"{n:5d} requests, concurrent", *batched))
        speedup = (batched[2] / batched[0]) / (base[2] / base[0])
        print(f"      throughput ratio (concurrent / one at a time): {speedup:.2f}x")


async def restate_cost(composer: Composer, bars: int, n: int) -> None:
    """``n`` concurrent melodies written as the composer writes them (restated bars, in stretches of 3 takes), with
    one take per stretch, and in one pass without restated bars (``Composer._write``: no originality re-write)."""
    print(f"-- restated bars: {n} concurrent melodies, continuation tokens")
    await asyncio.gather(*[composer._write(request(i, bars)) for i in range(8)])  # warm up
    for label, options in (("restated bars, 3 takes a stretch", {}), ("restated bars, 1 take a stretch",
                                                                       {"join_takes": 1}),
                           ("one pass, no restated bars", {"restate": False})):
        async def run(i: int, options: dict = options) -> int:
            return 2 * len((await composer._write(request(i, bars), **options)).continuation)
        print(line(f"  {label}", *await concurrent(run, n)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="concurrent requests per row (default 1 8 64 256, and 1024 on a GPU)")
    parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default=None,
                        help="the engine's weights (default: int8 on a CPU, fp32 on a GPU)")
    parser.add_argument("--level", choices=("engine", "composer", "both"), default="both")
    parser.add_argument("--threads", type=int, default=None, help="the engine's intra-op threads from 16 rows")
    parser.add_argument("--restate-cost", type=int, default=None, metavar="N",
                        help="instead: N concurrent melodies with and without restated bars (studio/restate.py)")
    args = parser.parse_args()
    gpu = torch.device(args.device).type == "cuda"
    sizes = args.sizes or ([1, 8, 64, 256, 1024] if gpu else [1, 8, 64, 256])
    most = max(*sizes, WARM_UP)
    composer = Composer.load(args.checkpoint, args.device, max_batch=most, max_queue=2 * most)
    phrase_index()  # wait for the corpus index Composer.load builds in the background: it would share the CPU
    if args.precision or args.threads:  # the same model, another engine
        from model.engine import Engine

        composer.engine.stop()
        composer.engine = Engine(composer.engine.model, args.device, most, 2 * most,
                                 precision=args.precision, threads=args.threads).start()
    engine = composer.engine
    kernel = f" ({engine.kernel} kernel)" if engine.kernel else ""
    print(f"{machine(args.device)}; checkpoint {args.checkpoint.name} ({composer.info['metrics']['params']:,} params), "
          f"precision {engine.precision}{kernel}, {engine.threads} intra-op thread(s) (1 below 16 rows), "
          f"{'CUDA graphs' if engine.graphs else 'eager'}; {args.bars} bars per request, key given")
    try:
        if args.restate_cost:
            await restate_cost(composer, args.bars, args.restate_cost)
            return
        for level in ("engine", "composer") if args.level == "both" else (args.level,):
            await measure(composer, level, args.bars, sizes)
    finally:
        composer.close()


if __name__ == "__main__":
    asyncio.run(main())
