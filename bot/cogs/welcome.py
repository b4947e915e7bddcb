"""A short welcome when the bot joins a server: the three commands to try first, and `/help`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.errors import discord_syntax
from bot.i18n import tr
from studio.options import ARRANGE, LYRICS, MELODY

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)

FIRST_TRIES = (  # (command, options with the option table's examples, what it does)
    ("melody", [("notes", MELODY["notes"].example)], "continues your notes into melodies to hear, read and download"),
    ("lyrics", [("theme", LYRICS["theme"].example)], "writes lines that rhyme and scan"),
    ("arrange", [("notes", ARRANGE["notes"].example), ("style", ARRANGE["style"].example)],
     "arranges a melody for a band: sections, chords, bass, drums"),
)


def welcome_text() -> str:
    """The welcome message: what the bot is, three commands to try, and `/help`."""
    tries = [f"• {discord_syntax(name, options)} — {what}" for name, options, what in FIRST_TRIES]
    return "\n".join(["👋 Hi, I'm **MusicGenius**, a composition assistant. Three things to try first:", *tries,
                      f"{discord_syntax('help', [])} lists every command with an example and shows what a reply "
                      "looks like (only to you)."])


def welcome_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """The server's system channel when I may post there, else the first text channel I may post in."""
    me = guild.me

    def can_send(channel: discord.TextChannel) -> bool:
        permissions = channel.permissions_for(me)
        return permissions.view_channel and permissions.send_messages

    system = guild.system_channel
    if system is not None and can_send(system):
        return system
    return next((c for c in sorted(guild.text_channels, key=lambda c: (c.position, c.id)) if can_send(c)), None)


class Welcome(commands.Cog):
    """Says hello in a server that just added the bot."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        channel = welcome_channel(guild)
        if channel is None:
            log.info("joined guild %s: no channel I may post in, so no welcome", guild.id)
            return
        try:
            text = tr(welcome_text(), guild.preferred_locale)  # the server's language (Server Settings → Community)
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:  # permissions changed in between, Discord hiccup: never crash the bot
            log.warning("joined guild %s: could not post the welcome in channel %s: %s", guild.id, channel.id, exc)
        else:
            log.info("joined guild %s: welcome posted in channel %s", guild.id, channel.id)


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Welcome(bot))
