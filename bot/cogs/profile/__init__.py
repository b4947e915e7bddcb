"""Profile commands: `/prefs`, `/inspire`, `/history`, `/forget`, `/mydata` and `/stats` (issues #7, #11); the
extension entry point.

Personal answers are ephemeral; melodies generated from their buttons are public, like `/melody` replies.
The buttons under `/inspire` and `/history` are dynamic items (``mg:try:…``, ``mg:tune:<n>:<tune ident>``,
``mg:hist:<generation id>``), so they keep working after a restart; the `/forget` confirmation is a short-lived
view on purpose. ``cog`` holds the commands, ``buttons`` the buttons, ``embeds`` what the replies show,
``privacy`` what `/forget` says and the `/mydata` file; the ranking and charts behind them live in ``studio``
(``studio.taste``, ``studio.charts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.profile.buttons import ContinueButton, HistoryButton, TryButton
from bot.cogs.profile.cog import Profile

if TYPE_CHECKING:
    from bot.client import MusicGenius


async def setup(bot: MusicGenius) -> None:
    bot.add_dynamic_items(TryButton, ContinueButton, HistoryButton)  # buttons keep working after a restart
    await bot.add_cog(Profile(bot))


async def teardown(bot: MusicGenius) -> None:
    bot.remove_dynamic_items(TryButton, ContinueButton, HistoryButton)
