"""The Discord client: services are injected, cogs loaded and commands synced in setup_hook."""

from __future__ import annotations

import asyncio
import logging

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.errors import report_error
from bot.melody_reply import CandidateButton
from bot.settings import Settings
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.store.base import REACTIONS, Store
from studio.taste.service import Taste

log = logging.getLogger(__name__)


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway connection to custom URLs (self-hosted proxies, test fakes)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class MusicGenius(commands.Bot):
    """The bot. ``composer`` and ``store`` are created outside and passed in."""

    def __init__(self, settings: Settings, composer: Composer, store: Store, taste: Taste | None = None,
                 lyricist: Lyricist | None = None, **options: object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True  # 👍/👎 feedback; no message content needed
        # Nothing a user typed (a theme, a title) may ping anyone when the bot echoes it.
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         allowed_mentions=discord.AllowedMentions.none(), **options)
        self.settings = settings
        self.composer = composer
        self.store = store
        self.taste = taste or Taste(store)
        self._lyricist = lyricist
        self._lyricist_lock = asyncio.Lock()
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        await self.load_extension("bot.cogs.compose")
        await self.load_extension("bot.cogs.profile")
        await self.load_extension("bot.cogs.harmony")
        await self.load_extension("bot.cogs.lyrics")
        await self.load_extension("bot.cogs.arrange")
        self.add_dynamic_items(CandidateButton)  # buttons keep working after a restart
        self.tree.on_error = report_error
        if self.settings.dev_guild:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()
        log.info("synced %d commands (%s)", len(self.synced),
                 f"guild {self.settings.dev_guild}" if self.settings.dev_guild else "global")

    async def lyricist(self) -> Lyricist:
        """The lyric model: the one passed in, or loaded (in an executor) on first use."""
        async with self._lyricist_lock:
            if self._lyricist is None:
                self._lyricist = await asyncio.get_running_loop().run_in_executor(None, Lyricist.load)
        return self._lyricist

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, added=False)

    async def _reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        """Store 👍/👎 on the candidates of a reply, keyed by the user who reacted (not the requester)."""
        emoji = str(payload.emoji)
        if emoji not in REACTIONS or self.user is None or payload.user_id == self.user.id:
            return
        shown = await self.store.generations_for_message(payload.message_id)
        if not shown:
            return
        ids, kind = [g.id for g in shown], f"reaction:{emoji}"
        if added:
            await self.store.set_feedback(ids, payload.user_id, kind, REACTIONS[emoji])
            await self.taste.learn(payload.user_id, shown, kind, REACTIONS[emoji])
        else:
            await self.store.remove_feedback(ids, payload.user_id, kind)
            await self.taste.unlearn(payload.user_id)
