"""Slash commands are synced only when the command tree changed since the last sync (Discord rate-limits command
updates), or when forced (`python -m bot --sync`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from bot.client import MusicGenius
from bot.settings import Settings
from studio.melody import Composer
from studio.store.base import open_store
from tests.bot.test_shutdown_e2e import python_m_bot
from tests.fakediscord import FakeDiscord, running_bot, running_fake


class WithPing(MusicGenius):
    """The bot with one more command: a changed tree."""

    async def setup_hook(self) -> None:
        @self.tree.command(name="ping", description="Is the bot there?")
        async def ping(interaction) -> None:
            await interaction.response.send_message("pong")

        await super().setup_hook()


@contextlib.asynccontextmanager
async def started(fake: FakeDiscord, composer: Composer, settings: Settings, bot: type[MusicGenius] = MusicGenius,
                  **options: bool) -> AsyncIterator[MusicGenius]:
    """The bot connected to ``fake`` (setup_hook, so the sync decision, is done); closed on exit."""
    store = await open_store(settings.database)
    try:
        async with running_bot(bot(settings, composer, store, guild_ready_timeout=0.1, **options), fake) as client:
            yield client
    finally:
        await store.close()


async def start_once(fake: FakeDiscord, composer: Composer, settings: Settings, bot: type[MusicGenius] = MusicGenius,
                     **options: bool) -> None:
    async with started(fake, composer, settings, bot, **options):
        pass


async def test_an_unchanged_tree_is_synced_once_and_a_changed_or_forced_one_again(tmp_path, composer):
    async with running_fake() as fake:
        settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(tmp_path / "bot.sqlite3"))
        await start_once(fake, composer, settings)
        assert (tmp_path / "bot.sqlite3.sync.json").is_file()  # beside the database by default
        async with started(fake, composer, settings):
            assert len(fake.command_syncs) == 1
            slash = await fake.slash("melody", {"notes": "C E G", "count": 1})  # registered by the first start
            assert "➜" in (await slash.wait_final(timeout=60)).content

        await start_once(fake, composer, settings, WithPing)
        assert len(fake.command_syncs) == 2 and "ping" in {c["name"] for c in fake.command_syncs[-1].commands}
        await start_once(fake, composer, settings, WithPing)
        assert len(fake.command_syncs) == 2
        await start_once(fake, composer, settings, WithPing, force_sync=True)
        assert len(fake.command_syncs) == 3


async def test_each_scope_and_state_file_has_its_own_record(tmp_path, composer):
    async with running_fake() as fake:
        guild = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(tmp_path / "bot.sqlite3"))
        await start_once(fake, composer, guild)
        await start_once(fake, composer, Settings(token="fake-token", database=guild.database))
        assert [s.scope for s in fake.command_syncs] == ["guild", "global"]
        state = json.loads((tmp_path / "bot.sqlite3.sync.json").read_text())
        assert sorted(state) == [f"{fake.application_id} global", f"{fake.application_id} guild {fake.guild_id}"]
        elsewhere = Settings(token="fake-token", database=guild.database, sync_state=tmp_path / "other.json")
        await start_once(fake, composer, elsewhere)
        assert [s.scope for s in fake.command_syncs] == ["guild", "global", "global"]


async def run_to_connection(fake: FakeDiscord, tmp_path, *args: str) -> str:
    """`python -m bot *args` until it is connected, then SIGTERM; its output."""
    async with python_m_bot(fake, tmp_path, *args) as bot:
        bot.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait_exit(30), 30) == 0
    return bot.output


async def test_python_m_bot_syncs_a_new_tree_skips_an_unchanged_one_and_sync_forces_it(tmp_path):
    async with running_fake() as fake:
        assert "synced" in await run_to_connection(fake, tmp_path)
        assert "commands unchanged since the last sync (global)" in await run_to_connection(fake, tmp_path)
        assert "synced" in await run_to_connection(fake, tmp_path, "--sync")
        assert [s.scope for s in fake.command_syncs] == ["global", "global"]


def test_the_sync_state_lives_beside_a_sqlite_file_or_where_the_environment_says(monkeypatch):
    assert Settings(token="t", database="/data/bot.sqlite3").sync_state_path == Path("/data/bot.sqlite3.sync.json")
    assert Settings(token="t", database="postgresql://u@h/db").sync_state_path == Path(".musicgenius-sync.json")
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("MUSICGENIUS_DEVICE", "cpu")
    monkeypatch.setenv("MUSICGENIUS_SYNC_STATE", "/state/sync.json")
    monkeypatch.setenv("MUSICGENIUS_SHUTDOWN_GRACE", "5")
    settings = Settings.from_env(env_file=None)
    assert settings.sync_state_path == Path("/state/sync.json") and settings.shutdown_grace == 5
