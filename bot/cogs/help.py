"""`/help`: every slash command the bot registers, with an example and what it answers with, and a picture of a
reply. The list is read from the command tree (names, descriptions, options) and the examples' values from the
option table (``studio.options``), so a new command or a renamed option shows up here by itself."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import discord_syntax
from bot.i18n import localize
from studio.options import COMMANDS, MELODY, Option

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)

PICTURE = Path(__file__).resolve().parents[1] / "assets" / "reply-example.png"  # drawn by scripts/reply_example.py
PICTURE_NAME = "reply-example.png"
# the first embed; the rest: 2nd
MAKING = ("melody", "rewrite", "extend", "transform", "chords", "arrange", "lyrics", "inspire")
FIELD_VALUE, EMBED_TOTAL = 1024, 6000  # Discord's limits: a field's value, all embeds of a message together


@dataclass(frozen=True)
class Guide:
    """How ``/help`` presents one command: the options of its example and what comes back."""

    example: tuple[str, ...]
    returns: str


GUIDES: dict[str, Guide] = {  # qualified command name -> guide; a command missing here is listed without one
    "melody": Guide(("notes", "bars", "style"), "three candidates (two try a setting you left out, and say "
                    "which): notes as text, a piano roll, each one's score, MIDI and audio; buttons Pick, More like "
                    "and Regenerate; 👍 👎 teach me your taste; with chords (Am F C G), a melody over them, "
                    "with words too"),
    "rewrite": Guide(("bars", "notes"), "your melody with those bars written again to lead into what follows, "
                     "every other bar kept note for note (leave notes out for your last melody), as /melody replies; "
                     "the Rewrite bars… button under a reply asks which bars"),
    "extend": Guide(("bars", "notes"), "your melody with more bars after it, ending again (leave notes out for your "
                    "last melody), as /melody replies; the More bars button under a reply does the same"),
    "transform": Guide(("mode", "rhythm"), "your melody in another mode, key, rhythm (reel, jig, waltz…), style, "
                       "tempo or register, as /melody replies: the change, the notes before and after, a piano roll of "
                       "both; the Transform… button under a reply asks what to change"),
    "chords": Guide(("notes", "rhythm", "style"), "the chords bar by bar with roman numerals, a score with chord "
                    "symbols, a two-track MIDI and audio (leave notes out to harmonise your last melody); chords "
                    "typed as notes (Am F C G) or a file of chords are read back with their numerals"),
    "arrange": Guide(("notes", "form", "style"), "the sections with their chords and the form as a Mermaid "
                     "flowchart, a multi-staff score, an overview, a multi-track MIDI, audio of the mix, MusicXML"),
    "lyrics": Guide(("theme", "lines", "scheme"), "rhyming lines (rhyme words in bold) with their syllable counts; "
                    "with notes or my_melody: words under the notes, a karaoke MIDI and audio"),
    "inspire": Guide(("topic",), "with a topic: opening lines with rhymes and images (Expand buttons); without: "
                     "settings you haven't tried and tunes like your favourites (Try and Continue buttons)"),
    "similar": Guide(("notes",), "the corpus tunes closest to your melody (leave notes out for your last one) with "
                     "a score, the passage each shares side by side as notes and a piano roll of both"),
    "analyze": Guide(("notes",), "a teacher's reading: the key and why, scale and mode, range, intervals, contour, "
                     "phrase letters, cadences, rhythm, roman numerals; a marked score, MIDI and audio"),
    "prefs show": Guide((), "what I learned from your 👍/👎, in words and a chart, and your saved settings"),
    "prefs set": Guide(("tempo", "key"), "saves them: /melody uses them whenever you leave those options out"),
    "prefs reset": Guide(("name",), "clears that saved setting (or all of them)"),
    "prefs unlearn": Guide(("part",), "forgets what your picks taught me about that part of your taste"),
    "history": Guide((), "your last melodies with their settings; Again writes one again exactly"),
    "mydata": Guide((), "everything stored about you, as a JSON file only you see"),
    "forget": Guide((), "asks first, then deletes everything stored about you and says what went"),
    "stats": Guide((), "(Manage Server) generations per day, the most liked styles and the share "
                   "of candidates people took, all anonymous"),
    "quiz": Guide(("level", "kind"), "a question with audio that anyone can answer with the buttons; each gets a "
                  "private verdict with why, and their score and streak"),
    "help": Guide((), "this list, only for you"),
}
TABLES: dict[str, dict[str, Option]] = {**COMMANDS, "prefs set": MELODY}  # where example values come from


@dataclass(frozen=True)
class Entry:
    """One command as ``/help`` lists it."""

    name: str  # qualified: "prefs set"
    description: str
    example: str  # `/melody notes:C E G bars:8 style:irish`
    returns: str


def slash_commands(tree: app_commands.CommandTree) -> list[app_commands.Command]:
    """Every slash command of the tree (a group's subcommands in its place), in the order they were added."""
    found: list[app_commands.Command] = []
    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Group):
            found += [c for c in command.walk_commands() if isinstance(c, app_commands.Command)]
        elif isinstance(command, app_commands.Command):
            found.append(command)
    return found


def example_of(command: app_commands.Command, names: tuple[str, ...]) -> str:
    """``/name option:value …``: each value from the option table, else the option's first choice."""
    table = TABLES.get(command.qualified_name, {})
    parameters = {p.name: p for p in command.parameters}
    said: list[tuple[str, str | None]] = []
    for name in names:
        parameter = parameters.get(name)
        if parameter is None:
            continue  # an option the command no longer has (tests/bot/test_help_e2e.py catches it)
        if name in table:
            said.append((name, table[name].example))
        elif parameter.choices:
            said.append((name, str(parameter.choices[0].value)))
    return discord_syntax(command.qualified_name, said)


def entries(tree: app_commands.CommandTree) -> list[Entry]:
    """The commands to list: the tree's, the ones to make music with first."""
    commands_ = slash_commands(tree)
    order = {name: i for i, name in enumerate(MAKING)}
    commands_.sort(key=lambda c: order.get(c.qualified_name, len(order)))
    out = []
    for command in commands_:
        guide = GUIDES.get(command.qualified_name)
        example = example_of(command, guide.example if guide else ())
        out.append(Entry(command.qualified_name, command.description, example,
                         guide.returns if guide else "see the command's options as you type it"))
    return out


def field_value(entry: Entry) -> str:
    return f"{entry.description}\n**Try** {entry.example}\n**You get** {entry.returns}"[:FIELD_VALUE]


def help_embeds(tree: app_commands.CommandTree, picture: bool) -> list[discord.Embed]:
    """The answer: commands to make music with (and the Apps menus), then the others, then a reply's picture."""
    listed = entries(tree)
    making = discord.Embed(
        title="🎵 MusicGenius — make music", colour=discord.Colour.blurple(),
        description="Type `/` and pick a command; every option says what it takes. Notes can be `C E G`, "
                    "`C5 Eb F#3`, `C:q D:e E:h` (durations), `do re mi` (answered in it), `60 64 67`, jianpu "
                    "`1=D 1 2 3 5 | 6 - - -` "
                    "(`notation:jianpu` answers in it) or an ABC tune `X:1 M:6/8 K:D A|dfa afd|` (answered in ABC). "
                    "Or attach a file with `midi:`: MIDI, MusicXML (`.musicxml`, `.mxl`) or ABC.")
    others = discord.Embed(title="🗂️ Your taste and your data", colour=discord.Colour.blurple())
    for entry in listed:
        (making if entry.name.split()[0] in MAKING else others).add_field(
            name=f"/{entry.name}", value=field_value(entry), inline=False)
    menus = [c.name for c in tree.get_commands(type=discord.AppCommandType.message)]
    if menus:
        making.add_field(name="Apps menu", inline=False, value=(
            "Right-click (or long-press) one of my melody replies → **Apps** → " + " · ".join(menus))[:FIELD_VALUE])
    embeds = [making, others]
    if picture:
        reply = discord.Embed(title="What a reply looks like", colour=discord.Colour.blurple(),
                              description=f"{discord_syntax('melody', [('notes', 'C E G'), ('seed', '7')])}: "
                                          "three candidates, their piano roll and scores, buttons below.")
        reply.set_image(url=f"attachment://{PICTURE_NAME}")
        embeds.append(reply)
    total = sum(len(e) for e in embeds)
    if total > EMBED_TOTAL:  # never expected; rather a shorter answer than none
        log.warning("/help is %d characters, over Discord's %d: the descriptions are left out", total, EMBED_TOTAL)
        for embed in embeds:
            for i, field in enumerate(embed.fields):
                value = (field.value or "").split("\n", 1)[-1]
                embed.set_field_at(i, name=field.name or "", value=value, inline=False)
    return embeds


class Help(commands.Cog):
    """`/help`."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot
        self.picture: bytes | None = None

    async def cog_load(self) -> None:
        try:
            self.picture = await asyncio.to_thread(PICTURE.read_bytes)
        except OSError as exc:
            log.warning("/help will have no picture of a reply: %s", exc)

    @app_commands.command(name="help", description="Every command with an example, and what a reply looks like")
    async def help(self, interaction: discord.Interaction) -> None:
        picture = self.picture if self.picture and len(self.picture) <= interaction.filesize_limit else None
        embeds = help_embeds(self.bot.tree, picture is not None)
        extra = {"file": discord.File(io.BytesIO(picture), filename=PICTURE_NAME)} if picture else {}
        localize(interaction.locale, None, {"embeds": embeds})
        await interaction.response.send_message(embeds=embeds, ephemeral=True, **extra)


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Help(bot))
