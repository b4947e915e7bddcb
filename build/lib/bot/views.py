"""Buttons under a melody reply: pick a candidate, more like one, regenerate.

The buttons are dynamic items: their custom_id says what to do (``mg:melody:pick:2``) and the
message they sit on says which generations they act on, so they keep working after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.client import MusicGenius

ACTIONS = {"pick": "Pick", "more": "More like", "regen": "Regenerate"}


class CandidateButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"mg:melody:(?P<action>pick|more|regen):(?P<index>\d)"
):
    """One persistent button; presses are handled by the compose cog."""

    def __init__(self, action: str, index: int = 0) -> None:
        label = ACTIONS[action] if action == "regen" else f"{ACTIONS[action]} {index + 1}"
        style = {"pick": discord.ButtonStyle.success, "more": discord.ButtonStyle.primary}.get(
            action, discord.ButtonStyle.secondary)
        emoji = {"pick": "🎯", "more": "🔁", "regen": "🎲"}[action]
        row = {"pick": 0, "more": 1, "regen": 2}[action]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji, row=row,
                                           custom_id=f"mg:melody:{action}:{index}"))
        self.action = action
        self.index = index

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> CandidateButton:
        return cls(match["action"], int(match["index"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: MusicGenius = interaction.client  # type: ignore[assignment]
        cog = bot.get_cog("Compose")
        assert cog is not None
        await cog.on_button(interaction, self.action, self.index)  # type: ignore[attr-defined]


def candidate_view(count: int) -> discord.ui.View:
    """Pick 1..n, More like 1..n, Regenerate."""
    view = discord.ui.View(timeout=None)
    for action in ("pick", "more"):
        for i in range(count):
            view.add_item(CandidateButton(action, i))
    view.add_item(CandidateButton("regen"))
    return view
