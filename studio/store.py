"""Storage of generations and feedback: SQLite through aiosqlite, in WAL mode.

Schema changes are versioned migrations from the first table on; every write is one
transaction, so a crash never leaves half a row behind.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

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
]

REACTIONS = {"👍": 1, "👎": -1}


@dataclass(frozen=True)
class Generation:
    id: int
    user_id: int
    message_id: int | None
    candidate: int
    command: str
    params: dict
    rng_seed: int | None
    notes: str


class Store:
    """Async access to the SQLite database at ``path``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # one connection: keep multi-statement transactions apart

    async def open(self) -> Store:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._migrate()
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Store is not open")
        return self._db

    async def _migrate(self) -> None:
        version = (await (await self.db.execute("PRAGMA user_version")).fetchone())[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

    async def schema_version(self) -> int:
        return (await (await self.db.execute("PRAGMA user_version")).fetchone())[0]

    async def _transaction(self, statements: list[tuple[str, tuple]]) -> list[int | None]:
        """Run writes as one transaction (all or nothing); returns each statement's lastrowid."""
        async with self._lock:  # one shared connection: never interleave two transactions
            try:
                ids = []
                for sql, args in statements:
                    cursor = await self.db.execute(sql, args)
                    ids.append(cursor.lastrowid)
                await self.db.commit()
                return ids
            except BaseException:
                await self.db.rollback()
                raise

    async def add_generations(self, user_id: int, command: str, candidates: list[tuple[dict, int | None, str]],
                              message_id: int | None = None, guild_id: int | None = None,
                              channel_id: int | None = None) -> list[int]:
        """Store the candidates (params, RNG seed, note text) shown in one message; returns their ids."""
        now = time.time()
        ids = await self._transaction([
            ("INSERT INTO generations (user_id, guild_id, channel_id, message_id, candidate, command, params,"
             " rng_seed, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             (user_id, guild_id, channel_id, message_id, i, command, json.dumps(params), rng_seed, notes, now))
            for i, (params, rng_seed, notes) in enumerate(candidates)
        ])
        return [i for i in ids if i is not None]

    async def generations_for_message(self, message_id: int) -> list[Generation]:
        """The candidates shown in one message, in order."""
        rows = await (await self.db.execute(
            "SELECT * FROM generations WHERE message_id = ? ORDER BY candidate", (message_id,)
        )).fetchall()
        return [_generation(r) for r in rows]

    async def generations(self, user_id: int, limit: int = 20) -> list[Generation]:
        rows = await (await self.db.execute(
            "SELECT * FROM generations WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", (user_id, limit)
        )).fetchall()
        return [_generation(r) for r in rows]

    async def set_feedback(self, generation_ids: list[int], user_id: int, kind: str, value: int) -> None:
        """Record (or replace) one user's feedback of one kind on each generation, in one transaction."""
        now = time.time()
        await self._transaction([
            ("INSERT INTO feedback (generation_id, user_id, kind, value, created_at) VALUES (?, ?, ?, ?, ?)"
             " ON CONFLICT (generation_id, user_id, kind) DO UPDATE SET value = excluded.value,"
             " created_at = excluded.created_at", (gid, user_id, kind, value, now))
            for gid in generation_ids
        ])

    async def remove_feedback(self, generation_ids: list[int], user_id: int, kind: str) -> None:
        await self._transaction([
            ("DELETE FROM feedback WHERE generation_id = ? AND user_id = ? AND kind = ?", (gid, user_id, kind))
            for gid in generation_ids
        ])

    async def feedback(self, generation_id: int) -> dict[tuple[int, str], int]:
        """{(user_id, kind): value} for one generation."""
        rows = await (await self.db.execute(
            "SELECT user_id, kind, value FROM feedback WHERE generation_id = ?", (generation_id,)
        )).fetchall()
        return {(r["user_id"], r["kind"]): r["value"] for r in rows}


def _generation(row: aiosqlite.Row) -> Generation:
    return Generation(row["id"], row["user_id"], row["message_id"], row["candidate"], row["command"],
                      json.loads(row["params"]), row["rng_seed"], row["notes"])
