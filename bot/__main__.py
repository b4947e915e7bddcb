"""`python -m bot`: read settings, build the services, run the client until SIGTERM or SIGINT, then shut down
gracefully. `--sync` forces the command sync; `--health` is the container health check; `--check-config` prints
the settings that would be used."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import MusicGenius
    from bot.settings import Settings

# The bot's own modules load torch and discord.py (seconds): they are imported in `serve`, so that `--health`,
# which Docker runs every half minute, starts in milliseconds.

HEALTH_BEAT = 10.0  # seconds between touches of the health file while connected
HEALTH_STALE = 60.0  # `--health` fails when the file is older than this

log = logging.getLogger("bot")


def health_file() -> Path:
    """The file the bot touches while connected: ``MUSICGENIUS_HEALTH_FILE``, by default in the temp directory."""
    return Path(os.environ.get("MUSICGENIUS_HEALTH_FILE", "").strip()
                or Path(tempfile.gettempdir()) / "musicgenius.health")


def healthy() -> bool:
    """Whether a running bot touched the health file lately, i.e. is connected to Discord."""
    try:
        return time.time() - health_file().stat().st_mtime < HEALTH_STALE
    except OSError:
        return False


async def beat(bot: MusicGenius, path: Path) -> None:
    """Touch ``path`` every ``HEALTH_BEAT`` seconds while the bot is connected to the gateway."""
    while True:
        connected = bot.gateway_open()  # sharded: every shard's connection
        if connected:
            try:
                path.touch()
            except OSError as exc:
                log.warning("cannot touch the health file %s: %s", path, exc)
        await asyncio.sleep(HEALTH_BEAT if connected else 1.0)


async def run(settings: Settings, force_sync: bool = False) -> None:
    """Serve until SIGTERM or SIGINT; then let the interactions in flight finish (see `MusicGenius.shut_down`)
    and close the client, the engine and the store (closing SQLite checkpoints its WAL)."""
    from bot.client import make_bot, point_discord_at
    from bot.settings import SettingsError
    from studio.errors import EngineStopped
    from studio.lyrics.lyricist import Lyricist
    from studio.melody import Composer
    from studio.store.base import StoreUnavailable, open_store

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # Python as PID 1 (Docker) has no default action for SIGTERM
        loop.add_signal_handler(sig, stop.set)
    point_discord_at(settings.api_base, settings.gateway_url)
    try:
        store = await open_store(settings.database)
    except (StoreUnavailable, ValueError) as exc:  # the message hides any password in the URL
        raise SettingsError(f"MUSICGENIUS_DB: {exc}") from None
    try:
        composer = await loop.run_in_executor(None, lambda: Composer.load(  # the queue's connect may take seconds
            settings.checkpoint, settings.device, settings.max_batch, settings.max_queue, settings.queue,
            settings.queue_prefix))
    except EngineStopped as exc:  # MUSICGENIUS_QUEUE names a Redis that does not answer
        await store.close()
        raise SettingsError(f"MUSICGENIUS_QUEUE: {exc}") from None
    lyricist = await loop.run_in_executor(None, partial(Lyricist.load, device=settings.device))
    health = health_file()
    try:
        if stop.is_set():  # a signal while loading
            return
        async with make_bot(settings, composer, store, lyricist=lyricist, force_sync=force_sync) as bot:
            client = asyncio.create_task(bot.start(settings.token.get_secret_value()))
            stopping = asyncio.create_task(stop.wait())
            beating = asyncio.create_task(beat(bot, health))
            await asyncio.wait({client, stopping}, return_when=asyncio.FIRST_COMPLETED)
            beating.cancel()
            stopping.cancel()
            health.unlink(missing_ok=True)
            if stop.is_set():
                await bot.shut_down(settings.shutdown_grace)
            await client  # raises what stopped the client, e.g. a rejected token
    finally:
        await store.close()
        composer.close()
        log.info("stopped")


def serve(force_sync: bool = False) -> int:
    from bot import logs
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logs.setup(settings.log_format)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C before the signal handlers are installed
            asyncio.run(run(settings, force_sync))
    except SettingsError as exc:  # found while starting, e.g. a database that can't be opened
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def check_config() -> int:
    """Print every setting the bot would use (secrets masked): 0, or the problem and 2."""
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = [*settings.described(), ("MUSICGENIUS_HEALTH_FILE", str(health_file()))]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the MusicGenius Discord bot.")
    parser.add_argument("--sync", action="store_true",
                        help="sync the slash commands to Discord even if they did not change since the last sync")
    parser.add_argument("--health", action="store_true",
                        help="exit 0 if a running bot is connected to Discord, 1 otherwise (container health check)")
    parser.add_argument("--check-config", action="store_true",
                        help="print the settings that would be used (secrets masked) and exit: 0 if they are valid, "
                             "2 if one is not")
    args = parser.parse_args(argv)
    if args.health:
        return 0 if healthy() else 1
    if args.check_config:
        return check_config()
    return serve(args.sync)


if __name__ == "__main__":
    sys.exit(main())
