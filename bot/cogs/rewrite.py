"""`/rewrite` (chosen bars written again, the rest kept note for note) and `/extend` (more bars after the end). The
candidates are posted like `/melody`'s; the Rewrite bars… and More bars buttons under a reply do the same for it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.melody_reply import generate
from bot.replies import defer
from bot.rewrite_form import note_for, write
from bot.sources import MelodySource
from studio.bar_spec import read_spec
from studio.chord_melody import chord_bars
from studio.errors import cmd
from studio.options import EXTEND, REWRITE, option_help
from studio.rewrite import extend_request, warm

if TYPE_CHECKING:
    from bot.client import MusicGenius

REWRITE_EXAMPLE = cmd("rewrite", notes="E D C D | E E E:h | D:q D D:h | E:q G G:h", bars="3")
EXTEND_EXAMPLE = cmd("extend", notes="E D C D E E E:h", bars=4)


def checked(table: dict, **options: Any) -> dict[str, Any]:
    """The options given (not None), each checked against the option table, and typed chords read (MusicError,
    before deferring)."""
    given = {name: table[name].check(value) for name, value in options.items() if value is not None}
    if "chords" in given:
        chord_bars(given["chords"])
    return given


class Rewrite(commands.Cog):
    """Writing some bars of a melody again, or more bars after it."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot
        self._warming: asyncio.Future[None] | None = None

    async def cog_load(self) -> None:
        """Read the corpus's join intervals in the background, so the first rewrite need not (not awaited)."""
        self._warming = asyncio.get_running_loop().run_in_executor(None, warm)

    @app_commands.command(name="rewrite", description="Write some bars of a melody again, keeping every other bar")
    @app_commands.describe(**option_help("rewrite"))
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in REWRITE["style"].choices],
                          density=[app_commands.Choice(name=d, value=d) for d in REWRITE["density"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def rewrite(
        self,
        interaction: discord.Interaction,
        bars: str,
        notes: str | None = None,
        count: int = REWRITE["count"].default,
        seed: int | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        style: str | None = None,
        density: str | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        chords: str | None = None,
    ) -> None:
        read_spec(bars)  # unreadable bars are answered before deferring; bars the melody lacks, once it is known
        options = checked(REWRITE, count=count, seed=seed, style=style, density=density, temperature=temperature,
                          top_p=top_p, chords=chords)
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter, tempo=tempo,
                                    midi=midi, track=track, example=REWRITE_EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            await write(interaction, source, bars, options)

    @app_commands.command(name="extend", description="More bars after the end of a melody, ending it again")
    @app_commands.describe(**option_help("extend"))
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in EXTEND["style"].choices],
                          density=[app_commands.Choice(name=d, value=d) for d in EXTEND["density"].choices],
                          ending=[app_commands.Choice(name=e, value=e) for e in EXTEND["ending"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def extend(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        bars: int = EXTEND["bars"].default,
        count: int = EXTEND["count"].default,
        seed: int | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        style: str | None = None,
        density: str | None = None,
        ending: str | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        chords: str | None = None,
    ) -> None:
        EXTEND["bars"].check(bars)
        options = checked(EXTEND, count=count, seed=seed, style=style, density=density, ending=ending,
                          temperature=temperature, top_p=top_p, chords=chords)
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter, tempo=tempo,
                                    midi=midi, track=track, example=EXTEND_EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            melody, origin = await source.resolve()
            request = extend_request(melody, bars, **{"notation": source.written_in, "chords": source.chords,
                                                      **options})
            await generate(interaction, request, note_for(request, origin), rank=False,
                           words=(melody, source.lyrics))


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Rewrite(bot))
