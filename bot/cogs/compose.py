"""Composition commands: `/melody`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import fit_attachments, melody_content, melody_embed, to_files
from data.events import STYLES
from studio.render import melody_files
from studio.requests import MelodyRequest

if TYPE_CHECKING:
    from bot.client import MusicGenius

FEEDBACK_EMOJI = ("👍", "👎")


class Compose(commands.Cog):
    """Melody generation."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="melody", description="Continue a melody from a few notes you type")
    @app_commands.describe(
        notes="Seed notes, e.g. C E G · C4:q D4:e E4:e G4:h · do re mi · 60 64 67",
        bars="Length of the whole melody in bars (1-64, default 8)",
        temperature="0.1-2.0: low is safe, high is adventurous (default 1.0)",
        seed="RNG seed: the same seed gives the same melody",
        key='Key, e.g. "G major", "E minor", "D dorian" (default: guessed from your notes)',
        meter="Time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)",
        tempo="Beats per minute (30-300, default 110)",
        style="Which tradition the continuation leans on",
        top_p="Nucleus sampling, 0.1-1.0 (default 0.95)",
    )
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in STYLES])
    async def melody(
        self,
        interaction: discord.Interaction,
        notes: str,
        bars: int = 8,
        temperature: float = 1.0,
        seed: int | None = None,
        key: str | None = None,
        meter: str = "4/4",
        tempo: int = 110,
        style: str = "irish",
        top_p: float = 0.95,
    ) -> None:
        request = MelodyRequest(notes=notes, bars=bars, temperature=temperature, top_p=top_p, seed=seed,
                                key=key, meter=meter, tempo=tempo, style=style)
        self.bot.composer.validate(request)  # bad input is answered before deferring, ephemerally
        await interaction.response.defer(thinking=True)
        result = await self.bot.composer.melody(request)
        stem = f"melody-{result.request.seed}"
        files = await asyncio.get_running_loop().run_in_executor(None, melody_files, result.melody, stem)
        content, overflow = melody_content(result)
        if overflow is not None:
            files.append(overflow)
        files = fit_attachments(files, interaction.filesize_limit)
        message = await interaction.followup.send(content, embed=melody_embed(result), files=to_files(files), wait=True)
        await self.bot.store.add_generation(
            interaction.user.id, "melody", result.request.__dict__, result.request.seed, result.text,
            message_id=message.id, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
        )
        for emoji in FEEDBACK_EMOJI:
            await message.add_reaction(emoji)


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Compose(bot))
