"""`/lyrics` (free verse, or words fitted under a melody) and the Apps → "Lyrics for this melody" menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.lyric_reply import ExpandButton, set_verse_reply, verse_reply
from bot.melody_menu import MelodyMenuCog
from bot.replies import defer, send_result
from bot.sources import MelodySource
from studio.analysis.words import join
from studio.chord_melody import backing, chord_line
from studio.errors import cmd
from studio.lyrics.lyricist import LyricRequest, default_scheme, lines_and_scheme, parse_syllables
from studio.lyrics.setting import underlay
from studio.options import LYRICS, SCHEMES, matching, option_help
from studio.render import melody_files

if TYPE_CHECKING:
    from bot.client import MusicGenius

MELODY_EXAMPLE = cmd("lyrics", notes="C D E C E F G:h")
LINES, SEED = LYRICS["lines"], LYRICS["seed"]


class Lyrics(MelodyMenuCog):
    """Lyric writing."""

    menu_name = "Lyrics for this melody"

    @app_commands.command(name="lyrics", description="Lyric lines that rhyme and scan, or words for a melody")
    @app_commands.describe(**option_help("lyrics", [n for n in LYRICS if n not in ("midi", "track")]))
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def lyrics(
        self,
        interaction: discord.Interaction,
        theme: str | None = None,
        lines: app_commands.Range[int, LINES.low, LINES.high] | None = None,
        scheme: str | None = None,
        syllables: str | None = None,
        notes: str | None = None,
        my_melody: bool = False,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        seed: app_commands.Range[int, SEED.low, SEED.high] | None = None,
    ) -> None:
        if notes or my_melody:
            source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter,
                                        tempo=tempo, example=MELODY_EXAMPLE)
            unused = [f"`{name}:`" for name, value in (("lines", lines), ("syllables", syllables)) if value]
            aside = (f"ℹ️ The melody sets the lines (one a phrase) and the syllables (one a note), so I left "
                     f"{join(unused)} aside.") if unused else ""
            async with admitted(interaction):
                await defer(interaction)
                await self.reply_for_melody(interaction, source, theme or "", scheme, seed, aside)
            return
        counts = parse_syllables(syllables) if syllables else None
        lines, scheme = lines_and_scheme(lines, scheme, counts)
        request = LyricRequest.make(theme or "", lines, scheme, counts, None, seed)  # mistakes: answered privately
        async with admitted(interaction):
            await defer(interaction)
            lyricist = await self.bot.lyricist()
            verse = await self.bot.renders.run(lyricist.write, request, in_process=False)
            content, files = verse_reply(verse, theme or "", scheme)
            await send_result(interaction, content, files)

    @lyrics.autocomplete("scheme")
    async def _scheme_choices(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        typed = current.strip()
        options = matching(SCHEMES, typed)
        if typed and typed not in options:
            options.insert(0, typed[:100])
        return [app_commands.Choice(name=s, value=s) for s in options][:25]

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        """Apps → Lyrics for this melody: no theme, the default scheme for its phrases."""
        await self.reply_for_melody(interaction, source, "", None, None)

    async def reply_for_melody(self, interaction: discord.Interaction, source: MelodySource, theme: str,
                               scheme: str | None, seed: int | None, aside: str = "") -> None:
        """Words for the source's melody, with the score, karaoke MIDI and audio (the interaction is deferred);
        ``scheme``: None for the default for its phrases (ABAB for four); ``aside``: a line on options the melody
        overrules."""
        melody, origin = await source.resolve()
        origin = "\n".join(x for x in (origin, aside) if x)
        lyricist = await self.bot.lyricist()
        run = self.bot.renders.run
        verse = await run(lyricist.for_melody, melody, theme, scheme, seed, in_process=False)
        placed = await run(underlay, melody, [line.text for line in verse.lines])
        chords = None
        under = source.chords or (source.file_chords and source.file_chords.text)
        if under:  # a melody of mine written over chords, or a file's chords track: the words join them, a lead sheet
            chords = backing(under, melody.bars, melody)
            line = chord_line(under, melody.meter, melody.bars)
            origin = "\n".join(x for x in (f"🎹 Over your chords: `{line}`", origin) if x)
        files = await run(melody_files, melody, f"lyrics-{verse.seed}", "Lyrics", lyrics=list(placed.syllables),
                          midi_lyrics=list(placed.midi_text), chords=chords)
        scheme = scheme or default_scheme(len(verse.lines))
        content, extra = set_verse_reply(verse, melody, placed, theme, scheme, origin)
        await send_result(interaction, content, extra + files)


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Lyrics(bot))
    bot.add_dynamic_items(ExpandButton)  # buttons keep working after a restart
