"""`python -m bot`: read settings, build the services, run the client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

import discord

from bot.client import MusicGenius, point_discord_at
from bot.settings import Settings, SettingsError
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.store.base import open_store


async def run(settings: Settings) -> None:
    point_discord_at(settings.api_base, settings.gateway_url)
    composer = Composer.load(settings.checkpoint, settings.device, settings.max_batch, settings.max_queue)
    store = await open_store(settings.database)
    lyricist = await asyncio.get_running_loop().run_in_executor(None, Lyricist.load)
    try:
        async with MusicGenius(settings, composer, store, lyricist=lyricist) as bot:
            await bot.start(settings.token)
    finally:
        await store.close()
        composer.close()


def main() -> int:
    discord.utils.setup_logging(level=logging.INFO)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
