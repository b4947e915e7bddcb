"""Core results -> Discord embeds and files, within Discord's size and count limits."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.errors import discord_syntax
from bot.i18n import localize
from studio.errors import render
from studio.melody import MelodyResult
from studio.mood import result_estimate, settings_line
from studio.render import Attachment

MAX_FILES = 10
MAX_CONTENT = 2000
SAFE_UPLOAD = 10 * 1024 * 1024


def fit_attachments(files: list[Attachment], limit: int | None, delivered: int = 0,
                    delivered_bytes: int = 0) -> list[Attachment]:
    """Keep at most 10 files whose total size is within the upload limit, dropping the largest first;
    ``delivered`` files of ``delivered_bytes`` already on the message count against both limits."""
    limit = (limit or SAFE_UPLOAD) - delivered_bytes
    kept = list(files[: max(0, MAX_FILES - delivered)])
    while kept and sum(len(f.data) for f in kept) > limit:
        kept.remove(max(kept, key=lambda f: len(f.data)))
    return kept


async def defer(interaction: discord.Interaction, *, private: bool = False) -> None:
    """Acknowledge now ("thinking…"), before any await on the store, the engine or the network; remember whether
    the answer will be public, so that an error after this can still be told to the user alone."""
    interaction.extras["reply"] = "private" if private else "public"
    await interaction.response.defer(ephemeral=private, thinking=True)


async def respond(interaction: discord.Interaction, content: str = "", **kwargs: Any) -> discord.WebhookMessage:
    """The answer to a deferred interaction (it replaces "thinking…"); marks the interaction answered, so that a
    later failure never overwrites what was delivered. Text, embeds, buttons and file descriptions follow the
    interaction's locale (``bot.i18n``)."""
    content = localize(interaction.locale, content, kwargs) or ""
    message = await interaction.followup.send(content[:MAX_CONTENT], wait=True, **kwargs)
    interaction.extras["answered"] = True
    return message


async def send_result(interaction: discord.Interaction, content: str, files: list[Attachment],
                      overflow: Attachment | None = None) -> None:
    """Answer a deferred interaction with text and files within Discord's limits (``overflow``, the full
    text of a shortened message, goes first)."""
    files = [overflow, *files] if overflow is not None else files
    await respond(interaction, content, files=to_files(fit_attachments(files, interaction.filesize_limit)))


def to_files(files: list[Attachment]) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None) for f in files]


def candidates_content(results: list[MelodyResult], note: str = "") -> tuple[str, Attachment | None]:
    """Each candidate's notes (seed first, as typed); when too long, shortened, with the full text as a file."""
    layout = results[0].layout  # "seed ➜ continuation", or how a rewrite marks its new bars
    if results[0].from_chords:
        layout = "written over your chords"
    head = f"🎼 **Your melody** — {layout}" if len(results) == 1 else (
        f"🎼 **{len(results)} candidates** — {layout}. Pick one, or ask for more like it.")
    if results[0].words:
        head = f"🎼 **A melody for your words**{'' if len(results) == 1 else f' — {len(results)} candidates'}"
    if results[0].lyrics is not None:  # words it was written for, or kept from the melody it was made from
        head = f"{head}\n🎤 {sung_text(results[0].lyrics)}"
    if note:
        head = f"{head}\n{note}"
    if results[0].request.mood is not None:  # what the mood set: 'melancholic: minor, 66 bpm, low register, …'
        head = f"{head}\n🎭 {settings_line(results[0].request)}"
    blocks = [f"**{i}.**{f' _{r.tries}_' if r.tries else ''} ```\n{r.shown}\n```" if len(results) > 1
              else f"```\n{r.shown}\n```" for i, r in enumerate(results, start=1)]
    text = "\n".join([head, *blocks])
    if len(text) <= MAX_CONTENT:
        return text, None
    room = (MAX_CONTENT - len(head) - 60) // len(results) - 20
    short = [f"**{i}.** ```\n{r.shown[:room].rsplit(' ', 1)[0]} …\n```" for i, r in enumerate(results, start=1)]
    full = "\n\n".join(f"Candidate {i}: {r.shown}" for i, r in enumerate(results, start=1))
    return "\n".join([f"{head} (full notes attached)", *short]), Attachment(
        f"melody-{results[0].request.seed}-notes.txt", full.encode(), "All the notes as text")


def sung_text(lyrics: tuple[str | None, ...] | list[str | None]) -> str:
    """Per-note syllables ('twin-', 'kle') as hyphenated words: ``twin-kle twin-kle lit-tle star``."""
    return "".join(s if s.endswith("-") else f"{s} " for s in lyrics if s).strip()


def melody_embed(result: MelodyResult, index: int = 0, total: int = 1) -> discord.Embed:
    """Key, meter, tempo, bars, the parameters and RNG seed that reproduce this candidate."""
    r, m = result.request, result.melody
    heading = ("Melody for your words" if result.words else "Melody over your chords" if result.from_chords
               else result.heading)
    title = heading if total == 1 else f"Candidate {index + 1}"
    if result.tries:
        title = f"{title} · {result.tries}"
    embed = discord.Embed(title=title, colour=discord.Colour.blurple())
    how = "" if not result.key_inferred else " (from your seed)" if result.seed.notes else " (the default)"
    embed.add_field(name="Key", value=f"{m.key}{how}")
    embed.add_field(name="Meter", value=str(m.meter))
    embed.add_field(name="Tempo", value=f"{m.tempo} bpm")
    embed.add_field(name="Bars", value=f"{m.bars} and a pickup" if m.pickup else str(m.bars))
    style = ", ".join([r.style, *([f"{r.density} rhythm"] if r.density != "natural" else []),
                       *([f"{r.ending} ending"] if r.ending != "closed" else [])])
    if result.sampled:  # a transform without a style: the same notes whatever the seed
        embed.add_field(name="Style", value=style)
        embed.add_field(name="Sampling", value=f"temperature {r.temperature}, top_p {r.top_p}")
        embed.add_field(name="RNG seed", value=str(r.seed))
    embed.add_field(name="Reproduce", value=render(result.reproduce, discord_syntax)[:1024], inline=False)
    if (heard := result_estimate(result)) is not None:
        embed.add_field(name="Mood", value=heard.summary)
    if result.originality:
        embed.add_field(name="Originality", value=discord.utils.escape_markdown(result.originality)[:1024],
                        inline=False)
    if index == total - 1:
        embed.set_footer(text="React 👍 or 👎, or press a button, so I learn what you like.")
    return embed
