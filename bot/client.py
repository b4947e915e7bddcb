"""The Discord client: services are injected, cogs loaded and commands synced in setup_hook; `shut_down` lets
the interactions in flight finish before the connection closes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.errors import report_error
from bot.i18n import Translator, tr
from bot.logs import request_scope
from bot.melody_reply import CandidateButton, shown_on
from bot.metrics import Metrics
from bot.settings import Settings
from studio.fairness import UserLimits
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.store.base import REACTIONS, Store
from studio.taste.service import Taste
from studio.work import RenderQueue, warm_pool

log = logging.getLogger(__name__)

RESTARTING = "I'm restarting, try again in a minute."


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls and the gateway connection to custom URLs (self-hosted proxies, test fakes)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def tree_digest(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A stable hash of the commands ``tree.sync(guild=guild)`` would send, their translations included."""
    translator = tree.translator
    commands = tree.get_commands(guild=guild)
    sent = [await c.get_translated_payload(tree, translator) for c in commands] if translator else [
        c.to_dict(tree) for c in commands]
    payload = sorted(sent, key=lambda c: (c["type"], c["name"]))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _read_state(path: Path) -> dict[str, str]:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(path: Path, state: dict[str, str]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    temporary.replace(path)


async def _refuse(interaction: discord.Interaction) -> None:
    """Answer an interaction that arrived during shutdown: no choices for autocomplete, a private note otherwise."""
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await interaction.response.send_message(tr(RESTARTING, interaction.locale), ephemeral=True)
    except discord.DiscordException as exc:
        log.warning("could not answer interaction %s during shutdown: %s", interaction.id, exc)


async def _answer_late(interaction: discord.Interaction) -> None:
    """Tell the user of a request stopped by shutdown to retry, unless they already see its answer."""
    try:
        if (await interaction.original_response()).flags.loading:  # "thinking…": the first followup replaces it
            await interaction.followup.send(tr(RESTARTING, interaction.locale), ephemeral=True)
    except discord.NotFound:  # never acknowledged
        await _refuse(interaction)
    except discord.DiscordException as exc:
        log.warning("could not answer interaction %s during shutdown: %s", interaction.id, exc)


class MusicGenius(commands.Bot):
    """The bot. ``composer`` and ``store`` are created outside and passed in. ``force_sync`` syncs the command
    tree even when it matches the last sync."""

    def __init__(self, settings: Settings, composer: Composer, store: Store, taste: Taste | None = None,
                 lyricist: Lyricist | None = None, force_sync: bool = False, **options: object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_reactions = True  # 👍/👎 feedback; no message content needed
        # Nothing a user typed (a theme, a title) may ping anyone when the bot echoes it.
        metrics = Metrics()  # its HTTP trace times every reply (see bot.metrics)
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         allowed_mentions=discord.AllowedMentions.none(), http_trace=metrics.trace, **options)
        self.metrics = metrics
        self.settings = settings
        self.composer = composer
        self.store = store
        self.taste = taste or Taste(store)
        self.limits = UserLimits()  # per-user share of the composer
        self.renders = RenderQueue()  # file rendering, counted in "busy"
        self.attaching: dict[int, asyncio.Future[None]] = {}  # reply message id -> its candidates being linked
        self._lyricist = lyricist
        self._lyricist_lock = asyncio.Lock()
        self.synced: list[app_commands.AppCommand] = []
        self.force_sync = force_sync
        self.draining = False  # set by shut_down: new interactions are refused
        self._in_flight: dict[asyncio.Task[Any], discord.Interaction] = {}  # handler task -> its interaction
        self._refusals: set[asyncio.Task[None]] = set()
        # Every interaction (command, autocomplete, button, modal) comes through this gateway parser, whatever cog
        # or view handles it: wrapping it tracks the tasks discord.py starts for each one.
        self._parse_interaction = self._connection.parsers["INTERACTION_CREATE"]
        self._connection.parsers["INTERACTION_CREATE"] = self._on_interaction_create
        metrics.watch(self)

    async def setup_hook(self) -> None:
        warm_pool()  # the render workers load while the bot connects
        if self.settings.metrics_port is not None:
            await self.metrics.serve(self.settings.metrics_host, self.settings.metrics_port)
        await self.load_extension("bot.cogs.compose")
        await self.load_extension("bot.cogs.profile")
        await self.load_extension("bot.cogs.harmony")
        await self.load_extension("bot.cogs.lyrics")
        await self.load_extension("bot.cogs.arrange")
        await self.load_extension("bot.cogs.rewrite")
        await self.load_extension("bot.cogs.transform")
        await self.load_extension("bot.cogs.analyze")
        await self.load_extension("bot.cogs.similar")
        await self.load_extension("bot.cogs.quiz")
        await self.load_extension("bot.cogs.help")
        await self.load_extension("bot.cogs.welcome")
        self.add_dynamic_items(CandidateButton)  # buttons keep working after a restart
        self.tree.on_error = report_error
        await self.tree.set_translator(Translator())  # zh-CN descriptions and choices (bot.i18n)
        await self._sync_commands()

    async def _sync_commands(self) -> None:
        """Sync the command tree when it differs from the last sync recorded in ``settings.sync_state_path`` (or
        when forced): Discord rate-limits command updates, so an unchanged tree is not sent on every start."""
        guild = discord.Object(self.settings.dev_guild) if self.settings.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        scope = f"guild {guild.id}" if guild else "global"
        path, key = self.settings.sync_state_path, f"{self.application_id} {scope}"
        digest, state = await tree_digest(self.tree, guild), _read_state(path)
        if state.get(key) == digest and not self.force_sync:
            log.info("commands unchanged since the last sync (%s): not syncing (python -m bot --sync forces it)", scope)
            return
        self.synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands (%s)", len(self.synced), scope)
        try:
            _write_state(path, {**state, key: digest})
        except OSError as exc:
            log.warning("could not record the command sync in %s (%s): the next start syncs again", path, exc)

    def _on_interaction_create(self, data: dict[str, Any]) -> None:
        """Dispatch an interaction as discord.py does and track the tasks it starts; refuse it while draining."""
        interaction = discord.Interaction(data=data, state=self._connection)  # to answer it if shutdown stops it
        if self.draining:
            refusal = asyncio.create_task(_refuse(interaction))
            self._refusals.add(refusal)
            refusal.add_done_callback(self._refusals.discard)
            return
        with request_scope(str(interaction.id)):  # copied into the tasks started for it: their log lines carry it
            self.metrics.received(data)
            before = asyncio.all_tasks()
            self._parse_interaction(data)
            started = asyncio.all_tasks() - before
            for task in started:
                self._in_flight[task] = interaction
                task.add_done_callback(self._landed)
            if not started:
                self.metrics.finished(interaction.token)

    def _landed(self, task: asyncio.Task[Any]) -> None:
        interaction = self._in_flight.pop(task, None)
        if interaction is not None and interaction not in self._in_flight.values():  # its last task
            self.metrics.finished(interaction.token)

    async def shut_down(self, grace: float) -> None:
        """Refuse new interactions, give those in flight ``grace`` seconds, stop the rest and tell their users to
        retry (none is left on "thinking…"), then close the connection."""
        self.draining = True
        log.info("shutting down: new interactions are refused; %d in flight get up to %s s",
                 len({i.id for i in self._in_flight.values()}), grace)
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=grace)
        late = dict(self._in_flight)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(set(late), timeout=5)
            stopped = {i.id: i for i in late.values()}
            log.warning("stopped %d interaction(s) still running after %s s", len(stopped), grace)
            await asyncio.gather(*(_answer_late(i) for i in stopped.values()))
        if self._refusals:
            await asyncio.wait(set(self._refusals), timeout=5)
        await self.close()

    def gateway_open(self) -> bool:
        """Ready, and the gateway connection (sharded: every shard's) is open."""
        if not self.is_ready():
            return False
        if isinstance(self, discord.AutoShardedClient):
            return bool(self.shards) and not any(shard.is_closed() for shard in self.shards.values())
        return self.ws is not None and self.ws.open

    async def close(self) -> None:
        await self.metrics.stop()
        await super().close()

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
        shown = await shown_on(self, payload.message_id)
        if not shown:
            return
        ids, kind = [g.id for g in shown], f"reaction:{emoji}"
        if added:
            await self.store.set_feedback(ids, payload.user_id, kind, REACTIONS[emoji])
            await self.taste.learn(payload.user_id, shown, kind, REACTIONS[emoji])
        else:
            await self.store.remove_feedback(ids, payload.user_id, kind)
            await self.taste.unlearn(payload.user_id)


class ShardedMusicGenius(MusicGenius, commands.AutoShardedBot):
    """MusicGenius over discord.py's AutoShardedBot: one gateway connection per shard, so one token serves many
    guilds (``MUSICGENIUS_SHARDS``); everything else is MusicGenius's."""


def make_bot(settings: Settings, composer: Composer, store: Store, **options: Any) -> MusicGenius:
    """The bot for ``settings``: sharded when ``settings.shards`` is set ("auto": as many shards as Discord
    recommends for the bot's guilds, else that many), one unsharded connection otherwise."""
    if settings.shards is None:
        return MusicGenius(settings, composer, store, **options)
    count = None if settings.shards == "auto" else settings.shards
    return ShardedMusicGenius(settings, composer, store, shard_count=count, **options)
