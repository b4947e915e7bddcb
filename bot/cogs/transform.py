"""`/transform`: the same tune another way — another mode, key, rhythm (reel, jig, waltz, …), style, tempo or register.

The melody comes as for every melody command (typed notes, a MIDI file, or the user's last melody); the Transform…
button under any melody reply does the same for that reply (see ``bot.transform_form``, which also says why a button
rather than an Apps menu). The answer is a melody reply, so the result behaves like any melody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.cogs.rewrite import checked
from bot.replies import defer
from bot.sources import MelodySource
from bot.transform_form import transform
from studio.errors import cmd
from studio.options import TRANSFORM, option_help
from studio.transform import RHYTHMS
from studio.transform_targets import Targets, no_targets

if TYPE_CHECKING:
    from bot.client import MusicGenius

DESCRIPTION = "The same tune another way: mode, key, rhythm (jig, waltz…), style, tempo, register"
EXAMPLE = cmd("transform", notes="E D C D | E E E:h | D:q D D:h | E:q G G:h", mode="minor", rhythm="jig")


def _choices(name: str) -> list[app_commands.Choice[str]]:
    labels = {r.name: r.label for r in RHYTHMS.values()} if name == "rhythm" else {}
    return [app_commands.Choice(name=labels.get(c, c), value=c) for c in TRANSFORM[name].choices]


class Transform(commands.Cog):
    """The same tune another way."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="transform", description=DESCRIPTION)
    @app_commands.describe(**option_help("transform"))
    @app_commands.choices(mode=_choices("mode"), transpose=_choices("transpose"), rhythm=_choices("rhythm"),
                          style=_choices("style"), register=_choices("register"), notation=_choices("notation"))
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
    async def transform(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        mode: str | None = None,
        transpose: str | None = None,
        rhythm: str | None = None,
        style: str | None = None,
        tempo: int | None = None,
        register: str | None = None,
        count: int | None = None,
        seed: int | None = None,
        temperature: float | None = None,
        key: str | None = None,
        meter: str | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        notation: str | None = None,
        chords: str | None = None,
    ) -> None:
        targets = Targets(mode=mode, transpose=transpose, rhythm=rhythm, style=style, tempo=tempo, register=register)
        if not targets.given:
            raise no_targets()
        options = checked(TRANSFORM, count=count, seed=seed, temperature=temperature, notation=notation,
                          chords=chords)
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter, midi=midi,
                                    track=track, example=EXAMPLE)
        async with admitted(interaction):
            await defer(interaction)
            await transform(interaction, source, targets, options)


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Transform(bot))
