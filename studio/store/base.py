"""Storage of generations, feedback and preferences behind one async interface.

`open_store` picks the backend from the database URL: PostgreSQL through asyncpg for ``postgresql://`` or
``postgres://`` URLs (`studio.store.postgres`), otherwise SQLite through aiosqlite in WAL mode
(`studio.store.sqlite`). Both run the same SQL (`SqlStore`, written with ``?`` placeholders), versioned
migrations from the first table on, and every write is one transaction: a crash never leaves half a row behind.

No call waits long: a lock held elsewhere, a database that is down or a full connection pool raise
`StoreUnavailable` after ``TIMEOUT`` seconds (statements get a few times that), with the transaction rolled back.
Database URLs are only ever shown with their password hidden (`studio.store.redact`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from studio.store.records import (
    Acceptance,
    FeedbackRow,
    Forgotten,
    Generation,
    QuizAnswer,
    QuizScore,
    Stats,
)
from studio.store.redact import redact

if TYPE_CHECKING:
    from studio.store.postgres import PostgresStore
    from studio.store.sqlite import SqliteStore

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # number of migrations each backend defines
REACTIONS = {"👍": 1, "👎": -1}
DAY = 86400.0
TIMEOUT = 3.0  # seconds to wait for a lock, a connection or a pool slot before StoreUnavailable

JSON = Any  # anything json.dumps accepts
Row = Mapping[str, Any]


class IntegrityError(Exception):
    """A write broke a constraint (duplicate candidate, unknown generation...); nothing of it was stored."""


class StoreUnavailable(Exception):
    """The database did not answer in time: locked by another writer, down, unreachable or out of connections.

    Nothing of the call was stored (its transaction rolled back); trying again later is the cure.
    """

    USER_TEXT = "I can't reach my database right now; try again in a minute."


class Store(Protocol):
    """What the bot needs from storage. Get one with `open_store`."""

    clock: Callable[[], float]  # Unix time, as the store stamps rows

    async def close(self) -> None: ...

    async def schema_version(self) -> int:
        """The number of migrations applied."""
        ...

    async def add_generations(self, user_id: int, command: str, candidates: Sequence[tuple[dict, int | None, str]],
                              message_id: int | None = None, guild_id: int | None = None,
                              channel_id: int | None = None) -> list[int]:
        """Store the candidates (params, RNG seed, note text) shown in one message; returns their ids."""
        ...

    async def attach_message(self, generation_ids: Sequence[int], message_id: int) -> None:
        """The message that shows candidates stored before it was sent (store first, then send)."""
        ...

    async def remove_generations(self, generation_ids: Sequence[int]) -> None:
        """Take back candidates that were stored but never shown (the message could not be sent)."""
        ...

    async def generation(self, generation_id: int) -> Generation | None: ...

    async def generations_for_message(self, message_id: int) -> list[Generation]:
        """The candidates shown in one message, in order."""
        ...

    async def generations(self, user_id: int, limit: int = 20) -> list[Generation]:
        """A user's most recent generations, newest first."""
        ...

    async def set_feedback(self, generation_ids: Sequence[int], user_id: int, kind: str, value: int) -> None:
        """Record (or replace) one user's feedback of one kind on each generation, in one transaction."""
        ...

    async def remove_feedback(self, generation_ids: Sequence[int], user_id: int, kind: str) -> None: ...

    async def feedback(self, generation_id: int) -> dict[tuple[int, str], int]:
        """{(user_id, kind): value} for one generation."""
        ...

    async def user_feedback(self, user_id: int) -> list[FeedbackRow]:
        """All feedback a user gave, oldest first, with the generation it is about (siblings of a pick:
        `generations_for_message`)."""
        ...

    async def all_feedback(self) -> list[FeedbackRow]:
        """Everyone's feedback, by user and then oldest first (to relearn the community's taste)."""
        ...

    async def set_preference(self, user_id: int, name: str, value: JSON) -> None: ...

    async def preferences(self, user_id: int) -> dict[str, JSON]: ...

    async def clear_preferences(self, user_id: int, name: str | None = None) -> int:
        """Delete one preference (or all of them); returns how many were deleted."""
        ...

    async def forget_user(self, user_id: int) -> Forgotten:
        """Delete, in one transaction, a user's generations, the feedback they gave, the feedback on their
        generations, their preferences and their `/quiz` answers and score (SQLite also scrubs the deleted bytes
        from its files)."""
        ...

    async def export_user(self, user_id: int) -> dict[str, JSON]:
        """Everything stored about a user, JSON-ready: generations, feedback given and received (without who
        gave it), preferences, `/quiz` score and answers."""
        ...

    async def stats(self, guild_id: int, days: int = 14) -> Stats: ...

    async def record_quiz_answer(self, user_id: int, message_id: int, kind: str, level: str, chosen: str,
                                 answer: str, correct: bool) -> QuizAnswer:
        """Record a user's answer to the `/quiz` question shown in ``message_id`` and update their score and streak,
        in one transaction; only their first answer to a question counts."""
        ...

    async def quiz_score(self, user_id: int) -> QuizScore: ...

    async def acceptance(self, since: float, until: float, guild_id: int | None = None,
                         user_id: int | None = None) -> dict[int, Acceptance]:
        """Per user who asked: melody candidates shown in [since, until) and how many were taken (see Acceptance)."""
        ...


async def open_store(url: str | Path, **options: Any) -> Store:
    """Open (and migrate) the store at ``url``.

    ``postgresql://`` / ``postgres://`` URLs give a `PostgresStore` (``options`` go to ``asyncpg.create_pool``,
    e.g. ``server_settings``); ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or a plain path give a
    `SqliteStore`. Both take ``timeout`` (seconds, default ``TIMEOUT``). Failing to open raises
    `StoreUnavailable` (no answer in time) or ValueError (anything else), their messages free of the password.
    """
    text = str(url)
    where = redact(text, text)
    scheme = re.match(r"([a-zA-Z][\w+.-]+):/", text)
    store: PostgresStore | SqliteStore
    if scheme and scheme[1] in ("postgresql", "postgres") and text.startswith(f"{scheme[1]}://"):
        from studio.store.postgres import PostgresStore

        store = PostgresStore(text, **options)
    else:
        if scheme and text.startswith("sqlite:///"):
            text = text.removeprefix("sqlite:///")
        elif scheme:
            raise ValueError(f"unsupported database URL {where!r} (is it a Path? pass URLs as str)")
        from studio.store.sqlite import SqliteStore

        store = SqliteStore(text, **options)
    try:
        await store.open()
    except Exception as exc:  # noqa: BLE001 - re-raised below, without the password (and its unredacted cause)
        detail = redact(str(exc) or type(exc).__name__, text)
        if isinstance(exc, StoreUnavailable):
            raise StoreUnavailable(f"can't reach the database at {where}: {detail}") from None
        raise ValueError(f"can't open the database at {where}: {type(exc).__name__}: {detail}") from None
    log.info("database: %s", where)
    return store


class Transaction(Protocol):
    """A connection inside one transaction, as `SqlStore` uses it (``?`` placeholders)."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; returns the number of rows it changed."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...


class SqlStore(ABC):
    """The `Store` methods, in SQL that both SQLite (3.38+) and PostgreSQL run."""

    DAY_SQL: str  # SQL for created_at's UTC date as 'YYYY-MM-DD'

    def __init__(self) -> None:
        self.clock: Callable[[], float] = time.time  # tests move time by replacing this

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Commit what runs inside, or roll all of it back (constraint errors raise `IntegrityError`)."""

    @abstractmethod
    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """Run one read."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def schema_version(self) -> int: ...

    async def add_generations(self, user_id: int, command: str, candidates: Sequence[tuple[dict, int | None, str]],
                              message_id: int | None = None, guild_id: int | None = None,
                              channel_id: int | None = None) -> list[int]:
        now = self.clock()
        async with self.transaction() as tx:
            return [(await tx.fetch(
                "INSERT INTO generations (user_id, guild_id, channel_id, message_id, candidate, command, params,"
                " rng_seed, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                user_id, guild_id, channel_id, message_id, i, command, json.dumps(params), rng_seed, notes, now,
            ))[0]["id"] for i, (params, rng_seed, notes) in enumerate(candidates)]

    async def attach_message(self, generation_ids: Sequence[int], message_id: int) -> None:
        async with self.transaction() as tx:
            for generation_id in generation_ids:
                await tx.execute("UPDATE generations SET message_id = ? WHERE id = ?", message_id, generation_id)

    async def remove_generations(self, generation_ids: Sequence[int]) -> None:
        async with self.transaction() as tx:
            for generation_id in generation_ids:
                await tx.execute("DELETE FROM feedback WHERE generation_id = ?", generation_id)
                await tx.execute("DELETE FROM generations WHERE id = ?", generation_id)

    async def generation(self, generation_id: int) -> Generation | None:
        rows = await self.fetch("SELECT * FROM generations WHERE id = ?", generation_id)
        return _generation(rows[0]) if rows else None

    async def generations_for_message(self, message_id: int) -> list[Generation]:
        rows = await self.fetch("SELECT * FROM generations WHERE message_id = ? ORDER BY candidate", message_id)
        return [_generation(r) for r in rows]

    async def generations(self, user_id: int, limit: int = 20) -> list[Generation]:
        rows = await self.fetch(
            "SELECT * FROM generations WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", user_id, limit
        )
        return [_generation(r) for r in rows]

    async def set_feedback(self, generation_ids: Sequence[int], user_id: int, kind: str, value: int) -> None:
        now = self.clock()
        async with self.transaction() as tx:
            for gid in sorted(generation_ids):  # one lock order for concurrent writers
                await tx.execute(
                    "INSERT INTO feedback (generation_id, user_id, kind, value, created_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (generation_id, user_id, kind) DO UPDATE SET value = excluded.value,"
                    " created_at = excluded.created_at", gid, user_id, kind, value, now,
                )

    async def remove_feedback(self, generation_ids: Sequence[int], user_id: int, kind: str) -> None:
        async with self.transaction() as tx:
            for gid in sorted(generation_ids):
                await tx.execute(
                    "DELETE FROM feedback WHERE generation_id = ? AND user_id = ? AND kind = ?", gid, user_id, kind
                )

    async def feedback(self, generation_id: int) -> dict[tuple[int, str], int]:
        rows = await self.fetch("SELECT user_id, kind, value FROM feedback WHERE generation_id = ?", generation_id)
        return {(r["user_id"], r["kind"]): r["value"] for r in rows}

    async def user_feedback(self, user_id: int) -> list[FeedbackRow]:
        return await self._feedback_rows("WHERE f.user_id = ?", user_id)

    async def all_feedback(self) -> list[FeedbackRow]:
        return await self._feedback_rows("")

    async def _feedback_rows(self, where: str, *args: Any) -> list[FeedbackRow]:
        rows = await self.fetch(
            "SELECT f.generation_id, f.user_id, f.kind, f.value, f.created_at, g.message_id, g.candidate,"
            f" g.command, g.params, g.notes FROM feedback f JOIN generations g ON g.id = f.generation_id {where}"
            " ORDER BY f.user_id, f.created_at, f.id", *args,
        )
        return [FeedbackRow(r["generation_id"], r["user_id"], r["kind"], r["value"], r["created_at"],
                              r["message_id"], r["candidate"], r["command"], json.loads(r["params"]), r["notes"])
                for r in rows]

    async def set_preference(self, user_id: int, name: str, value: JSON) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "INSERT INTO preferences (user_id, name, value, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                user_id, name, json.dumps(value), self.clock(),
            )

    async def preferences(self, user_id: int) -> dict[str, JSON]:
        rows = await self.fetch("SELECT name, value FROM preferences WHERE user_id = ? ORDER BY name", user_id)
        return {r["name"]: json.loads(r["value"]) for r in rows}

    async def clear_preferences(self, user_id: int, name: str | None = None) -> int:
        async with self.transaction() as tx:
            if name is None:
                return await tx.execute("DELETE FROM preferences WHERE user_id = ?", user_id)
            return await tx.execute("DELETE FROM preferences WHERE user_id = ? AND name = ?", user_id, name)

    async def forget_user(self, user_id: int) -> Forgotten:
        others_on_mine = "user_id <> ? AND generation_id IN (SELECT id FROM generations WHERE user_id = ?)"
        async with self.transaction() as tx:
            more = (await tx.fetch(f"SELECT count(*) AS n FROM feedback WHERE kind = 'more' AND {others_on_mine}",
                                   user_id, user_id))[0]["n"]
            return Forgotten(
                feedback_received=await tx.execute(f"DELETE FROM feedback WHERE {others_on_mine}", user_id, user_id),
                feedback_given=await tx.execute("DELETE FROM feedback WHERE user_id = ?", user_id),
                generations=await tx.execute("DELETE FROM generations WHERE user_id = ?", user_id),
                preferences=await tx.execute("DELETE FROM preferences WHERE user_id = ?", user_id),
                more_like_kept=more,
                quiz_answers=await tx.execute("DELETE FROM quiz_answers WHERE user_id = ?", user_id),
                quiz_scores=await tx.execute("DELETE FROM quiz_scores WHERE user_id = ?", user_id),
            )

    async def export_user(self, user_id: int) -> dict[str, JSON]:
        generations = await self.fetch("SELECT * FROM generations WHERE user_id = ? ORDER BY created_at, id", user_id)
        received = await self.fetch(
            "SELECT f.generation_id, f.kind, f.value, f.created_at FROM feedback f JOIN generations g"
            " ON g.id = f.generation_id WHERE g.user_id = ? AND f.user_id <> ? ORDER BY f.created_at, f.id",
            user_id, user_id,
        )
        return {
            "user_id": str(user_id),  # a string: Discord ids do not fit JavaScript numbers
            "generations": [{"id": g.id, "created_at": _iso(g.created_at), "command": g.command,
                             "guild_id": _id(g.guild_id), "channel_id": _id(g.channel_id),
                             "message_id": _id(g.message_id), "candidate": g.candidate, "rng_seed": g.rng_seed,
                             "params": g.params, "notes": g.notes} for g in map(_generation, generations)],
            "feedback_given": [{"generation_id": f.generation_id, "kind": f.kind, "value": f.value,
                                "created_at": _iso(f.created_at), "message_id": _id(f.message_id),
                                "candidate": f.candidate, "notes": f.notes} for f in await self.user_feedback(user_id)],
            "feedback_on_your_melodies": [{"generation_id": r["generation_id"], "kind": r["kind"], "value": r["value"],
                                           "created_at": _iso(r["created_at"])} for r in received],
            "preferences": await self.preferences(user_id),
            **await self._export_quiz(user_id),
        }

    async def record_quiz_answer(self, user_id: int, message_id: int, kind: str, level: str, chosen: str,
                                 answer: str, correct: bool) -> QuizAnswer:
        now, right = self.clock(), int(correct)
        async with self.transaction() as tx:
            first = await tx.execute(
                "INSERT INTO quiz_answers (message_id, user_id, kind, level, chosen, answer, correct, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO NOTHING",
                message_id, user_id, kind, level, chosen, answer, right, now) == 1
            if first:
                await tx.execute(
                    "INSERT INTO quiz_scores (user_id, answered, correct, streak, best_streak, updated_at)"
                    " VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                    " answered = quiz_scores.answered + 1, correct = quiz_scores.correct + excluded.correct,"
                    " streak = CASE WHEN excluded.correct = 1 THEN quiz_scores.streak + 1 ELSE 0 END,"
                    " best_streak = CASE WHEN excluded.correct = 1 AND quiz_scores.streak + 1 > quiz_scores.best_streak"
                    " THEN quiz_scores.streak + 1 ELSE quiz_scores.best_streak END, updated_at = excluded.updated_at",
                    user_id, right, right, right, now)
            mine = (await tx.fetch("SELECT chosen, correct FROM quiz_answers WHERE message_id = ? AND user_id = ?",
                                   message_id, user_id))[0]
            score = await _quiz_score(tx.fetch, user_id)
        # counted once committed: a concurrent transaction's snapshot would miss answers committed meanwhile
        count = (await self.fetch("SELECT count(*) AS n FROM quiz_answers WHERE message_id = ?", message_id))[0]["n"]
        return QuizAnswer(first, mine["chosen"], bool(mine["correct"]), score, count)

    async def quiz_score(self, user_id: int) -> QuizScore:
        return await _quiz_score(self.fetch, user_id)

    async def _export_quiz(self, user_id: int) -> dict[str, JSON]:
        score = await self.fetch("SELECT * FROM quiz_scores WHERE user_id = ?", user_id)
        answers = await self.fetch("SELECT * FROM quiz_answers WHERE user_id = ? ORDER BY created_at, message_id",
                                   user_id)
        return {
            "quiz_score": {"answered": score[0]["answered"], "correct": score[0]["correct"],
                           "streak": score[0]["streak"], "best_streak": score[0]["best_streak"],
                           "updated_at": _iso(score[0]["updated_at"])} if score else None,
            "quiz_answers": [{"message_id": _id(a["message_id"]), "created_at": _iso(a["created_at"]),
                              "kind": a["kind"], "level": a["level"], "chosen": a["chosen"], "answer": a["answer"],
                              "correct": bool(a["correct"])} for a in answers],
        }

    async def stats(self, guild_id: int, days: int = 14) -> Stats:
        start = (self.clock() // DAY - (days - 1)) * DAY  # midnight UTC, ``days - 1`` days ago
        counts = {r["day"]: r["n"] for r in await self.fetch(
            f"SELECT {self.DAY_SQL} AS day, count(*) AS n FROM generations WHERE guild_id = ? AND created_at >= ?"
            " GROUP BY day", guild_id, start,
        )}
        liked = await self.fetch(
            "SELECT g.params ->> 'style' AS style, sum(f.value) AS score FROM feedback f"
            " JOIN generations g ON g.id = f.generation_id WHERE g.guild_id = ? AND g.created_at >= ?"
            " AND f.value > 0 AND g.params ->> 'style' IS NOT NULL GROUP BY style ORDER BY score DESC, style",
            guild_id, start,
        )
        totals = (await self.fetch(
            "SELECT count(*) AS n, count(DISTINCT user_id) AS users FROM generations"
            " WHERE guild_id = ? AND created_at >= ?", guild_id, start,
        ))[0]
        dates = [datetime.fromtimestamp(start + i * DAY, UTC).date().isoformat() for i in range(days)]
        return Stats(guild_id, days, [(d, counts.get(d, 0)) for d in dates],
                     [(r["style"], r["score"]) for r in liked], totals["n"], totals["users"])


    async def acceptance(self, since: float, until: float, guild_id: int | None = None,
                         user_id: int | None = None) -> dict[int, Acceptance]:
        where = "g.command = 'melody' AND g.message_id IS NOT NULL AND g.created_at >= ? AND g.created_at < ?"
        args: list[Any] = [since, until]
        for column, value in (("guild_id", guild_id), ("user_id", user_id)):
            if value is not None:
                where += f" AND g.{column} = ?"
                args.append(value)
        shown = await self.fetch(
            "SELECT g.user_id AS user_id, count(*) AS shown, sum(CASE WHEN EXISTS (SELECT 1 FROM feedback f WHERE"
            " f.generation_id = g.id AND f.kind IN ('pick', 'more')) THEN 1 ELSE 0 END) AS taken"
            f" FROM generations g WHERE {where} GROUP BY g.user_id", *args)
        liked = {r["user_id"]: r["n"] for r in await self.fetch(
            "SELECT g.user_id AS user_id, count(DISTINCT g.message_id) AS n FROM generations g JOIN feedback f"
            f" ON f.generation_id = g.id WHERE f.kind = 'reaction:👍' AND {where} GROUP BY g.user_id", *args)}
        return {r["user_id"]: Acceptance(r["shown"], min(r["shown"], (r["taken"] or 0) + liked.get(r["user_id"], 0)))
                for r in shown}


async def _quiz_score(fetch: Callable[..., Any], user_id: int) -> QuizScore:
    """A user's `QuizScore`, read with ``fetch`` (a transaction's, or the store's)."""
    rows = await fetch("SELECT answered, correct, streak, best_streak FROM quiz_scores WHERE user_id = ?", user_id)
    kinds = await fetch("SELECT kind, count(*) AS answered, sum(correct) AS correct FROM quiz_answers"
                        " WHERE user_id = ? GROUP BY kind ORDER BY kind", user_id)
    by_kind = tuple((k["kind"], k["answered"], k["correct"] or 0) for k in kinds)
    if not rows:
        return QuizScore(by_kind=by_kind)
    r = rows[0]
    return QuizScore(r["answered"], r["correct"], r["streak"], r["best_streak"], by_kind)


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")


def _id(snowflake: int | None) -> str | None:
    return None if snowflake is None else str(snowflake)


def _generation(row: Row) -> Generation:
    return Generation(row["id"], row["user_id"], row["message_id"], row["candidate"], row["command"],
                      json.loads(row["params"]), row["rng_seed"], row["notes"], row["guild_id"], row["channel_id"],
                      row["created_at"])
