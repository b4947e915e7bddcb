"""The Apps → "… this melody" context menus: one per cog, each working on the melody of a bot reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.admission import TOO_LONG, admitted
from bot.replies import defer
from bot.sources import MelodySource

if TYPE_CHECKING:
    from bot.client import MusicGenius


class MelodyMenuCog(commands.Cog):
    """A cog with one message context menu (``menu_name``) that hands the picked reply's melody to ``for_melody``."""

    menu_name: ClassVar[str]
    too_long: ClassVar[str] = TOO_LONG  # what the user is told when the request passes the time limit

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=self.menu_name, callback=self.on_menu)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def on_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        source = MelodySource.from_message(self.bot, message, user_id=interaction.user.id)
        async with admitted(interaction, self.too_long):
            await defer(interaction)
            await self.for_melody(interaction, source)

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        """Answer the deferred interaction for the melody of ``source``."""
        raise NotImplementedError
