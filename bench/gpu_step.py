"""Where a decoding step's time goes: wall time per step for one request alone and for many at once and, on a GPU,
each captured graph's own time and the profiler's kernel table for one request alone.

    python -m bench.gpu_step [DEVICE] [N]        # default: cuda 1024 (on a CPU: cpu 64)

One request is a 16-bar `/melody` (about 150 steps). It prints ``steps``, ``us/step`` and tokens/s for 1 and N
concurrent requests (twice each, after a warm-up), then per bucket ``graph replay`` (the GPU time of one captured step)
and the top kernels. Issue 17's GPU targets: <= 8 ms for one 128-token request, >= 5M tokens/s at 1,024.
"""

from __future__ import annotations

import asyncio
import sys
import time

import torch

from bench.engine import request
from studio.melody import DEFAULT_CHECKPOINT, Composer


async def main(device: str, big: int) -> None:
    composer = Composer.load(DEFAULT_CHECKPOINT, device, max_batch=big, max_queue=2 * big)
    engine = composer.engine

    async def generate(n: int) -> tuple[float, int]:
        grammars = []
        for i in range(n):
            r = request(i, 16)
            assert r.parsed_key is not None
            grammars.append(composer.grammar(r, composer.validate(r), r.parsed_key))
        t0 = time.perf_counter()
        done = await asyncio.gather(*[engine.generate(g, i) for i, g in enumerate(grammars)])
        return time.perf_counter() - t0, sum(2 * len(d.notes) for d in done)

    try:
        for n in (1, big):
            await generate(n)  # warm-up: graphs captured, caches filled
        for n in (1, 1, big, big):
            before = engine.steps
            seconds, tokens = await generate(n)
            steps = max(engine.steps - before, 1)
            print(f"{n:5d} requests: {seconds * 1e3:8.1f} ms, {tokens} tokens, {steps} steps, "
                  f"{seconds / steps * 1e6:6.0f} us/step, {tokens / seconds:,.0f} tok/s", flush=True)
        if torch.device(device).type != "cuda" or engine._decoder is None:
            return
        for size, (_, graph) in sorted(engine._decoder._graphs.items()):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            for _ in range(200):
                graph.replay()
            end.record()
            torch.cuda.synchronize()
            print(f"bucket {size:5d}: graph replay {start.elapsed_time(end) / 200 * 1e3:.1f} us", flush=True)
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            await generate(1)
        print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=25))
    finally:
        composer.close()


if __name__ == "__main__":
    cuda = torch.cuda.is_available()
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "cuda" if cuda else "cpu",
                     int(sys.argv[2]) if len(sys.argv) > 2 else 1024 if cuda else 64))
