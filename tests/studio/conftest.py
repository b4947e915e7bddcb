"""Store fixtures: each test's database on SQLite and on PostgreSQL (a fresh schema per test).

PostgreSQL: MUSICGENIUS_TEST_PG, else root@ or postgres@127.0.0.1:5432/test. When none answers, the postgres
tests skip, or fail where the environment variable CI is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from studio.store.base import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
PG_URLS = [os.environ["MUSICGENIUS_TEST_PG"]] if os.environ.get("MUSICGENIUS_TEST_PG") else [
    "postgresql://root@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"]
_postgres: dict[str, str | None] = {}  # the first URL that answered, probed once per session


async def postgres_url() -> str:
    """A PostgreSQL URL that answers; skips the test (fails it under CI) when there is none."""
    if "url" not in _postgres:
        errors = []
        for url in PG_URLS:
            try:
                await (await asyncpg.connect(url, timeout=5)).close()
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                errors.append(f"{url}: {exc!r}")
            else:
                _postgres["url"] = url
                break
        else:
            _postgres.update(url=None, errors="; ".join(errors))
    if _postgres["url"] is None:
        reason = f"PostgreSQL unreachable ({_postgres['errors']})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set", pytrace=False)
        pytest.skip(f"{reason}; set MUSICGENIUS_TEST_PG=postgresql://... to run these")
    return _postgres["url"]


@dataclass
class Backend:
    """Where one test's database lives; `open` may be called again to reopen it."""

    name: str
    url: str
    options: dict[str, Any]

    async def open(self, **options: Any) -> Store:
        return await open_store(self.url, **self.options, **options)


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", str(tmp_path / "db.sqlite3"), {})
        return
    async with postgres_schema() as (url, options):
        yield Backend("postgres", url, options)


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """A fresh, empty schema: the URL and the `open_store` options that put the store in it."""
    url = await postgres_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield url, {"server_settings": {"search_path": schema}}
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    store = await backend.open()
    yield store
    await store.close()
