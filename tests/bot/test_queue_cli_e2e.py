"""`python -m bot` with MUSICGENIUS_QUEUE set, as an operator runs it: real processes, real Redis, the fake Discord."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.bot.helpers import bot_env, bot_process
from tests.fakediscord import running_fake
from tests.workers import REDIS_URL, Workers, worker_pool

pytestmark = pytest.mark.slow


@pytest.fixture
def pool(tmp_path) -> Iterator[Workers]:
    with worker_pool(tmp_path) as workers:
        yield workers


async def test_python_m_bot_sends_melodies_to_a_worker(tmp_path, pool):
    pool.spawn("w1")
    async with running_fake() as fake, bot_process(tmp_path, fake, MUSICGENIUS_QUEUE=REDIS_URL,
                                                   MUSICGENIUS_QUEUE_PREFIX=pool.prefix) as output:
        await asyncio.to_thread(pool.wait_alive, "w1")
        reply = await (await fake.slash("melody", {"notes": "E G B", "seed": 5, "count": 1})).wait_final(90)
        assert "E G B ➜" in reply.content
    output = output[0]
    assert "melody jobs go to the workers through redis://127.0.0.1:6379/0" in output
    answered = re.search(r"worker w1: (\d+) job\(s\) answered \(0 failed", pool.log("w1"))
    assert answered and int(answered[1]) >= 1  # one per stretch the model writes (bars restated between them)


def test_an_unreachable_queue_stops_the_bot_with_a_clear_message(tmp_path):
    env = bot_env(tmp_path, MUSICGENIUS_QUEUE="redis://:hunter2@127.0.0.1:1/0")
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "error: MUSICGENIUS_QUEUE: cannot reach Redis at redis://127.0.0.1:1/0" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout


def test_check_config_shows_the_queue_without_its_password_and_refuses_a_bad_one(tmp_path):
    env = bot_env(tmp_path, MUSICGENIUS_QUEUE="redis://:hunter2@redis:6379/0", MUSICGENIUS_SHARDS="auto")
    done = subprocess.run([sys.executable, "-m", "bot", "--check-config"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "MUSICGENIUS_QUEUE" in done.stdout and "redis://:***@redis:6379/0" in done.stdout
    assert "MUSICGENIUS_SHARDS" in done.stdout and "hunter2" not in done.stdout
    env["MUSICGENIUS_QUEUE"] = "http://redis:6379"
    done = subprocess.run([sys.executable, "-m", "bot", "--check-config"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "MUSICGENIUS_QUEUE must be a Redis URL such as redis://" in done.stderr
