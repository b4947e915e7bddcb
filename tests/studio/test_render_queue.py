"""The render queue: work in the process pool, a reply's first files before other replies' late ones."""

from __future__ import annotations

import asyncio
import time

from studio.work import RenderQueue, workers


def finish_after(seconds: float) -> float:
    """Runs in a render worker: sleep, then say when it finished."""
    time.sleep(seconds)
    return time.time()


async def test_first_files_overtake_late_files_waiting_for_a_worker():
    queue = RenderQueue()
    await asyncio.gather(*[queue.run(finish_after, 0) for _ in range(workers())])  # the pool is started
    busy = [asyncio.create_task(queue.run(finish_after, 0.6)) for _ in range(workers())]  # every worker taken
    await asyncio.sleep(0.1)
    late = [asyncio.create_task(queue.run(finish_after, 0.3, later=True)) for _ in range(workers())]
    await asyncio.sleep(0.05)
    first = asyncio.create_task(queue.run(finish_after, 0))  # arrives after the late files
    await asyncio.sleep(0.05)
    assert queue.pending == 2 * workers() + 1
    first_done = await first
    late_done = await asyncio.gather(*late)
    await asyncio.gather(*busy)
    assert first_done < min(late_done)  # FIFO would have run it after them
    assert queue.pending == 0


async def test_a_cancelled_wait_gives_its_turn_to_the_next():
    queue = RenderQueue()
    busy = [asyncio.create_task(queue.run(finish_after, 0.4)) for _ in range(workers())]
    await asyncio.sleep(0.05)
    gone = asyncio.create_task(queue.run(finish_after, 0))
    after = asyncio.create_task(queue.run(finish_after, 0, later=True))
    await asyncio.sleep(0.05)
    gone.cancel()
    assert await asyncio.wait_for(after, 10) > 0  # no turn is lost: it still runs
    await asyncio.gather(*busy)
    assert queue.pending == 0 and queue._running == 0


def test_render_workers_load_without_the_melody_model():
    """The workers import what renders chords, analyses and arrangements at start (``studio.work._warm``) without
    torch: importing it there took 1 s of the first /chords after a restart (2.46 s to its files, 0.21 s after)."""
    import subprocess
    import sys

    code = ("import sys; from studio.work import _warm; _warm(); "
            "import studio.harmony.harmonizer, studio.analysis.report, studio.arrange.files; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
