"""Transforming a melody: what `/transform` and the Transform… button under a melody reply share.

The button opens a form (a modal) asking what to change, in a few words ("dorian jig", "minor waltz 90 bpm",
"scottish octave up": ``studio.transform_targets.read_targets``) and, under several candidates, which one. An Apps menu
("Transform this melody") would be the other way in, but Discord allows five message commands per app and the five
are taken (Chords, Arrange, Lyrics, Analyze, Find similar tunes); a button loses none of them and sits under every
melody reply, including `/transform`'s own.

The answer is a melody reply like `/melody`'s (``bot.melody_reply.generate``): the change in words, the notes before
and after, a piano roll of both, then the result's MIDI, score and audio, and the same buttons.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.admission import admitted
from bot.errors import answer_error, discord_syntax, form_syntax
from bot.i18n import localize_modal
from bot.melody_reply import generate
from bot.replies import defer
from bot.rewrite_form import CandidateForm
from bot.sources import MelodySource
from studio.chord_melody import chord_line
from studio.errors import MusicError, render
from studio.requests import MelodyRequest
from studio.retime import meter_hint
from studio.transform import Spec, apply, chords_note, given, shown_text, transform_request, unsampled_note
from studio.transform_targets import FORM_EXAMPLES, Targets, read_targets

BEFORE_CHARS = 600  # of the note text before the change, in the reply's message


def note_for(request: MelodyRequest, origin: str) -> str:
    """The lines under a reply's heading: what changed, where the melody came from, the notes before (in the
    request's notation)."""
    assert request.transform is not None
    melody = given(request)
    before = shown_text(melody, request.notation)
    if len(before) > BEFORE_CHARS:
        before = before[:BEFORE_CHARS].rsplit(" ", 1)[0] + " …"
    _, said = apply(melody, Spec.parse(request.transform).targets)
    chords = [f"🎹 Your chords in {request.key}: `{chord_line(request.chords, request.parsed_meter, request.bars)}`"
              ] if request.chords else []
    lines = [f"🔄 **{', '.join(said)}**", *chords, *([origin] if origin else []), f"**Before** ```\n{before}\n```",
             "**After**"]
    return "\n".join(lines)


async def transform(interaction: discord.Interaction, source: MelodySource, targets: Targets,
                    options: dict[str, Any]) -> None:
    """Change the source's melody as ``targets`` say and post the result (the interaction is deferred); MusicError
    when nothing would change. The notes are written as ``options["notation"]`` says, else as the user's /prefs say,
    else as the melody was written (a seed typed in jianpu, or a reply shown in it). The chords typed
    (``options["chords"]``), else those a stored melody was written over, move with it."""
    try:
        melody, origin = await source.resolve()
    except MusicError as exc:
        raise meter_hint(exc, source.meter) from exc
    saved = await source.bot.store.preferences(interaction.user.id)
    notation = options.get("notation") or saved.get("notation") or source.written_in
    options = dict(options)
    chords = options.pop("chords", None) or source.chords
    request = transform_request(melody, targets, chords, **{**options, "notation": notation})
    if unused := unsampled_note(targets, options, lambda option: f"`{option}:`"):
        origin = f"{origin}\nℹ️ {unused}".strip()
    if left := chords_note(chords, request):
        origin = f"{origin}\nℹ️ {render(left, discord_syntax)}".strip()
    await generate(interaction, request, note_for(request, origin), rank=False, words=(melody, source.lyrics))


class TransformForm(CandidateForm, title="Transform"):
    """What to change in a reply's melody (and which candidate, when it shows more than one)."""

    changes: discord.ui.TextInput[TransformForm] = discord.ui.TextInput(
        label="What to change?", placeholder="e.g. " + " · ".join(FORM_EXAMPLES), min_length=1, max_length=100,
        custom_id="changes")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        targets = read_targets(self.changes.value)  # words it can't read are answered at once
        source = MelodySource.from_message(interaction.client, self.message, self.chosen())  # type: ignore[arg-type]
        async with admitted(interaction):
            await defer(interaction)
            await transform(interaction, source, targets, {})

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, form_syntax)  # `major`: what to type in the form, not `mode:major`


async def open_transform_form(interaction: discord.Interaction, candidates: int) -> None:
    """The Transform… button: the form is the first answer (nothing is awaited before it)."""
    assert interaction.message is not None
    form = TransformForm(interaction.message, candidates)
    localize_modal(form, interaction.locale)  # title and labels in the user's language (bot.i18n)
    await interaction.response.send_modal(form)
