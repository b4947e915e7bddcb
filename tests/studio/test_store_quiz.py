"""`/quiz` answers, scores and streaks in the store, on SQLite and on PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import asyncio
import sqlite3

from studio.store.base import SCHEMA_VERSION, Forgotten, QuizScore, open_store
from studio.store.postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from studio.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS

ALICE, BOB = 10**17, 20**13  # Discord ids need 64 bits


async def answer(store, user: int, message: int, correct: bool, kind: str = "interval", chosen: str = "x"):
    return await store.record_quiz_answer(user, message, kind, "beginner", chosen, "minor third", correct)


def test_both_backends_define_the_quiz_migration():
    assert len(SQLITE_MIGRATIONS) == len(POSTGRES_MIGRATIONS) == SCHEMA_VERSION == 3
    for script in (SQLITE_MIGRATIONS[2], POSTGRES_MIGRATIONS[2]):
        assert "CREATE TABLE quiz_answers" in script and "CREATE TABLE quiz_scores" in script


async def test_score_and_streak_follow_each_first_answer(store):
    assert await store.quiz_score(ALICE) == QuizScore()
    results = [await answer(store, ALICE, m, ok) for m, ok in enumerate([True, True, False, True, True, True, False])]
    assert [r.first for r in results] == [True] * 7
    assert [r.score.streak for r in results] == [1, 2, 0, 1, 2, 3, 0]
    assert [r.score.best_streak for r in results] == [1, 2, 2, 2, 2, 3, 3]
    assert results[-1].score == QuizScore(7, 5, 0, 3, (("interval", 7, 5),))
    await answer(store, ALICE, 100, True, kind="chord")
    assert await store.quiz_score(ALICE) == QuizScore(8, 6, 1, 3, (("chord", 1, 1), ("interval", 7, 5)))
    assert await store.quiz_score(BOB) == QuizScore()


async def test_one_answer_per_person_per_question_and_everyone_counts(store):
    first = await answer(store, ALICE, 7, True, chosen="minor third")
    assert (first.first, first.chosen, first.correct, first.answered_by) == (True, "minor third", True, 1)
    again = await answer(store, ALICE, 7, False, chosen="major third")  # a second press: nothing changes
    assert (again.first, again.chosen, again.correct, again.answered_by) == (False, "minor third", True, 1)
    assert again.score == first.score == QuizScore(1, 1, 1, 1, (("interval", 1, 1),))
    bob = await answer(store, BOB, 7, False, chosen="major third")
    assert (bob.first, bob.correct, bob.answered_by, bob.score.answered, bob.score.streak) == (True, False, 2, 1, 0)
    assert (await store.quiz_score(ALICE)).answered == 1


async def test_simultaneous_presses_by_one_person_count_once(store):
    results = await asyncio.gather(*(answer(store, ALICE, 9, i % 2 == 0, chosen=str(i)) for i in range(10)))
    assert sum(r.first for r in results) == 1
    winner = next(r for r in results if r.first)
    assert all(r.chosen == winner.chosen and r.correct == winner.correct for r in results)
    assert (await store.quiz_score(ALICE)).answered == 1
    others = await asyncio.gather(*(answer(store, user, 9, True) for user in range(1, 21)))
    assert all(r.first and 2 <= r.answered_by <= 21 for r in others)  # each counts at least itself and the first
    assert (await answer(store, 99, 9, True)).answered_by == 22


async def test_forget_deletes_the_users_quiz_rows_only(store):
    await answer(store, ALICE, 1, True)
    await answer(store, ALICE, 2, False)
    await answer(store, BOB, 1, True)
    forgotten = await store.forget_user(ALICE)
    assert forgotten == Forgotten(quiz_answers=2, quiz_scores=1) and forgotten.rows == 3
    assert await store.quiz_score(ALICE) == QuizScore()
    assert (await store.quiz_score(BOB)).answered == 1
    again = await answer(store, ALICE, 1, False)  # a fresh start: the old answer is gone too
    assert again.first and again.answered_by == 2 and again.score.answered == 1
    assert (await store.forget_user(ALICE)).rows == 2


async def test_export_holds_the_users_quiz_answers_and_score(store):
    store.clock = lambda: 1_736_942_400.0  # 2025-01-15 12:00 UTC
    assert (await store.export_user(ALICE))["quiz_score"] is None
    await store.record_quiz_answer(ALICE, 2**62, "dictation", "advanced", "B", "A", False)
    await store.record_quiz_answer(BOB, 2**62, "dictation", "advanced", "A", "A", True)
    data = await store.export_user(ALICE)
    assert data["quiz_score"] == {"answered": 1, "correct": 0, "streak": 0, "best_streak": 0,
                                  "updated_at": "2025-01-15T12:00:00+00:00"}
    assert data["quiz_answers"] == [{"message_id": str(2**62), "created_at": "2025-01-15T12:00:00+00:00",
                                     "kind": "dictation", "level": "advanced", "chosen": "B", "answer": "A",
                                     "correct": False}]
    assert str(BOB) not in str(data)


async def test_a_version_2_sqlite_database_gets_the_quiz_tables(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(SQLITE_MIGRATIONS[0] + SQLITE_MIGRATIONS[1] + "PRAGMA user_version = 2;")
        db.execute("INSERT INTO preferences (user_id, name, value, updated_at) VALUES (1, 'tempo', '90', 0)")
    store = await open_store(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert await store.preferences(1) == {"tempo": 90}
        assert (await answer(store, 1, 5, True)).score.streak == 1
    finally:
        await store.close()
