"""A fake Discord server for end-to-end tests of discord.py bots."""

from .fixtures import fake_discord, pointed_at, running_bot, running_fake
from .records import Attachment, Callback, Interaction, Message, RecordedRequest
from .server import CommandSync, FakeDiscord

__all__ = [
    "Attachment",
    "Callback",
    "CommandSync",
    "FakeDiscord",
    "Interaction",
    "Message",
    "RecordedRequest",
    "fake_discord",
    "pointed_at",
    "running_bot",
    "running_fake",
]
