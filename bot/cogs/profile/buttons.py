"""The profile commands' buttons: Try / Continue / Again (dynamic items that outlive a restart) and `/forget`'s view.

A dynamic item carries everything it needs in its custom_id (``mg:try:<n>:<settings>``, ``mg:tune:<n>:<tune
ident>``, ``mg:hist:<n>:<generation id>``) and hands the press to the ``Profile`` cog.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.admission import admitted
from bot.cogs.profile.privacy import forgotten_text
from bot.errors import answer_error
from bot.i18n import tr
from bot.melody_reply import compose, generate
from bot.replies import defer
from studio.errors import MusicError, cmd
from studio.requests import MelodyRequest
from studio.taste.tunes import find_tune

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)

TRY_FIELDS = ("notes", "key", "meter", "tempo", "style", "temperature", "bars")  # order inside ``mg:try:``
MAX_CUSTOM_ID = 100
REQUEST_FIELDS = frozenset(MelodyRequest.__dataclass_fields__)
CONFIRM_TIMEOUT = 60.0  # seconds the /forget question stays open


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


async def continue_tune(interaction: discord.Interaction, ident: str) -> None:
    """A Continue button: candidates continuing a corpus tune's opening, ranked and posted like `/melody`."""
    try:
        tune = await asyncio.get_running_loop().run_in_executor(None, find_tune, ident)
        if tune is None:
            raise MusicError("I can't find that tune any more. Run `/inspire` again for fresh ones.")
        note = f"🎻 Continuing the opening of *{discord.utils.escape_markdown(tune.title)}* ({tune.cited})."
        await compose(interaction, MelodyRequest(**tune.params), note)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


async def try_suggestion(interaction: discord.Interaction, data: str) -> None:
    """A Try button: candidates from the suggestion, posted like a `/melody` reply."""
    try:
        await compose(interaction, request_from_try(data))
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


async def play_again(interaction: discord.Interaction, generation_id: int) -> None:
    """An Again button: the stored request with its RNG seed, one candidate, posted publicly."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    try:
        async with admitted(interaction):
            await defer(interaction)  # before the store is asked anything
            g = await bot.store.generation(generation_id)
            if g is None or g.user_id != interaction.user.id:
                raise MusicError("I can't find that melody any more. Run `/history` again, "
                                 f"or start a new one with {cmd('melody', notes='C E G')}.")
            params = {k: v for k, v in g.params.items() if k in REQUEST_FIELDS}
            seed = g.rng_seed if g.rng_seed is not None else params.get("seed")
            await generate(interaction, MelodyRequest(**{**params, "seed": seed, "count": 1}), rank=False)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


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
        await try_suggestion(interaction, self.data)


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
        await continue_tune(interaction, self.ident)


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
        await play_again(interaction, self.generation_id)


class ForgetView(discord.ui.View):
    """"Yes, delete everything" / "Cancel", for the user who ran `/forget` only; a timeout deletes nothing."""

    def __init__(self, bot: MusicGenius, origin: discord.Interaction, timeout: float = CONFIRM_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.bot, self.origin = bot, origin

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.origin.user.id:
            return True
        await interaction.response.send_message(tr(
            "⚠️ This isn't yours: only the person who ran `/forget` can answer it. "
            "To delete your own data, run `/forget` yourself.", interaction.locale), ephemeral=True)
        return False

    @discord.ui.button(label="Yes, delete everything", style=discord.ButtonStyle.danger, emoji="🗑️")
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.defer()
        forgotten = await self.bot.taste.forget(interaction.user.id)
        await interaction.edit_original_response(content=tr(forgotten_text(forgotten), interaction.locale), view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content=tr("👌 Cancelled: nothing was deleted.", interaction.locale),
                                                view=None)

    async def on_timeout(self) -> None:
        try:
            await self.origin.edit_original_response(content=tr(
                "⌛ No answer, so nothing was deleted. Run `/forget` again if you still want to.", self.origin.locale),
                view=None)
        except discord.HTTPException as exc:
            log.warning("could not close a /forget question: %s", exc)

    async def on_error(self, interaction: discord.Interaction, error: Exception, _: discord.ui.Item[Any]) -> None:
        await answer_error(interaction, error)
