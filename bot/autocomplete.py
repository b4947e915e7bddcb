"""Autocomplete for options that take free text, built from the option table."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import tr
from studio.options import KEYS, METERS, ODD_METERS, key_choices, matching


def _choices(values: list[str]) -> list[app_commands.Choice[str]]:
    """The shown names are translated for the user's locale by ``bot.i18n.Translator`` ("G大调" for zh-CN)."""
    return [app_commands.Choice(name=app_commands.locale_str(v), value=v) for v in values]


async def key_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """"d dor" -> D dorian; "minor" -> every minor key."""
    found = key_choices(current)
    typed = "".join(current.split())
    if not found and typed:  # typed in the user's language: "g大调", "多利亚"
        found = [k for k in KEYS if typed.lower() in "".join(tr(k, interaction.locale).split()).lower()][:25]
    return _choices(found)


async def meter_autocomplete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The meters the melody model writes in."""
    return _choices(matching(METERS, current))


async def band_meter_autocomplete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The arranger also plays 5/4 and 7/8."""
    return _choices(matching((*METERS, *ODD_METERS), current))
