"""`/arrange`: a melody (typed, a MIDI file, the last /melody or a picked message) as a multi-track arrangement."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.admission import admitted
from bot.autocomplete import band_meter_autocomplete, key_autocomplete
from bot.melody_menu import MelodyMenuCog
from bot.replies import MAX_CONTENT, defer, send_result
from bot.sources import MelodySource
from studio.arrange.arranger import Arrangement, ArrangeRequest, arrange
from studio.arrange.diagram import mermaid_block
from studio.arrange.files import arrangement_media, arrangement_scores, describe, in_order, instruments_line
from studio.errors import cmd, opt
from studio.inputs import abc_chords
from studio.options import ARRANGE, FORMS, option_help
from studio.render import Attachment

if TYPE_CHECKING:
    from bot.client import MusicGenius

TOO_LONG_ARRANGEMENT = (f"That arrangement took too long. Try a shorter melody or a simpler form, e.g. "
                        f"{opt('form', 'AB')}.")  # after bot.admission.TIME_LIMIT
EXAMPLE = cmd("arrange", notes="E D C D E E E:h D:q D D:h E:q G G:h", form="AABA", style="folk band")


class Arranger(MelodyMenuCog):
    """Arrangements of a melody."""

    menu_name = "Arrange this melody"
    too_long = TOO_LONG_ARRANGEMENT

    async def for_melody(self, interaction: discord.Interaction, source: MelodySource) -> None:
        """Apps → Arrange this melody: folk band, AABA."""
        await self.reply(interaction, source, ArrangeRequest())

    @app_commands.command(name="arrange", description="Arrange a melody for a band: sections, chords, bass, drums")
    @app_commands.describe(**option_help("arrange"))
    @app_commands.choices(form=[app_commands.Choice(name=f, value=f) for f in FORMS],
                          style=[app_commands.Choice(name=s, value=s) for s in ARRANGE["style"].choices],
                          instruments=[app_commands.Choice(name=i, value=i) for i in ARRANGE["instruments"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=band_meter_autocomplete)
    async def arrange(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        form: str = ARRANGE["form"].default,
        style: str = ARRANGE["style"].default,
        instruments: str | None = None,
        chords: str | None = None,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        seed: int | None = None,
    ) -> None:
        # Every option is checked before deferring, so mistakes are answered privately.
        request = ArrangeRequest(form=form, style=style, tempo=tempo, instruments=instruments,
                                 chords=chords or (abc_chords(notes, meter) if midi is None else None), seed=seed)
        source = MelodySource.check(self.bot, interaction.user.id, notes=notes, key=key, meter=meter,
                                    tempo=tempo, midi=midi, track=track, example=EXAMPLE)
        async with admitted(interaction, self.too_long):
            await defer(interaction)
            await self.reply(interaction, source, request)

    async def reply(self, interaction: discord.Interaction, source: MelodySource, request: ArrangeRequest) -> None:
        """Arrange the source's melody and answer the (deferred) interaction."""
        melody, origin = await source.resolve()
        if request.chords is None and source.chords is not None:  # the chords it was written over: the band's
            request = replace(request, chords=source.chords)
            origin = f"{origin} 🎹 The band plays the chords you wrote it over: `{source.chords}`.".strip()
        elif request.chords is None and source.file_chords is not None:  # a chords track beside the tune
            request = replace(request, chords=source.file_chords.text)
            origin = f"{origin} {source.file_chords.band}".strip()
        result = await arrange(self.bot.composer, request, melody, lyrics=source.lyrics)
        stem = f"arrangement-{result.seed}"  # the scores and the sound render in two workers at once
        files = in_order(*await asyncio.gather(self.bot.renders.run(arrangement_scores, result, stem),
                                               self.bot.renders.run(arrangement_media, result, stem)))
        content, overflow = arrangement_content(result, origin)
        await send_result(interaction, content, files, overflow)


def arrangement_content(result: Arrangement, origin: str = "") -> tuple[str, Attachment | None]:
    """The form, each section's chords, the form as a Mermaid flowchart (to paste into a wiki), the instruments,
    remarks; when that is too long, the sections' lines give way first, then the flowchart (the full text is
    attached, and the flowchart is always in the .mmd file)."""
    r = result.request
    head = (f"🎛️ **Arrangement** · {r.style} · form {r.form} · {result.key} · {result.meter} · {result.tempo} bpm · "
            f"{result.total_bars} bars · seed {result.seed}")
    start = [head, *([origin] if origin else [])]
    tail = [f"🎚️ {instruments_line(result)}", *result.remarks]
    diagram = ["🗺️ The form as a Mermaid flowchart (wikis draw it):", mermaid_block(result)]
    text = "\n".join([*start, *describe(result), *diagram, *tail])
    if len(text) <= MAX_CONTENT:
        return text, None
    full = Attachment("arrangement.txt", text.encode(), "The sections and their chords as text")
    short = "\n".join([*start, *diagram, *tail, "(sections attached)"])
    if len(short) <= MAX_CONTENT:
        return short, full
    return "\n".join([*start, *tail])[: MAX_CONTENT - 40] + "\n(sections attached)", full


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Arranger(bot))
