"""`/similar`: the corpus tunes closest to a melody (typed, a MIDI file, the last /melody or a picked reply), with
the passage each shares, side by side as notes and as a piano roll."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.melody_menu import MelodyMenuCog
from bot.replies import defer, fit_attachments, respond, to_files
from bot.sources import MelodySource
from studio.analysis.words import plural
from studio.errors import cmd
from studio.options import SIMILAR, option_help
from studio.similar import (
    SCORE_HELP,
    Similar,
    check_similar_length,
    passage_text,
    similar_files,
    similar_heading,
    similar_tunes,
    where,
)

if TYPE_CHECKING:
    from bot.client import MusicGenius

EXAMPLE = cmd("similar", notes="G:e A B D:q B:e D E:q")
EMBED_COLOUR = discord.Colour.teal()


class SimilarTunes(MelodyMenuCog):
    """Corpus tunes like a melody."""

    menu_name = "Find similar tunes"

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        await self.reply(interaction, source)

    @app_commands.command(name="similar", description="Corpus tunes closest to a melody, and the passage each shares")
    @app_commands.describe(**option_help("similar"))
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def similar(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        count: int = SIMILAR["count"].default,
    ) -> None:
        SIMILAR["count"].check(count)
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter, tempo=tempo,
                                    midi=midi, track=track, example=EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            await self.reply(interaction, source, count)

    async def reply(self, interaction: discord.Interaction, source: MelodySource,
                    count: int = SIMILAR["count"].default) -> None:
        """Search the corpus (in a thread, where the index lives) and answer the deferred interaction."""
        melody, origin = await source.resolve()
        check_similar_length(melody)
        found = await self.bot.renders.run(similar_tunes, melody, count, in_process=False)
        files = await self.bot.renders.run(similar_files, found) if found else []
        pitched = sum(n.pitch is not None for n in melody.notes)
        head = f"🔎 **Corpus tunes closest to your melody** ({plural(pitched, 'note')})"
        head += f"\n{origin}" if origin else ""
        if not found:
            head += ("\nNo tune in the corpus shares a run of 6 notes with it (same intervals and rhythm, in any key "
                     "and at any tempo): it's all yours.")
        await respond(interaction, head, embeds=similar_embeds(found),
                      files=to_files(fit_attachments(files, interaction.filesize_limit)))


def similar_embeds(found: list[Similar]) -> list[discord.Embed]:
    """One embed per tune (5 at most, well inside 6000 characters): who it is, its score, the shared run side by
    side and its piano roll; the last says what the score means."""
    embeds = []
    for rank, item in enumerate(found, start=1):
        mine, theirs = passage_text(item)
        embed = discord.Embed(title=discord.utils.escape_markdown(similar_heading(item, rank))[:256],
                              colour=EMBED_COLOUR)
        block = f"```\nyours  {mine}\ntheirs {theirs}\n```"
        embed.add_field(name=f"Shared run — yours: {where(item, True)}; theirs: {where(item, False)}, in "
                             f"{item.theirs.key}"[:256], value=block[:1024], inline=False)
        embed.set_image(url=f"attachment://similar-{rank}.png")
        embeds.append(embed)
    if embeds:
        embeds[-1].set_footer(text=SCORE_HELP)
    return embeds


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(SimilarTunes(bot))
