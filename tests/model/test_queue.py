"""Melody jobs through the real Redis to real `python -m model.worker` processes (model.queue, model.worker)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from data.events import Key
from model.engine import EngineBusy, EngineStopped
from model.infill import InfillGrammar
from model.queue import QueueUnavailable, RemoteEngine
from model.wire import apply_state, decode_grammar, encode_grammar
from studio.melody import Composer
from studio.requests import MelodyRequest
from tests.workers import REDIS_URL, ROOT, Workers, worker_pool

pytestmark = pytest.mark.slow


@pytest.fixture
def pool(tmp_path) -> Iterator[Workers]:
    with worker_pool(tmp_path) as workers:
        yield workers


def remote(pool: Workers, composer: Composer, **options) -> Composer:
    engine = RemoteEngine(REDIS_URL, composer.vocab, composer.engine.model, prefix=pool.prefix, **options)
    return Composer(engine.start(), composer.vocab, composer.info)


async def until(condition, timeout: float = 30.0, what: str = "") -> float:
    """Wait (without blocking the loop) until ``condition()``; return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def melody_grammar(composer: Composer, notes: str = "C E G", bars: int = 8):
    request = MelodyRequest(notes=notes, bars=bars, seed=1)
    return composer.grammar(request, composer.validate(request), Key(0))


def fields(grammar) -> dict:
    return {f.name: getattr(grammar, f.name) for f in dataclasses.fields(grammar) if f.name != "vocab"}


def test_grammars_cross_as_json_and_come_back_the_same(composer):
    infill = InfillGrammar(composer.vocab, melody_grammar(composer).prompt, now=48, end=144, bar_ticks=48, density=1.0)
    for grammar in (melody_grammar(composer, "G | C E G C", bars=6), infill):
        back = decode_grammar(json.loads(json.dumps(encode_grammar(grammar))), composer.vocab)
        assert type(back) is type(grammar) and back.vocab is composer.vocab
        assert fields(back) == fields(grammar)


def test_a_job_names_only_the_projects_classes(composer):
    with pytest.raises(ValueError, match="only name the project's"):
        decode_grammar({"dataclass": "subprocess.Popen", "fields": {}}, composer.vocab)


def test_an_answer_that_does_not_fit_the_request_is_refused(composer):
    unfinished = encode_grammar(melody_grammar(composer))
    with pytest.raises(RuntimeError, match="ends before"):
        apply_state(melody_grammar(composer), unfinished, composer.vocab)
    gap = InfillGrammar(composer.vocab, [4], now=0, end=48, bar_ticks=48)
    with pytest.raises(RuntimeError, match="InfillGrammar, not a MelodyGrammar"):
        apply_state(melody_grammar(composer), encode_grammar(gap), composer.vocab)


async def test_a_worker_writes_the_same_melodies_as_the_engine_in_process(pool, composer):
    pool.spawn("w1")
    queued = remote(pool, composer)
    try:
        await until(lambda: queued.engine.alive, 60, "the worker's heartbeat")
        request = MelodyRequest(notes="C E G", bars=8, seed=11, count=3, meter="3/4")
        here, there = await asyncio.gather(composer.candidates(request), queued.candidates(request))
        assert [r.text for r in there] == [r.text for r in here]
        words = MelodyRequest(notes="E D C", seed=4, lyrics="Twinkle twinkle little star")  # RhythmGrammar
        assert (await queued.melody(words)).text == (await composer.melody(words)).text
        prompt = melody_grammar(composer).prompt
        gaps = [InfillGrammar(composer.vocab, prompt, now=36, end=132, bar_ticks=48) for _ in range(2)]
        filled = await asyncio.gather(composer.engine.generate(gaps[0], 5), queued.engine.generate(gaps[1], 5))
        assert filled[0].notes == filled[1].notes and filled[1].done
        await until(lambda: queued.engine.tokens > 0, 5, "the worker's counters")
        assert [w["name"] for w in queued.engine.workers] == ["w1"] and queued.engine.workers[0]["device"] == "cpu"
        assert time.time() - pool.health("w1").stat().st_mtime < 5  # the container health check's file
    finally:
        queued.close()
    await asyncio.to_thread(pool.stop_all)
    assert not pool.health("w1").exists()  # removed on a clean stop
    log = pool.log("w1")
    assert "serving melody jobs" in log and "cpu (" in log
    assert "tokens/s, batch mean" in log


async def test_without_a_worker_a_request_is_refused_at_once(pool, composer):
    queued = remote(pool, composer)
    try:
        start = time.monotonic()
        with pytest.raises(EngineStopped, match="No composer worker is running"):
            queued.check_not_busy()
        with pytest.raises(EngineStopped, match="No composer worker is running"):
            await queued.candidates(MelodyRequest(notes="C E G", key="C", seed=1))
        assert time.monotonic() - start < 1.0
        assert not queued.engine.alive and queued.engine.queue_depth == 0
    finally:
        queued.close()


async def test_a_full_queue_is_refused_as_busy_and_abandoned_jobs_leave_it(pool, composer):
    # A worker that heartbeats but never reads: the jobs stay queued.
    pool.client.set(f"{pool.prefix}:worker:stuck", json.dumps({"name": "stuck", "max_batch": 1}), ex=120)
    pool.client.sadd(f"{pool.prefix}:workers", "stuck")
    queued = remote(pool, composer, max_queue=2)
    try:
        await until(lambda: queued.engine.alive, 5, "the stuck worker's heartbeat")
        waiting = [asyncio.create_task(queued.engine.generate(melody_grammar(composer), i)) for i in range(2)]
        await until(lambda: pool.client.xlen(f"{pool.prefix}:jobs") == 2, 5, "two queued jobs")
        with pytest.raises(EngineBusy, match="busy"):
            await queued.engine.generate(melody_grammar(composer), 3)
        await until(lambda: queued.engine.busy, 5, "the client to see the full queue")
        with pytest.raises(EngineBusy):
            queued.check_not_busy()
        follow_up = asyncio.create_task(queued.engine.generate(melody_grammar(composer), 4, follow_up=True))
        await until(lambda: pool.client.xlen(f"{pool.prefix}:jobs") == 3, 5, "the follow-up queued past the bound")
        waiting.append(follow_up)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        await until(lambda: pool.client.xlen(f"{pool.prefix}:jobs") == 0, 5, "abandoned jobs to leave the stream")
    finally:
        queued.close()


async def test_the_jobs_of_a_killed_worker_are_taken_over_and_answered_once(pool, composer):
    pool.spawn("w1")
    pool.spawn("w2")
    queued = remote(pool, composer)
    try:
        await asyncio.to_thread(pool.wait_alive, "w1", "w2")
        await until(lambda: len(queued.engine.workers) == 2, 10, "both workers")
        os.kill(pool.procs["w2"].pid, signal.SIGSTOP)  # for a moment: every job goes to w1
        try:
            grammars = [melody_grammar(composer, bars=64) for _ in range(6)]
            jobs = [asyncio.create_task(queued.engine.generate(g, seed)) for seed, g in enumerate(grammars)]
            # (a read w2 had waiting in Redis may still take a job)
            await until(lambda: pool.pending("w1") > 0 and pool.pending("w1") + pool.pending("w2") == 6, 10,
                        "the workers to hold every job")
            await asyncio.to_thread(pool.freeze_holding_jobs, "w1")
        finally:
            os.kill(pool.procs["w2"].pid, signal.SIGCONT)
        pool.kill("w1")
        took = time.monotonic()
        done = await asyncio.wait_for(asyncio.gather(*jobs), 60)
        took = time.monotonic() - took
        expected = await asyncio.gather(*(composer.engine.generate(melody_grammar(composer, bars=64), seed)
                                          for seed in range(6)))
        assert [g.notes for g in done] == [g.notes for g in expected]  # redelivered: the same melodies
        assert queued.engine.answered == 6
        assert pool.pending("w1") == 0 and pool.client.xlen(f"{pool.prefix}:jobs") == 0
        assert "took over" in pool.log("w2")
        assert took < 30
    finally:
        queued.close()


async def test_when_the_only_worker_dies_the_waiting_requests_hear_so_within_seconds(pool, composer):
    pool.spawn("w1")
    queued = remote(pool, composer)
    try:
        await until(lambda: queued.engine.alive, 60, "the worker's heartbeat")
        jobs = [asyncio.create_task(queued.engine.generate(melody_grammar(composer, bars=64), seed))
                for seed in range(6)]
        await asyncio.to_thread(pool.freeze_holding_jobs, "w1")
        pool.kill("w1")
        start = time.monotonic()
        results = await asyncio.wait_for(asyncio.gather(*jobs, return_exceptions=True), 10)
        assert time.monotonic() - start < 10
        lost = [r for r in results if isinstance(r, EngineStopped)]
        assert lost and all("worker stopped while writing" in str(r) for r in lost)
        await until(lambda: pool.client.xlen(f"{pool.prefix}:jobs") == 0, 5, "the lost jobs to leave the stream")
    finally:
        queued.close()


def test_an_unreachable_redis_is_named_at_start(composer):
    engine = RemoteEngine("redis://:secret@127.0.0.1:1/0", composer.vocab, connect_timeout=1)
    with pytest.raises(QueueUnavailable, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0") as caught:
        engine.start()
    assert "secret" not in str(caught.value)


def test_the_worker_command_explains_a_missing_queue():
    env = {k: v for k, v in os.environ.items() if k != "MUSICGENIUS_QUEUE"}
    done = subprocess.run([sys.executable, "-m", "model.worker"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "MUSICGENIUS_QUEUE=redis://" in done.stderr
