"""The SQLite backend: aiosqlite, WAL, migrations numbered by ``PRAGMA user_version``."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from studio.store.base import SCHEMA_VERSION, IntegrityError, Row, SqlStore

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
]
assert len(MIGRATIONS) == SCHEMA_VERSION


class SqliteStore(SqlStore):
    """One SQLite file in WAL mode, through one connection whose transactions an asyncio.Lock keeps apart."""

    DAY_SQL = "date(created_at, 'unixepoch')"

    def __init__(self, path: Path | str, busy_timeout_ms: int = 10_000) -> None:
        super().__init__()
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms  # how long to wait for another process's write
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> SqliteStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)  # transactions are explicit
        self._db.row_factory = aiosqlite.Row
        try:
            await self._db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            await self._wal()
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL: a killed process loses no commit
            await self._migrate()
        except BaseException:
            await self.close()
            raise
        return self

    async def _wal(self) -> None:
        """Switch to WAL. Two connections switching a new file at once can get "database is locked"
        straight away (SQLite does not call the busy handler for this), so wait and retry, up to the busy timeout."""
        deadline = asyncio.get_running_loop().time() + self.busy_timeout_ms / 1000
        while True:
            try:
                await self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.02)

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
    async def transaction(self) -> AsyncIterator[_Transaction]:
        async with self._lock:  # one shared connection: never interleave two transactions
            try:  # BEGIN inside: if a cancelled call's BEGIN still runs, the rollback queued after it undoes it
                await self.db.execute("BEGIN IMMEDIATE")
                yield _Transaction(self.db)
                await self.db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                await self.db.rollback()
                raise IntegrityError(str(exc)) from exc
            except BaseException:
                await self.db.rollback()
                raise

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._lock:  # not in the middle of another coroutine's transaction
            return list(await self.db.execute_fetchall(sql, args))


class _Transaction:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def execute(self, sql: str, *args: Any) -> int:
        return (await self.db.execute(sql, args)).rowcount

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.db.execute_fetchall(sql, args))
