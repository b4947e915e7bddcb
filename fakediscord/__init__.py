"""A fake Discord server (REST + gateway on 127.0.0.1) that real discord.py connects to.

The end-to-end tests, the benches and the local playground (``musicgenius playground``) run the bot against it:
it records what the bot sent and lets code act as a user would (:meth:`FakeDiscord.slash`, ``press``, ``react``).
"""

from .records import Attachment, Callback, Interaction, Message, RecordedRequest
from .running import pointed_at, running_bot, running_fake
from .server import CommandSync, FakeDiscord

__all__ = [
    "Attachment",
    "Callback",
    "CommandSync",
    "FakeDiscord",
    "Interaction",
    "Message",
    "RecordedRequest",
    "pointed_at",
    "running_bot",
    "running_fake",
]
