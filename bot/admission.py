"""Who may start generating now: the engine and the renderers have room, the user is within their share, and
every request ends within a time limit well inside the 15 minutes Discord keeps an interaction open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import discord

from studio.errors import EngineBusy, MusicError

if TYPE_CHECKING:
    from bot.client import MusicGenius

TOO_LONG = "That took too long and I stopped it. Try something shorter, e.g. fewer bars."
TIME_LIMIT = 300.0  # seconds a request may take, all of it: Discord drops the interaction token after 15 minutes


def check_room(bot: MusicGenius) -> None:
    """EngineBusy when the engine's queue or the render queue is full; EngineStopped when the engine is down."""
    bot.composer.check_not_busy()  # EngineBusy, or EngineStopped with the truth about the engine
    if bot.renders.full:
        raise EngineBusy()


@asynccontextmanager
async def admitted(interaction: discord.Interaction, too_long: str = TOO_LONG) -> AsyncIterator[None]:
    """Run a generating request for the interaction's user: refused at once (before any acknowledgement) when
    the bot is busy or the user is over their share; cut off after ``TIME_LIMIT`` with ``too_long``."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    check_room(bot)
    with bot.limits.hold(interaction.user.id):
        try:
            async with asyncio.timeout(TIME_LIMIT):
                yield
        except TimeoutError:
            raise MusicError(too_long) from None
