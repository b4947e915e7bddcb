"""Records of what the bot did, as seen by the fake Discord server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .payloads import FLAG_EPHEMERAL, FLAG_LOADING

if TYPE_CHECKING:
    from .server import FakeDiscord

# Interaction callback (response) types.
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9


class Attachment(NamedTuple):
    """A file attached to a message: unpacks as ``(filename, data)``."""

    filename: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST request the bot made."""

    method: str
    #: Path relative to the API base, e.g. ``/channels/1/messages``.
    path: str
    query: dict[str, str]
    #: The JSON body (``payload_json`` for multipart requests), or ``None``.
    json: Any
    files: list[Attachment]
    #: ``time.monotonic()`` when the request arrived.
    at: float
    status: int = 0
    #: True when no route of the fake matched (answered 404).
    unknown: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class Message:
    """A snapshot of a message right after the bot created, edited or deleted it."""

    id: int
    channel_id: int
    #: What happened: ``response``, ``deferred``, ``followup``, ``edit``, ``update``
    #: (component message updated by a callback), ``channel`` (plain channel message) or ``delete``.
    kind: str
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    attachments: list[Attachment]
    flags: int
    interaction_id: int | None
    #: ``time.monotonic()`` of the change.
    at: float
    #: The full message object the fake returned to the bot.
    payload: dict[str, Any] = field(repr=False)
    #: Who the content notified (see ``server.pings``): "everyone", "role:<id>", "user:<id>".
    pings: frozenset[str] = frozenset()

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user can see the message."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred "Bot is thinking..." placeholder."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def deleted(self) -> bool:
        """Whether this snapshot records the deletion of the message."""
        return self.kind == "delete"

    def iter_components(self) -> Iterator[dict[str, Any]]:
        """All components, depth first (action rows, buttons, selects, ...)."""
        stack = list(reversed(self.components))
        while stack:
            component = stack.pop()
            yield component
            children = list(component.get("components") or [])
            if component.get("accessory"):
                children.append(component["accessory"])
            stack.extend(reversed(children))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All buttons on the message."""
        return [c for c in self.iter_components() if c.get("type") == 2]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        """The component with ``custom_id``, if any."""
        return next((c for c in self.iter_components() if c.get("custom_id") == custom_id), None)

    def button(self, label: str) -> dict[str, Any]:
        """The button with ``label``; raises ``KeyError`` listing the labels present."""
        for button in self.buttons:
            if button.get("label") == label:
                return button
        raise KeyError(f"no button {label!r}; buttons: {[b.get('label') for b in self.buttons]}")


@dataclass(frozen=True)
class Callback:
    """The bot's initial response to an interaction."""

    type: int
    data: dict[str, Any]
    #: ``time.monotonic()`` when the callback arrived.
    at: float
    #: Seconds from dispatching the interaction to receiving the callback.
    latency: float

    @property
    def flags(self) -> int:
        """Message flags of the response (64 = ephemeral)."""
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the response (or the deferred placeholder) is ephemeral."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def deferred(self) -> bool:
        """Whether the bot deferred (type 5 "thinking" or type 6 deferred update)."""
        return self.type in (CALLBACK_DEFERRED_MESSAGE, CALLBACK_DEFERRED_UPDATE)


class Interaction:
    """An interaction the fake dispatched, and everything the bot answered to it."""

    def __init__(
        self,
        fake: FakeDiscord,
        *,
        id: int,
        token: str,
        type: int,
        name: str,
        user: dict[str, Any],
        payload: dict[str, Any],
        attachment_size_limit: int,
        dispatched_at: float,
        message_id: int | None = None,
    ) -> None:
        self._fake = fake
        self.id = id
        self.token = token
        #: 2 application command, 3 component, 4 autocomplete, 5 form (modal) submitted.
        self.type = type
        #: Command name (``"group sub"`` for subcommands) or the component's custom_id.
        self.name = name
        self.user = user
        #: The INTERACTION_CREATE payload that was dispatched.
        self.payload = payload
        self.attachment_size_limit = attachment_size_limit
        self.dispatched_at = dispatched_at
        #: For component interactions: the message the component is on.
        self.message_id = message_id
        self.initial: Callback | None = None
        #: Every message snapshot the bot produced for this interaction, in order.
        self.messages: list[Message] = []
        #: Id of the ``@original`` message (the response, or the pressed component's message).
        self.original_id: int | None = None

    def __repr__(self) -> str:
        return f"<Interaction {self.name!r} type={self.type} initial={self.initial} messages={len(self.messages)}>"

    @property
    def followups(self) -> list[Message]:
        """Followup messages (the first one after a "thinking" defer replaces the placeholder)."""
        return [m for m in self.messages if m.kind == "followup"]

    @property
    def final(self) -> Message | None:
        """The latest state of the most recently changed message that is still visible."""
        deleted = {m.id for m in self.messages if m.deleted}
        for message in reversed(self.messages):
            if message.id not in deleted and not message.loading:
                return message
        return None

    @property
    def original(self) -> Message | None:
        """Current state of the ``@original`` message, if there is one."""
        return self._fake.messages.get(self.original_id) if self.original_id else None

    @property
    def ephemeral(self) -> bool:
        """Whether the initial response (or deferred placeholder) is ephemeral."""
        return self.initial is not None and self.initial.ephemeral

    def _describe(self) -> str:
        lines = [repr(self)] + [f"  {m.kind} #{m.id} flags={m.flags} content={m.content[:80]!r}" for m in self.messages]
        return "\n".join(lines)

    async def wait_for(self, predicate: Callable[[Interaction], bool], timeout: float = 5.0, what: str = "") -> None:
        """Wait until ``predicate(self)`` holds."""
        await self._fake.wait_until(
            lambda: predicate(self), timeout, what=f"{what or 'condition'} on {self._describe()}"
        )

    async def wait_initial(self, timeout: float = 5.0) -> Callback:
        """Wait for the initial response (type 4 message, 5 deferred, ...)."""
        await self.wait_for(lambda it: it.initial is not None, timeout, "initial response")
        assert self.initial is not None
        return self.initial

    async def wait_followup(self, timeout: float = 5.0, n: int = 1) -> Message:
        """Wait for the ``n``-th followup message and return it."""
        await self.wait_for(lambda it: len(it.followups) >= n, timeout, f"followup #{n}")
        return self.followups[n - 1]

    async def wait_message(self, predicate: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        """Wait for a message snapshot matching ``predicate`` and return the first such one."""
        await self.wait_for(lambda it: any(predicate(m) for m in it.messages), timeout, "matching message")
        return next(m for m in self.messages if predicate(m))

    async def wait_final(self, timeout: float = 5.0) -> Message:
        """Wait until a visible, non-placeholder message exists and return :attr:`final`."""
        await self.wait_for(lambda it: it.final is not None, timeout, "a visible message")
        assert self.final is not None
        return self.final

    async def wait_files(self, *suffixes: str, timeout: float = 5.0) -> Message:
        """Wait until :attr:`final` carries a file ending with each of ``suffixes`` (files a bot adds to a reply
        after sending it, by editing, included) and return it."""
        def has(it: Interaction) -> bool:
            final = it.final
            return final is not None and all(any(a.filename.endswith(x) for a in final.attachments) for x in suffixes)

        await self.wait_for(has, timeout, f"files {suffixes}")
        assert self.final is not None
        return self.final
