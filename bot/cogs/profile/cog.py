"""The ``Profile`` cog: `/prefs show|set|reset`, `/inspire`, `/history`, `/forget`, `/mydata`, `/stats` and its
button presses."""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.cogs.profile.buttons import (
    CONFIRM_TIMEOUT,
    MAX_CUSTOM_ID,
    ContinueButton,
    ForgetView,
    HistoryButton,
    TryButton,
    try_custom_id,
)
from bot.cogs.profile.embeds import (
    acceptance_field,
    history_embed,
    idea_embed,
    png_file,
    stats_embed,
    taste_embed,
    tune_embed,
)
from bot.cogs.profile.privacy import FORGET_PROMPT, export_file, export_summary
from bot.i18n import localize
from bot.lyric_reply import inspire_words
from bot.replies import defer, respond
from studio.charts import stats_chart
from studio.errors import MusicError
from studio.options import INSPIRE, MELODY, PREFERENCES, option_help
from studio.requests import MelodyRequest
from studio.store.base import DAY, Acceptance
from studio.taste.model import PARTS
from studio.taste.tunes import HISTORY_SCAN, TunePick, pick_tunes, tune_matrix

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)
T = TypeVar("T")

SEED = INSPIRE["seed"]
HISTORY_LIMIT, HISTORY_BUTTONS = 10, 5
STATS_DAYS = 14


async def _run(func: Callable[..., T], *args: Any) -> T:
    """CPU work (model, matplotlib) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args))


def _is_manager(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator), or the guild owner (who has every permission)."""
    perms = interaction.permissions
    guild = interaction.guild
    return perms.manage_guild or perms.administrator or (guild is not None and guild.owner_id == interaction.user.id)


class Profile(commands.Cog):
    """What the bot knows about a user, and the server's anonymous activity."""

    prefs = app_commands.Group(name="prefs", description="What I've learned about your taste, and your own settings")

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot
        self.confirm_timeout = CONFIRM_TIMEOUT  # seconds before an unanswered /forget deletes nothing
        self._tunes_lock = asyncio.Lock()  # the first /inspire computes the corpus tunes' features; others wait

    # -- /prefs ---------------------------------------------------------------------------------
    @prefs.command(name="show", description="What I've learned about your taste (with a chart) and your saved settings")
    async def prefs_show(self, interaction: discord.Interaction) -> None:
        await defer(interaction, private=True)
        user = interaction.user.id
        learned, chart_png = await self.bot.taste.explain(user)
        saved = await self.bot.store.preferences(user)
        defaults = await self.bot.taste.defaults(user, {k: v for k, v in saved.items() if k in PREFERENCES})
        now = self.bot.store.clock()
        taken = await self.bot.store.acceptance(now - 30 * DAY, now + 1, user_id=user)
        embed = taste_embed(learned, saved, defaults, taken.get(user, Acceptance()))
        extra: dict[str, Any] = {}
        if chart_png is not None:
            chart = png_file(chart_png, "taste.png", interaction.filesize_limit)
            if chart is not None:
                embed.set_image(url="attachment://taste.png")
                extra["file"] = chart
        await respond(interaction, embed=embed, ephemeral=True, **extra)

    @prefs.command(name="set", description="Save settings /melody uses whenever you leave those options out")
    @app_commands.describe(**option_help("melody", PREFERENCES))
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in MELODY["style"].choices],
                          density=[app_commands.Choice(name=d, value=d) for d in MELODY["density"].choices],
                          notation=[app_commands.Choice(name=n, value=n) for n in MELODY["notation"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def prefs_set(self, interaction: discord.Interaction, key: str | None = None, meter: str | None = None,
                        tempo: int | None = None, style: str | None = None, density: str | None = None,
                        temperature: float | None = None, bars: int | None = None, top_p: float | None = None,
                        notation: str | None = None) -> None:
        given = {k: v for k, v in dict(key=key, meter=meter, tempo=tempo, style=style, density=density,
                                       temperature=temperature, bars=bars, top_p=top_p,
                                       notation=notation).items() if v is not None}
        if not given:
            raise MusicError("Tell me what to save, e.g. `/prefs set tempo:90` or "
                             "`/prefs set key:E minor style:irish`.")
        checked = MelodyRequest(notes="C", **given)  # bad values: a MusicError that says what to type
        canonical = {"key": str(checked.parsed_key), "meter": str(checked.parsed_meter)}
        values = {name: canonical.get(name, value) for name, value in given.items()}
        await defer(interaction, private=True)  # before the store: a slow database must not cost the answer
        for name, value in values.items():
            await self.bot.store.set_preference(interaction.user.id, name, value)
        saved = ", ".join(f"**{name}** {value}" for name, value in values.items())
        await respond(interaction,
                      f"✅ Saved {saved}. `/melody` uses {'it' if len(values) == 1 else 'them'} whenever you leave "
                      f"{'that option' if len(values) == 1 else 'those options'} out; see everything with "
                      "`/prefs show`.", ephemeral=True)

    @prefs.command(name="reset", description="Clear one saved setting, or all of them")
    @app_commands.describe(name="Which setting to clear (default: all)")
    @app_commands.choices(name=[app_commands.Choice(name=n, value=n) for n in (*PREFERENCES, "all")])
    async def prefs_reset(self, interaction: discord.Interaction, name: str = "all") -> None:
        if name not in (*PREFERENCES, "all"):
            raise MusicError(f"I have no setting called '{name}'. Pick one of: {', '.join(PREFERENCES)} — "
                             "or leave `name` out to clear all.")
        await defer(interaction, private=True)
        cleared = 0
        for each in PREFERENCES if name == "all" else (name,):  # not what `/prefs unlearn` records
            cleared += await self.bot.store.clear_preferences(interaction.user.id, each)
        if name != "all":
            text = f"🧹 Cleared your **{name}** setting." if cleared else f"You had no saved **{name}** setting."
        elif cleared:
            text = f"🧹 Cleared {cleared} saved setting{'s' * (cleared != 1)}."
        else:
            text = "You had no saved settings to clear."
        await respond(interaction, f"{text} What I learned from your 👍/👎 stays (see `/prefs show`); `/forget` "
                      "erases everything.", ephemeral=True)

    @prefs.command(name="unlearn", description="Forget what I learned from your picks about one part of your taste")
    @app_commands.describe(part="Which part to unlearn (default: all of it); your feedback after this teaches again")
    @app_commands.choices(part=[app_commands.Choice(name=n, value=n) for n in (*PARTS, "everything")])
    async def prefs_unlearn(self, interaction: discord.Interaction, part: str = "everything") -> None:
        if part not in (*PARTS, "everything"):
            raise MusicError(f"I have no part of your taste called '{part}'. Pick one of: {', '.join(PARTS)} — or "
                             "leave `part` out to unlearn everything.")
        await defer(interaction, private=True)
        parts = list(PARTS) if part == "everything" else [part]
        await self.bot.taste.forget_parts(interaction.user.id, parts)
        what = "everything I learned of your taste" if part == "everything" else f"what I learned of your **{part}**"
        await respond(interaction, f"🧽 Unlearned {what}: `/melody` goes back to the usual there until your picks "
                      "teach me again. Your saved settings (`/prefs set`) and history stay.", ephemeral=True)

    # -- /inspire -------------------------------------------------------------------------------
    @app_commands.command(name="inspire", description="Ideas you haven't tried yet but will probably like")
    @app_commands.describe(**option_help("inspire", ("topic", "seed")))
    async def inspire(self, interaction: discord.Interaction, topic: str | None = None,
                      seed: app_commands.Range[int, SEED.low, SEED.high] | None = None) -> None:
        if topic is not None:
            await inspire_words(interaction, topic, seed)
            return
        await defer(interaction, private=True)
        user = interaction.user.id
        rng = random.Random()
        ideas = await self.bot.taste.suggestions(user, rng, 3)
        embeds, view = [], discord.ui.View(timeout=None)
        for i, idea in enumerate(ideas):
            embeds.append(idea_embed(i, idea))
            custom_id = try_custom_id(i, idea["request"])
            if len(custom_id) <= MAX_CUSTOM_ID:
                view.add_item(TryButton(i, custom_id.split(":", 3)[3]))
        tunes = await self._tune_picks(user, rng)
        for i, pick in enumerate(tunes):
            embeds.append(tune_embed(i, pick))
            if len(f"mg:tune:{i}:{pick.tune.ident}") <= MAX_CUSTOM_ID:
                view.add_item(ContinueButton(i, pick.tune.ident))
        also = (" Below them, 🎻 **tunes you might like** from the folk-tune corpus: press **Continue** to have me "
                "continue one's opening.") if tunes else ""
        await respond(interaction, f"💡 **Ideas for you**, from what you liked so far. Press **Try** to generate "
                                        f"from one.{also} Melodies are posted for everyone.",
                                        embeds=embeds, view=view, ephemeral=True)

    async def _tune_picks(self, user: int, rng: random.Random) -> list[TunePick]:
        """Corpus tunes for `/inspire`: features computed once in an executor, then one matrix-vector product."""
        try:
            async with self._tunes_lock:
                tunes, matrix = await _run(tune_matrix)
            weights, events = await self.bot.taste.weights(user)
            history = [g.params for g in await self.bot.store.generations(user, limit=HISTORY_SCAN)]
            return await _run(pick_tunes, tunes, matrix, weights, events, history, self.bot.composer.vocab, rng)
        except Exception:  # a missing or broken index must not cost the user the ideas above
            log.exception("no corpus tunes for /inspire")
            return []

    # -- /history -------------------------------------------------------------------------------
    @app_commands.command(name="history", description="Your recent melodies, each with a button to play it again")
    async def history(self, interaction: discord.Interaction) -> None:
        await defer(interaction, private=True)
        rows = await self.bot.store.generations(interaction.user.id, limit=HISTORY_LIMIT)
        if not rows:
            await respond(interaction, "📭 You haven't generated any melodies yet. Start one with "
                          "`/melody notes:C E G`.", ephemeral=True)
            return
        view = discord.ui.View(timeout=None)
        for i, g in enumerate(rows[:HISTORY_BUTTONS]):
            view.add_item(HistoryButton(i, g.id))
        embed = await _run(history_embed, rows, HISTORY_BUTTONS)  # restores each melody to show it as its reply did
        await respond(interaction, embed=embed, view=view, ephemeral=True)

    # -- /forget --------------------------------------------------------------------------------
    @app_commands.command(name="forget", description="Delete everything I've stored about you (asks first)")
    async def forget(self, interaction: discord.Interaction) -> None:
        view = ForgetView(self.bot, interaction, self.confirm_timeout)
        prompt = localize(interaction.locale, FORGET_PROMPT, {"view": view})
        await interaction.response.send_message(prompt, view=view, ephemeral=True)

    # -- /mydata --------------------------------------------------------------------------------
    @app_commands.command(name="mydata", description="Download everything I've stored about you (a JSON file)")
    async def mydata(self, interaction: discord.Interaction) -> None:
        await defer(interaction, private=True)
        data = await self.bot.taste.export(interaction.user.id)
        name, payload, note = await _run(export_file, data, interaction.filesize_limit)
        text = export_summary(data) + (f"\n⚠️ {note}" if note else "")
        await respond(interaction, text, file=discord.File(io.BytesIO(payload), filename=name), ephemeral=True)

    # -- /stats ---------------------------------------------------------------------------------
    @app_commands.command(name="stats", description="Anonymous server activity of the last 14 days (server managers)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise MusicError("`/stats` works in a server, not in direct messages.")
        if not _is_manager(interaction):
            raise MusicError("`/stats` is for server managers (the Manage Server permission). "
                             "For your own activity, try `/history` or `/prefs show`.")
        await defer(interaction, private=True)
        guild = interaction.guild_id
        stats = await self.bot.store.stats(guild, days=STATS_DAYS)
        now = self.bot.store.clock()
        weeks = [sum((await self.bot.store.acceptance(now - (w + 1) * 7 * DAY, now - w * 7 * DAY + 1,
                                                      guild_id=guild)).values(), Acceptance()) for w in (1, 0)]
        per_user = (await self.bot.store.acceptance(now - STATS_DAYS * DAY, now + 1, guild_id=guild)).values()
        embed = stats_embed(stats, acceptance_field(weeks, list(per_user)))
        extra: dict[str, Any] = {}
        if stats.total_generations:
            chart = png_file(await _run(stats_chart, stats.per_day), "stats.png", interaction.filesize_limit)
            if chart is not None:
                embed.set_image(url="attachment://stats.png")
                extra["file"] = chart
        await respond(interaction, embed=embed, ephemeral=True, **extra)
