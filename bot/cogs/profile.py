"""Profile commands: `/prefs`, `/inspire`, `/history`, `/forget` and `/stats` (issue #7).

Personal answers are ephemeral; melodies generated from their buttons are public, like `/melody` replies.
The buttons under `/inspire` and `/history` are dynamic items (``mg:try:…``, ``mg:tune:<n>:<tune ident>``,
``mg:hist:<generation id>``), so they keep working after a restart; the `/forget` confirmation is a short-lived
view on purpose.
"""

from __future__ import annotations

import asyncio
import functools
import io
import itertools
import logging
import random
import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import discord
import numpy as np
from discord import app_commands
from discord.ext import commands

from bot.cogs.compose import METERS, OPTION_HELP, PREFERENCE_NAMES, key_choices
from bot.errors import answer_error
from bot.replies import SAFE_UPLOAD
from data.events import STYLES, Key, Meter, MusicError
from data.tunes import CorpusTune, find_tune, load_index
from model.engine import EngineBusy
from studio.requests import MelodyRequest
from studio.store.base import Stats
from studio.taste.profiles import DIM, FEATURE_LABELS, FEATURE_NAMES, MIN_EVENTS, features, meter_group, mode_group

if TYPE_CHECKING:
    from bot.client import MusicGenius
    from bot.cogs.compose import Compose

log = logging.getLogger(__name__)
T = TypeVar("T")

PREF_NAMES = ("key", "meter", "tempo", "style", "temperature", "bars", "top_p")
REQUEST_FIELDS = frozenset(MelodyRequest.__dataclass_fields__)
TRY_FIELDS = ("notes", "key", "meter", "tempo", "style", "temperature", "bars")  # order inside ``mg:try:``
CONFIRM_TIMEOUT = 60.0  # seconds the /forget question stays open
HISTORY_LIMIT, HISTORY_BUTTONS = 10, 5
STATS_DAYS = 14
MAX_CUSTOM_ID = 100
NOTES_SHOWN = 48  # characters of note text per /history line
TUNES_SHOWN = 3  # corpus tunes under /inspire: the best for the user's taste, then one they haven't tried
EXPLORE_POOL = 20  # the "haven't tried" tune is drawn from this many best of the untried styles and modes
HISTORY_SCAN = 500  # recent generations checked for tunes already continued and styles / modes already tried
REASON_MIN = 0.05  # log-odds a feature must add to a tune's score before a reason names it


async def _run(func: Callable[..., T], *args: Any) -> T:
    """CPU work (model, matplotlib) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args))


def _png_file(png: bytes, filename: str, limit: int | None) -> discord.File | None:
    """The chart as an attachment, or None when it would not fit the upload limit (the reply goes without it)."""
    return discord.File(io.BytesIO(png), filename=filename) if len(png) <= (limit or SAFE_UPLOAD) else None


def _settings_text(saved: dict[str, Any]) -> str:
    return "\n".join(f"• **{name}**: {saved[name]}" for name in PREF_NAMES if name in saved)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + " …"


def _is_manager(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator), or the guild owner (who has every permission)."""
    perms = interaction.permissions
    guild = interaction.guild
    return perms.manage_guild or perms.administrator or (guild is not None and guild.owner_id == interaction.user.id)


def _check_not_busy(bot: MusicGenius) -> None:
    if bot.composer.engine.busy:
        raise EngineBusy()


def _compose(bot: MusicGenius) -> Compose:
    cog = bot.get_cog("Compose")
    if cog is None:
        raise MusicError("Melody generation is offline right now. Try again in a minute.")
    return cog  # type: ignore[return-value]


def try_custom_id(index: int, request: dict[str, Any]) -> str:
    """``mg:try:<index>:notes|key|meter|tempo|style|temperature|bars`` (empty fields fall back to defaults)."""
    return f"mg:try:{index}:" + "|".join(str(request.get(name) or "") for name in TRY_FIELDS)


def request_from_try(data: str) -> MelodyRequest:
    """The request a ``mg:try:`` button carries (MusicError if it is damaged or out of range)."""
    parts = data.split("|")
    if len(parts) != len(TRY_FIELDS):
        raise MusicError("That suggestion button is broken. Run `/inspire` again for fresh ideas.")
    raw = dict(zip(TRY_FIELDS, parts, strict=True))
    try:
        kinds = {"tempo": int, "bars": int, "temperature": float}
        values = {k: kinds.get(k, str)(v) for k, v in raw.items() if v}
    except ValueError as exc:
        raise MusicError("That suggestion button is broken. Run `/inspire` again for fresh ideas.") from exc
    return MelodyRequest(**values)


@dataclass(frozen=True)
class TunePick:
    """A corpus tune chosen for `/inspire`, with its predicted score and why it was chosen."""

    tune: CorpusTune
    score: float
    explore: bool
    reason: str


@functools.lru_cache(maxsize=1)
def tune_matrix() -> tuple[tuple[CorpusTune, ...], np.ndarray]:
    """Every indexed tune and its taste features plus a bias column, exactly as for a generation of its
    request (``CorpusTune.params``) with its first eight bars as the notes. Computed once (a few seconds:
    call it in an executor)."""
    tunes = load_index()
    feats = np.stack([features(t.params, t.notes) for t in tunes]) if tunes else np.zeros((0, DIM))
    return tunes, np.hstack([feats, np.ones((len(tunes), 1))])


def _mode_group_of(key: str | None) -> str:
    """The mode group (major, minor, modal) of a stored request's key; major when it has none."""
    try:
        return mode_group(Key.parse(key).mode) if key else "major"
    except MusicError:
        return "major"


def tune_reason(tune: CorpusTune, x: np.ndarray, w: np.ndarray, events: float, explore: bool) -> str:
    """Why a tune was picked, from what its features add to its score under the weights ``w``."""
    added = w[:DIM] * x[:DIM]
    aspects = {tune.mode: f"mode_{tune.mode}", tune.meter: f"meter_{meter_group(Meter.parse(tune.meter))}",
               tune.style: f"style_{tune.style}"}
    shared = [word for word, name in aspects.items() if added[FEATURE_NAMES.index(name)] > REASON_MIN]
    likes = [FEATURE_LABELS[FEATURE_NAMES[i]] for i in np.argsort(-added) if added[i] > REASON_MIN and x[i] > 0][:2]
    personal = events >= MIN_EVENTS
    if explore:
        why = f" (predicted from your taste for {' and '.join(likes)})" if likes and personal else ""
        what = "a chorale" if tune.style == "chorale" else f"{'an' if tune.style[0] in 'ai' else 'a'} {tune.style} tune"
        return f"Something you haven't tried: {what} in {tune.key}, {tune.meter}{why}."
    if personal and shared:
        return f"Similar to the {' '.join(shared)} melodies you liked."
    if personal and likes:
        return f"Matches your taste for {' and '.join(likes)}."
    if personal:
        return "Close to your taste overall."
    if likes:
        return f"A community favourite (people like {' and '.join(likes)}); react 👍/👎 and I'll learn yours."
    return "A tune to start from: react 👍/👎 to melodies and I'll find tunes closer to your taste."


def pick_tunes(tunes: Sequence[CorpusTune], matrix: np.ndarray, w: np.ndarray, events: float,
               history: Sequence[dict], vocab: Container[str], rng: random.Random,
               n: int = TUNES_SHOWN) -> list[TunePick]:
    """The ``n - 1`` best-scoring tunes for weights ``w``, then one drawn from the best of a style and mode the
    user hasn't generated in (exploration). Skips tunes whose opening the user already continued (``history``:
    their generations' params), tunes the model can't write (meter not in ``vocab``) and a title shown already."""
    if not len(tunes) or n <= 0:
        return []
    scores = matrix @ w
    jitter = np.random.default_rng(rng.getrandbits(64)).random(len(tunes))
    order = np.lexsort((jitter, -scores))  # best first; equal scores (a new user) in random order
    done = {p.get("notes") for p in history}
    tried = {(p.get("style") or "irish", _mode_group_of(p.get("key"))) for p in history}
    chosen: list[int] = []
    titles: set[str] = set()

    def fits(i: int, exclude: set[tuple[str, str]]) -> bool:
        t = tunes[i]
        return (t.seed not in done and t.title not in titles and f"meter:{t.meter}" in vocab
                and (t.style, mode_group(t.mode)) not in exclude)

    def best(exclude: set[tuple[str, str]], k: int) -> list[int]:
        return list(itertools.islice((int(i) for i in order if fits(i, exclude)), k))

    while len(chosen) < n - 1 and (found := best(set(), 1)):  # one title once: many tunes come in versions
        chosen.append(found[0])
        titles.add(tunes[found[0]].title)
    shown = {(tunes[i].style, mode_group(tunes[i].mode)) for i in chosen}
    explore = best(tried | shown, EXPLORE_POOL) or best(shown, EXPLORE_POOL) or best(set(), 1)
    out = [(i, False) for i in chosen] + ([(rng.choice(explore), True)] if explore else [])
    return [TunePick(tunes[i], float(scores[i]), e, tune_reason(tunes[i], matrix[i], w, events, e)) for i, e in out]


def tune_embed(index: int, pick: TunePick) -> discord.Embed:
    """One corpus tune under `/inspire`: source, title, why, its opening and the `/melody` command."""
    t = pick.tune
    embed = discord.Embed(title=_shorten(f"🎻 {index + 1}. {t.title}", 256), description=pick.reason,
                          colour=discord.Colour.teal())
    embed.add_field(name="Source", value=t.source_name)
    embed.add_field(name="Key", value=t.key)
    embed.add_field(name="Meter", value=t.meter)
    embed.add_field(name="Style", value=t.style)
    embed.add_field(name="Tempo", value=f"{t.tempo} bpm")
    embed.add_field(name="Opening", value=f"`{t.seed}`"[:1024], inline=False)
    embed.add_field(name="Or type", value=f"`{t.command}`"[:1024], inline=False)
    return embed


def stats_chart(per_day: list[tuple[str, int]]) -> bytes:
    """A bar chart of generations per day, as PNG (matplotlib's OO API: thread-safe, no pyplot)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7, 3), dpi=100)
    ax = fig.add_subplot()
    ax.bar(range(len(per_day)), [n for _, n in per_day], color="#5865f2")
    ax.set_xticks(range(len(per_day)), [day[5:] for day, _ in per_day], rotation=45, ha="right", fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("melodies")
    ax.set_title(f"Melodies generated per day (last {len(per_day)} days, UTC)", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def stats_table(stats: Stats) -> str:
    """Generations per day as a monospace table with small bars."""
    top = max((n for _, n in stats.per_day), default=0) or 1
    rows = [f"{day}  {n:>4}  {'█' * round(12 * n / top)}" for day, n in stats.per_day]
    return "```\nday         count\n" + "\n".join(rows) + "\n```"


class TryButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mg:try:(?P<index>\d):(?P<data>.+)"):
    """Generate from one `/inspire` suggestion; the settings travel in the custom_id."""

    def __init__(self, index: int, data: str) -> None:
        super().__init__(discord.ui.Button(label=f"Try {index + 1}", emoji="💡", style=discord.ButtonStyle.primary,
                                           custom_id=f"mg:try:{index}:{data}"))
        self.index, self.data = index, data

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> TryButton:
        return cls(int(match["index"]), match["data"])  # parsed (and checked) on press, never here

    async def callback(self, interaction: discord.Interaction) -> None:
        if (cog := await _profile(interaction)) is not None:
            await cog.on_try(interaction, self.data)


class ContinueButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mg:tune:(?P<index>\d):(?P<ident>.+)"):
    """Continue one corpus tune from `/inspire`; its identity in the committed index travels in the custom_id."""

    def __init__(self, index: int, ident: str) -> None:
        super().__init__(discord.ui.Button(label=f"Continue {index + 1}", emoji="🎻", style=discord.ButtonStyle.success,
                                           custom_id=f"mg:tune:{index}:{ident}", row=1))
        self.ident = ident

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> ContinueButton:
        return cls(int(match["index"]), match["ident"])  # looked up on press, never here

    async def callback(self, interaction: discord.Interaction) -> None:
        if (cog := await _profile(interaction)) is not None:
            await cog.on_tune(interaction, self.ident)


class HistoryButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mg:hist:(?P<index>\d):(?P<id>\d{1,19})"):
    """Regenerate one `/history` entry (same request, same RNG seed -> same melody)."""

    def __init__(self, index: int, generation_id: int) -> None:
        super().__init__(discord.ui.Button(label=f"Again {index + 1}", emoji="🔂", style=discord.ButtonStyle.secondary,
                                           custom_id=f"mg:hist:{index}:{generation_id}"))
        self.generation_id = generation_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> HistoryButton:
        return cls(int(match["index"]), int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if (cog := await _profile(interaction)) is not None:
            await cog.on_history(interaction, self.generation_id)


async def _profile(interaction: discord.Interaction) -> Profile | None:
    """The cog that handles a press, or None after telling the user it is unavailable."""
    cog = interaction.client.get_cog("Profile")  # type: ignore[attr-defined]
    if isinstance(cog, Profile):
        return cog
    await answer_error(interaction, MusicError("This button is offline right now. Try again in a minute."))
    return None


class ForgetView(discord.ui.View):
    """"Yes, delete everything" / "Cancel", for the user who ran `/forget` only; a timeout deletes nothing."""

    def __init__(self, bot: MusicGenius, origin: discord.Interaction, timeout: float = CONFIRM_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.bot, self.origin = bot, origin

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.origin.user.id:
            return True
        await interaction.response.send_message(
            "⚠️ This isn't yours: only the person who ran `/forget` can answer it. "
            "To delete your own data, run `/forget` yourself.", ephemeral=True)
        return False

    @discord.ui.button(label="Yes, delete everything", style=discord.ButtonStyle.danger, emoji="🗑️")
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.defer()
        user = interaction.user.id
        removed = await self.bot.store.forget_user(user)
        await self.bot.taste.unlearn(user)
        await interaction.edit_original_response(
            content=f"🗑️ Done: I deleted {removed} stored row{'s' * (removed != 1)} about you (generations, feedback "
                    "and saved settings) and forgot your learned taste.", view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="👌 Cancelled: nothing was deleted.", view=None)

    async def on_timeout(self) -> None:
        try:
            await self.origin.edit_original_response(
                content="⌛ No answer, so nothing was deleted. Run `/forget` again if you still want to.", view=None)
        except discord.HTTPException as exc:
            log.warning("could not close a /forget question: %s", exc)

    async def on_error(self, interaction: discord.Interaction, error: Exception, _: discord.ui.Item[Any]) -> None:
        await answer_error(interaction, error)


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
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = interaction.user.id
        learned, chart_png = await self.bot.taste.explain(user)
        saved = await self.bot.store.preferences(user)
        embed = discord.Embed(title="🎛️ Your musical taste", colour=discord.Colour.blurple(),
                              description=_shorten("\n".join(f"• {line}" for line in learned), 4000))
        embed.add_field(name="Your settings (used when you leave an option out)", inline=False,
                        value=_settings_text(saved) or "None yet. Save one with `/prefs set tempo:90` "
                                                       "or `/prefs set key:E minor`.")
        embed.set_footer(text="Change with /prefs set, clear with /prefs reset, erase everything with /forget.")
        extra: dict[str, Any] = {}
        if chart_png is not None:
            chart = _png_file(chart_png, "taste.png", interaction.filesize_limit)
            if chart is not None:
                embed.set_image(url="attachment://taste.png")
                extra["file"] = chart
        await interaction.followup.send(embed=embed, ephemeral=True, **extra)

    @prefs.command(name="set", description="Save settings /melody uses whenever you leave those options out")
    @app_commands.describe(**{name: OPTION_HELP[name] for name in PREFERENCE_NAMES})
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in STYLES])
    async def prefs_set(self, interaction: discord.Interaction, key: str | None = None, meter: str | None = None,
                        tempo: int | None = None, style: str | None = None, temperature: float | None = None,
                        bars: int | None = None, top_p: float | None = None) -> None:
        given = {k: v for k, v in dict(key=key, meter=meter, tempo=tempo, style=style, temperature=temperature,
                                       bars=bars, top_p=top_p).items() if v is not None}
        if not given:
            raise MusicError("Tell me what to save, e.g. `/prefs set tempo:90` or "
                             "`/prefs set key:E minor style:irish`.")
        checked = MelodyRequest(notes="C", **given)  # bad values: a MusicError that says what to type
        canonical = {"key": str(checked.parsed_key), "meter": str(checked.parsed_meter)}
        values = {name: canonical.get(name, value) for name, value in given.items()}
        for name, value in values.items():
            await self.bot.store.set_preference(interaction.user.id, name, value)
        saved = ", ".join(f"**{name}** {value}" for name, value in values.items())
        await interaction.response.send_message(
            f"✅ Saved {saved}. `/melody` uses {'it' if len(values) == 1 else 'them'} whenever you leave "
            f"{'that option' if len(values) == 1 else 'those options'} out; see everything with `/prefs show`.",
            ephemeral=True)

    @prefs_set.autocomplete("key")
    async def _prefs_key(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return key_choices(current)

    @prefs_set.autocomplete("meter")
    async def _prefs_meter(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=m, value=m) for m in METERS if current.strip() in m][:25]

    @prefs.command(name="reset", description="Clear one saved setting, or all of them")
    @app_commands.describe(name="Which setting to clear (default: all)")
    @app_commands.choices(name=[app_commands.Choice(name=n, value=n) for n in (*PREF_NAMES, "all")])
    async def prefs_reset(self, interaction: discord.Interaction, name: str = "all") -> None:
        if name not in (*PREF_NAMES, "all"):
            raise MusicError(f"I have no setting called '{name}'. Pick one of: {', '.join(PREF_NAMES)} — "
                             "or leave `name` out to clear all.")
        cleared = await self.bot.store.clear_preferences(interaction.user.id, None if name == "all" else name)
        if name != "all":
            text = f"🧹 Cleared your **{name}** setting." if cleared else f"You had no saved **{name}** setting."
        elif cleared:
            text = f"🧹 Cleared {cleared} saved setting{'s' * (cleared != 1)}."
        else:
            text = "You had no saved settings to clear."
        await interaction.response.send_message(
            f"{text} What I learned from your 👍/👎 stays (see `/prefs show`); `/forget` erases everything.",
            ephemeral=True)

    # -- /inspire -------------------------------------------------------------------------------
    @app_commands.command(name="inspire", description="Ideas you haven't tried yet but will probably like")
    @app_commands.describe(topic='Lyric ideas instead: opening lines, rhymes and images for a topic, e.g. "rain"',
                           seed="With a topic: the same seed gives the same ideas")
    async def inspire(self, interaction: discord.Interaction, topic: str | None = None,
                      seed: app_commands.Range[int, 0, 2**31 - 1] | None = None) -> None:
        if topic is not None:
            lyrics = self.bot.get_cog("Lyrics")
            if lyrics is None:
                raise MusicError("Lyric ideas are offline right now. Try `/inspire` without a topic.")
            await lyrics.inspire_words(interaction, topic, seed)  # type: ignore[attr-defined]
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        user = interaction.user.id
        rng = random.Random()
        ideas = await self.bot.taste.suggestions(user, rng, 3)
        embeds, view = [], discord.ui.View(timeout=None)
        for i, idea in enumerate(ideas):
            r = {**idea["request"]}
            embed = discord.Embed(title=f"{i + 1}. {'Something new' if idea['explore'] else 'Made for you'}",
                                  description=idea["reason"], colour=discord.Colour.gold())
            embed.add_field(name="Seed notes", value=f"`{r['notes']}`")
            embed.add_field(name="Key", value=r["key"])
            embed.add_field(name="Meter", value=r["meter"])
            embed.add_field(name="Tempo", value=f"{r['tempo']} bpm")
            embed.add_field(name="Style", value=r["style"])
            embed.add_field(name="Temperature / bars", value=f"{r['temperature']} / {r['bars']}")
            embed.add_field(name="Or type", inline=False, value=(
                f"`/melody notes:{r['notes']} key:{r['key']} meter:{r['meter']} tempo:{r['tempo']} "
                f"style:{r['style']} temperature:{r['temperature']} bars:{r['bars']}`")[:1024])
            embeds.append(embed)
            custom_id = try_custom_id(i, r)
            if len(custom_id) <= MAX_CUSTOM_ID:
                view.add_item(TryButton(i, custom_id.split(":", 3)[3]))
        tunes = await self._tune_picks(user, rng)
        for i, pick in enumerate(tunes):
            embeds.append(tune_embed(i, pick))
            if len(f"mg:tune:{i}:{pick.tune.ident}") <= MAX_CUSTOM_ID:
                view.add_item(ContinueButton(i, pick.tune.ident))
        also = (" Below them, 🎻 **tunes you might like** from the folk-tune corpus: press **Continue** to have me "
                "continue one's opening.") if tunes else ""
        await interaction.followup.send(f"💡 **Ideas for you**, from what you liked so far. Press **Try** to generate "
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

    async def on_tune(self, interaction: discord.Interaction, ident: str) -> None:
        """A Continue button: candidates continuing a corpus tune's opening, ranked and posted like `/melody`."""
        try:
            tune = await _run(find_tune, ident)
            if tune is None:
                raise MusicError("I can't find that tune any more. Run `/inspire` again for fresh ones.")
            request = MelodyRequest(**tune.params)
            self.bot.composer.validate(request)
            compose = _compose(self.bot)
            _check_not_busy(self.bot)
            await interaction.response.defer(thinking=True)
            results = await self.bot.composer.candidates(request)
            note = (f"🎻 Continuing the opening of *{discord.utils.escape_markdown(tune.title)}* "
                    f"({tune.source_name}).")
            await compose._reply(interaction, await self.bot.taste.rank(interaction.user.id, results), note)
        except Exception as exc:  # noqa: BLE001 - every press gets an answer
            await answer_error(interaction, exc)

    async def on_try(self, interaction: discord.Interaction, data: str) -> None:
        """A Try button: generate candidates from the suggestion, posted like a `/melody` reply."""
        try:
            request = request_from_try(data)
            self.bot.composer.validate(request)
            compose = _compose(self.bot)
            _check_not_busy(self.bot)
            await interaction.response.defer(thinking=True)
            results = await self.bot.composer.candidates(request)
            await compose._reply(interaction, await self.bot.taste.rank(interaction.user.id, results))
        except Exception as exc:  # noqa: BLE001 - every press gets an answer
            await answer_error(interaction, exc)

    # -- /history -------------------------------------------------------------------------------
    @app_commands.command(name="history", description="Your recent melodies, each with a button to play it again")
    async def history(self, interaction: discord.Interaction) -> None:
        rows = await self.bot.store.generations(interaction.user.id, limit=HISTORY_LIMIT)
        if not rows:
            await interaction.response.send_message(
                "📭 You haven't generated any melodies yet. Start one with `/melody notes:C E G`.", ephemeral=True)
            return
        lines, view = [], discord.ui.View(timeout=None)
        for i, g in enumerate(rows):
            p = g.params
            settings = " · ".join(str(x) for x in (p.get("key") or "key from seed", p.get("meter"),
                                                   f"{p.get('tempo')} bpm", p.get("style")))
            lines.append(f"**{i + 1}.** <t:{int(g.created_at)}:R> `{_shorten(g.notes, NOTES_SHOWN)}`\n"
                         f"   {settings} · seed {g.rng_seed}")
            if i < HISTORY_BUTTONS:
                view.add_item(HistoryButton(i, g.id))
        embed = discord.Embed(title="🕘 Your recent melodies", description="\n".join(lines)[:4096],
                              colour=discord.Colour.blurple())
        embed.set_footer(text=f"Press Again 1–{min(len(rows), HISTORY_BUTTONS)} to play one again "
                              "(same seed, same melody). /forget erases your history.")
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def on_history(self, interaction: discord.Interaction, generation_id: int) -> None:
        """An Again button: the stored request with its RNG seed, one candidate, posted publicly."""
        try:
            g = await self.bot.store.generation(generation_id)
            if g is None or g.user_id != interaction.user.id:
                raise MusicError("I can't find that melody any more. Run `/history` again, "
                                 "or start a new one with `/melody notes:C E G`.")
            params = {k: v for k, v in g.params.items() if k in REQUEST_FIELDS}
            seed = g.rng_seed if g.rng_seed is not None else params.get("seed")
            request = MelodyRequest(**{**params, "seed": seed, "count": 1})
            self.bot.composer.validate(request)
            compose = _compose(self.bot)
            _check_not_busy(self.bot)
            await interaction.response.defer(thinking=True)
            await compose._reply(interaction, await self.bot.composer.candidates(request))
        except Exception as exc:  # noqa: BLE001 - every press gets an answer
            await answer_error(interaction, exc)

    # -- /forget --------------------------------------------------------------------------------
    @app_commands.command(name="forget", description="Delete everything I've stored about you (asks first)")
    async def forget(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "⚠️ This deletes **everything** I've stored about you: your melodies, all feedback you gave (and the "
            "feedback on your melodies), your saved `/prefs` and what I learned of your taste. It can't be undone.",
            view=ForgetView(self.bot, interaction, self.confirm_timeout), ephemeral=True)

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
        await interaction.response.defer(ephemeral=True, thinking=True)
        stats = await self.bot.store.stats(interaction.guild_id, days=STATS_DAYS)
        embed = discord.Embed(title=f"📊 MusicGenius in this server — last {stats.days} days",
                              colour=discord.Colour.green(),
                              description=f"**{stats.total_generations}** melodies generated by "
                                          f"**{stats.distinct_users}** "
                                          f"{'person' if stats.distinct_users == 1 else 'people'}.")
        liked = "\n".join(f"{i}. **{style}** — {score} 👍/picks" for i, (style, score)
                          in enumerate(stats.liked_styles[:5], start=1))
        embed.add_field(name="Most liked styles", value=liked or "No likes yet.", inline=False)
        embed.add_field(name="Melodies per day (UTC)", value=stats_table(stats), inline=False)
        embed.set_footer(text="Anonymous totals only: no names or ids.")
        extra: dict[str, Any] = {}
        if stats.total_generations:
            chart = _png_file(await _run(stats_chart, stats.per_day), "stats.png", interaction.filesize_limit)
            if chart is not None:
                embed.set_image(url="attachment://stats.png")
                extra["file"] = chart
        await interaction.followup.send(embed=embed, ephemeral=True, **extra)


async def setup(bot: MusicGenius) -> None:
    bot.add_dynamic_items(TryButton, ContinueButton, HistoryButton)  # buttons keep working after a restart
    await bot.add_cog(Profile(bot))


async def teardown(bot: MusicGenius) -> None:
    bot.remove_dynamic_items(TryButton, ContinueButton, HistoryButton)
