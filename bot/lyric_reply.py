"""Lyric replies: a verse as text and files, `/inspire topic:` ideas and their Expand buttons."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.admission import admitted
from bot.errors import answer_error
from bot.replies import MAX_CONTENT, defer, respond, send_result
from studio.analysis.words import plural
from studio.errors import MusicError
from studio.inputs import Melody
from studio.lyrics.lyricist import DEFAULT_SYLLABLES, Inspiration, Verse, all_images, clean
from studio.lyrics.setting import Underlay
from studio.render import Attachment

if TYPE_CHECKING:
    from bot.client import MusicGenius

TOPIC_PREFIX = "topic: "


async def inspire_words(interaction: discord.Interaction, topic: str, seed: int | None) -> None:
    """`/inspire topic:` — different opening lines, rhymes for each and image words, with Expand buttons."""
    if not topic.strip():
        raise MusicError('Give me a topic with a word or two, e.g. `/inspire topic:"rain on the window"`.')
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    async with admitted(interaction):
        await defer(interaction, private=True)
        ideas = await bot.renders.run((await bot.lyricist()).inspire, topic, 4, seed, in_process=False)
    embeds, view = inspiration_embeds(ideas), discord.ui.View(timeout=None)
    for i in range(len(ideas.openings)):
        view.add_item(ExpandButton(i, ideas.seed))
    note = f"\nℹ️ {ideas.note}" if ideas.note else ""
    await respond(interaction, f"💡 **Lyric ideas** for *{clean(topic.strip())[:100]}*: press **Expand** to grow a "
                  f"line into a verse (posted for everyone).{note}", embeds=embeds, view=view, ephemeral=True)


async def on_expand(interaction: discord.Interaction, index: int, seed: int) -> None:
    """An Expand button: the opening line and topic are read back from the /inspire message."""
    try:
        embeds = interaction.message.embeds if interaction.message else []
        if index >= len(embeds) or not embeds[index].description:
            raise MusicError("I can't find that idea any more. Run `/inspire topic:...` again.")
        opening = embeds[index].description.replace("*", "")
        topic = (embeds[index].footer.text or "").removeprefix(TOPIC_PREFIX)
        bot: MusicGenius = interaction.client  # type: ignore[assignment]
        async with admitted(interaction):
            await defer(interaction)
            lyricist = await bot.lyricist()
            verse = await bot.renders.run(lyricist.expand, opening, topic, 4, "ABAB", None, seed + index,
                                          in_process=False)
            content, files = verse_reply(verse, topic, "ABAB")
            await send_result(interaction, f"🌱 {interaction.user.mention} expanded *{opening}*:\n{content}", files)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


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
        title = "Images to use" if all_images(ideas.images) else "Words to use"
        embeds.append(discord.Embed(title=title, description=" · ".join(ideas.images),
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
        await on_expand(interaction, self.index, self.seed)


def _reproduce(theme: str, verse: Verse, scheme: str, extra: str = "") -> str:
    """The command that writes the verse again; a long theme is given as the words of it that were used (the verse
    depends on nothing else of it), not cut off."""
    theme = clean(theme).strip()
    if len(theme) > 80:  # without a usable word the verse has no theme, and any words of it say so again
        theme = " ".join(verse.theme.words) if verse.theme is not None else theme[:80].rsplit(" ", 1)[0]
    said = f' theme:"{theme}"' if theme else ""
    return f"`/lyrics{said} scheme:{scheme}{extra} seed:{verse.seed}`"


def verse_reply(verse: Verse, theme: str, scheme: str) -> tuple[str, list[Attachment]]:
    """The verse with its rhyme words in bold and syllable counts; the plain text as a file to copy."""
    about = f" about *{clean(theme.strip())[:100]}*" if verse.theme is not None else ""
    head = f"✍️ **Lyrics**{about} · {scheme} · syllables per line shown after each line"
    counts = [line.syllables for line in verse.lines]
    syllables = "" if set(counts) == {DEFAULT_SYLLABLES} else f" syllables:{counts[0]}" if len(set(counts)) == 1 \
        else f' syllables:"{" ".join(map(str, counts))}"'
    lines = [head, verse.note and f"ℹ️ {verse.note}", "", verse.text, "",
             f"Again: {_reproduce(theme, verse, scheme, f' lines:{len(verse.lines)}{syllables}')}"]
    content = "\n".join(x for x in lines if x is not None)
    files = [Attachment(f"lyrics-{verse.seed}.txt", (verse.plain + "\n").encode(), "The lyrics as plain text")]
    return _fit(content, head), files


def set_verse_reply(verse: Verse, m: Melody, placed: Underlay, theme: str, scheme: str,
                    origin: str) -> tuple[str, list[Attachment]]:
    """Hyphenated lines as sung, the verse with rhyme words, and how well stresses meet strong beats."""
    phrases = plural(len(verse.lines), "phrase")
    head = (f"🎤 **Words for your melody** · {m.key} · {m.meter} · {phrases}, one syllable per note"
            + (f"\n{origin}" if origin else ""))
    body = [head, verse.note and f"ℹ️ {verse.note}", "Sung as:", "```", placed.text, "```", verse.text,
            f"Stressed syllables on strong beats: {placed.stress_rate:.0%}. The score and the MIDI carry the words "
            "(karaoke lyrics in your DAW or MuseScore).",
            f"Again: {_reproduce(theme, verse, scheme)} with the same melody"]
    content = "\n".join(x for x in body if x is not None)
    text = f"{placed.text}\n\n{verse.plain}\n"
    return _fit(content, head), [Attachment(f"lyrics-{verse.seed}.txt", text.encode(), "The words as sung")]


def _fit(content: str, head: str) -> str:
    if len(content) <= MAX_CONTENT:
        return content
    return f"{head}\n(The words are long: they are in the attached .txt file.)"


