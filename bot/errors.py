"""One place that turns any failure of a command into a friendly, ephemeral answer, in Discord's syntax."""

from __future__ import annotations

import contextlib
import logging

import aiohttp
import discord
from discord import app_commands

from bot.i18n import tr
from bot.metrics import count_error
from studio.errors import Syntax, user_text

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000  # Discord refuses longer messages
UNEXPECTED = "Something went wrong on my side (it has been logged). Please try again in a moment."


def discord_syntax(command: str | None, options: list[tuple[str, str | None]]) -> str:
    """How Discord spells options and commands in messages: `bars:12`, `/melody notes:C E G`."""
    said = " ".join(f"{name}:{'' if value is None else value}" for name, value in options)
    return f"`/{command}{' ' + said if said else ''}`" if command else f"`{said}`"


def form_syntax(command: str | None, options: list[tuple[str, str | None]]) -> str:
    """Options as typed into a form's text field, without their names (`4-5`, not `bars:4-5`); commands as Discord
    spells them."""
    if command:
        return discord_syntax(command, options)
    return f"`{' '.join(name if value is None else value for name, value in options)}`"


def user_message(error: BaseException, syntax: Syntax = discord_syntax) -> str:
    """The text a user sees for an error (``syntax``: how its options are spelled, ``form_syntax`` in a form)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    text = user_text(error, syntax)
    if text is not None:
        return text
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't read the value `{str(error.value)[:100]}`. Check the option and try again."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    return UNEXPECTED


async def send_error(interaction: discord.Interaction, message: str) -> None:
    """Tell the user alone, whatever state the interaction is in, and never overwrite a delivered answer.

    Before any acknowledgement: an ephemeral response. After a private "thinking…": that message becomes the
    error. After a public one (see ``bot.replies.defer``): the placeholder is removed and the error follows
    privately, because Discord keeps a deferred reply's visibility. Once an answer was delivered, or after a
    button's silent acknowledgement: an ephemeral followup.
    """
    text = f"⚠️ {tr(message, interaction.locale)}"[:MAX_MESSAGE]  # in the user's language (bot.i18n)
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
            return
        if interaction.is_expired():
            log.warning("interaction expired before its error could be told: %s", message[:200])
            return
        placeholder = interaction.extras.get("reply") if not interaction.extras.get("answered") else None
        if placeholder == "private":
            await interaction.edit_original_response(content=text, embed=None, attachments=[], view=None)
            return
        if placeholder == "public":
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True)
    except (discord.HTTPException, aiohttp.ClientError, RuntimeError) as exc:  # e.g. the bot is shutting down
        log.warning("could not deliver an error message to the user: %s", exc)


async def answer_error(interaction: discord.Interaction, error: BaseException,
                       syntax: Syntax = discord_syntax) -> None:
    """Log what is unexpected, and always tell the user something useful (options spelled by ``syntax``)."""
    message = user_message(error, syntax)
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    count_error(interaction, original, internal=message == UNEXPECTED)
    if message == UNEXPECTED:
        what = interaction.command.name if interaction.command else (interaction.data or {}).get("custom_id")
        log.error("interaction %s failed", what, exc_info=error)
    await send_error(interaction, message)


async def report_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """The command tree's error handler."""
    await answer_error(interaction, error)
