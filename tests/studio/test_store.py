import sqlite3

from studio.store import MIGRATIONS, Store


async def test_generations_and_feedback_round_trip(tmp_path):
    store = await Store(tmp_path / "db.sqlite3").open()
    try:
        gen = await store.add_generation(1, "melody", {"notes": "C E G"}, 42, "C E G ➜ A4:q", message_id=99)
        assert (await store.generation_for_message(99)).params == {"notes": "C E G"}
        await store.set_feedback(gen, 2, "reaction:👍", 1)
        await store.set_feedback(gen, 2, "reaction:👍", 1)  # idempotent
        await store.set_feedback(gen, 3, "reaction:👎", -1)
        assert await store.feedback(gen) == {(2, "reaction:👍"): 1, (3, "reaction:👎"): -1}
        await store.remove_feedback(gen, 2, "reaction:👍")
        assert await store.feedback(gen) == {(3, "reaction:👎"): -1}
        assert [g.id for g in await store.generations(1)] == [gen]
    finally:
        await store.close()


async def test_database_is_a_real_wal_file_with_a_schema_version(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = await Store(path).open()
    await store.add_generation(1, "melody", {}, 1, "C")
    await store.close()
    again = await Store(path).open()  # reopening does not re-run migrations
    assert await again.schema_version() == len(MIGRATIONS)
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM generations").fetchone()[0] == 1
