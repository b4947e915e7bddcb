"""Gateway (websocket) connections and sessions of the fake Discord server."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_VOICE_STATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intent bits deciding which dispatches a session receives (others are always sent).
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
_EVENT_INTENTS = {
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_MESSAGE_REACTIONS,
}


class Connection:
    """One websocket; payloads go out as JSON text or as a shared zlib stream."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        # discord.py asks for zlib-stream (or zstd-stream when a zstd module is
        # installed); it also accepts uncompressed text frames, used for anything else.
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._lock = asyncio.Lock()

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, payload: dict[str, Any]) -> None:
        """Send a payload; compression and sending stay in order across tasks."""
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            try:
                if self._zlib is None:
                    await self.ws.send_str(text)
                else:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
            except ConnectionError:
                pass  # the client went away; it will RESUME and get a replay


@dataclass
class Session:
    """A gateway session: survives reconnects via RESUME, replaying missed dispatches."""

    intents: int
    session_id: str = field(default_factory=lambda: secrets.token_hex(16))
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    connection: Connection | None = None
    ready: bool = False

    def wants(self, event: str) -> bool:
        """Whether the session's intents subscribe it to ``event``."""
        needed = _EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Number, buffer and (if connected) send a dispatch."""
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.sent.append(payload)
        if self.connection is not None and self.connection.open:
            await self.connection.send(payload)

    async def resume(self, connection: Connection, seq: int | None) -> None:
        """Attach a new connection, replay what the client missed, then send RESUMED."""
        self.connection = connection
        for payload in self.sent:
            if payload["s"] > (seq or 0):
                await connection.send(payload)
        await self.dispatch("RESUMED", {})
