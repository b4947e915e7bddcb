"""`python -m bot` against the fake Discord stops gracefully on SIGTERM and SIGINT: new interactions are refused,
those in flight finish (or are told to retry after the grace period), nothing stays on "thinking…", the SQLite
WAL is checkpointed and the process exits 0."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bot.client import RESTARTING
from tests.fakediscord import FakeDiscord, running_fake

ROOT = Path(__file__).resolve().parents[2]
SLOW = {"notes": "C E G", "seed": 3, "bars": 64, "count": 3}  # seconds of work on a CPU


class BotProcess:
    """A `python -m bot` subprocess whose output is collected line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.lines.append(line.decode(errors="replace"))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"no {text!r} in the output:\n{self.output}"
            await asyncio.sleep(0.02)

    async def wait_exit(self, timeout: float) -> int:
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await self._reader
        return code


def bot_env(fake: FakeDiscord, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "MUSICGENIUS_DB": str(tmp_path / "b.sqlite3"),
           "MUSICGENIUS_HEALTH_FILE": str(tmp_path / "health"), "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISCORD_DEV_GUILD", None)
    return env


@contextlib.asynccontextmanager
async def python_m_bot(fake: FakeDiscord, tmp_path: Path, *args: str, **extra: str) -> AsyncIterator[BotProcess]:
    """`python -m bot *args`, connected to ``fake``; killed on exit if still running."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=tmp_path,
                                                env=bot_env(fake, tmp_path, **extra),
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    bot = BotProcess(proc)
    try:
        await bot.wait_for_output("has connected to Gateway", timeout=60)
        await fake.wait_connected(timeout=30)
        yield bot
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        print(bot.output)


def assert_checkpointed(database: Path) -> None:
    wal = database.with_name(database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds {wal.stat().st_size} bytes"
    with contextlib.closing(sqlite3.connect(database)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_sigterm_stops_a_request_after_the_grace_period_and_tells_the_user_to_retry(tmp_path):
    async with running_fake() as fake, python_m_bot(fake, tmp_path, MUSICGENIUS_SHUTDOWN_GRACE="1") as bot:
        slow = await fake.slash("melody", SLOW)
        assert (await slow.wait_initial()).deferred
        asked = time.monotonic()
        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(timeout=30) == 0
        took = time.monotonic() - asked
        assert slow.final is not None and slow.final.content == RESTARTING  # not left on "thinking…"
        assert not any(m.loading for m in fake.messages.values())
    assert took < 1 + 30, f"exit took {took:.1f} s"  # the grace period, then a render already under way ends
    assert "stopped 1 interaction(s) still running after 1 s" in bot.output
    assert_checkpointed(tmp_path / "b.sqlite3")


async def test_sigint_lets_a_request_finish_and_refuses_new_ones_meanwhile(tmp_path):
    async with running_fake() as fake, python_m_bot(fake, tmp_path, MUSICGENIUS_SHUTDOWN_GRACE="120") as bot:
        slow = await fake.slash("melody", SLOW)
        assert (await slow.wait_initial()).deferred
        asked = time.monotonic()
        bot.proc.send_signal(signal.SIGINT)
        await bot.wait_for_output("shutting down", timeout=10)
        late = await fake.slash("melody", {"notes": "E G B"})
        refusal = await late.wait_initial()
        assert refusal.ephemeral and refusal.data["content"] == RESTARTING
        assert await bot.wait_exit(timeout=120) == 0
        took = time.monotonic() - asked
        assert slow.final is not None and slow.final.content.count("C E G ➜") == 3  # the real answer
        assert not any(m.loading for m in fake.messages.values())
    assert took < 120, f"exit took {took:.1f} s"
    assert "still running after" not in bot.output
    assert_checkpointed(tmp_path / "b.sqlite3")
    with contextlib.closing(sqlite3.connect(tmp_path / "b.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM generations").fetchone() == (3,)


async def test_the_health_check_passes_while_connected_and_fails_once_stopped(tmp_path):
    health = [sys.executable, "-m", "bot", "--health"]
    async with running_fake() as fake, python_m_bot(fake, tmp_path) as bot:
        env = bot_env(fake, tmp_path)
        await fake.wait_until(lambda: (tmp_path / "health").exists(), timeout=30, what="the health file")
        assert subprocess.run(health, env=env, timeout=30).returncode == 0
        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(timeout=30) == 0
    assert subprocess.run(health, env=env, timeout=30).returncode == 1
