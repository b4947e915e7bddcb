"""A fake Discord (REST + gateway) that real discord.py 2.7 can connect to, for end-to-end tests and the playground.

Point discord.py at it with ``discord.http.Route.BASE = fake.api_base`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, WSMsgType, web

from .gateway import (
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    Connection,
    Session,
)
from .payloads import (
    EDITABLE_FLAGS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MEMBER_PERMISSIONS,
    SETTABLE_FLAGS,
    SnowflakeFactory,
    emoji_key,
    emoji_payload,
    error_response,
    iso_now,
    json_response,
    member_payload,
    role_payload,
    text_channel_payload,
    user_payload,
)
from .records import (
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    Attachment,
    Callback,
    Interaction,
    Message,
    RecordedRequest,
)
from .validation import MAX_REACTIONS, Rejection, check_commands, check_message

API_PREFIX = "/api/v10"
DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_MAX_REQUEST_SIZE = 256 * 1024 * 1024
_POLL_INTERVAL = 0.01
_STABLE_ID_BASE = 100_000_000_000_000_001  # a snowflake from 2015, before any time-based id the fake makes
_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")

# Interaction types.
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5
_VALID_CALLBACKS = {
    INTERACTION_COMMAND: {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL},
    INTERACTION_COMPONENT: {
        CALLBACK_MESSAGE,
        CALLBACK_DEFERRED_MESSAGE,
        CALLBACK_DEFERRED_UPDATE,
        CALLBACK_UPDATE_MESSAGE,
        CALLBACK_MODAL,
    },
    INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE},
    INTERACTION_MODAL_SUBMIT: {
        CALLBACK_MESSAGE,
        CALLBACK_DEFERRED_MESSAGE,
        CALLBACK_DEFERRED_UPDATE,
        CALLBACK_UPDATE_MESSAGE,
    },
}

# Application command option types.
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP = 1, 2
OPT_STRING, OPT_INTEGER, OPT_BOOLEAN, OPT_USER, OPT_CHANNEL, OPT_ROLE = 3, 4, 5, 6, 7, 8
OPT_NUMBER, OPT_ATTACHMENT = 10, 11

UNKNOWN_MESSAGE = Rejection(404, 10008, "Unknown Message", "unknown, deleted or ephemeral message")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Call:
    """A parsed REST request, as API handlers see it."""

    method: str
    match_info: Mapping[str, str]
    query: Mapping[str, str]
    rec: RecordedRequest
    files: dict[int, Attachment]

    @property
    def body(self) -> Any:
        return self.rec.json

    @property
    def file_sizes(self) -> list[tuple[str, int]]:
        return [(f.filename, len(f.data)) for f in self.rec.files]


ApiHandler = Callable[[_Call], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite of application commands (``PUT .../commands``)."""

    scope: str  # "global" or "guild"
    guild_id: int | None
    commands: list[dict[str, Any]]
    at: float


@dataclass(frozen=True)
class JoinedGuild:
    """A guild the bot was added to after it connected (see :meth:`FakeDiscord.join_guild`)."""

    id: int
    name: str
    channel_ids: tuple[int, ...]  # in the order given, each at that position
    system_channel_id: int | None


@dataclass(frozen=True)
class _Blob:
    """A file stored by the fake (bot upload or user attachment), served over HTTP."""

    id: int
    filename: str
    data: bytes
    content_type: str
    description: str | None = None


def pings(content: str, allowed: dict[str, Any] | None) -> frozenset[str]:
    """Who a message's content notifies, as Discord decides it: without ``allowed_mentions`` every @everyone,
    @here, role and user mention pings; with it, only the kinds in ``parse`` and the ids listed."""
    parse = set(allowed.get("parse") or ()) if allowed is not None else {"everyone", "roles", "users"}
    out: set[str] = set()
    if "everyone" in parse and re.search(r"@(everyone|here)\b", content):
        out.add("everyone")
    listed_roles = {str(r) for r in (allowed or {}).get("roles") or ()}
    listed_users = {str(u) for u in (allowed or {}).get("users") or ()}
    out |= {f"role:{r}" for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or r in listed_roles}
    out |= {f"user:{u}" for u in re.findall(r"<@!?(\d+)>", content) if "users" in parse or u in listed_users}
    return frozenset(out)


@dataclass
class _StoredMessage:
    """Live, mutable state of a message."""

    id: int
    channel_id: int
    type: int
    timestamp: str
    interaction: Interaction | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[_Blob] = field(default_factory=list)
    flags: int = 0
    edited_timestamp: str | None = None
    reference: dict[str, Any] | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    deleted: bool = False
    echoed: bool = False
    pings: frozenset[str] = frozenset()  # who the content notified: "everyone", "role:<id>", "user:<id>"
    author: dict[str, Any] | None = None  # a user who posted it (None: the bot)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)


@dataclass
class _RateLimit:
    remaining: int
    retry_after: float
    path_contains: str | None
    is_global: bool


def _check_user_input(command: str, option: dict[str, Any], value: Any) -> None:
    """Refuse option values Discord's client would not let a user submit."""
    where = f"/{command} {option['name']}={value!r}"
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise ValueError(f"{where}: not one of the choices {[c['value'] for c in choices]}")
    low, high = option.get("min_value"), option.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{where}: outside [{low}, {high}]")
    if isinstance(value, str) and option["type"] == OPT_STRING:
        shortest, longest = option.get("min_length") or 0, option.get("max_length") or 6000
        if not shortest <= len(value) <= longest:
            raise ValueError(f"{where}: length not in [{shortest}, {longest}]")


def _text_inputs(components: Sequence[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """A form's text inputs, each with what holds it: an action row (1) or a label (18)."""
    for component in components:
        if component.get("type") == 1:
            yield from ((1, c) for c in component.get("components") or [] if c.get("type") == 4)
        elif component.get("type") == 18 and (component.get("component") or {}).get("type") == 4:
            yield 18, component["component"]


class FakeDiscord:
    """An in-process Discord with one guild, one text channel, a few users and one bot.

    Records every REST request, serves the gateway, dispatches user actions
    (:meth:`slash`, :meth:`press`, :meth:`react`, ...) and records what the bot answered.
    Requests that real Discord would refuse are refused the same way and listed in
    :attr:`rejections`.
    """

    def __init__(
        self,
        *,
        usernames: Sequence[str] = ("alice", "bob", "carol", *(f"listener{i}" for i in range(3, 24))),
        bot_name: str = "MusicGenius",
        attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT,
        response_deadline: float = 3.0,
        token_ttl: float = 15 * 60.0,
        heartbeat_interval_ms: int = 41_250,
        stable_ids: bool = False,
    ) -> None:
        self._snowflake = SnowflakeFactory()
        # Stable ids keep the application, guild, channel and users the same across runs (a bot's database then
        # knows them again); messages and interactions always get fresh, time-ordered snowflakes.
        entity_id = itertools.count(_STABLE_ID_BASE).__next__ if stable_ids else self._snowflake
        self.application_id = entity_id()
        self.bot_user_id = entity_id()
        self.guild_id = entity_id()
        self.channel_id = entity_id()
        self.bot_user = user_payload(self.bot_user_id, bot_name, bot=True)
        #: The application's owner (not a guild member).
        self.owner_user = user_payload(entity_id(), "owner")
        #: Guild members who can use the bot; see :meth:`user`.
        self.users = [user_payload(entity_id(), name) for name in usernames]
        #: Default upload limit per file, overridable per interaction.
        self.attachment_size_limit = attachment_size_limit
        #: Seconds the bot has for the initial response (Discord: 3).
        self.response_deadline = response_deadline
        #: Seconds an interaction token stays valid for followups and edits (Discord: 15 min).
        self.token_ttl = token_ttl
        self.heartbeat_interval_ms = heartbeat_interval_ms

        self.requests: list[RecordedRequest] = []
        #: Why each refused request was refused (limits, late responses, unknown ids, ...).
        self.rejections: list[str] = []
        #: Exceptions inside the fake itself (answered 500); should always stay empty.
        self.server_errors: list[str] = []
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: list[dict[str, Any]] = []
        self.command_syncs: list[CommandSync] = []
        #: Latest snapshot of every message the bot made, by id.
        self.messages: dict[int, Message] = {}
        self.interactions: list[Interaction] = []
        #: Query parameters of each gateway connection (``v``, ``encoding``, ``compress``).
        self.gateway_connections: list[dict[str, str]] = []
        #: The ``d`` of the last IDENTIFY (token, intents, ...).
        self.identify: dict[str, Any] | None = None
        self.resume_count = 0
        #: Guilds the bot was added to later (:meth:`join_guild`).
        self.joined_guilds: list[JoinedGuild] = []
        self._joined_channels: dict[int, int] = {}  # channel id in a joined guild -> that guild's id
        self._read_only: set[int] = set()  # joined guilds' channels the bot may not send messages in

        self._joined_at = iso_now()
        self._stored: dict[int, _StoredMessage] = {}
        self._blobs: dict[int, _Blob] = {}
        self._by_id: dict[int, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._rate_limits: list[_RateLimit] = []
        self._session: Session | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._change = asyncio.Event()
        #: Counts changes of the fake's state (requests, messages, reactions, connections); see :meth:`wait_changed`.
        self.version = 0
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 on a free port."""
        app = web.Application(client_max_size=_MAX_REQUEST_SIZE)
        self._add_routes(app)
        app.on_shutdown.append(self._close_sockets)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close gateway connections and stop serving (stop the bot first)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _close_sockets(self, _app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server shutdown")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """Value for ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (as a ``yarl.URL``)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # ------------------------------------------------------------------ waiting

    def _changed(self) -> None:
        """Wake every :meth:`wait_until` and :meth:`wait_changed`."""
        self.version += 1
        self._change.set()
        self._change = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, *, what: str = "condition") -> None:
        """Wait until ``predicate()`` holds; ``TimeoutError`` otherwise.

        Re-checks on every change of the fake's state and every 10 ms, so predicates
        on the bot's own state work too.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                problems = self.rejections + self.server_errors
                hint = f"\nrefused requests so far: {problems}" if problems else ""
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}{hint}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._change.wait(), min(remaining, _POLL_INTERVAL))

    def touch(self) -> None:
        """Count a change made outside the fake (wakes :meth:`wait_changed` and :meth:`wait_until`)."""
        self._changed()

    async def wait_changed(self, since: int, timeout: float) -> int:
        """Wait until :attr:`version` differs from ``since`` or ``timeout`` seconds pass; return :attr:`version`."""
        if self.version == since:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._change.wait(), timeout)
        return self.version

    @property
    def connected(self) -> bool:
        """Whether a bot is identified (READY and GUILD_CREATE sent) and connected."""
        session = self._session
        return session is not None and session.ready and session.connection is not None and session.connection.open

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until a bot has identified and got READY + GUILD_CREATE."""
        await self.wait_until(lambda: self.connected, timeout, what="the bot to connect to the gateway")

    async def wait_for_commands(self, timeout: float = 10.0, *, guild: bool | None = None) -> list[dict[str, Any]]:
        """Wait for a command sync (global, guild or either) and return the synced commands."""

        def matching() -> list[CommandSync]:
            return [s for s in self.command_syncs if guild is None or (s.scope == "guild") == guild]

        scope = {None: "any", True: "guild", False: "global"}[guild]
        await self.wait_until(lambda: bool(matching()), timeout, what=f"a {scope} command sync")
        return matching()[-1].commands

    # ------------------------------------------------------------------ users, files, state

    def user(self, index: int = 0) -> dict[str, Any]:
        """The ``index``-th guild member user."""
        return self.users[index]

    def _resolve_user(self, user: int | Mapping[str, Any] | None) -> dict[str, Any]:
        if user is None:
            return self.users[0]
        if isinstance(user, int):
            if 0 <= user < len(self.users):
                return self.users[user]
            for candidate in self.users:
                if int(candidate["id"]) == user:
                    return candidate
            raise KeyError(f"no user with index or id {user}")
        return dict(user)

    def host_file(self, filename: str, data: bytes, content_type: str | None = None) -> dict[str, Any]:
        """Store a file the fake serves over HTTP; returns its attachment object."""
        blob = self._new_blob(filename, data, content_type)
        return {**self._attachment_payload(blob), "ephemeral": True}

    def _new_blob(
        self, filename: str, data: bytes, content_type: str | None = None, description: str | None = None
    ) -> _Blob:
        guessed = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        blob = _Blob(self._snowflake(), filename, data, guessed, description)
        self._blobs[blob.id] = blob
        return blob

    def _attachment_payload(self, blob: _Blob) -> dict[str, Any]:
        url = f"{self.base_url}/files/{blob.id}/{quote(blob.filename)}"
        return {
            "id": str(blob.id),
            "filename": blob.filename,
            "size": len(blob.data),
            "url": url,
            "proxy_url": url,
            "content_type": blob.content_type,
            "description": blob.description,
            "flags": 0,
        }

    def file(self, file_id: int) -> tuple[str, bytes, str] | None:
        """``(filename, data, content_type)`` of a file the fake serves (an upload or :meth:`host_file`)."""
        blob = self._blobs.get(file_id)
        return None if blob is None else (blob.filename, blob.data, blob.content_type)

    def bot_reactions(self, message_id: int) -> list[str]:
        """Emojis the bot has reacted with on a message (``name:id`` for custom emojis)."""
        stored = self._stored.get(message_id)
        if stored is None:
            return []
        return [emoji for emoji, users in stored.reactions.items() if self.bot_user_id in users]

    def reactions(self, message_id: int) -> dict[str, list[int]]:
        """All reactions on a message: emoji -> ids of the users (bot included) who reacted."""
        stored = self._stored.get(message_id)
        return {emoji: sorted(users) for emoji, users in stored.reactions.items()} if stored else {}

    def channel_messages(self) -> list[Message]:
        """Current state of the visible (non-ephemeral, not deleted) messages in the channel, oldest first."""
        return [
            self.messages[m.id]
            for m in sorted(self._stored.values(), key=lambda m: m.id)
            if not m.ephemeral and not m.deleted and m.id in self.messages
        ]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the fake does not know (answered 404)."""
        return [r for r in self.requests if r.unknown]

    def assert_clean(self) -> None:
        """Fail if any request was refused, hit an unknown route or broke the fake."""
        problems = self.rejections + self.server_errors + [f"unknown route {r}" for r in self.unknown_requests]
        assert not problems, "fake Discord saw problems:\n" + "\n".join(problems)

    def inject_rate_limit(
        self, count: int = 1, *, retry_after: float = 0.05, path_contains: str | None = None, is_global: bool = False
    ) -> None:
        """Answer the next ``count`` matching REST requests with a 429 (with ``Via``, so discord.py retries)."""
        self._rate_limits.append(_RateLimit(count, retry_after, path_contains, is_global))

    # ------------------------------------------------------------------ payloads

    def _member(self, user: dict[str, Any], *, with_permissions: bool = False) -> dict[str, Any]:
        return member_payload(user, self._joined_at, with_permissions=with_permissions)

    def _channel_payload(self) -> dict[str, Any]:
        return text_channel_payload(self.channel_id, self.guild_id, "general")

    def _guild_payload(self, *, gateway: bool) -> dict[str, Any]:
        members = [self._member(u) for u in [self.bot_user, *self.users]]
        guild: dict[str, Any] = {
            "id": str(self.guild_id),
            "name": "Fake Guild",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_user["id"]),
            "region": "us-west",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [role_payload(self.guild_id, "@everyone")],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }
        if gateway:
            guild.update(
                joined_at=self._joined_at,
                large=False,
                unavailable=False,
                member_count=len(members),
                members=members,
                channels=[self._channel_payload()],
                threads=[],
                voice_states=[],
                presences=[],
                stage_instances=[],
                guild_scheduled_events=[],
                soundboard_sounds=[],
            )
        return guild

    def _message_payload(self, m: _StoredMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(m.id),
            "channel_id": str(m.channel_id),
            "guild_id": str(self._joined_channels.get(m.channel_id, self.guild_id)),
            "author": m.author or self.bot_user,
            "content": m.content,
            "timestamp": m.timestamp,
            "edited_timestamp": m.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [self._attachment_payload(a) for a in m.attachments],
            "embeds": copy.deepcopy(m.embeds),
            "components": copy.deepcopy(m.components),
            "reactions": [
                {
                    "emoji": emoji_payload(emoji),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": self.bot_user_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for emoji, users in m.reactions.items()
                if users
            ],
            "pinned": False,
            "type": m.type,
            "flags": m.flags,
        }
        if m.reference is not None:
            payload["message_reference"] = m.reference
        it = m.interaction
        if it is not None:
            payload["webhook_id"] = str(self.application_id)
            payload["application_id"] = str(self.application_id)
            metadata: dict[str, Any] = {
                "id": str(it.id),
                "type": it.type,
                "user": it.user,
                "authorizing_integration_owners": {"0": str(self.guild_id)},
            }
            if it.type == INTERACTION_COMMAND:
                metadata.update(name=it.name, command_type=1)
            elif it.message_id is not None:
                metadata["interacted_message_id"] = str(it.message_id)
            payload["interaction_metadata"] = metadata
            payload["interaction"] = {"id": str(it.id), "type": it.type, "name": it.name, "user": it.user}
        return payload

    # ------------------------------------------------------------------ message state

    def _new_message(
        self, *, interaction: Interaction | None = None, type: int = 0, channel_id: int | None = None
    ) -> _StoredMessage:
        stored = _StoredMessage(self._snowflake(), channel_id or self.channel_id, type, iso_now(), interaction)
        self._stored[stored.id] = stored
        return stored

    def _apply(self, m: _StoredMessage, body: dict[str, Any], files: dict[int, Attachment], *, edit: bool) -> None:
        """Apply a create (replace everything) or edit (only given keys) body to a message."""
        if not edit or "content" in body:
            m.content = body.get("content") or ""
            m.pings = pings(m.content, body.get("allowed_mentions"))
        if not edit or "embeds" in body:
            m.embeds = copy.deepcopy(body.get("embeds") or [])
        if not edit or "components" in body:
            m.components = copy.deepcopy(body.get("components") or [])
        uploads = {i: self._new_blob(f.filename, f.data) for i, f in files.items()}
        if "attachments" in body:
            kept, used = [], set()
            for entry in body.get("attachments") or []:
                ident = int(entry["id"])
                existing = next((a for a in m.attachments if a.id == ident), None)
                if existing is not None:
                    kept.append(existing)
                elif ident in uploads:
                    blob = uploads[ident]
                    name = entry.get("filename") or blob.filename
                    kept.append(_Blob(blob.id, name, blob.data, blob.content_type, entry.get("description")))
                    used.add(ident)
            m.attachments = kept + [b for i, b in uploads.items() if i not in used]
        else:
            m.attachments = (m.attachments if edit else []) + list(uploads.values())
        for blob in m.attachments:
            self._blobs[blob.id] = blob
        flags = int(body.get("flags") or 0)
        if edit:
            if "flags" in body:
                m.flags = (m.flags & ~EDITABLE_FLAGS) | (flags & EDITABLE_FLAGS)
            m.edited_timestamp = iso_now()
        else:
            m.flags = flags & SETTABLE_FLAGS
        if body.get("message_reference"):
            m.reference = body["message_reference"]

    def _snapshot(self, m: _StoredMessage, kind: str, actor: Interaction | None = None) -> Message:
        """Record the message's current state in :attr:`messages` and the interactions involved."""
        payload = self._message_payload(m)
        snapshot = Message(
            id=m.id,
            channel_id=m.channel_id,
            kind=kind,
            content=m.content,
            embeds=payload["embeds"],
            components=payload["components"],
            attachments=[Attachment(a.filename, a.data) for a in m.attachments],
            flags=m.flags,
            interaction_id=m.interaction.id if m.interaction else None,
            at=time.monotonic(),
            payload=payload,
            pings=m.pings,
        )
        self.messages[m.id] = snapshot
        for it in {id(i): i for i in (actor, m.interaction) if i is not None}.values():
            it.messages.append(snapshot)
        self._changed()
        return snapshot

    async def _echo(self, m: _StoredMessage, event: str) -> None:
        """Dispatch MESSAGE_CREATE/UPDATE/DELETE for a non-ephemeral message, as Discord does."""
        if m.ephemeral:
            return
        if event == "MESSAGE_DELETE":
            await self._dispatch(
                event, {"id": str(m.id), "channel_id": str(m.channel_id), "guild_id": str(self.guild_id)}
            )
            return
        if event == "MESSAGE_CREATE":
            m.echoed = True
        await self._dispatch(event, self._message_payload(m))

    def _stored_of(self, message: Message | int) -> _StoredMessage:
        message_id = message.id if isinstance(message, Message) else message
        stored = self._stored.get(message_id)
        if stored is None or stored.deleted:
            raise KeyError(f"no message {message_id}")
        return stored

    # ------------------------------------------------------------------ gateway

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        session = self._session
        if session is not None and session.wants(event):
            await session.dispatch(event, data)

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("no bot has identified yet; await fake.wait_connected() first")
        return self._session

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.gateway_connections.append(dict(request.query))
        connection = Connection(ws, request.query.get("compress"))
        await connection.send(
            {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    await self._on_gateway_payload(connection, json.loads(msg.data))
                except Exception as exc:
                    logger.exception("fake Discord failed on gateway payload %s", msg.data)
                    self.server_errors.append(f"gateway: {exc!r}")
        finally:
            self._sockets.discard(ws)
            if self._session is not None and self._session.connection is connection:
                self._session.connection = None
            self._changed()
        return ws

    async def _on_gateway_payload(self, connection: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            await connection.send({"op": OP_HEARTBEAT_ACK, "d": None})
        elif op == OP_IDENTIFY:
            await self._identify(connection, data)
        elif op == OP_RESUME:
            session = self._session
            if session is None or data.get("session_id") != session.session_id:
                await connection.send({"op": OP_INVALID_SESSION, "d": False})
                return
            self.resume_count += 1
            await session.resume(connection, data.get("seq"))
            self._changed()
        elif op == OP_REQUEST_MEMBERS:
            await self._member_chunk(data)

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        self.identify = data
        session = Session(intents=int(data.get("intents") or 0), connection=connection)
        self._session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "session_type": "normal",
            "auth": {},
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await session.dispatch("READY", ready)
        await session.dispatch("GUILD_CREATE", self._guild_payload(gateway=True))
        session.ready = True
        self._changed()

    async def _member_chunk(self, data: dict[str, Any]) -> None:
        wanted = {str(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        users = [
            u
            for u in [self.bot_user, *self.users]
            if (str(u["id"]) in wanted) or (not wanted and u["username"].startswith(query))
        ]
        if data.get("limit"):
            users = users[: data["limit"]]
        chunk = {
            "guild_id": str(self.guild_id),
            "members": [self._member(u) for u in users],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await self._dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def join_guild(
        self, name: str = "New Guild", channels: Sequence[tuple[str, bool]] = (("general", True),),
        *, system_channel: bool = True,
    ) -> JoinedGuild:
        """Add the bot to another guild, as when someone invites it: a GUILD_CREATE without ``unavailable`` (so
        discord.py dispatches ``on_guild_join``) with the same members and text ``channels`` given as (name, whether
        the bot may send there), the first one the system channel unless ``system_channel`` is False. What the bot
        posts there is recorded in :attr:`messages`; posting where it may not send is refused as Discord does."""
        self._require_session()
        send_messages = 1 << 11
        guild_id = self._snowflake()
        ids = tuple(self._snowflake() for _ in channels)
        payloads = []
        for position, ((channel_name, writable), channel_id) in enumerate(zip(channels, ids, strict=True)):
            channel = {**text_channel_payload(channel_id, guild_id, channel_name), "position": position}
            if not writable:
                channel["permission_overwrites"] = [
                    {"id": str(guild_id), "type": 0, "allow": "0", "deny": str(send_messages)}
                ]
                self._read_only.add(channel_id)
            self._joined_channels[channel_id] = guild_id
            payloads.append(channel)
        joined = JoinedGuild(guild_id, name, ids, ids[0] if system_channel and ids else None)
        guild = self._guild_payload(gateway=True)
        del guild["unavailable"]
        guild.update(
            id=str(guild_id),
            name=name,
            roles=[role_payload(guild_id, "@everyone")],
            channels=payloads,
            system_channel_id=None if joined.system_channel_id is None else str(joined.system_channel_id),
        )
        self.joined_guilds.append(joined)
        await self._dispatch("GUILD_CREATE", guild)
        self._changed()
        return joined

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py reconnects to ``resume_gateway_url`` and RESUMEs."""
        session = self._require_session()
        if session.connection is not None:
            await session.connection.send({"op": OP_RECONNECT, "d": None})

    # ------------------------------------------------------------------ user actions

    async def _dispatch_interaction(
        self,
        type: int,
        name: str,
        data: dict[str, Any],
        user: int | Mapping[str, Any] | None,
        *,
        message: _StoredMessage | None = None,
        attachment_size_limit: int | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        session = self._require_session()
        member = self._resolve_user(user)
        limit = self.attachment_size_limit if attachment_size_limit is None else attachment_size_limit
        interaction_id = self._snowflake()
        token = "fake-" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": type,
            "token": token,
            "version": 1,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": []},
            "channel_id": str(self.channel_id),
            "channel": self._channel_payload(),
            "member": self._member(member, with_permissions=True),
            "app_permissions": MEMBER_PERMISSIONS,
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": limit,
        }
        if message is not None:
            payload["message"] = self._message_payload(message)
        it = Interaction(
            self,
            id=interaction_id,
            token=token,
            type=type,
            name=name,
            user=member,
            payload=payload,
            attachment_size_limit=limit,
            dispatched_at=time.monotonic(),
            message_id=message.id if message else None,
        )
        self.interactions.append(it)
        self._by_id[it.id] = it
        self._by_token[token] = it
        await session.dispatch("INTERACTION_CREATE", payload)
        return it

    def _find_command(self, name: str, guild_command: bool | None, kind: int = 1) -> tuple[dict[str, Any], bool]:
        pools: list[tuple[bool, list[dict[str, Any]]]] = []
        if guild_command in (None, True):
            pools.append((True, self.guild_commands))
        if guild_command in (None, False):
            pools.append((False, self.global_commands))
        for is_guild, commands in pools:
            for command in commands:
                if command["name"] == name and command.get("type", 1) == kind:
                    return command, is_guild
        raise KeyError(
            f"/{name} is not registered (global: {[c['name'] for c in self.global_commands]}, "
            f"guild: {[c['name'] for c in self.guild_commands]}); has the bot synced its commands?"
        )

    def _option_value(self, option: dict[str, Any], value: Any, resolved: dict[str, Any]) -> Any:
        kind = option["type"]
        if kind == OPT_STRING:
            return str(value)
        if kind == OPT_INTEGER:
            return int(value)
        if kind == OPT_NUMBER:
            return float(value)
        if kind == OPT_BOOLEAN:
            return bool(value)
        if kind == OPT_ATTACHMENT:
            attachment = value if isinstance(value, dict) else self.host_file(*value)
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        if kind == OPT_USER:
            user = self._resolve_user(value)
            resolved.setdefault("users", {})[user["id"]] = user
            member = {k: v for k, v in self._member(user, with_permissions=True).items() if k != "user"}
            resolved.setdefault("members", {})[user["id"]] = member
            return user["id"]
        if kind == OPT_CHANNEL:
            resolved.setdefault("channels", {})[str(self.channel_id)] = {
                **self._channel_payload(),
                "permissions": MEMBER_PERMISSIONS,
            }
            return str(self.channel_id)
        if kind == OPT_ROLE:
            resolved.setdefault("roles", {})[str(self.guild_id)] = role_payload(self.guild_id, "@everyone")
            return str(self.guild_id)
        return value

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None,
        guild_command: bool | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        """The ``data`` of a command interaction, with option values typed from the registered command."""
        top, *path = name.split()
        command, is_guild = self._find_command(top, guild_command)
        defs: list[dict[str, Any]] = command.get("options") or []
        subs = []
        for part in path:
            sub = next(
                (o for o in defs if o["name"] == part and o["type"] in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP)), None
            )
            if sub is None:
                raise KeyError(f"/{name}: no subcommand {part!r}")
            subs.append(sub)
            defs = sub.get("options") or []
        resolved: dict[str, Any] = {}
        if options is None or isinstance(options, Mapping):
            by_name = {o["name"]: o for o in defs}
            built = []
            for key, value in (options or {}).items():
                if key not in by_name:
                    raise KeyError(f"/{name} has no option {key!r}; options: {list(by_name)}")
                option = by_name[key]
                if key == focused:
                    built.append({"name": key, "type": option["type"], "value": str(value), "focused": True})
                    continue
                typed = self._option_value(option, value, resolved)
                _check_user_input(name, option, typed)
                built.append({"name": key, "type": option["type"], "value": typed})
            missing = [o["name"] for o in defs if o.get("required") and o["name"] not in (options or {})]
            if missing and focused is None:
                raise ValueError(f"/{name}: Discord's client requires options {missing}")
        else:
            built = [dict(o) for o in options]
        for sub in reversed(subs):
            built = [{"name": sub["name"], "type": sub["type"], "options": built}]
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        if is_guild:
            # Only for guild commands: on a global command discord.py would raise CommandNotFound.
            data["guild_id"] = str(self.guild_id)
        return data

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[dict[str, Any]] | None = None,
        *,
        user: int | Mapping[str, Any] | None = None,
        attachments: Mapping[str, tuple[str, bytes] | dict[str, Any]] | None = None,
        guild_command: bool | None = None,
        attachment_size_limit: int | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """A user runs ``/name`` (``"group sub"`` for subcommands).

        ``options`` maps option names to values (typed from the registered command;
        attachment values are ``(filename, bytes)`` or :meth:`host_file` results), or
        is a raw list of option objects. ``attachments`` maps attachment option names
        to files. ``user`` is an index into :attr:`users` or a user dict (default: user 0).
        ``guild_command`` picks the guild or global registration (default: guild first).
        """
        merged: Mapping[str, Any] | Sequence[dict[str, Any]] | None = options
        if attachments:
            merged = {**dict(options or {}), **attachments}  # type: ignore[arg-type]
        data = self._command_data(name, merged, guild_command)
        return await self._dispatch_interaction(
            INTERACTION_COMMAND, name, data, user, attachment_size_limit=attachment_size_limit, locale=locale
        )

    async def post(self, content: str = "", files: Sequence[tuple[str, bytes]] = (), *,
                   user: int | Mapping[str, Any] | None = None) -> Message:
        """A user posts a message in the channel, with ``files`` (name, bytes) attached, as from Discord's message box
        (the bot sees MESSAGE_CREATE; the Apps menu can then be used on it)."""
        stored = self._new_message()
        stored.author = self._resolve_user(user)
        self._apply(stored, {"content": content}, {i: Attachment(name, data) for i, (name, data) in enumerate(files)},
                    edit=False)
        snapshot = self._snapshot(stored, "create")
        await self._echo(stored, "MESSAGE_CREATE")
        return snapshot

    async def message_command(
        self, name: str, message: Message | int, *, user: int | Mapping[str, Any] | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """A user picks Apps → ``name`` on a message (a message context-menu command, type 3)."""
        command, is_guild = self._find_command(name, None, kind=3)
        stored = self._stored_of(message)
        data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 3, "target_id": str(stored.id),
                                "resolved": {"messages": {str(stored.id): self._message_payload(stored)}}}
        if is_guild:
            data["guild_id"] = str(self.guild_id)
        return await self._dispatch_interaction(INTERACTION_COMMAND, name, data, user, locale=locale)

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: int | Mapping[str, Any] | None = None,
        guild_command: bool | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """A user types into option ``focused`` of ``/name``; the bot's choices are in ``it.initial.data``."""
        data = self._command_data(name, options, guild_command, focused=focused)
        return await self._dispatch_interaction(INTERACTION_AUTOCOMPLETE, name, data, user, locale=locale)

    async def press(
        self, message: Message | int, custom_id: str, *, user: int | Mapping[str, Any] | None = None,
        locale: str = "en-US",
    ) -> Interaction:
        """A user clicks the button ``custom_id`` on a message (``locale``: their Discord client's language)."""
        return await self._component(message, custom_id, user, None, locale)

    async def select(
        self,
        message: Message | int,
        custom_id: str,
        values: Sequence[str],
        *,
        user: int | Mapping[str, Any] | None = None,
    ) -> Interaction:
        """A user picks ``values`` in the select menu ``custom_id`` on a message."""
        return await self._component(message, custom_id, user, list(values))

    async def submit_modal(
        self,
        shown: Interaction,
        values: Mapping[str, str],
        *,
        user: int | Mapping[str, Any] | None = None,
    ) -> Interaction:
        """A user fills in the form (modal) the bot answered ``shown`` with (waiting for it) and submits it: a type 5
        interaction.

        ``values`` maps text inputs' custom_ids to what is typed; an input left out keeps its pre-filled value.
        Like Discord's client, refuses a required input left empty, a value outside its length limits, or an id
        the form does not have. ``user`` defaults to whoever opened the form.
        """
        initial = shown.initial or await shown.wait_initial()  # the form comes as the first answer
        if initial.type != CALLBACK_MODAL:
            raise ValueError(f"{shown.name}: the bot did not answer with a form (its answer: {initial})")
        modal = initial.data
        inputs = list(_text_inputs(modal.get("components") or []))
        unknown = set(values) - {c["custom_id"] for _, c in inputs}
        if unknown:
            raise KeyError(f"the form has no inputs {sorted(unknown)}; it has {[c['custom_id'] for _, c in inputs]}")
        submitted = []
        for wrapper, c in inputs:
            value = str(values.get(c["custom_id"], c.get("value") or ""))
            low, high = c.get("min_length") or 0, c.get("max_length") or 4000
            if (c.get("required", True) and not value) or (value and not low <= len(value) <= high):
                raise ValueError(f"form input {c['custom_id']!r}: {value!r} is empty or not {low}-{high} characters")
            answer = {"type": 4, "custom_id": c["custom_id"], "value": value}
            held = {"type": 18, "component": answer} if wrapper == 18 else {"type": 1, "components": [answer]}
            submitted.append(held)
        data = {"custom_id": modal["custom_id"], "components": submitted}
        message = self._stored.get(shown.message_id) if shown.message_id is not None else None
        return await self._dispatch_interaction(INTERACTION_MODAL_SUBMIT, modal["custom_id"], data,
                                                shown.user if user is None else user, message=message,
                                                locale=shown.payload.get("locale", "en-US"))  # the same client

    async def _component(
        self,
        message: Message | int,
        custom_id: str,
        user: int | Mapping[str, Any] | None,
        values: list[str] | None,
        locale: str = "en-US",
    ) -> Interaction:
        stored = self._stored_of(message)
        current = self.messages[stored.id]
        component = current.component(custom_id)
        if component is None:
            present = [c.get("custom_id") for c in current.iter_components() if c.get("custom_id")]
            raise KeyError(f"message {stored.id} has no component {custom_id!r}; it has {present}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled; a user cannot use it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        return await self._dispatch_interaction(INTERACTION_COMPONENT, custom_id, data, user, message=stored,
                                                locale=locale)

    async def react(self, message: Message | int, emoji: str, *, user: int | Mapping[str, Any] | None = None) -> None:
        """A user adds a reaction (MESSAGE_REACTION_ADD; MESSAGE_CREATE first if never sent)."""
        stored = self._stored_of(message)
        if stored.ephemeral:
            raise ValueError("users cannot react to ephemeral messages")
        member = self._resolve_user(user)
        key = emoji_key(emoji)
        if key not in stored.reactions and len(stored.reactions) >= MAX_REACTIONS:
            raise ValueError(f"message already has {MAX_REACTIONS} distinct reactions")
        users = stored.reactions.setdefault(key, set())
        if int(member["id"]) in users:
            return
        users.add(int(member["id"]))
        if not stored.echoed:
            await self._echo(stored, "MESSAGE_CREATE")
        await self._dispatch("MESSAGE_REACTION_ADD", self._reaction_event(stored, key, member, with_member=True))
        self._changed()

    async def unreact(self, message: Message | int, emoji: str, *, user: int | Mapping[str, Any] | None = None) -> None:
        """A user removes their reaction (MESSAGE_REACTION_REMOVE)."""
        stored = self._stored_of(message)
        member = self._resolve_user(user)
        key = emoji_key(emoji)
        users = stored.reactions.get(key, set())
        if int(member["id"]) not in users:
            return
        users.discard(int(member["id"]))
        if not users:
            del stored.reactions[key]
        await self._dispatch("MESSAGE_REACTION_REMOVE", self._reaction_event(stored, key, member, with_member=False))
        self._changed()

    def _reaction_event(
        self, m: _StoredMessage, emoji: str, user: dict[str, Any], *, with_member: bool
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "user_id": str(user["id"]),
            "channel_id": str(m.channel_id),
            "message_id": str(m.id),
            "guild_id": str(self.guild_id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        if with_member:
            event.update(member=self._member(user), message_author_id=str(self.bot_user_id), burst_colors=[])
        return event

    # ------------------------------------------------------------------ HTTP plumbing

    def _api(self, handler: ApiHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Wrap an API handler: parse and record the request, apply injected 429s, catch fake-side bugs."""

        async def route(request: web.Request) -> web.StreamResponse:
            call = await self._read_call(request)
            self.requests.append(call.rec)
            try:
                response = self._take_rate_limit(call.rec) or await handler(call)
            except Exception as exc:
                logger.exception("fake Discord failed on %s", call.rec)
                self.server_errors.append(f"{call.rec.method} {call.rec.path}: {exc!r}")
                response = error_response(500, 0, "fake Discord server error")
            call.rec.status = response.status
            self._changed()
            return response

        return route

    async def _read_call(self, request: web.Request) -> _Call:
        body: Any = None
        files: dict[int, Attachment] = {}
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                elif (match := _FILE_FIELD.match(part.name or "")) is not None:
                    files[int(match[1])] = Attachment(part.filename or "file", bytes(await part.read()))
        elif request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
        rec = RecordedRequest(
            method=request.method,
            path=request.path[len(API_PREFIX) :],
            query=dict(request.query),
            json=body,
            files=[files[i] for i in sorted(files)],
            at=time.monotonic(),
        )
        return _Call(request.method, request.match_info, request.query, rec, files)

    def _take_rate_limit(self, rec: RecordedRequest) -> web.Response | None:
        for limit in self._rate_limits:
            if limit.remaining > 0 and (limit.path_contains is None or limit.path_contains in rec.path):
                limit.remaining -= 1
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": limit.retry_after,
                    "global": limit.is_global,
                }
                headers = {
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, round(limit.retry_after))),
                    "X-RateLimit-Scope": "user",
                }
                return json_response(body, 429, headers)
        return None

    def _reject(self, rejection: Rejection, call: _Call) -> web.Response:
        self.rejections.append(f"{call.rec.method} {call.rec.path}: {rejection.reason}")
        return error_response(rejection.status, rejection.code, rejection.message, rejection.errors)

    def _add_routes(self, app: web.Application) -> None:
        for path in ("/gateway", "/gateway/", "/"):
            app.router.add_get(path, self._gateway)
        app.router.add_get("/files/{blob_id}/{filename}", self._serve_file)
        routes: list[tuple[str, str, ApiHandler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{app_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/commands", self._post_command),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", self._delete_command),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", self._post_command),
            ("DELETE", "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}", self._delete_command),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("GET", "/channels/{channel_id}/messages", self._list_messages),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._channel_message),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._reaction),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._reaction),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", self._reaction),
            ("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self._reaction_users),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", self._clear_reactions),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles),
            ("GET", "/guilds/{guild_id}/members", self._get_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, self._api(handler))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api(self._unknown))

    async def _unknown(self, call: _Call) -> web.Response:
        call.rec.unknown = True
        return error_response(404, 0, "Unknown")

    async def _no_content(self, _call: _Call) -> web.Response:
        return web.Response(status=204)

    async def _serve_file(self, request: web.Request) -> web.Response:
        blob = self._blobs.get(int(request.match_info["blob_id"]))
        if blob is None:
            raise web.HTTPNotFound()
        return web.Response(body=blob.data, headers={"Content-Type": blob.content_type})

    # ------------------------------------------------------------------ REST: users, app, guild, gateway

    async def _get_me(self, _call: _Call) -> web.Response:
        return json_response({**self.bot_user, "verified": True, "mfa_enabled": False})

    async def _get_user(self, call: _Call) -> web.Response:
        for user in [self.bot_user, self.owner_user, *self.users]:
            if user["id"] == call.match_info["user_id"]:
                return json_response(user)
        return self._reject(Rejection(404, 10013, "Unknown User", "unknown user"), call)

    async def _get_application(self, _call: _Call) -> web.Response:
        return json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.bot_user,
                "owner": self.owner_user,
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "approximate_guild_count": 1,
                "integration_types_config": {},
            }
        )

    async def _get_gateway(self, _call: _Call) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    def _check_guild(self, call: _Call) -> web.Response | None:
        if call.match_info.get("guild_id", str(self.guild_id)) != str(self.guild_id):
            return self._reject(Rejection(403, 50001, "Missing Access", "guild the bot is not in"), call)
        return None

    async def _get_guild(self, call: _Call) -> web.Response:
        return self._check_guild(call) or json_response(self._guild_payload(gateway=False))

    async def _get_guild_channels(self, call: _Call) -> web.Response:
        return self._check_guild(call) or json_response([self._channel_payload()])

    async def _get_roles(self, call: _Call) -> web.Response:
        return self._check_guild(call) or json_response([role_payload(self.guild_id, "@everyone")])

    async def _get_members(self, call: _Call) -> web.Response:
        return self._check_guild(call) or json_response([self._member(u) for u in [self.bot_user, *self.users]])

    async def _get_member(self, call: _Call) -> web.Response:
        if (error := self._check_guild(call)) is not None:
            return error
        for user in [self.bot_user, *self.users]:
            if user["id"] == call.match_info["user_id"]:
                return json_response(self._member(user))
        return self._reject(Rejection(404, 10007, "Unknown Member", "unknown member"), call)

    # ------------------------------------------------------------------ REST: application commands

    def _command_scope(self, call: _Call) -> int | web.Response | None:
        """The guild id of a command route (``None`` for global), or an error response."""
        if call.match_info["app_id"] != str(self.application_id):
            return self._reject(Rejection(403, 50001, "Missing Access", "wrong application id"), call)
        if (error := self._check_guild(call)) is not None:
            return error
        return self.guild_id if "guild_id" in call.match_info else None

    def _commands_of(self, guild_id: int | None) -> list[dict[str, Any]]:
        return self.guild_commands if guild_id is not None else self.global_commands

    def _echo_command(self, guild_id: int | None, command: dict[str, Any]) -> dict[str, Any]:
        ctype = int(command.get("type", 1))
        key = (guild_id, command["name"], ctype)
        command_id = self._command_ids.setdefault(key, self._snowflake())
        echoed = {
            "default_member_permissions": None,
            "nsfw": False,
            "description": "",
            "options": [],
            "contexts": None,
            "integration_types": [0],
            **command,
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "type": ctype,
        }
        if guild_id is not None:
            echoed["guild_id"] = str(guild_id)
        return echoed

    async def _get_commands(self, call: _Call) -> web.Response:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        return json_response(self._commands_of(scope))

    async def _put_commands(self, call: _Call) -> web.Response:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        body = call.body
        if (rejection := check_commands(body)) is not None:
            return self._reject(rejection, call)
        commands = [self._echo_command(scope, c) for c in body]
        self._commands_of(scope)[:] = commands
        self.command_syncs.append(CommandSync("guild" if scope else "global", scope, commands, time.monotonic()))
        return json_response(commands)

    async def _post_command(self, call: _Call) -> web.Response:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        body = call.body
        if (rejection := check_commands([body])) is not None:
            return self._reject(rejection, call)
        command = self._echo_command(scope, body)
        commands = self._commands_of(scope)
        commands[:] = [c for c in commands if c["id"] != command["id"]] + [command]
        return json_response(command)

    async def _delete_command(self, call: _Call) -> web.Response:
        scope = self._command_scope(call)
        if isinstance(scope, web.Response):
            return scope
        commands = self._commands_of(scope)
        commands[:] = [c for c in commands if c["id"] != call.match_info["command_id"]]
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: interactions and webhooks

    async def _interaction_callback(self, call: _Call) -> web.Response:
        now = time.monotonic()
        it = self._by_token.get(call.match_info["token"])
        if it is None or str(it.id) != call.match_info["interaction_id"]:
            return self._reject(
                Rejection(404, 10062, "Unknown interaction", "callback for an unknown interaction"), call
            )
        if it.initial is not None:
            rejection = Rejection(
                400, 40060, "Interaction has already been acknowledged.", f"{it.name}: second callback"
            )
            return self._reject(rejection, call)
        latency = now - it.dispatched_at
        if latency > self.response_deadline:
            reason = f"{it.name}: initial response after {latency:.2f}s (> {self.response_deadline}s)"
            return self._reject(Rejection(404, 10062, "Unknown interaction", reason), call)
        body = call.body or {}
        ctype, data = body.get("type"), body.get("data") or {}
        if ctype not in _VALID_CALLBACKS[it.type]:
            reason = f"{it.name}: callback type {ctype} is invalid for interaction type {it.type}"
            return self._reject(Rejection(400, 50035, "Invalid Form Body", reason), call)
        if ctype in (CALLBACK_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            creating = ctype == CALLBACK_MESSAGE
            if (
                rejection := check_message(data, call.file_sizes, it.attachment_size_limit, creating=creating)
            ) is not None:
                return self._reject(rejection, call)
        it.initial = Callback(type=ctype, data=data, at=now, latency=latency)

        stored: _StoredMessage | None = None
        message_type = 20 if it.type == INTERACTION_COMMAND else 0
        if ctype == CALLBACK_MESSAGE:
            stored = self._new_message(interaction=it, type=message_type)
            self._apply(stored, data, call.files, edit=False)
            self._snapshot(stored, "response", it)
            await self._echo(stored, "MESSAGE_CREATE")
        elif ctype == CALLBACK_DEFERRED_MESSAGE:
            stored = self._new_message(interaction=it, type=message_type)
            stored.flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            self._snapshot(stored, "deferred", it)
            await self._echo(stored, "MESSAGE_CREATE")
        elif ctype in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE) and it.message_id is not None:
            stored = self._stored.get(it.message_id)
            if stored is not None and ctype == CALLBACK_UPDATE_MESSAGE:
                self._apply(stored, data, call.files, edit=True)
                self._snapshot(stored, "update", it)
                await self._echo(stored, "MESSAGE_UPDATE")
        if stored is None:
            return json_response({"interaction": {"id": str(it.id), "type": it.type}, "resource": {"type": ctype}})
        it.original_id = stored.id
        summary = {
            "id": str(it.id),
            "type": it.type,
            "response_message_id": str(stored.id),
            "response_message_loading": bool(stored.flags & FLAG_LOADING),
            "response_message_ephemeral": stored.ephemeral,
        }
        return json_response(
            {"interaction": summary, "resource": {"type": ctype, "message": self._message_payload(stored)}}
        )

    def _webhook_interaction(self, call: _Call) -> Interaction | web.Response:
        """The interaction a webhook route's token belongs to, or the error Discord would give."""
        it = self._by_token.get(call.match_info["token"])
        if call.match_info["app_id"] != str(self.application_id) or it is None:
            return self._reject(Rejection(404, 10015, "Unknown Webhook", "webhook for an unknown interaction"), call)
        if time.monotonic() - it.dispatched_at > self.token_ttl:
            reason = f"{it.name}: interaction token used after {self.token_ttl}s"
            return self._reject(Rejection(401, 50027, "Invalid Webhook Token", reason), call)
        if it.initial is None:
            reason = f"{it.name}: followup/edit before the initial response"
            return self._reject(Rejection(404, 10015, "Unknown Webhook", reason), call)
        return it

    async def _followup(self, call: _Call) -> web.Response:
        it = self._webhook_interaction(call)
        if isinstance(it, web.Response):
            return it
        body = call.body or {}
        if (rejection := check_message(body, call.file_sizes, it.attachment_size_limit, creating=True)) is not None:
            return self._reject(rejection, call)
        original = self._stored.get(it.original_id or 0)
        if original is not None and original.flags & FLAG_LOADING and not original.deleted:
            # The first followup after a "thinking" defer replaces the placeholder and
            # keeps the defer's ephemeral state, whatever flags it asks for.
            ephemeral = original.flags & FLAG_EPHEMERAL
            self._apply(original, body, call.files, edit=False)
            original.flags = (original.flags & ~FLAG_EPHEMERAL) | ephemeral
            stored, event = original, "MESSAGE_UPDATE"
        else:
            stored, event = (
                self._new_message(interaction=it, type=20 if it.type == INTERACTION_COMMAND else 0),
                "MESSAGE_CREATE",
            )
            self._apply(stored, body, call.files, edit=False)
        self._snapshot(stored, "followup", it)
        await self._echo(stored, event)
        if call.query.get("wait", "false").lower() in ("1", "true"):
            return json_response(self._message_payload(stored))
        return web.Response(status=204)

    async def _webhook_message(self, call: _Call) -> web.Response:
        it = self._webhook_interaction(call)
        if isinstance(it, web.Response):
            return it
        raw_id = call.match_info["message_id"]
        message_id = it.original_id if raw_id == "@original" else int(raw_id) if raw_id.isdigit() else None
        stored = self._stored.get(message_id or 0)
        if stored is None or stored.deleted or (stored.interaction is not it and stored.id != it.original_id):
            return self._reject(UNKNOWN_MESSAGE, call)
        return await self._message_action(call, stored, it, it.attachment_size_limit)

    async def _message_action(
        self, call: _Call, stored: _StoredMessage, actor: Interaction | None, size_limit: int
    ) -> web.Response:
        """GET, PATCH or DELETE one message."""
        if call.method == "GET":
            return json_response(self._message_payload(stored))
        if call.method == "DELETE":
            stored.deleted = True
            self._snapshot(stored, "delete", actor)
            await self._echo(stored, "MESSAGE_DELETE")
            return web.Response(status=204)
        body = call.body or {}
        if (rejection := check_message(body, call.file_sizes, size_limit, creating=False)) is not None:
            return self._reject(rejection, call)
        self._apply(stored, body, call.files, edit=True)
        stored.flags &= ~FLAG_LOADING  # editing a "thinking" placeholder resolves it
        self._snapshot(stored, "edit", actor)
        await self._echo(stored, "MESSAGE_UPDATE")
        return json_response(self._message_payload(stored))

    # ------------------------------------------------------------------ REST: channel messages and reactions

    def _channel_stored(self, call: _Call) -> _StoredMessage | web.Response:
        """The visible message a channel route names, or the error Discord would give."""
        if call.match_info["channel_id"] != str(self.channel_id):
            return self._reject(Rejection(404, 10003, "Unknown Channel", "unknown channel"), call)
        raw_id = call.match_info.get("message_id", "")
        stored = self._stored.get(int(raw_id)) if raw_id.isdigit() else None
        if stored is None or stored.deleted or stored.ephemeral:
            return self._reject(UNKNOWN_MESSAGE, call)
        return stored

    async def _get_channel(self, call: _Call) -> web.Response:
        if call.match_info["channel_id"] != str(self.channel_id):
            return self._reject(Rejection(404, 10003, "Unknown Channel", "unknown channel"), call)
        return json_response(self._channel_payload())

    async def _list_messages(self, call: _Call) -> web.Response:
        if call.match_info["channel_id"] != str(self.channel_id):
            return self._reject(Rejection(404, 10003, "Unknown Channel", "unknown channel"), call)
        limit = int(call.query.get("limit", "50"))
        visible = [m.payload for m in reversed(self.channel_messages())]
        return json_response(visible[:limit])

    async def _create_message(self, call: _Call) -> web.Response:
        raw_id = call.match_info["channel_id"]
        channel_id = int(raw_id) if raw_id.isdigit() else 0
        if channel_id != self.channel_id and channel_id not in self._joined_channels:
            return self._reject(Rejection(404, 10003, "Unknown Channel", "unknown channel"), call)
        if channel_id in self._read_only:
            return self._reject(Rejection(403, 50013, "Missing Permissions", "no Send Messages there"), call)
        body = call.body or {}
        if (rejection := check_message(body, call.file_sizes, self.attachment_size_limit, creating=True)) is not None:
            return self._reject(rejection, call)
        stored = self._new_message(type=19 if body.get("message_reference") else 0, channel_id=channel_id)
        self._apply(stored, body, call.files, edit=False)
        stored.flags &= ~FLAG_EPHEMERAL
        self._snapshot(stored, "channel")
        await self._echo(stored, "MESSAGE_CREATE")
        return json_response(self._message_payload(stored))

    async def _channel_message(self, call: _Call) -> web.Response:
        stored = self._channel_stored(call)
        if isinstance(stored, web.Response):
            return stored
        return await self._message_action(call, stored, None, self.attachment_size_limit)

    async def _reaction(self, call: _Call) -> web.Response:
        stored = self._channel_stored(call)
        if isinstance(stored, web.Response):
            return stored
        key = emoji_key(unquote(call.match_info["emoji"]))
        user_id = int(call.match_info.get("user_id", self.bot_user_id))
        users = stored.reactions.get(key, set())
        if call.method == "PUT":
            if key not in stored.reactions and len(stored.reactions) >= MAX_REACTIONS:
                reason = f"more than {MAX_REACTIONS} distinct reactions"
                return self._reject(Rejection(400, 30010, "Maximum number of reactions reached (20)", reason), call)
            if user_id not in users:
                stored.reactions.setdefault(key, set()).add(user_id)
                await self._dispatch(
                    "MESSAGE_REACTION_ADD", self._reaction_event(stored, key, self.bot_user, with_member=True)
                )
        elif user_id in users:
            users.discard(user_id)
            if not users:
                del stored.reactions[key]
            user = next((u for u in [self.bot_user, *self.users] if int(u["id"]) == user_id), self.bot_user)
            await self._dispatch("MESSAGE_REACTION_REMOVE", self._reaction_event(stored, key, user, with_member=False))
        return web.Response(status=204)

    async def _reaction_users(self, call: _Call) -> web.Response:
        stored = self._channel_stored(call)
        if isinstance(stored, web.Response):
            return stored
        ids = stored.reactions.get(emoji_key(unquote(call.match_info["emoji"])), set())
        return json_response([u for u in [self.bot_user, *self.users] if int(u["id"]) in ids])

    async def _clear_reactions(self, call: _Call) -> web.Response:
        stored = self._channel_stored(call)
        if isinstance(stored, web.Response):
            return stored
        stored.reactions.clear()
        return web.Response(status=204)
