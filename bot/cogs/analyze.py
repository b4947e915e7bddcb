"""`/analyze`: a teacher's reading of a melody (typed, a MIDI file, the last /melody, or Apps → Analyze this melody on
any of the bot's replies), as embeds, with the marked score, MIDI and audio."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.errors import discord_syntax
from bot.melody_menu import MelodyMenuCog
from bot.replies import MAX_CONTENT, defer, fit_attachments, respond, to_files
from bot.sources import MelodySource
from studio.analysis.files import analysis_files
from studio.analysis.report import Analysis, analyze, plain_text, sections, summary
from studio.errors import cmd, render
from studio.options import option_help
from studio.render import Attachment

if TYPE_CHECKING:
    from bot.client import MusicGenius

EXAMPLE = cmd("analyze", notes="G A B C D:h B G")
FIELD, TITLE, TOTAL, EMBEDS = 1024, 256, 6000, 10  # Discord's limits: a field's value, a title, all embeds, count
GROUPS = (("🔎 Key, scale and line", ("Key", "Scale and mode", "Range and tessitura", "Intervals", "Contour")),
          ("🧩 Form, cadences, rhythm and harmony", ("Phrases and form", "Cadences", "Rhythm", "Harmonisation",
                                                     "Mood")))
_GUESSED = re.compile(r"\s*Key [^()]*\(guessed from the notes[^)]*\)\.")


class Analyzer(MelodyMenuCog):
    """A teacher's reading of a melody."""

    menu_name = "Analyze this melody"

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        await self.reply(interaction, source)

    @app_commands.command(name="analyze",
                          description="A teacher's reading of a melody: key, phrases, cadences, harmony")
    @app_commands.describe(**option_help("analyze"))
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def analyze(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
    ) -> None:
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter, tempo=tempo,
                                    midi=midi, track=track, example=EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            await self.reply(interaction, source)

    async def reply(self, interaction: discord.Interaction, source: MelodySource) -> None:
        """Analyse the source's melody (in the render pool: it is CPU work) and answer the deferred interaction."""
        melody, origin = await source.resolve()
        if source.key is None:
            origin = _GUESSED.sub("", origin).strip()  # the analysis says which key, and why
        key = source.key or (melody.key if source.key_written else None)  # the file's key signature's
        analysis = await self.bot.renders.run(analyze, melody, key, source.ending, source.key_written)
        files = await self.bot.renders.run(analysis_files, analysis, "analysis", "Analysis")
        content, embeds, full = analysis_reply(analysis, origin)
        if full is not None:
            files = [full, *files]
        kept = fit_attachments(files, interaction.filesize_limit)
        score = next((f.filename for f in kept if f.filename == "analysis-score.png"), None)
        if score is not None:
            embeds[-1].set_image(url=f"attachment://{score}")
        await respond(interaction, content, embeds=embeds, files=to_files(kept))


def _discord_text(text: str) -> str:
    """A section's text for an embed: chord lines (``| I | V |``) as code, the rest as written."""
    return "\n".join(f"`{line}`" if line.startswith("|") else line for line in text.split("\n"))


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending at a sentence or line where it can, with '…' when cut."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    stop = max(head.rfind(". "), head.rfind("\n"))
    head = head[:stop + 1] if stop > limit // 2 else head
    if head.count("`") % 2:
        head = head[:head.rfind("`")]
    return head.rstrip() + " …"


def analysis_reply(a: Analysis, origin: str = "") -> tuple[str, list[discord.Embed], Attachment | None]:
    """The message text, the embeds (every field, title and the total within Discord's limits), and the whole
    reading as a text file when the embeds had to shorten it."""
    head = f"🔎 **Analysis** · {summary(a)}"
    content = f"{head}\n{render(origin, discord_syntax)}" if origin else head
    parts = {s.title: _discord_text(s.text) for s in sections(a)}
    room = TOTAL - sum(len(title) for title, _ in GROUPS) - 40
    shortened = False
    per_field = {name: min(FIELD, len(text)) for name, text in parts.items()}
    while sum(per_field.values()) + sum(len(n) for n in parts) > room:  # trim the longest field until all fit
        longest = max(per_field, key=lambda n: per_field[n])
        per_field[longest] = int(per_field[longest] * 0.9)
    embeds = []
    for title, names in GROUPS:
        embed = discord.Embed(title=title[:TITLE], colour=discord.Colour.teal())
        for name in names:
            value = _cut(parts[name], per_field[name])
            shortened |= value != parts[name]
            embed.add_field(name=name, value=value or "—", inline=False)
        embeds.append(embed)
    full = None
    if shortened:
        embeds[-1].set_footer(text="Shortened to fit Discord: the whole reading is in analysis.txt.")
        full = Attachment("analysis.txt", plain_text(a).encode(), "The whole analysis as text")
    return content[:MAX_CONTENT], embeds[:EMBEDS], full


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Analyzer(bot))
