"""A slow database never costs an answer: the bot acknowledges first, then waits for the store (at most a few
seconds), then answers with the result or a clear "try again"."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager

ACK = 1.0  # seconds: well inside the 3 s Discord gives to acknowledge
HOLD = 4.5  # seconds another process keeps the write lock: longer than the store waits


@contextmanager
def write_locked(path: str, seconds: float):
    """Another connection holds the SQLite write lock for ``seconds`` (as a second bot process or a backup might)."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        threading.Event().wait(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(10)
    try:
        yield
    finally:
        thread.join()


async def test_prefs_set_is_acknowledged_at_once_and_answered_privately(env):
    with write_locked(env.bot.settings.database, HOLD):
        it = await env.fake.slash("prefs set", {"tempo": 90})
        reply = await it.wait_final(timeout=30)
    assert it.initial.latency < ACK and it.initial.deferred
    assert reply.ephemeral
    assert "database" in reply.content or "Saved" in reply.content


async def test_a_button_on_a_melody_is_acknowledged_while_the_store_is_locked(env):
    melody = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 4, "count": 1})).wait_final(60)
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(melody.id)) == 2, timeout=30, what="reactions")
    with write_locked(env.bot.settings.database, HOLD):
        it = await env.fake.press(melody, "mg:melody:pick:0")
        await it.wait_final(timeout=60)
    assert it.initial.latency < ACK
    answers = [m for m in it.messages if not m.loading and not m.deleted]
    assert answers and all(len(m.content) <= 2000 for m in answers)
    assert any("database" in m.content and m.ephemeral for m in answers) or any("picked" in m.content for m in answers)
