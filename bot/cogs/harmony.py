"""`/chords`: harmonise typed notes, a MIDI file, or the user's last /melody."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.errors import discord_syntax
from bot.melody_menu import MelodyMenuCog
from bot.replies import MAX_CONTENT, defer, send_result
from bot.sources import MelodySource
from studio.chord_melody import chords_in_notes
from studio.errors import cmd, render
from studio.harmony.files import harmony_files
from studio.harmony.harmonizer import HarmonyResult, harmonize_melody
from studio.midi_melody import HeldChords
from studio.options import CHORDS, option_help
from studio.progression import progression_text, read_progression
from studio.render import Attachment

if TYPE_CHECKING:
    from bot.client import MusicGenius

EXAMPLE = cmd("chords", notes="E D C D E E E:h", key="C", meter="4/4")


class Harmony(MelodyMenuCog):
    """Chords under a melody."""

    menu_name = "Chords for this melody"

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        """Apps → Chords for this melody: the default rhythm and style."""
        await self.reply(interaction, source)

    @app_commands.command(name="chords", description="Chords for a melody: symbols, roman numerals, score, MIDI, audio")
    @app_commands.describe(**option_help("chords"))
    @app_commands.choices(rhythm=[app_commands.Choice(name=r, value=r) for r in CHORDS["rhythm"].choices],
                          style=[app_commands.Choice(name=s, value=s) for s in CHORDS["style"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def chords(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        key: str | None = None,
        meter: str | None = None,
        rhythm: str = CHORDS["rhythm"].default,
        style: str = CHORDS["style"].default,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        tempo: int | None = None,
    ) -> None:
        CHORDS["rhythm"].check(rhythm)
        CHORDS["style"].check(style)
        _, typed, _ = chords_in_notes(notes, None, midi)
        if typed is not None:  # `notes:"Am F C G"`: read them back, there is no tune to harmonise
            progression = read_progression(typed, key)
            async with admitted(interaction):
                await defer(interaction)
                await send_result(interaction, render(progression_text(progression, typed, key is not None),
                                                      discord_syntax), [])
            return
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter,
                                    tempo=tempo, midi=midi, track=track, example=EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            await self.reply(interaction, source, rhythm, style)

    async def reply(self, interaction: discord.Interaction, source: MelodySource,
                    rhythm: str = CHORDS["rhythm"].default, style: str = CHORDS["style"].default) -> None:
        """Harmonise the source's melody and answer the (deferred) interaction; a file of chords is read back."""
        try:
            melody, origin = await source.resolve()
        except HeldChords as held:
            progression = read_progression(held.chords, source.key)
            origin = f"🎼 {held.name} holds chords, not a tune: here they are, read back."
            text = progression_text(progression, held.chords, source.key is not None, origin)
            await send_result(interaction, render(text, discord_syntax), [])
            return
        if source.chords:
            origin = f"{origin}\n🎹 You wrote it over `{source.chords}`. Below, chords of my own for it."
        elif source.file_chords is not None:
            origin = f"{origin}\n{source.file_chords.beside}"
        result = await self.bot.renders.run(harmonize_melody, melody, rhythm, style, source.ending)
        files = await self.bot.renders.run(harmony_files, result, f"chords-{style}", "Harmonisation")
        content, overflow = chords_content(result, origin)
        await send_result(interaction, content, files, overflow)


def chords_content(result: HarmonyResult, source: str = "") -> tuple[str, Attachment | None]:
    """Chord symbols per bar and roman numerals; the full text as a file when it is too long for a message."""
    m = result.melody
    head = (f"🎹 **Chords** in {m.key} · {m.meter} · up to one chord per {result.rhythm} · {result.style} style"
            + (f"\n{source}" if source else ""))
    text = f"{head}\n```\n{result.chord_text}\n```\nRoman numerals in {m.key}:\n```\n{result.roman_text}\n```"
    if len(text) <= MAX_CONTENT:
        return text, None
    room = (MAX_CONTENT - len(head) - 120) // 2
    short = (f"{head} (full text attached)\n```\n{result.chord_text[:room]} …\n```Roman numerals:\n```\n"
             f"{result.roman_text[:room]} …\n```")
    full = f"Chords: {result.chord_text}\n\nRoman numerals in {m.key}: {result.roman_text}\n"
    return short, Attachment("chords.txt", full.encode(), "All the chords as text")


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Harmony(bot))
