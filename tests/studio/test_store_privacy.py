"""Issue 11: bounded waits (`StoreUnavailable`, nothing half-written), passwords never shown, forgotten rows
scrubbed from the SQLite files, and the export of one user's data. Both backends where it applies."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from studio.store.base import TIMEOUT, StoreUnavailable, open_store
from studio.store.postgres import PostgresStore
from studio.store.redact import redact, redact_url
from tests.studio.conftest import Backend, postgres_schema

SECRET = "s3cret-Pw"
BOUND = 1.0  # the timeout these tests open stores with
SLACK = 1.5  # seconds a loaded 2-core machine may add


@asynccontextmanager
async def write_lock(backend: Backend, table: str = "preferences") -> AsyncIterator[None]:
    """Another connection holding a write lock: SQLite's (the whole file), PostgreSQL's on ``table``."""
    if backend.name == "sqlite":
        other = sqlite3.connect(backend.url, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    other = await asyncpg.connect(backend.url, **backend.options)
    try:
        async with other.transaction():
            await other.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await other.close()


async def fails_in_time(call, bound: float = BOUND) -> StoreUnavailable:
    """Await ``call``; it must raise StoreUnavailable after at most ``bound`` (+ slack) seconds."""
    start = time.perf_counter()
    with pytest.raises(StoreUnavailable) as caught:
        await asyncio.wait_for(call, bound + 10)  # without a bound of its own it would wait 10 s more, then fail
    assert time.perf_counter() - start < bound + SLACK
    return caught.value


async def test_a_locked_database_answers_store_unavailable_in_time_and_keeps_every_row(backend):
    store = await backend.open(timeout=BOUND)
    try:
        mine = await store.add_generations(1, "melody", [({"style": "jazz"}, 1, "C D")], message_id=1)
        await store.set_feedback(mine, 2, "reaction:👍", 1)
        await store.set_preference(1, "tempo", 90)
        async with write_lock(backend):  # on PostgreSQL: forget_user deletes feedback and generations, then waits
            error = await fails_in_time(store.forget_user(1))
            await fails_in_time(store.set_preference(1, "style", "irish"))
            if backend.name == "sqlite":
                await fails_in_time(store.add_generations(1, "melody", [({}, 2, "E")], message_id=2))
                assert [g.id for g in await store.generations(1)] == mine  # WAL: reads go on meanwhile
            else:
                await fails_in_time(store.preferences(1))  # ACCESS EXCLUSIVE blocks reads too
        assert "timeout" in str(error) or "locked" in str(error)
        assert error.USER_TEXT == "I can't reach my database right now; try again in a minute."
        assert [g.id for g in await store.generations(1)] == mine  # the failed forget deleted nothing
        assert await store.feedback(mine[0]) == {(2, "reaction:👍"): 1}
        assert await store.preferences(1) == {"tempo": 90}
        assert (await store.forget_user(1)).rows == 3  # and the store works again
    finally:
        await store.close()


async def test_the_default_waits_are_a_few_seconds(backend):
    assert TIMEOUT <= 5
    store = await backend.open()
    try:
        if backend.name == "sqlite":
            assert (await store.fetch("PRAGMA busy_timeout"))[0][0] == TIMEOUT * 1000  # was 10,000 ms
        else:
            assert (await store.fetch("SHOW lock_timeout"))[0][0] == f"{TIMEOUT:g}s"
            assert (await store.fetch("SHOW statement_timeout"))[0][0] == f"{4 * TIMEOUT:g}s"
            assert store.pool_options["timeout"] == TIMEOUT  # connecting
            assert store.pool_options["command_timeout"] == 4 * TIMEOUT + 1
    finally:
        await store.close()


async def test_a_full_postgres_pool_answers_store_unavailable_in_time():
    async with postgres_schema() as (url, options):
        store = await open_store(url, **options, timeout=BOUND, max_size=1)
        try:
            async with store.pool.acquire():  # the only connection is busy elsewhere
                await fails_in_time(store.generations(1))
                await fails_in_time(store.set_preference(1, "tempo", 90))
            assert await store.preferences(1) == {}
        finally:
            await store.close()


async def test_a_postgres_server_that_is_down_or_silent_fails_fast_without_the_password():
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda _, writer: accepted.append(writer), "127.0.0.1", 0)  # never answers
    port = silent.sockets[0].getsockname()[1]
    try:
        for url in (f"postgresql://bot:{SECRET}@127.0.0.1:1/music", f"postgresql://bot:{SECRET}@127.0.0.1:{port}/m"):
            error = await fails_in_time(open_store(url, timeout=BOUND))
            shown = "".join(traceback.format_exception(error))
            assert "can't reach the database at postgresql://bot:***@127.0.0.1" in str(error)
            assert SECRET not in shown
    finally:
        for writer in accepted:
            writer.close()
        silent.close()
        await silent.wait_closed()


@pytest.mark.parametrize("url", [
    f"postgresq://bot:{SECRET}@db.example/music",  # a typo in the scheme
    f"postgresql://bot:{SECRET}@db.example:54x2/music",  # a typo in the port
    f"postgresql://bot:{SECRET[:3]}/{SECRET[3:]}@127.0.0.1/music",  # an unescaped slash in the password
    f"postgresql://bot:{SECRET}@127.0.0.1:1/music",  # nothing listening
])
async def test_a_bad_database_url_never_shows_its_password(url, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises((ValueError, StoreUnavailable)) as caught:
        await open_store(url, timeout=BOUND)
    shown = "".join(traceback.format_exception(caught.value)) + caplog.text
    assert "bot:***@" in shown
    for part in (SECRET, SECRET[:3], SECRET[3:]):
        assert part not in shown


def test_redaction_hides_every_kind_of_url_password():
    assert redact_url(f"postgresql://bot:{SECRET}@db/music") == "postgresql://bot:***@db/music"
    assert redact_url(f"at 'postgres://u:p@{SECRET}@h:5432/d?sslmode=require'") == "at 'postgres://u:***@h:5432/d?sslmode=require'"
    assert redact_url(f"postgresql//bot:{SECRET}@db/m and x:y@z") == "postgresql//bot:***@db/m and x:***@z"
    assert redact_url(f"postgresql://db/music?user=bot&password={SECRET}") == "postgresql://db/music?user=bot&password=***"
    for untouched in ("postgresql://bot@db:5432/music", "musicgenius.sqlite3", "at 12:30 ask a@b", "sqlite:////tmp/x.db"):
        assert redact_url(untouched) == untouched
    assert redact(f"invalid literal for int(): '{SECRET[:4]}'", f"postgresql://bot:{SECRET[:4]}/x@h/d") == (
        "invalid literal for int(): '***'")


async def test_forget_scrubs_the_user_from_the_sqlite_files_at_once(tmp_path):
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        for user, word in ((1, "FORGETMENOT"), (2, "KEEPMEHERE")):
            ids = await store.add_generations(user, "melody", [({"notes": f"{word}-params"}, 1, f"{word}-notes")],
                                              message_id=user)
            await store.set_feedback(ids, user, "pick", 1)
            await store.set_preference(user, "style", f"{word}-pref")
        assert (await store.fetch("PRAGMA secure_delete"))[0][0] == 1  # whatever the build's default
        await store.forget_user(1)
        files = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # while the bot still runs
    finally:
        await store.close()
    assert files.count(b"KEEPMEHERE") >= 3  # what stays is there to find (params, notes, preference)
    assert b"FORGETMENOT" not in files  # what went is overwritten, in the database file and its write-ahead log


async def test_export_user_holds_everything_stored_about_them_and_no_one_else(backend):
    store = await backend.open()
    try:
        when = 1_736_942_400.0  # 2025-01-15 12:00 UTC
        store.clock = lambda: when
        mine = await store.add_generations(10**17, "melody", [({"key": "E minor"}, 5, "E G B ➜ A")], message_id=7,
                                           guild_id=2**62, channel_id=3)
        theirs = await store.add_generations(20**13, "melody", [({"key": "D major"}, 6, "D F# A ➜ B")], message_id=8)
        await store.set_feedback(mine, 20**13, "reaction:👍", 1)  # by them, on mine: exported without who
        await store.set_feedback(theirs, 10**17, "pick", 1)
        await store.set_preference(10**17, "tempo", 96)
        data = await store.export_user(10**17)
    finally:
        await store.close()
    assert data["user_id"] == str(10**17)
    assert data["generations"] == [{"id": mine[0], "created_at": "2025-01-15T12:00:00+00:00", "command": "melody",
                                    "guild_id": str(2**62), "channel_id": "3", "message_id": "7", "candidate": 0,
                                    "rng_seed": 5, "params": {"key": "E minor"}, "notes": "E G B ➜ A"}]
    assert data["feedback_given"] == [{"generation_id": theirs[0], "kind": "pick", "value": 1,
                                       "created_at": "2025-01-15T12:00:00+00:00", "message_id": "8", "candidate": 0,
                                       "notes": "D F# A ➜ B"}]
    assert data["feedback_on_your_melodies"] == [{"generation_id": mine[0], "kind": "reaction:👍", "value": 1,
                                                  "created_at": "2025-01-15T12:00:00+00:00"}]
    assert data["preferences"] == {"tempo": 96}
    assert str(20**13) not in json.dumps(data)  # the other user's id is theirs


def test_postgres_server_settings_keep_the_timeouts():
    store = PostgresStore("postgresql://h/d", timeout=2, server_settings={"search_path": "s"})
    assert store.pool_options["server_settings"] == {"lock_timeout": "2000", "statement_timeout": "8000",
                                                     "search_path": "s"}


def test_a_sqlite_path_with_a_password_like_part_is_redacted_too(tmp_path: Path):
    assert SECRET not in redact(str(tmp_path / f"bot:{SECRET}@host" / "db"))
