"""``musicgenius playground``: the real bot against the fake Discord on this machine, and a web page to use it.

No token, and nothing leaves the machine: the fake Discord and the page listen on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.client import MusicGenius
    from playground.app import Playground

# The bot's modules load torch and discord.py (seconds): they are imported when the playground starts, so that
# `musicgenius --help` and the other subcommands stay quick.

DEFAULT_PORT = 8765
SHUTDOWN_GRACE = 5  # seconds replies in flight get when the playground stops
TOKEN = "playground-token"  # what the bot presents to the fake Discord, which accepts any

log = logging.getLogger("playground")


class StartError(RuntimeError):
    """The playground cannot start as asked (a bad --db or --checkpoint); the message says which."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The playground's options (for ``musicgenius playground`` and ``python -m playground``)."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port of the page on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite file for generations and feedback (default: a new one in a temporary folder, "
                             "deleted on exit); give one to keep what the bot learns between runs")
    parser.add_argument("--checkpoint", type=Path, default=None, help="melody checkpoint (default: the shipped one)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the bot does")


async def _start(args: argparse.Namespace, folder: Path) -> tuple[Playground, MusicGenius, contextlib.AsyncExitStack]:
    """Start the fake Discord and the page, load the models, connect the bot as ``python -m bot`` builds it."""
    from bot.client import MusicGenius
    from bot.settings import Settings, SettingsError
    from fakediscord import FakeDiscord, running_bot
    from playground.app import Playground
    from studio.lyrics.lyricist import Lyricist
    from studio.melody import DEFAULT_CHECKPOINT, Composer
    from studio.store.base import StoreUnavailable, open_store

    loop = asyncio.get_running_loop()
    checkpoint = args.checkpoint or DEFAULT_CHECKPOINT
    if not Path(checkpoint).is_file():
        raise StartError(f"--checkpoint: there is no file at {checkpoint}.")
    database = str(args.db or folder / "playground.sqlite3")
    stack = contextlib.AsyncExitStack()
    try:
        fake = FakeDiscord(stable_ids=True)  # the same user ids every run: a kept --db knows you again
        await fake.start()
        stack.push_async_callback(fake.stop)
        page = Playground(fake)
        await page.start(args.port)  # first, so that a port in use is said at once
        stack.push_async_callback(page.stop)
        print("Loading the models…", flush=True)
        composer = await loop.run_in_executor(None, Composer.load, checkpoint, args.device)
        stack.push_async_callback(loop.run_in_executor, None, composer.close)  # joins the engine's thread
        lyricist = await loop.run_in_executor(None, Lyricist.load)
        try:
            store = await open_store(database)
        except (StoreUnavailable, ValueError, OSError) as exc:
            raise StartError(f"--db: {exc}") from None
        stack.push_async_callback(store.close)
        try:
            settings = Settings(token=TOKEN, dev_guild=fake.guild_id, database=database, checkpoint=checkpoint,
                                device=args.device, sync_state=folder / "sync.json")
        except SettingsError as exc:
            raise StartError(str(exc)) from None
        bot = MusicGenius(settings, composer, store, lyricist=lyricist, force_sync=True, guild_ready_timeout=0.1)
        await stack.enter_async_context(running_bot(bot, fake, token=TOKEN))
        await fake.wait_for_commands()
    except BaseException:
        await stack.aclose()
        raise
    return page, bot, stack


async def run(args: argparse.Namespace) -> int:
    """Serve the playground until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").addFilter(lambda record: "voice will NOT" not in record.getMessage())
    # With a gateway on this machine a heartbeat's ACK can arrive before discord.py's heartbeat thread notes the
    # send, and it then reports one whole interval (41 s) of "latency": noise here (a really blocked loop is
    # reported by its own "heartbeat blocked" warning).
    logging.getLogger("discord.gateway").addFilter(lambda record: "Can't keep up" not in record.getMessage())
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with tempfile.TemporaryDirectory(prefix="musicgenius-playground-") as folder:
        try:
            page, bot, stack = await _start(args, Path(folder))
        except StartError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                print(f"error: port {args.port} is in use: pass --port with another number (0 picks a free one).",
                      file=sys.stderr)
                return 2
            raise
        async with stack:
            print(f"MusicGenius playground: open {page.url} in your browser (Ctrl-C stops).", flush=True)
            stopping, closed = asyncio.create_task(stop.wait()), asyncio.create_task(_closed(bot))
            await asyncio.wait({stopping, closed}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            closed.cancel()
            if stop.is_set():
                print("Stopping…", flush=True)
                await bot.shut_down(SHUTDOWN_GRACE)
    return 0


async def _closed(bot: MusicGenius) -> None:
    """Return when the bot's connection ends for good."""
    while not bot.is_closed():
        await asyncio.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    """``python -m playground``."""
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C before the signal handlers are installed
        return asyncio.run(run(args))
    return 130
