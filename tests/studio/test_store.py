import asyncio
import sqlite3

import pytest

from studio.store import MIGRATIONS, Store


@pytest.fixture
async def store(tmp_path):
    store = await Store(tmp_path / "db.sqlite3").open()
    yield store
    await store.close()


async def test_candidates_and_feedback_round_trip(store):
    ids = await store.add_generations(1, "melody", [({"seed": 1}, 1, "C ➜ D"), ({"seed": 2}, 2, "C ➜ E")],
                                      message_id=99)
    shown = await store.generations_for_message(99)
    assert [g.id for g in shown] == ids and [g.candidate for g in shown] == [0, 1]
    assert shown[1].params == {"seed": 2} and shown[1].notes == "C ➜ E"
    await store.set_feedback(ids, 2, "reaction:👍", 1)
    await store.set_feedback(ids[:1], 2, "reaction:👍", 1)  # idempotent
    await store.set_feedback([ids[1]], 3, "pick", 1)
    assert await store.feedback(ids[1]) == {(2, "reaction:👍"): 1, (3, "pick"): 1}
    await store.remove_feedback(ids, 2, "reaction:👍")
    assert await store.feedback(ids[0]) == {}
    assert [g.id for g in await store.generations(1)] == sorted(ids, reverse=True)


async def test_a_failed_write_leaves_no_half_written_rows(store):
    await store.add_generations(1, "melody", [({}, 1, "a")], message_id=5)
    with pytest.raises(sqlite3.IntegrityError):  # second candidate 0 for message 5 collides
        await store.add_generations(1, "melody", [({}, 2, "b"), ({}, 3, "c")], message_id=6)
        await store.add_generations(1, "melody", [({}, 4, "d")], message_id=5)
    rows = await store.generations(1)
    assert sorted(g.notes for g in rows) == ["a", "b", "c"]


async def test_concurrent_writers_lose_nothing(store):
    ids = await store.add_generations(1, "melody", [({}, 1, "a")], message_id=1)
    await asyncio.gather(*[store.set_feedback(ids, user, "reaction:👍", 1) for user in range(200)],
                         *[store.add_generations(user, "melody", [({}, 1, "x"), ({}, 2, "y")], message_id=1000 + user)
                           for user in range(50)])
    assert len(await store.feedback(ids[0])) == 200
    counts = [len(await store.generations(user)) for user in range(50)]
    assert sum(counts) == 100 + 1  # user 1 also owns the first generation


async def test_database_is_a_real_wal_file_with_a_schema_version(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = await Store(path).open()
    await store.add_generations(1, "melody", [({}, 1, "C")])
    await store.close()
    again = await Store(path).open()  # reopening does not re-run migrations
    assert await again.schema_version() == len(MIGRATIONS)
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM generations").fetchone()[0] == 1
