"""Core results -> Discord embeds and files, within Discord's size and count limits."""

from __future__ import annotations

import io

import discord

from studio.melody import MelodyResult
from studio.render import Attachment

MAX_FILES = 10
MAX_CONTENT = 2000
SAFE_UPLOAD = 10 * 1024 * 1024


def fit_attachments(files: list[Attachment], limit: int | None) -> list[Attachment]:
    """Keep at most 10 files whose total size is within the upload limit, dropping the largest first."""
    limit = limit or SAFE_UPLOAD
    kept = list(files[:MAX_FILES])
    while kept and sum(len(f.data) for f in kept) > limit:
        kept.remove(max(kept, key=lambda f: len(f.data)))
    return kept


def to_files(files: list[Attachment]) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None) for f in files]


def melody_content(result: MelodyResult) -> tuple[str, Attachment | None]:
    """The note text as message content; when too long, a shortened text plus the full text as a file."""
    text = f"🎼 **Your melody** — seed ➜ continuation\n```\n{result.text}\n```"
    if len(text) <= MAX_CONTENT:
        return text, None
    short = result.text[: MAX_CONTENT - 200].rsplit(" ", 1)[0]
    full = Attachment(f"melody-{result.request.seed}.txt", result.text.encode(), "All the notes as text")
    return f"🎼 **Your melody** — seed ➜ continuation (full text attached)\n```\n{short} …\n```", full


def melody_embed(result: MelodyResult) -> discord.Embed:
    r, m = result.request, result.melody
    embed = discord.Embed(title="Melody continuation", colour=discord.Colour.blurple())
    embed.add_field(name="Key", value=f"{m.key}{' (from your seed)' if result.key_inferred else ''}")
    embed.add_field(name="Meter", value=str(m.meter))
    embed.add_field(name="Tempo", value=f"{m.tempo} bpm")
    embed.add_field(name="Bars", value=str(m.bars))
    embed.add_field(name="Style", value=r.style)
    embed.add_field(name="Sampling", value=f"temperature {r.temperature}, top_p {r.top_p}")
    embed.add_field(name="RNG seed", value=str(r.seed))
    embed.add_field(name="Reproduce", value=f"`{result.reproduce}`"[:1024], inline=False)
    embed.set_footer(text="React 👍 or 👎 so I learn what you like.")
    return embed
