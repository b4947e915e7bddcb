"""Discord JSON payload builders and small helpers shared by the fake server."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import time
from typing import Any

from aiohttp import web

DISCORD_EPOCH_MS = 1_420_070_400_000

# Message flags.
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
#: Flags a bot may set when creating a message.
SETTABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
#: Flags a bot may change when editing a message.
EDITABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2

#: Permissions of @everyone (and so of every member and the bot): view, send, embed,
#: attach, read history, react, external emojis, application commands, thread messages.
MEMBER_PERMISSIONS = str(
    (1 << 6) | (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 18) | (1 << 31) | (1 << 38)
)

_CUSTOM_EMOJI = re.compile(r"^<?a?:?(?P<name>[\w~]+):(?P<id>\d+)>?$")


class SnowflakeFactory:
    """Generates unique, time-ordered Discord snowflakes."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


def iso_now() -> str:
    """The current UTC time in Discord's ISO-8601 format."""
    return dt.datetime.now(dt.UTC).isoformat()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``.

    aiohttp's ``json_response`` appends ``; charset=utf-8``, which makes discord.py
    treat the body as plain text.
    """
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> web.Response:
    """A Discord-style JSON error (``{"message", "code"[, "errors"]}``)."""
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_response(body, status)


def emoji_payload(emoji: str) -> dict[str, Any]:
    """``{"name", "id"}`` for a unicode emoji or a custom ``name:id`` / ``<:name:id>`` one."""
    match = _CUSTOM_EMOJI.match(emoji)
    if match:
        return {"name": match["name"], "id": match["id"], "animated": emoji.startswith("<a:")}
    return {"name": emoji, "id": None}


def emoji_key(emoji: str) -> str:
    """Canonical form of an emoji as it appears in reaction routes (``name:id`` or unicode)."""
    match = _CUSTOM_EMOJI.match(emoji)
    return f"{match['name']}:{match['id']}" if match else emoji


def user_payload(user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": str(user_id),
        "username": username,
        "discriminator": "0001" if bot else "0",
        "global_name": None if bot else username.capitalize(),
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


def member_payload(user: dict[str, Any], joined_at: str, *, with_permissions: bool = False) -> dict[str, Any]:
    """A guild member object (``flags`` is required by discord.py)."""
    member: dict[str, Any] = {
        "user": user,
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_permissions:
        member["permissions"] = MEMBER_PERMISSIONS
    return member


def role_payload(role_id: int, name: str) -> dict[str, Any]:
    """A role object (the @everyone role has the guild's id)."""
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": 0,
        "permissions": MEMBER_PERMISSIONS,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel_payload(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
    """A guild text channel object."""
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "parent_id": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
