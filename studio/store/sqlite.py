"""The SQLite backend: aiosqlite, WAL, migrations numbered by ``PRAGMA user_version``.

Waits are bounded: for another process's write lock (``busy_timeout``) and for this process's other coroutines
(the connection's lock), ``timeout`` seconds each; then `StoreUnavailable`. ``secure_delete`` overwrites what is
deleted, and `forget_user` truncates the write-ahead log, so a forgotten user's data leaves the files too.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from studio.store.base import SCHEMA_VERSION, TIMEOUT, Forgotten, IntegrityError, Row, SqlStore, StoreUnavailable

MIGRATIONS: list[str] = [
    # 1: generations and the feedback on them
    """
    CREATE TABLE generations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        guild_id INTEGER,
        channel_id INTEGER,
        message_id INTEGER,
        candidate INTEGER NOT NULL DEFAULT 0,
        command TEXT NOT NULL,
        params TEXT NOT NULL,
        rng_seed INTEGER,
        notes TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX generations_user ON generations(user_id, created_at);
    CREATE UNIQUE INDEX generations_message ON generations(message_id, candidate);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        value INTEGER NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (generation_id, user_id, kind)
    );
    CREATE INDEX feedback_user ON feedback(user_id);
    """,
    # 2: explicit preferences (name -> JSON value); guild statistics
    """
    CREATE TABLE preferences (
        user_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (user_id, name)
    );
    CREATE INDEX generations_guild ON generations(guild_id, created_at);
    """,
    # 3: /quiz — each person's answer to each question (one per question), and their score and streak
    """
    CREATE TABLE quiz_answers (
        message_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        level TEXT NOT NULL,
        chosen TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (message_id, user_id)
    );
    CREATE INDEX quiz_answers_user ON quiz_answers(user_id, created_at);
    CREATE TABLE quiz_scores (
        user_id INTEGER PRIMARY KEY,
        answered INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        streak INTEGER NOT NULL,
        best_streak INTEGER NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION
log = logging.getLogger(__name__)


class SqliteStore(SqlStore):
    """One SQLite file in WAL mode, through one connection whose transactions an asyncio.Lock keeps apart."""

    DAY_SQL = "date(created_at, 'unixepoch')"

    def __init__(self, path: Path | str, timeout: float = TIMEOUT) -> None:
        super().__init__()
        self.path = Path(path)
        self.timeout = timeout  # seconds to wait for another process's write, or this process's other calls
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> SqliteStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)  # transactions are explicit
        self._db.row_factory = aiosqlite.Row
        try:
            await self._db.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            await self._wal()
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL: a killed process loses no commit
            await self._db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def _wal(self) -> None:
        """Switch to WAL. Two connections switching a new file at once can get "database is locked"
        straight away (SQLite does not call the busy handler for this), so wait and retry, up to the timeout."""
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            try:
                with self._answering():
                    await self.db.execute("PRAGMA journal_mode=WAL")
                return
            except StoreUnavailable:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.02)

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """SQLite's "database is locked" (after ``busy_timeout``) as `StoreUnavailable`."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreUnavailable(f"the database file is locked by another writer (waited {self.timeout:g} s)"
                                   ) from exc

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("SqliteStore is not open")
        return self._db

    async def _migrate(self) -> None:
        for number, script in enumerate(MIGRATIONS, start=1):
            async with self.transaction() as tx:  # BEGIN IMMEDIATE: one process migrates at a time
                if (await tx.fetch("PRAGMA user_version"))[0][0] >= number:
                    continue
                for statement in filter(str.strip, script.split(";")):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version = {number}")

    async def schema_version(self) -> int:
        return (await self.fetch("PRAGMA user_version"))[0][0]

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[aiosqlite.Connection]:
        """The shared connection, once no other coroutine of this process uses it (waiting ``timeout`` at most)."""
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise StoreUnavailable(f"the database stayed busy with other calls for {self.timeout:g} s") from None
        try:
            yield self.db
        finally:
            self._lock.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Transaction]:
        async with self._turn() as db:  # one shared connection: never interleave two transactions
            try:  # BEGIN inside: if a cancelled call's BEGIN still runs, the rollback queued after it undoes it
                with self._answering():
                    await db.execute("BEGIN IMMEDIATE")
                    yield _Transaction(db)
                    await db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                await db.rollback()
                raise IntegrityError(str(exc)) from exc
            except BaseException:
                await db.rollback()
                raise

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._turn() as db:  # not in the middle of another coroutine's transaction
            with self._answering():
                return list(await db.execute_fetchall(sql, args))

    async def forget_user(self, user_id: int) -> Forgotten:
        """`SqlStore.forget_user`, then the write-ahead log checkpointed and truncated: with ``secure_delete``,
        no copy of the deleted rows stays in the database file or its log."""
        forgotten = await super().forget_user(user_id)
        try:  # the rows are gone already: a busy checkpoint only delays the scrub, it is no error for the caller
            async with self._turn() as db:
                busy = (await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))[0][0]
        except (StoreUnavailable, sqlite3.OperationalError) as exc:
            busy = str(exc)
        if busy:
            log.warning("forget_user: the write-ahead log keeps deleted rows until the next checkpoint (%s)", busy)
        return forgotten


class _Transaction:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def execute(self, sql: str, *args: Any) -> int:
        return (await self.db.execute(sql, args)).rowcount

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.db.execute_fetchall(sql, args))
