"""Rewriting bars of a melody reply: the Rewrite bars… button under a reply opens a form (a modal) asking which
bars (and, under several candidates, which one); the answer is posted like `/melody`'s, through ``generate``.

An Apps menu would be the other way in, but discord.py allows five message commands per bot and the five are taken
(Chords, Arrange, Lyrics, Analyze, Find similar tunes)."""

from __future__ import annotations

from typing import Any

import discord

from bot.admission import admitted
from bot.errors import answer_error, form_syntax
from bot.i18n import localize_modal
from bot.melody_reply import generate, over_chords
from bot.replies import defer
from bot.sources import MelodySource
from studio.bar_spec import read_spec
from studio.errors import MusicError
from studio.requests import MelodyRequest
from studio.rewrite import rewrite_request, summary


def note_for(request: MelodyRequest, origin: str) -> str:
    """The line under a reply's heading: which bars are new, and where the melody came from."""
    line = f"✏️ {summary(request).capitalize()}: the new bars are in [ ], every other bar is as it was."
    return "\n".join(part for part in (line, over_chords(request), origin) if part)


async def write(interaction: discord.Interaction, source: MelodySource, spec: str, options: dict[str, Any]) -> None:
    """Rewrite the bars ``spec`` names of the source's melody and post the candidates (the interaction is
    deferred); MusicError for bars the melody doesn't have."""
    melody, origin = await source.resolve()
    request = rewrite_request(melody, spec, **{"notation": source.written_in, "chords": source.chords,
                                               **options})  # answered as written, over the chords it was written over
    await generate(interaction, request, note_for(request, origin), rank=False, words=(melody, source.lyrics))


class CandidateForm(discord.ui.Modal):
    """A form about a reply's melody that asks which candidate too, when the reply shows more than one."""

    def __init__(self, message: discord.Message, candidates: int) -> None:
        super().__init__(timeout=600)
        self.message, self.candidates = message, candidates
        self.candidate: discord.ui.TextInput[CandidateForm] | None = None
        if candidates > 1:
            self.candidate = discord.ui.TextInput(label=f"Which candidate? (1 to {candidates})", default="1",
                                                  min_length=1, max_length=2, custom_id="candidate")
            self.add_item(self.candidate)

    def chosen(self) -> int:
        """The candidate asked for, from 1 ("2" or "#2"; MusicError when it is not one of the reply's)."""
        text = (self.candidate.value if self.candidate is not None else "1").strip().lstrip("#")
        if not text.isdigit() or not 1 <= int(text) <= self.candidates:
            raise MusicError(f"Choose a candidate from 1 to {self.candidates} (you typed `{text[:10]}`).")
        return int(text)


class BarsForm(CandidateForm, title="Rewrite bars"):
    """Which bars of a reply's melody to write again (and which candidate, when it shows more than one)."""

    bars: discord.ui.TextInput[BarsForm] = discord.ui.TextInput(
        label="Which bars?", placeholder="3-4, a list: 2,5 or 3-4,7, or the last two bars", min_length=1,
        max_length=100,
        custom_id="bars")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        spec = self.bars.value
        read_spec(spec)  # unreadable bars are answered at once; bars the melody lacks, once it is read
        source = MelodySource.from_message(interaction.client, self.message, self.chosen())  # type: ignore[arg-type]
        async with admitted(interaction):
            await defer(interaction)
            await write(interaction, source, spec, {})

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, form_syntax)  # `4-5`: what to type in the form, not `bars:4-5`


async def open_form(interaction: discord.Interaction, candidates: int) -> None:
    """The Rewrite bars… button: the form is the first answer (nothing is awaited before it)."""
    assert interaction.message is not None
    form = BarsForm(interaction.message, candidates)
    localize_modal(form, interaction.locale)
    await interaction.response.send_modal(form)
