"""The pytest fixture for the fake Discord (which now lives in the top-level ``fakediscord`` package).

In a conftest: ``from tests.fakediscord.fixtures import fake_discord``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from fakediscord import FakeDiscord, pointed_at, running_bot, running_fake

__all__ = ["fake_discord", "pointed_at", "running_bot", "running_fake"]


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Pytest fixture: a running :class:`FakeDiscord`."""
    async with running_fake() as fake:
        yield fake
