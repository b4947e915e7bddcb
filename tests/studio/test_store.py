"""The store's behaviour, run against SQLite and against PostgreSQL (a fresh schema per test; see conftest)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from studio.store.base import SCHEMA_VERSION, Forgotten, IntegrityError, open_store
from studio.store.postgres import PostgresStore
from studio.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from studio.store.sqlite import SqliteStore
from tests.studio.conftest import ROOT, postgres_schema


async def test_candidates_and_feedback_round_trip(store):
    ids = await store.add_generations(1, "melody", [({"seed": 1}, 1, "C ➜ D"), ({"seed": 2}, 2, "C ➜ E")],
                                      message_id=99, guild_id=10**18, channel_id=2**62)
    shown = await store.generations_for_message(99)
    assert [g.id for g in shown] == ids and [g.candidate for g in shown] == [0, 1]
    assert shown[1].params == {"seed": 2} and shown[1].notes == "C ➜ E" and shown[1].rng_seed == 2
    assert (shown[1].guild_id, shown[1].channel_id) == (10**18, 2**62)  # Discord ids need 64 bits
    assert await store.generation(ids[1]) == shown[1]
    assert await store.generation(ids[1] + 1000) is None
    await store.set_feedback(ids, 2, "reaction:👍", 1)
    await store.set_feedback([ids[1]], 3, "pick", 1)
    assert await store.feedback(ids[1]) == {(2, "reaction:👍"): 1, (3, "pick"): 1}
    await store.remove_feedback(ids, 2, "reaction:👍")
    assert await store.feedback(ids[0]) == {}
    assert [g.id for g in await store.generations(1)] == sorted(ids, reverse=True)
    assert [g.id for g in await store.generations(1, limit=1)] == [max(ids)]


async def test_feedback_is_idempotent_and_replaced_not_duplicated(store):
    ids = await store.add_generations(1, "melody", [({"style": "jazz"}, 1, "C"), ({}, 2, "D")], message_id=7)
    for _ in range(3):
        await store.set_feedback(ids, 2, "reaction:👍", 1)
    await store.set_feedback(ids[:1], 2, "reaction:👍", -1)  # same user, same kind: replaces
    assert await store.feedback(ids[0]) == {(2, "reaction:👍"): -1}
    events = await store.user_feedback(2)
    assert [(e.generation_id, e.value) for e in sorted(events, key=lambda e: e.generation_id)] == [
        (ids[0], -1), (ids[1], 1)]
    assert events[-1].generation_id == ids[0]  # newest last
    assert (events[-1].message_id, events[-1].candidate, events[-1].params, events[-1].command, events[-1].notes) == (
        7, 0, {"style": "jazz"}, "melody", "C")
    await store.remove_feedback(ids, 2, "reaction:👍")
    await store.remove_feedback(ids, 2, "reaction:👍")  # removing twice is fine too
    assert await store.user_feedback(2) == []


async def test_a_failed_write_leaves_no_half_written_rows(store):
    first = await store.add_generations(1, "melody", [({}, 1, "a")], message_id=5)
    with pytest.raises(IntegrityError):  # its second candidate (0, 1) is fine, its first collides with message 5's
        await store.add_generations(1, "melody", [({}, 2, "b"), ({}, 3, "c")], message_id=6)
        await store.add_generations(1, "melody", [({}, 4, "d"), ({}, 5, "e")], message_id=5)
    assert sorted(g.notes for g in await store.generations(1)) == ["a", "b", "c"]
    with pytest.raises(IntegrityError):  # unknown generation: the known one gets no feedback either
        await store.set_feedback([first[0], first[0] + 1000], 2, "pick", 1)
    assert await store.feedback(first[0]) == {}
    await store.set_feedback(first, 2, "pick", 1)  # the store still works after a rollback
    assert await store.feedback(first[0]) == {(2, "pick"): 1}


async def test_concurrent_writers_lose_nothing(store):
    ids = await store.add_generations(1, "melody", [({}, 1, "a")], message_id=1)
    await asyncio.gather(*[store.set_feedback(ids, user, "reaction:👍", 1) for user in range(200)],
                         *[store.add_generations(user, "melody", [({}, 1, "x"), ({}, 2, "y")], message_id=1000 + user)
                           for user in range(50)])
    assert len(await store.feedback(ids[0])) == 200
    counts = [len(await store.generations(user)) for user in range(50)]
    assert sum(counts) == 100 + 1  # user 1 also owns the first generation


async def test_10000_feedback_events_from_100_concurrent_users(store, backend):
    generations = []
    for message in range(10):
        generations += await store.add_generations(
            1000 + message, "melody", [({"style": "jazz"}, c, "C") for c in range(10)], message_id=message + 1)

    async def user(user_id: int) -> None:  # one user's feedback stream, one event (transaction) at a time
        for i, gid in enumerate(generations):
            await store.set_feedback([gid], user_id, "reaction:👍", 1 if (user_id + i) % 2 else -1)

    start = time.perf_counter()
    await asyncio.gather(*(user(u) for u in range(100)))
    elapsed = time.perf_counter() - start
    print(f"\n{backend.name}: 10,000 feedback events from 100 concurrent users in {elapsed:.2f} s"
          f" ({10_000 / elapsed:.0f} events/s)")
    for u in range(100):
        assert [(e.generation_id, e.value) for e in sorted(await store.user_feedback(u),
                                                         key=lambda e: e.generation_id)] == [
            (gid, 1 if (u + i) % 2 else -1) for i, gid in enumerate(generations)]
    for gid in generations:
        assert len(await store.feedback(gid)) == 100


async def test_preferences_set_get_clear(store):
    await store.set_preference(1, "tempo", 120)
    await store.set_preference(1, "style", "jazz")
    await store.set_preference(1, "key", {"tonic": "D", "mode": "minor"})
    await store.set_preference(1, "tempo", 96.5)  # replaces
    await store.set_preference(2, "meter", [3, 4])
    assert await store.preferences(1) == {"tempo": 96.5, "style": "jazz", "key": {"tonic": "D", "mode": "minor"}}
    assert await store.preferences(3) == {}
    assert await store.clear_preferences(1, "tempo") == 1
    assert await store.clear_preferences(1, "tempo") == 0
    assert await store.clear_preferences(1) == 2
    assert await store.preferences(1) == {}
    assert await store.preferences(2) == {"meter": [3, 4]}


async def test_forget_user_removes_everything_about_them_and_nothing_else(store):
    mine = await store.add_generations(1, "melody", [({}, 1, "a"), ({}, 2, "b")], message_id=1)
    theirs = await store.add_generations(2, "melody", [({}, 1, "c")], message_id=2)
    await store.set_feedback(mine, 1, "pick", 1)  # 2 rows: by me on mine
    await store.set_feedback(mine, 2, "reaction:👍", 1)  # 2 rows: by them on mine
    await store.set_feedback(theirs, 1, "reaction:👎", -1)  # 1 row: by me on theirs
    await store.set_feedback(theirs, 2, "pick", 1)  # kept
    await store.set_feedback(theirs, 3, "pick", 1)  # kept
    await store.set_preference(1, "tempo", 100)
    await store.set_preference(1, "style", "folk")
    await store.set_preference(2, "tempo", 80)  # kept
    await store.set_feedback(mine[:1], 3, "more", 1)  # 1 row: by someone else on mine; their new melody stays
    assert await store.forget_user(1) == Forgotten(generations=2, feedback_given=2 + 1, feedback_received=2 + 1,
                                                   preferences=2, more_like_kept=1)
    assert await store.generations(1) == [] and await store.user_feedback(1) == []
    assert await store.preferences(1) == {}
    assert [await store.generation(gid) for gid in mine] == [None, None]
    assert [g.id for g in await store.generations(2)] == theirs
    assert await store.feedback(theirs[0]) == {(2, "pick"): 1, (3, "pick"): 1}
    assert [e.generation_id for e in await store.user_feedback(2)] == theirs
    assert await store.preferences(2) == {"tempo": 80}
    assert (await store.forget_user(1)).rows == 0


async def test_stats_per_guild(store):
    noon = datetime(2025, 1, 15, 12, tzinfo=UTC).timestamp()

    async def add(when: float, user: int, guild: int, style: str | None, message: int) -> int:
        store.clock = lambda: when
        return (await store.add_generations(user, "melody", [({"style": style} if style else {}, 1, "C")],
                                            message_id=message, guild_id=guild))[0]

    jazz = await add(noon, 1, 10, "jazz", 1)
    folk = await add(noon + 3600, 1, 10, "folk", 2)
    plain = await add(noon - 86400, 2, 10, None, 3)  # yesterday, no style
    old = await add(noon - 20 * 86400, 3, 10, "blues", 4)  # outside the window
    other = await add(noon, 4, 11, "jazz", 5)  # another guild
    store.clock = lambda: noon + 7200
    for gid, user, value in [(jazz, 5, 1), (jazz, 6, 1), (folk, 5, 1), (folk, 6, -1), (plain, 5, 1), (old, 5, 1),
                             (other, 5, 1)]:
        await store.set_feedback([gid], user, "reaction", value)
    await store.set_feedback([jazz], 5, "pick", 1)
    stats = await store.stats(10, days=3)
    assert stats.per_day == [("2025-01-13", 0), ("2025-01-14", 1), ("2025-01-15", 2)]
    assert stats.liked_styles == [("jazz", 3), ("folk", 1)]
    assert (stats.total_generations, stats.distinct_users, stats.guild_id, stats.days) == (3, 2, 10, 3)
    assert (await store.stats(10, days=30)).liked_styles == [("jazz", 3), ("blues", 1), ("folk", 1)]
    empty = await store.stats(12)
    assert len(empty.per_day) == 14 and empty.per_day[-1] == ("2025-01-15", 0) and empty.total_generations == 0


async def test_migrations_run_once_and_the_schema_version_is_reported(backend):
    first, second = await asyncio.gather(backend.open(), backend.open())  # two openers migrate one at a time
    await second.close()
    await first.add_generations(1, "melody", [({}, 1, "C")])
    await first.set_preference(1, "tempo", 90)
    await first.close()
    again = await backend.open()  # reopening does not re-run migrations
    try:
        assert await again.schema_version() == SCHEMA_VERSION
        assert len(await again.generations(1)) == 1 and await again.preferences(1) == {"tempo": 90}
    finally:
        await again.close()
    if backend.name == "sqlite":
        with sqlite3.connect(backend.url) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    else:
        conn = await asyncpg.connect(backend.url, **backend.options)
        try:
            versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        finally:
            await conn.close()
        assert [r["version"] for r in versions] == list(range(1, SCHEMA_VERSION + 1))


async def test_a_version_1_sqlite_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.execute("INSERT INTO generations (user_id, candidate, command, params, notes, created_at)"
                   " VALUES (1, 0, 'melody', '{\"style\": \"jazz\"}', 'C', 0)")
    store = await open_store(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert [g.params for g in await store.generations(1)] == [{"style": "jazz"}]
        await store.set_preference(1, "style", "jazz")
    finally:
        await store.close()


async def test_open_store_picks_the_backend_from_the_url(tmp_path):
    for where in (tmp_path / "a.sqlite3", str(tmp_path / "b.sqlite3"), f"sqlite:///{tmp_path / 'c.sqlite3'}"):
        store = await open_store(where)
        assert isinstance(store, SqliteStore)
        await store.close()
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == ["a.sqlite3", "b.sqlite3", "c.sqlite3"]
    for wrong in ("mysql://localhost/db", Path("postgresql://localhost/db")):  # a Path mangles a URL's "//"
        with pytest.raises(ValueError, match="unsupported database URL"):
            await open_store(wrong)


async def test_open_store_reads_postgres_urls():
    async with postgres_schema() as (url, options):
        for scheme in ("postgresql://", "postgres://"):
            store = await open_store(url.replace("postgresql://", scheme, 1), **options)
            assert isinstance(store, PostgresStore)
            await store.close()


CHILD = """
import asyncio, json, sys
from studio.store.base import open_store

async def main(url, options, size):
    store = await open_store(url, **json.loads(options))
    for message in range(1, 10**9):
        ids = await store.add_generations(7, "crash", [({"message": message, "c": c}, c, "n" * 2000)
                                                       for c in range(size)], message_id=message, guild_id=1)
        print(json.dumps([message, ids]), flush=True)  # reported only once committed

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_a_killed_writer_loses_no_committed_row(backend):
    size, wanted = 40, 75  # long transactions: the kill mostly lands inside one
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, backend.url, json.dumps(backend.options), str(size), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    reported: dict[int, list[int]] = {}
    try:
        while len(reported) < wanted:
            line = await asyncio.wait_for(child.stdout.readline(), 60)
            assert line, (await child.stderr.read()).decode()
            message, ids = json.loads(line)
            reported[message] = ids
        await asyncio.sleep(random.uniform(0.005, 0.05))  # land somewhere inside a later transaction
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL
    for line in (await child.stdout.read()).splitlines(keepends=True):  # reported before the kill
        if line.endswith(b"\n"):
            message, ids = json.loads(line)
            reported[message] = ids
    store = await backend.open()
    try:
        rows = await store.generations(7, limit=10**6)
    finally:
        await store.close()
    by_message: dict[int, list] = {}
    for g in rows:
        by_message.setdefault(g.message_id, []).append(g)
    stored = {g.id for g in rows}
    assert all(set(ids) <= stored for ids in reported.values())  # every reported commit survived
    assert sorted(by_message) == list(range(1, len(by_message) + 1))  # later messages: all or nothing
    for message, shown in by_message.items():
        assert sorted((g.candidate, g.params["c"], g.params["message"]) for g in shown) == [
            (c, c, message) for c in range(size)]
        assert all(g.notes == "n" * 2000 for g in shown)
    print(f"\n{backend.name}: child killed after {len(reported)} reported commits; "
          f"{len(by_message)} messages ({len(rows)} rows) found complete, none partial")
