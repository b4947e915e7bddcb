"""One place that turns any failure of a command into a friendly, ephemeral answer, in Discord's syntax."""

from __future__ import annotations

import logging

import aiohttp
import discord
from discord import app_commands

from studio.errors import user_text

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000  # Discord refuses longer messages
UNEXPECTED = "Something went wrong on my side (it has been logged). Please try again in a moment."


def discord_syntax(command: str | None, options: list[tuple[str, str | None]]) -> str:
    """How Discord spells options and commands in messages: `bars:12`, `/melody notes:C E G`."""
    said = " ".join(f"{name}:{'' if value is None else value}" for name, value in options)
    return f"`/{command}{' ' + said if said else ''}`" if command else f"`{said}`"


def user_message(error: BaseException) -> str:
    """The text a user sees for an error."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    text = user_text(error, discord_syntax)
    if text is not None:
        return text
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't read the value `{str(error.value)[:100]}`. Check the option and try again."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    return UNEXPECTED


async def send_error(interaction: discord.Interaction, message: str) -> None:
    """Answer ephemerally before a defer; after one, turn the "thinking…" reply into the message."""
    try:
        if interaction.response.is_done():
            # After a public defer Discord keeps the reply public: replace the "thinking…" with the message.
            if not interaction.is_expired():
                await interaction.edit_original_response(content=f"⚠️ {message}"[:MAX_MESSAGE], embed=None,
                                                         attachments=[])
        else:
            await interaction.response.send_message(f"⚠️ {message}"[:MAX_MESSAGE], ephemeral=True)
    except (discord.HTTPException, aiohttp.ClientError, RuntimeError) as exc:  # e.g. the bot is shutting down
        log.warning("could not deliver an error message to the user: %s", exc)


async def answer_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log what is unexpected, and always tell the user something useful."""
    message = user_message(error)
    if message == UNEXPECTED:
        what = interaction.command.name if interaction.command else (interaction.data or {}).get("custom_id")
        log.error("interaction %s failed", what, exc_info=error)
    await send_error(interaction, message)


async def report_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """The command tree's error handler."""
    await answer_error(interaction, error)
