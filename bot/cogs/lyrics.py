"""`/lyrics` (free verse, or words fitted under a melody) and the Apps → "Lyrics for this melody" menu."""

from __future__ import annotations

import asyncio
import re
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import answer_error, send_error
from bot.replies import MAX_CONTENT, fit_attachments, to_files
from bot.sources import MelodySource
from data.blocklist import clean
from data.events import Melody, MusicError
from studio.lyrics.lyricist import Inspiration, LyricRequest, Verse, parse_syllables
from studio.lyrics.setting import Underlay, underlay
from studio.render import Attachment, melody_files

if TYPE_CHECKING:
    from bot.client import MusicGenius

EXAMPLE = '`/lyrics theme:"the sea at night" lines:4 scheme:ABAB`'
SCHEMES = ("ABAB", "AABB", "ABCB", "ABBA", "AAAA", "free")
OPTION_HELP = {
    "theme": 'What the words are about, e.g. "the sea at night"',
    "lines": "How many lines (1-16; with a melody: one per phrase)",
    "scheme": "Rhyme scheme: a letter per line, e.g. ABAB, AABB, ABCB, or free",
    "syllables": 'Syllables per line: one number for all, or one per line, e.g. "8 6 8 6" (default 8)',
    "notes": "A melody to write words for, e.g. C D E C E F G:h (one syllable per note)",
    "my_melody": "Write words for your last /melody (one syllable per note, stresses on strong beats)",
    "key": 'With notes: the key, e.g. "G major" (default: guessed)',
    "meter": "With notes: the time signature, e.g. 3/4 (default 4/4)",
    "tempo": "With a melody: beats per minute for the audio (30-300)",
    "seed": "RNG seed: the same seed gives the same words",
}


class Lyrics(commands.Cog):
    """Lyric writing."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Lyrics for this melody", callback=self.lyrics_for_message)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="lyrics", description="Lyric lines that rhyme and scan, or words for a melody")
    @app_commands.describe(**OPTION_HELP)
    async def lyrics(
        self,
        interaction: discord.Interaction,
        theme: str | None = None,
        lines: app_commands.Range[int, 1, 16] | None = None,
        scheme: str = "ABAB",
        syllables: str | None = None,
        notes: str | None = None,
        my_melody: bool = False,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        seed: app_commands.Range[int, 0, 2**31 - 1] | None = None,
    ) -> None:
        if notes or my_melody:
            source = await MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter,
                                              tempo=tempo, example="`notes:C D E C E F G:h`")
            await interaction.response.defer(thinking=True)
            await self.reply_for_melody(interaction, source, theme or "", scheme, seed)
            return
        counts = parse_syllables(syllables) if syllables else None
        request = LyricRequest.make(theme or "", lines, scheme, counts, None, seed)  # mistakes: answered privately
        await interaction.response.defer(thinking=True)
        lyricist = await self.bot.lyricist()
        verse = await asyncio.get_running_loop().run_in_executor(None, lyricist.write, request)
        content, files = verse_reply(verse, theme or "", scheme)
        await interaction.followup.send(content, files=to_files(fit_attachments(files, interaction.filesize_limit)))

    @lyrics.autocomplete("scheme")
    async def _scheme_choices(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        typed = current.strip()
        options = [s for s in SCHEMES if s.lower().startswith(typed.lower())]
        if typed and typed not in options:
            options.insert(0, typed[:100])
        return [app_commands.Choice(name=s, value=s) for s in options][:25]

    async def inspire_words(self, interaction: discord.Interaction, topic: str, seed: int | None) -> None:
        """`/inspire topic:` — different opening lines, rhymes for each and image words, with Expand buttons."""
        if not topic.strip():
            raise MusicError('Give me a topic with a word or two, e.g. `/inspire topic:"rain on the window"`.')
        await interaction.response.defer(ephemeral=True, thinking=True)
        lyricist = await self.bot.lyricist()
        ideas = await asyncio.get_running_loop().run_in_executor(None, partial(lyricist.inspire, topic, 4, seed))
        embeds, view = inspiration_embeds(ideas), discord.ui.View(timeout=None)
        for i in range(len(ideas.openings)):
            view.add_item(ExpandButton(i, ideas.seed))
        note = f"\nℹ️ {ideas.note}" if ideas.note else ""
        await interaction.followup.send(
            f"💡 **Lyric ideas** for *{clean(topic.strip())[:100]}*: press **Expand** to grow a line into a verse "
            f"(posted for everyone).{note}", embeds=embeds, view=view, ephemeral=True)

    async def on_expand(self, interaction: discord.Interaction, index: int, seed: int) -> None:
        """An Expand button: the opening line and topic are read back from the /inspire message."""
        try:
            embeds = interaction.message.embeds if interaction.message else []
            if index >= len(embeds) or not embeds[index].description:
                raise MusicError("I can't find that idea any more. Run `/inspire topic:...` again.")
            opening = embeds[index].description.replace("*", "")
            topic = (embeds[index].footer.text or "").removeprefix(TOPIC_PREFIX)
            await interaction.response.defer(thinking=True)
            lyricist = await self.bot.lyricist()
            verse = await asyncio.get_running_loop().run_in_executor(
                None, partial(lyricist.expand, opening, topic, 4, "ABAB", None, seed + index))
            content, files = verse_reply(verse, topic, "ABAB")
            content = f"🌱 {interaction.user.mention} expanded *{opening}*:\n{content}"
            await interaction.followup.send(content[:MAX_CONTENT], files=to_files(files))
        except Exception as exc:  # noqa: BLE001 - every press gets an answer
            await answer_error(interaction, exc)

    async def lyrics_for_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Apps → Lyrics for this melody, on one of the bot's /melody replies."""
        source = await MelodySource.from_message(self.bot, message)
        await interaction.response.defer(thinking=True)
        await self.reply_for_melody(interaction, source, "", "ABAB", None)

    async def reply_for_melody(self, interaction: discord.Interaction, source: MelodySource, theme: str,
                               scheme: str, seed: int | None) -> None:
        """Words for the source's melody, with the score, karaoke MIDI and audio (the interaction is deferred)."""
        melody, origin = await source.resolve()
        lyricist = await self.bot.lyricist()
        loop = asyncio.get_running_loop()
        verse = await loop.run_in_executor(None, partial(lyricist.for_melody, melody, theme, scheme, seed))
        placed = await loop.run_in_executor(None, underlay, melody, [line.text for line in verse.lines])
        files = await loop.run_in_executor(None, partial(
            melody_files, melody, f"lyrics-{verse.seed}", "Lyrics", lyrics=list(placed.syllables),
            midi_lyrics=list(placed.midi_text)))
        content, extra = set_verse_reply(verse, melody, placed, theme, scheme, origin)
        await interaction.followup.send(content, files=to_files(fit_attachments(extra + files,
                                                                                interaction.filesize_limit)))


TOPIC_PREFIX = "topic: "


def inspiration_embeds(ideas: Inspiration) -> list[discord.Embed]:
    """One embed per opening line (with words that rhyme with its end), then the topic's image words."""
    embeds = []
    for i, (line, rhymes) in enumerate(zip(ideas.openings, ideas.rhymes, strict=True)):
        embed = discord.Embed(title=f"{i + 1}. An opening line", description=line.marked,
                              colour=discord.Colour.teal())
        if rhymes:
            embed.add_field(name=f"Rhymes for “{line.rhyme_word}”", value=", ".join(rhymes)[:1024])
        embed.add_field(name="Syllables", value=str(line.syllables))
        embed.set_footer(text=f"{TOPIC_PREFIX}{clean(ideas.topic.strip())[:200]}")
        embeds.append(embed)
    if ideas.images:
        embeds.append(discord.Embed(title="Images to use", description=" · ".join(ideas.images),
                                    colour=discord.Colour.dark_teal()))
    return embeds


class ExpandButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mg:verse:(?P<index>\d):(?P<seed>\d+)"):
    """Grow one `/inspire topic:` opening line into a verse; the line itself is read from the message."""

    def __init__(self, index: int, seed: int) -> None:
        super().__init__(discord.ui.Button(label=f"Expand {index + 1}", emoji="🌱", style=discord.ButtonStyle.primary,
                                           custom_id=f"mg:verse:{index}:{seed}"))
        self.index, self.seed = index, seed

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> ExpandButton:
        return cls(int(match["index"]), int(match["seed"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Lyrics")  # type: ignore[attr-defined]
        if cog is None:
            await send_error(interaction, "Lyric ideas are offline right now. Try again in a minute.")
            return
        await cog.on_expand(interaction, self.index, self.seed)


def _reproduce(theme: str, scheme: str, seed: int, extra: str = "") -> str:
    said = f' theme:"{theme[:80]}"' if theme.strip() else ""
    return f"`/lyrics{said} scheme:{scheme}{extra} seed:{seed}`"


def verse_reply(verse: Verse, theme: str, scheme: str) -> tuple[str, list[Attachment]]:
    """The verse with its rhyme words in bold and syllable counts; the plain text as a file to copy."""
    about = f" about *{theme.strip()[:100]}*" if verse.theme is not None else ""
    head = f"✍️ **Lyrics**{about} · {scheme} · syllables per line shown after each line"
    lines = [head, verse.note and f"ℹ️ {verse.note}", "", verse.text, "",
             f"Again: {_reproduce(theme, scheme, verse.seed, f' lines:{len(verse.lines)}')}"]
    content = "\n".join(x for x in lines if x is not None)
    files = [Attachment(f"lyrics-{verse.seed}.txt", (verse.plain + "\n").encode(), "The lyrics as plain text")]
    return _fit(content, head), files


def set_verse_reply(verse: Verse, m: Melody, placed: Underlay, theme: str, scheme: str,
                    origin: str) -> tuple[str, list[Attachment]]:
    """Hyphenated lines as sung, the verse with rhyme words, and how well stresses meet strong beats."""
    head = (f"🎤 **Words for your melody** · {m.key} · {m.meter} · {len(verse.lines)} phrases, one syllable per note"
            + (f"\n{origin}" if origin else ""))
    body = [head, verse.note and f"ℹ️ {verse.note}", "Sung as:", "```", placed.text, "```", verse.text,
            f"Stressed syllables on strong beats: {placed.stress_rate:.0%}. The score and the MIDI carry the words "
            "(karaoke lyrics in your DAW or MuseScore).",
            f"Again: {_reproduce(theme, scheme, verse.seed)} with the same melody"]
    content = "\n".join(x for x in body if x is not None)
    text = f"{placed.text}\n\n{verse.plain}\n"
    return _fit(content, head), [Attachment(f"lyrics-{verse.seed}.txt", text.encode(), "The words as sung")]


def _fit(content: str, head: str) -> str:
    if len(content) <= MAX_CONTENT:
        return content
    return f"{head}\n(The words are long: they are in the attached .txt file.)"


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Lyrics(bot))
    bot.add_dynamic_items(ExpandButton)  # buttons keep working after a restart
