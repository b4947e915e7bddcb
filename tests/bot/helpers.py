"""Reading what a user sees in the bot's replies, and running the bot as an operator does (`python -m bot`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def attachment(message, suffix: str) -> bytes:
    """The bytes of the first file of ``message`` whose name ends with ``suffix`` (``.mid``, ``-score.png``)."""
    return next(a.data for a in message.attachments if a.filename.endswith(suffix))


def candidate_notes(content: str, number: int) -> str:
    """The note text of candidate ``number`` (1-based) in a melody reply's message."""
    match = re.search(rf"\*\*{number}\.\*\*[^`\n]*```\n(.*?)\n```", content, re.DOTALL)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1)


def candidate_tries(content: str, number: int) -> str:
    """What candidate ``number`` tries, as the reply says ("tries D dorian"); "" when it tries nothing new."""
    match = re.search(rf"\*\*{number}\.\*\*(?: _(.*?)_)? ```", content)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1) or ""


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment an operator gives `python -m bot`: a fake token, a database in ``tmp_path``, no dev guild."""
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "MUSICGENIUS_DB": str(tmp_path / "b.sqlite3"),
           "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISCORD_DEV_GUILD", None)
    return env


@contextlib.asynccontextmanager
async def bot_process(tmp_path: Path, fake: FakeDiscord, **extra: str) -> AsyncIterator[list[str]]:
    """`python -m bot` against ``fake`` (``bot_env`` plus ``extra``) for the block, entered once its commands are
    synced globally and it is connected; yields a list that holds the process's output once the block is left."""
    env = bot_env(tmp_path, DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url, **extra)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []
    try:
        await fake.wait_for_commands(timeout=60, guild=False)
        await fake.wait_connected(timeout=30)
        yield output
    finally:
        if proc.returncode is None:
            proc.terminate()
        output.append((await proc.communicate())[0].decode())
        print(output[-1])
