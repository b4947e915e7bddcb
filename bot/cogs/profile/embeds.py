"""What the profile commands show: embeds for `/prefs show`, `/inspire`, `/history` and `/stats`, and their charts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import discord

from bot.replies import SAFE_UPLOAD
from studio.errors import MusicError
from studio.melody import Composer
from studio.options import PREFERENCES
from studio.store.base import Acceptance, Generation, Stats
from studio.store.records import new_part
from studio.taste.tunes import TunePick

NOTES_SHOWN = 48  # characters of note text per /history line


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + " …"


def png_file(png: bytes, filename: str, limit: int | None) -> discord.File | None:
    """A chart as an attachment, or None when it would not fit the upload limit (the reply goes without it)."""
    return discord.File(io.BytesIO(png), filename=filename) if len(png) <= (limit or SAFE_UPLOAD) else None


def settings_text(saved: dict[str, Any]) -> str:
    return "\n".join(f"• **{name}**: {saved[name]}" for name in PREFERENCES if name in saved)


def acceptance_text(acceptance: Acceptance) -> str:
    """"12 of 48 candidates (25%)"."""
    rate = acceptance.rate
    return "none shown yet" if rate is None else f"{acceptance.accepted} of {acceptance.shown} candidates ({rate:.0%})"


def taste_embed(learned: list[str], saved: dict[str, Any], defaults: dict[str, Any] | None = None,
                acceptance: Acceptance | None = None) -> discord.Embed:
    """`/prefs show`: what the bot learned, in words, what `/melody` fills in from it, and the saved settings."""
    embed = discord.Embed(title="🎛️ Your musical taste", colour=discord.Colour.blurple(),
                          description=shorten("\n".join(f"• {line}" for line in learned), 4000))
    filled = "\n".join(f"• **{name}**: {value}" for name, value in (defaults or {}).items())
    embed.add_field(name="What /melody fills in when you leave an option out", inline=False, value=(
        f"{filled}\nReset any part with `/prefs unlearn`." if filled else
        "Nothing yet: pick the candidates you like and I'll learn your key, tempo, style and rhythm."))
    embed.add_field(name="Your settings (these win over what I learned)", inline=False,
                    value=settings_text(saved) or "None yet. Save one with `/prefs set tempo:90` "
                                                  "or `/prefs set key:E minor`.")
    if acceptance is not None:
        embed.add_field(name="Suggestions you took (last 30 days)", inline=False,
                        value=f"{acceptance_text(acceptance)}: your picks, More likes and 👍 replies.")
    embed.set_footer(text="Change with /prefs set, clear with /prefs reset, unlearn with /prefs unlearn, "
                          "erase everything with /forget.")
    return embed


def idea_embed(index: int, idea: dict) -> discord.Embed:
    """One `/inspire` suggestion: why, its settings and the `/melody` command that makes it."""
    r = idea["request"]
    embed = discord.Embed(title=f"{index + 1}. {'Something new' if idea['explore'] else 'Made for you'}",
                          description=idea["reason"], colour=discord.Colour.gold())
    embed.add_field(name="Seed notes", value=f"`{r['notes']}`")
    embed.add_field(name="Key", value=r["key"])
    embed.add_field(name="Meter", value=r["meter"])
    embed.add_field(name="Tempo", value=f"{r['tempo']} bpm")
    embed.add_field(name="Style", value=r["style"])
    embed.add_field(name="Temperature / bars", value=f"{r['temperature']} / {r['bars']}")
    embed.add_field(name="Or type", inline=False, value=(
        f"`/melody notes:{r['notes']} key:{r['key']} meter:{r['meter']} tempo:{r['tempo']} "
        f"style:{r['style']} temperature:{r['temperature']} bars:{r['bars']}`")[:1024])
    return embed


def tune_embed(index: int, pick: TunePick) -> discord.Embed:
    """One corpus tune under `/inspire`: source, title, why, its opening and the `/melody` command."""
    t = pick.tune
    embed = discord.Embed(title=shorten(f"🎻 {index + 1}. {t.title}", 256), description=pick.reason,
                          colour=discord.Colour.teal())
    embed.add_field(name="Source", value=t.cited)
    embed.add_field(name="Key", value=t.key)
    embed.add_field(name="Meter", value=t.meter)
    embed.add_field(name="Style", value=t.style)
    embed.add_field(name="Tempo", value=f"{t.tempo} bpm")
    embed.add_field(name="Opening", value=f"`{t.seed}`"[:1024], inline=False)
    embed.add_field(name="Or type", value=f"`{t.command}`"[:1024], inline=False)
    return embed


def shown_new_part(g: Generation) -> str:
    """What is new in a stored melody, written as its reply showed it (solfège or jianpu when it was)."""
    try:
        return new_part(Composer.restore(g.params, g.notes).shown)
    except (MusicError, TypeError, ValueError):  # a row stored before its fields were what they are now
        return g.new_part


def history_embed(rows: Sequence[Generation], buttons: int) -> discord.Embed:
    """`/history`: one line per recent melody, the first ``buttons`` of them with an Again button."""
    lines = []
    for i, g in enumerate(rows):
        p = g.params
        settings = " · ".join(str(x) for x in (p.get("key") or "key from seed", p.get("meter"),
                                               f"{p.get('tempo')} bpm", p.get("style")))
        lines.append(f"**{i + 1}.** <t:{int(g.created_at)}:R> `{shorten(shown_new_part(g), NOTES_SHOWN)}`\n"
                     f"   {settings} · seed {g.rng_seed}")
    embed = discord.Embed(title="🕘 Your recent melodies", description="\n".join(lines)[:4096],
                          colour=discord.Colour.blurple())
    embed.set_footer(text=f"Press Again 1–{min(len(rows), buttons)} to play one again "
                          "(same seed, same melody). /forget erases your history.")
    return embed


def stats_table(stats: Stats) -> str:
    """Generations per day as a monospace table with small bars."""
    top = max((n for _, n in stats.per_day), default=0) or 1
    rows = [f"{day}  {n:>4}  {'█' * round(12 * n / top)}" for day, n in stats.per_day]
    return "```\nday         count\n" + "\n".join(rows) + "\n```"


def acceptance_field(weeks: Sequence[Acceptance], per_user: Sequence[Acceptance]) -> str:
    """`/stats`: the share of candidates taken, overall, this week against last, and per person (anonymous)."""
    total = sum(weeks, Acceptance())
    if not total.shown:
        return "No melody candidates shown yet."
    lines = [f"**{total.rate:.0%}** overall: {acceptance_text(total)} taken (a pick, More like or 👍 reply)."]
    this, last = weeks[-1], weeks[-2] if len(weeks) > 1 else Acceptance()
    lines.append(f"Last 7 days {_rate(this)} · the 7 before {_rate(last)}")
    rates = sorted(a.rate for a in per_user if a.rate is not None)
    if rates:
        lines.append(f"Per person: median {rates[len(rates) // 2]:.0%} over {len(rates)} "
                     f"{'person' if len(rates) == 1 else 'people'} (lowest {rates[0]:.0%}, highest {rates[-1]:.0%})")
    return "\n".join(lines)


def _rate(acceptance: Acceptance) -> str:
    return "–" if acceptance.rate is None else f"{acceptance.rate:.0%} of {acceptance.shown}"


def stats_embed(stats: Stats, accepted: str | None = None) -> discord.Embed:
    """`/stats`: anonymous totals, the most liked styles and generations per day."""
    embed = discord.Embed(title=f"📊 MusicGenius in this server — last {stats.days} days",
                          colour=discord.Colour.green(),
                          description=f"**{stats.total_generations}** melodies generated by "
                                      f"**{stats.distinct_users}** "
                                      f"{'person' if stats.distinct_users == 1 else 'people'}.")
    liked = "\n".join(f"{i}. **{style}** — {score} 👍/picks" for i, (style, score)
                      in enumerate(stats.liked_styles[:5], start=1))
    embed.add_field(name="Most liked styles", value=liked or "No likes yet.", inline=False)
    if accepted is not None:
        embed.add_field(name="Suggestions taken", value=accepted[:1024], inline=False)
    embed.add_field(name="Melodies per day (UTC)", value=stats_table(stats), inline=False)
    embed.set_footer(text="Anonymous totals only: no names or ids.")
    return embed
