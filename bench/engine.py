"""Engine throughput: iteration-level batching vs one request at a time, measured in the same run.

    python -m bench.engine [--checkpoint model/checkpoints/melody.pt] [--bars 16] [--device cpu]

For N = 1, 8, 64 concurrent requests it prints tokens/s and per-request latency (median and
p95), and the speed-up against the same N requests run one at a time through the same engine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from studio.melody import DEFAULT_CHECKPOINT, Composer
from studio.requests import MelodyRequest


async def timed(composer: Composer, request: MelodyRequest) -> tuple[float, int]:
    t0 = time.perf_counter()
    result = await composer.melody(request)
    return time.perf_counter() - t0, 2 * len(result.continuation)


async def one_at_a_time(composer: Composer, requests: list[MelodyRequest]) -> tuple[float, list[float], int]:
    t0 = time.perf_counter()
    latencies, tokens = [], 0
    for request in requests:
        latency, n = await timed(composer, request)
        latencies.append(latency)
        tokens += n
    return time.perf_counter() - t0, latencies, tokens


async def concurrent(composer: Composer, requests: list[MelodyRequest]) -> tuple[float, list[float], int]:
    t0 = time.perf_counter()
    results = await asyncio.gather(*[timed(composer, r) for r in requests])
    return time.perf_counter() - t0, [r[0] for r in results], sum(r[1] for r in results)


def line(label: str, seconds: float, latencies: list[float], tokens: int) -> str:
    p95 = sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)]
    return (f"{label:28s} {tokens / seconds:9.0f} tok/s   latency median {statistics.median(latencies) * 1000:7.0f} ms"
            f"   p95 {p95 * 1000:7.0f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 64])
    args = parser.parse_args()
    composer = Composer.load(args.checkpoint, args.device, max_batch=max(args.sizes))
    print(f"checkpoint {args.checkpoint} ({composer.info['metrics']['params']:,} params), device {args.device}, "
          f"{args.bars} bars per request, key given (no key analysis in the timing)")
    try:
        def make(n: int) -> list[MelodyRequest]:
            return [MelodyRequest("C E G", bars=args.bars, seed=i, key="C major") for i in range(n)]

        await concurrent(composer, make(4))  # warm-up
        for n in args.sizes:
            base = await one_at_a_time(composer, make(n))
            batched = await concurrent(composer, make(n))
            print(line(f"{n:3d} requests, one at a time", *base))
            print(line(f"{n:3d} requests, concurrent", *batched))
            speedup = (batched[2] / batched[0]) / (base[2] / base[0])
            print(f"    throughput ratio (concurrent / one at a time): {speedup:.2f}x")
    finally:
        composer.close()


if __name__ == "__main__":
    asyncio.run(main())
