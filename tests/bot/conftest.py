"""A real MusicGenius bot connected to the fake Discord, with a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio

from bot.client import MusicGenius
from bot.settings import Settings
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.store.base import Store, open_store
from tests.fakediscord import FakeDiscord, running_bot, running_fake


@dataclass
class Env:
    fake: FakeDiscord
    bot: MusicGenius
    store: Store


async def start_env(tmp_path, composer: Composer, dev_guild: bool = True,
                    lyricist: Lyricist | None = None) -> AsyncIterator[Env]:
    async with running_fake() as fake:
        settings = Settings(token="fake-token", dev_guild=fake.guild_id if dev_guild else None,
                            database=str(tmp_path / "bot.sqlite3"))
        store = await open_store(settings.database)
        bot = MusicGenius(settings, composer, store, lyricist=lyricist, guild_ready_timeout=0.1)
        try:
            async with running_bot(bot, fake):
                await fake.wait_for_commands()
                yield Env(fake, bot, store)
        finally:
            await store.close()


@pytest_asyncio.fixture
async def env(tmp_path, composer, lyricist) -> AsyncIterator[Env]:
    async for e in start_env(tmp_path, composer, lyricist=lyricist):
        yield e
