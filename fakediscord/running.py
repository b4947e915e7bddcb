"""Run a :class:`FakeDiscord` and a discord.py client against it.

Typical use::

    async with running_fake() as fake, running_bot(MyBot(), fake):
        it = await fake.slash("ping")
        assert (await it.wait_final()).content == "pong"
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import yarl

with warnings.catch_warnings():
    # discord.py imports the stdlib 'audioop' (deprecated since 3.11) for voice.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` (``options`` go to its constructor), stopped on exit.

    Fails (AssertionError) if the fake itself raised while handling a request.
    """
    fake = FakeDiscord(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert not fake.server_errors, f"the fake Discord itself failed: {fake.server_errors}"


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``fake``; restore them on exit."""
    old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_bot(
    client: ClientT, fake: FakeDiscord, *, token: str = "fake-token", timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Run ``client.start(token)`` against ``fake`` until it is connected; close it on exit.

    Waits for the gateway connection, not ``on_ready`` (which comes
    ``guild_ready_timeout`` seconds after GUILD_CREATE). If the client fails to
    start, its exception is raised.
    """
    with pointed_at(fake):
        runner = asyncio.create_task(client.start(token), name="fake-discord-bot")
        connected = asyncio.create_task(fake.wait_connected(timeout))
        try:
            await asyncio.wait({runner, connected}, return_when=asyncio.FIRST_COMPLETED)
            if runner.done():
                runner.result()  # raises the start-up error
                raise RuntimeError("the client stopped before connecting")
            connected.result()
            yield client
        finally:
            connected.cancel()
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(connected, return_exceptions=True)
                await runner
