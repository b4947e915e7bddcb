"""`/melody` through real discord.py, the fake Discord, the real Redis and real `python -m model.worker` processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from studio.melody import Composer
from studio.requests import MelodyRequest
from tests.bot.conftest import Env, start_env
from tests.workers import REDIS_URL, Workers, worker_pool

pytestmark = pytest.mark.slow


@pytest.fixture
def pool(tmp_path) -> Iterator[Workers]:
    with worker_pool(tmp_path) as workers:
        yield workers


@asynccontextmanager
async def queued_bot(tmp_path, pool: Workers, lyricist, max_queue: int = 256) -> AsyncIterator[Env]:
    """The bot with MUSICGENIUS_QUEUE set: its composer sends every melody to the workers under ``pool``'s prefix."""
    composer = await asyncio.to_thread(Composer.load, max_queue=max_queue, queue=REDIS_URL, queue_prefix=pool.prefix)
    try:
        async for env in start_env(tmp_path, composer, lyricist=lyricist):
            yield env
    finally:
        await asyncio.to_thread(composer.close)


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_two_workers_answer_every_request_exactly_once_when_one_is_killed(tmp_path, pool, composer, lyricist):
    pool.spawn("w1")
    pool.spawn("w2")
    await asyncio.to_thread(pool.wait_alive, "w1", "w2")
    async with queued_bot(tmp_path, pool, lyricist) as env:
        await until(lambda: len(env.bot.composer.engine.workers) == 2, 10, "the bot to see both workers")
        options = [{"notes": "C E G", "key": "C", "seed": 500 + i, "bars": 32, "count": 1} for i in range(8)]
        its = await asyncio.gather(*[env.fake.slash("melody", o, user=i) for i, o in enumerate(options)])
        await asyncio.to_thread(pool.freeze_holding_jobs, "w1")
        await asyncio.to_thread(pool.kill, "w1")  # mid-batch, without a word
        replies = await asyncio.gather(*[it.wait_final(timeout=120) for it in its])
        await asyncio.sleep(3)  # a second answer to any request would have arrived by now
        expected = await composer.write([MelodyRequest(**o) for o in options])  # the same seeds, in-process
        for it, reply, melody in zip(its, replies, expected, strict=True):
            assert it.initial.deferred and it.initial.latency < 3.0
            assert [m.kind for m in it.messages if m.kind in ("followup", "response")] == ["followup"]
            assert melody.text in reply.content  # the very melody the bot writes in-process
        assert "took over" in pool.log("w2")
        assert await asyncio.to_thread(pool.client.xlen, f"{pool.prefix}:jobs") == 0


async def test_with_no_worker_alive_the_user_hears_so_within_seconds(tmp_path, pool, lyricist):
    async with queued_bot(tmp_path, pool, lyricist) as env:
        it = await env.fake.slash("melody", {"notes": "C E G", "seed": 1, "count": 1})
        reply = await it.wait_final(timeout=10)
        assert "No composer worker is running" in reply.content and reply.ephemeral
        assert reply.at - it.dispatched_at < 10

        pool.spawn("w1")  # now one worker, killed while it writes
        await until(lambda: env.bot.composer.engine.alive, 60, "the bot to see the worker")
        its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "D F A", "seed": i, "bars": 64, "count": 3},
                                                    user=i) for i in range(4)])
        await asyncio.to_thread(pool.freeze_holding_jobs, "w1")
        await asyncio.to_thread(pool.kill, "w1")
        killed = time.monotonic()
        replies = await asyncio.gather(*[it.wait_final(timeout=10) for it in its])
        assert time.monotonic() - killed < 10
        assert any("worker stopped while writing" in r.content for r in replies)
        for it, r in zip(its, replies, strict=True):
            assert "worker stopped while writing" in r.content or "D F A ➜" in r.content
            assert len(it.followups) == 1
        again = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 2, "count": 1}, user=5)).wait_final()
        assert "No composer worker is running" in again.content


async def test_a_full_queue_is_a_friendly_busy_and_the_bot_recovers(tmp_path, pool, lyricist):
    pool.spawn("w1", "--max-batch", "1")
    await asyncio.to_thread(pool.wait_alive, "w1")
    async with queued_bot(tmp_path, pool, lyricist, max_queue=2) as env:
        await until(lambda: env.bot.composer.engine.alive, 10, "the bot to see the worker")
        its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "C E G", "seed": i, "bars": 64, "count": 1},
                                                    user=i) for i in range(10)])
        replies = await asyncio.gather(*[it.wait_final(timeout=120) for it in its])
        assert any("busy" in r.content for r in replies)
        assert any("C E G ➜" in r.content for r in replies)
        await until(lambda: env.bot.composer.engine.queue_depth == 0, 60, "the queue to empty")
        ok = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1, "count": 1}, user=11)).wait_final(60)
        assert "C E G ➜" in ok.content
