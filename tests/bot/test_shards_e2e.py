"""MUSICGENIUS_SHARDS: the bot runs as discord.py's AutoShardedBot, through real discord.py and the fake Discord."""

from __future__ import annotations

import discord
import pytest

from bot.client import MusicGenius, ShardedMusicGenius, make_bot
from bot.settings import Settings, SettingsError
from studio.store.base import open_store
from tests.fakediscord import running_bot, running_fake


@pytest.mark.parametrize("shards", ["auto", "1"])
async def test_a_sharded_bot_identifies_as_a_shard_and_answers(tmp_path, composer, lyricist, shards):
    async with running_fake() as fake:
        settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(tmp_path / "bot.sqlite3"),
                            shards=shards)
        store = await open_store(settings.database)
        try:
            bot = make_bot(settings, composer, store, lyricist=lyricist, guild_ready_timeout=0.1)
            assert isinstance(bot, ShardedMusicGenius) and isinstance(bot, discord.AutoShardedClient)
            async with running_bot(bot, fake):
                await fake.wait_for_commands()
                assert fake.identify["shard"] == [0, 1]  # "auto": the count Discord's /gateway/bot recommends
                reply = await (await fake.slash("melody", {"notes": "C E G", "seed": 3, "count": 1})).wait_final(60)
                assert "C E G ➜" in reply.content
                await fake.wait_until(bot.gateway_open, timeout=10, what="every shard ready and open")
                assert bot.shard_count == 1
        finally:
            await store.close()


def test_without_shards_the_bot_is_one_unsharded_connection(tmp_path, composer):
    settings = Settings(token="fake-token", database=str(tmp_path / "bot.sqlite3"))
    bot = make_bot(settings, composer, store=None)  # type: ignore[arg-type]
    assert type(bot) is MusicGenius and not isinstance(bot, discord.AutoShardedClient)
    assert not bot.gateway_open()


@pytest.mark.parametrize("value", ["0", "many", "-2"])
def test_a_bad_shard_count_names_the_variable(value):
    with pytest.raises(SettingsError, match=r"MUSICGENIUS_SHARDS must be auto .* not"):
        Settings(token="fake-token", shards=value)
