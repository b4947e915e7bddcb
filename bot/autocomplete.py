"""Autocomplete for options that take free text, built from the option table."""

from __future__ import annotations

import discord
from discord import app_commands

from studio.options import METERS, ODD_METERS, key_choices, matching


def _choices(values: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=v, value=v) for v in values]


async def key_autocomplete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """"d dor" -> D dorian; "minor" -> every minor key."""
    return _choices(key_choices(current))


async def meter_autocomplete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The meters the melody model writes in."""
    return _choices(matching(METERS, current))


async def band_meter_autocomplete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The arranger also plays 5/4 and 7/8."""
    return _choices(matching((*METERS, *ODD_METERS), current))
