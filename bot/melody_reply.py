"""Posting a melody reply and handling its buttons: the one path every melody the bot writes goes through.

`/melody`, `/rewrite`, `/extend`, the buttons under a reply (Pick n, More like n, More bars n, Regenerate, Rewrite),
`/inspire`'s Try and Continue and `/history`'s Again all end in ``post_melodies``. The buttons are dynamic
items: their custom_id says what to do (``mg:melody:pick:2``) and the message they sit on says which generations
they act on, so they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

import discord

from bot.admission import admitted
from bot.errors import answer_error, discord_syntax
from bot.i18n import localize_files
from bot.metrics import reply_continues, reply_finished
from bot.replies import candidates_content, defer, fit_attachments, melody_embed, respond, to_files
from studio.alike import distinct
from studio.chord_melody import chord_line
from studio.errors import MusicError, cmd, render
from studio.inputs import Melody
from studio.melody import MelodyResult
from studio.render import Attachment, candidate_first_files, candidate_late_files, melody_files
from studio.requests import MelodyRequest
from studio.rewrite import more_bars, summary
from studio.store.base import Generation

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)
_late_jobs: set[asyncio.Task[None]] = set()  # files being added to delivered replies (kept referenced)
FEEDBACK_EMOJI = ("👍", "👎")
ACTIONS = {"pick": "Pick", "more": "More like", "extend": "More bars", "regen": "Regenerate",
           "rewrite": "Rewrite bars…", "transform": "Transform…"}
GONE = f"I can't find that melody any more. Start a new one with {cmd('melody', notes='C E G')}."


async def compose(interaction: discord.Interaction, request: MelodyRequest, note: str = "",
                  rank: bool = True) -> None:
    """Check the request, acknowledge, write its candidates (ranked by the user's taste) and post them."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    bot.composer.validate(request)
    async with admitted(interaction):
        if not interaction.response.is_done():
            await defer(interaction)
        await generate(interaction, request, note, rank)


WORDS_LEFT = "The words stay behind: the new melody's bars don't fit them."


async def generate(interaction: discord.Interaction, request: MelodyRequest, note: str = "",
                   rank: bool = True, fixed: Iterable[str] | None = None,
                   words: tuple[Melody, Sequence[str | None] | None] | None = None) -> None:
    """Candidates for an admitted, acknowledged request (the Composer checks it again), posted as a reply.

    ``fixed``: the options the user chose (typed or saved); the others are free for the candidates to try
    different values of, steered by the user's taste (None: every candidate keeps the request's settings).
    ``words``: the melody the request was made from and its words (a syllable per note), which stay on the bars
    that keep their rhythm (``studio.lyrics.carry``)."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    if fixed is not None:
        results = await bot.taste.write(bot.composer, interaction.user.id, request, fixed)
    else:
        results = await bot.composer.candidates(request)
        if rank:
            results = await bot.taste.rank(interaction.user.id, results)
    if words is not None and words[1]:
        results = [r.keeping(*words) for r in results]
        if all(r.lyrics is None for r in results):
            note = f"{note}\nℹ️ {WORDS_LEFT}".strip()
    await post_melodies(interaction, results, note)


async def post_melodies(interaction: discord.Interaction, results: list[MelodyResult], note: str = "") -> None:
    """Send the candidates (the interaction is deferred) as soon as their notes exist: text, embeds, piano roll,
    MIDI and buttons first; the score pages and audio are added to the same message when they are rendered.
    The candidates are stored before the reply is sent, and 👍 👎 added after it."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    results, alike = distinct(results)
    note = f"{note}\nℹ️ {render(alike, discord_syntax)}".strip() if alike else note
    stem = f"melody-{results[0].request.seed}"
    sung = [None if r.lyrics is None else list(r.lyrics) for r in results]
    job = ([r.melody for r in results], stem, sung if any(sung) else None)
    chords = [r.backing for r in results] if any(r.request.chords for r in results) else None
    late = asyncio.ensure_future(bot.renders.run(candidate_late_files, *job, later=True, chords=chords))
    try:  # the scores and audio come after the rest
        files = await bot.renders.run(candidate_first_files, *job, before=getattr(results[0], "before", None),
                                      chords=chords)
        content, overflow = candidates_content(results, note)
        files = fit_attachments([overflow, *files] if overflow else files, interaction.filesize_limit)
        message = await _store_and_send(interaction, results, content, files)
    except BaseException:
        late.cancel()
        raise
    for emoji in FEEDBACK_EMOJI:
        await message.add_reaction(emoji)
    # The reply is out: the user may ask again while the scores and audio render (the render queue counts them).
    reply_continues(interaction)
    task = asyncio.create_task(_add_late_files(interaction, message, late))
    _late_jobs.add(task)
    task.add_done_callback(_late_jobs.discard)


async def _store_and_send(interaction: discord.Interaction, results: list[MelodyResult], content: str,
                          files: list[Attachment]) -> discord.WebhookMessage:
    """Store first, then send: buttons and Apps menus on the reply must find its candidates, and a failure to
    store must never leave a delivered reply with dead buttons."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    ids = await bot.store.add_generations(
        interaction.user.id, "melody", [(asdict(r.request), r.request.seed, r.text) for r in results],
        guild_id=interaction.guild_id, channel_id=interaction.channel_id,
    )
    try:
        message = await respond(interaction, content,
                                embeds=[melody_embed(r, i, len(results)) for i, r in enumerate(results)],
                                files=to_files(files),
                                view=candidate_view(len(results), regenerate=any(r.sampled for r in results)))
    except BaseException:
        await bot.store.remove_generations(ids)  # never shown: nothing half-written stays
        raise
    attaching = asyncio.ensure_future(bot.store.attach_message(ids, message.id))
    bot.attaching[message.id] = attaching  # a press on the reply arriving now waits for this (see shown_on)
    try:
        await attaching
    finally:
        bot.attaching.pop(message.id, None)
    return message


async def _add_late_files(interaction: discord.Interaction, message: discord.WebhookMessage,
                          late: asyncio.Future[list[Attachment]]) -> None:
    """Add the score pages and audio to a delivered reply; if they fail, the reply stays as it is."""
    try:
        extra = fit_attachments(await late, interaction.filesize_limit, len(message.attachments),
                                sum(a.size for a in message.attachments))
        if extra:
            files = to_files(extra)
            localize_files(files, interaction.locale)
            await message.edit(attachments=[*message.attachments, *files])
    except Exception:
        log.exception("could not add scores and audio to reply %s", message.id)
    finally:
        reply_finished(interaction)


async def post_pick(interaction: discord.Interaction, result: MelodyResult, index: int) -> None:
    """One candidate's full set of files: every score page, MIDI, MusicXML, audio."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    result = await bot.composer.checked(result)  # a stored candidate: its originality line again
    words = None if result.lyrics is None else list(result.lyrics)
    files = await bot.renders.run(melody_files, result.melody, f"melody-{result.request.seed}",
                                  f"Candidate {index + 1}", lyrics=words)
    text = f"🎯 {interaction.user.mention} picked candidate {index + 1}:\n```\n{result.shown[:1800]}\n```"
    await respond(interaction, text, embed=melody_embed(result, index, 1),
                  files=to_files(fit_attachments(files, interaction.filesize_limit)))


async def shown_on(bot: MusicGenius, message_id: int) -> list[Generation]:
    """The candidates a bot reply shows (waiting for them to be linked to a reply that was just sent)."""
    if (attaching := bot.attaching.get(message_id)) is not None:
        await asyncio.shield(attaching)
    return await bot.store.generations_for_message(message_id)


async def on_candidate_button(interaction: discord.Interaction, action: str, index: int) -> None:
    """Pick / more like / regenerate, from whoever pressed (their feedback, their new generation)."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    try:
        async with admitted(interaction):
            await defer(interaction)  # before the store is asked anything
            shown = await shown_on(bot, interaction.message.id) if interaction.message else []
            if not shown or (action != "regen" and index >= len(shown)):
                raise MusicError(GONE)
            ids, user = [g.id for g in shown], interaction.user.id
            if action == "regen":
                await bot.store.set_feedback(ids, user, "regenerate", -1)
                await bot.taste.learn(user, shown, "regenerate", -1)
                await generate(interaction, MelodyRequest(**{**shown[0].params, "seed": None}), rank=False)
                return
            await bot.store.set_feedback([ids[index]], user, action, 1)
            await bot.taste.learn(user, shown, action, 1, index)
            chosen = bot.composer.restore(shown[index].params, shown[index].notes)
            if action == "pick":
                await post_pick(interaction, chosen, index)
            elif action == "extend":  # that candidate, EXTEND_BARS longer, ending again (see studio.rewrite)
                request = more_bars(chosen)
                note = f"➕ {summary(request).capitalize()} after candidate {index + 1}: the new bars are in [ ]."
                note = "\n".join(part for part in (note, over_chords(request)) if part)
                await generate(interaction, request, note, rank=False, words=(chosen.melody, chosen.lyrics))
            else:
                await generate(interaction, bot.composer.variation_request(chosen), rank=False)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


def over_chords(request: MelodyRequest) -> str:
    """The line saying which chords a rewritten or longer melody keeps to ("" without chords)."""
    if not request.chords:
        return ""
    return f"🎹 Over your chords: `{chord_line(request.chords, request.parsed_meter, request.bars)}`"


class CandidateButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mg:melody:(?P<action>pick|more|extend|regen|rewrite|transform):(?P<index>\d)",
):
    """One persistent button under a melody reply (``rewrite``'s and ``transform``'s index is how many candidates the
    reply shows)."""

    def __init__(self, action: str, index: int = 0) -> None:
        label = ACTIONS[action] if action in ("regen", "rewrite", "transform") else f"{ACTIONS[action]} {index + 1}"
        style = {"pick": discord.ButtonStyle.success, "more": discord.ButtonStyle.primary}.get(
            action, discord.ButtonStyle.secondary)
        emoji = {"pick": "🎯", "more": "🔁", "extend": "➕", "regen": "🎲", "rewrite": "✏️", "transform": "🔄"}[action]
        row = {"pick": 0, "more": 1, "extend": 2, "regen": 3, "rewrite": 3, "transform": 3}[action]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, row=row,
                                           custom_id=f"mg:melody:{action}:{index}"))
        self.action = action
        self.index = index

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> CandidateButton:
        return cls(match["action"], int(match["index"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.action == "rewrite":  # a form first: which bars (see bot.rewrite_form)
            from bot.rewrite_form import open_form  # imported here: it posts its answer through this module

            await open_form(interaction, self.index)
            return
        if self.action == "transform":  # a form first: what to change (see bot.transform_form)
            from bot.transform_form import open_transform_form

            await open_transform_form(interaction, self.index)
            return
        await on_candidate_button(interaction, self.action, self.index)


def candidate_view(count: int, regenerate: bool = True) -> discord.ui.View:
    """Pick 1..n, More like 1..n, More bars 1..n, then Regenerate, Rewrite bars… and Transform… (Discord allows 5 rows
    of 5). No Regenerate under what the model did not sample (a transform without a style: the same notes again)."""
    view = discord.ui.View(timeout=None)
    for action in ("pick", "more", "extend"):
        for i in range(count):
            view.add_item(CandidateButton(action, i))
    if regenerate:
        view.add_item(CandidateButton("regen"))
    view.add_item(CandidateButton("rewrite", count))
    view.add_item(CandidateButton("transform", count))
    return view
