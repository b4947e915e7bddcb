"""Prometheus metrics for one bot: the only module that imports prometheus_client.

Each bot has its own registry. Per interaction the bot notes its command and when it arrived (`Metrics.received`);
an aiohttp trace on the bot's HTTP session sees every REST call made with the interaction's token, so every path
(``defer``, ``send_message``, followups, edits, error messages) is timed alike:

* acknowledged: Discord accepted the first response ("thinking…", an answer, a modal);
* first message: the first message the user can read (a followup, an edit, or the response itself);
* reply: the last message sent for it, once its handlers are done (`Metrics.finished`), or once
  `reply_finished` says so when a reply grows after its handler returned (see `reply_continues`).

The engine's queue, batch and tokens, and the render backlog, are read when Prometheus scrapes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.settings import SettingsError

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from bot.client import MusicGenius

log = logging.getLogger("bot.requests")

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
TOKEN_LIFETIME = 15 * 60.0  # Discord drops an interaction's token after 15 minutes: so do we
_CALLBACK = re.compile(r"/interactions/\d+/([^/]+)/callback$")  # the response to the interaction
_WEBHOOK = re.compile(r"/webhooks/\d+/([^/]+)(?:/messages/[^/]+)?$")  # followups and edits
_MESSAGE_RESPONSES = {discord.InteractionResponseType.channel_message, discord.InteractionResponseType.message_update}


def command_of(data: Mapping[str, Any]) -> tuple[str, str]:
    """``(kind, command)`` of an INTERACTION_CREATE payload: ``("slash", "prefs show")``, ``("menu", "Chords for
    this melody")``, ``("button", "mg:melody:pick")`` (custom ids lose their numbers; unknown ones are ``other``)."""
    inner = data.get("data") or {}
    kind = data.get("type")
    if kind in (2, 4):  # application command, autocomplete
        names = [str(inner.get("name", "?"))]
        options = inner.get("options") or []
        while options and options[0].get("type") in (1, 2):  # subcommand (group)
            names.append(str(options[0].get("name", "?")))
            options = options[0].get("options") or []
        if kind == 4:
            return "autocomplete", " ".join(names)
        return ("slash" if inner.get("type", 1) == 1 else "menu"), " ".join(names)
    custom_id = str(inner.get("custom_id", ""))
    parts: list[str] = []
    if custom_id.startswith("mg:"):  # ours: mg:<feature>[:<action>]:<numbers, data>
        for part in custom_id.split(":")[:3]:
            if part.isdigit():
                break
            parts.append(part)
    label = ":".join(parts) or "other"  # discord.py's random view ids would make a series each
    if kind == 5:
        return "modal", label
    return ("button" if inner.get("component_type") == 2 else "select"), label


@dataclass
class _Request:
    """What is known about one interaction being answered (times from ``time.perf_counter``)."""

    request_id: str
    kind: str
    command: str
    started: float
    interaction: discord.Interaction | None = None  # the object handlers answer through (see `Metrics.watch`)
    acked: float | None = None
    first: float | None = None
    last: float | None = None
    handled: bool = False  # its handlers are done
    continues: bool = False  # a message is still to come after its handlers are done

    def response_was_a_message(self) -> bool:
        response = self.interaction.response.type if self.interaction is not None else None
        return response in _MESSAGE_RESPONSES


class _Live(Collector):
    """Engine and render state, read at scrape time (in the metrics server's thread: plain reads only)."""

    def __init__(self, bot: MusicGenius, metrics: Metrics) -> None:
        self.bot = bot
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        engine = self.bot.composer.engine
        yield GaugeMetricFamily("musicgenius_engine_queue_depth", "Melody requests waiting to join the engine's batch",
                                value=engine.queue_depth)
        yield GaugeMetricFamily("musicgenius_engine_batch_size", "Melody requests in the batch the engine is stepping",
                                value=engine.batch_size)
        yield GaugeMetricFamily("musicgenius_engine_max_batch", "The engine's batch limit (MUSICGENIUS_MAX_BATCH)",
                                value=engine.max_batch)
        yield GaugeMetricFamily("musicgenius_engine_up", "1 while the engine serves requests", value=int(engine.alive))
        yield CounterMetricFamily("musicgenius_engine_tokens", "Tokens the engine generated (rate: tokens/s)",
                                  value=engine.tokens)
        yield CounterMetricFamily("musicgenius_engine_steps", "Batched model steps (tokens / steps: mean batch size)",
                                  value=engine.steps)
        yield CounterMetricFamily("musicgenius_engine_restarts", "Engine worker restarts after a failure",
                                  value=engine.restarts)
        yield GaugeMetricFamily("musicgenius_render_backlog", "Replies whose files wait for or are in the renderers",
                                value=self.bot.renders.pending)
        yield GaugeMetricFamily("musicgenius_render_limit", "Render backlog at which new requests are told busy",
                                value=self.bot.renders.limit)
        yield GaugeMetricFamily("musicgenius_interactions_in_progress", "Interactions not answered in full yet",
                                value=self.metrics.in_progress)


class Metrics:
    """Counters and latency histograms of one bot, its /metrics server, and the HTTP trace that times replies."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter("musicgenius_commands", "Interactions received, by command and kind "
                                "(slash, menu, button, select, modal)", ["command", "kind"], registry=self.registry)
        self.ack_seconds = self._histogram("musicgenius_ack_seconds",
                                           "Interaction received -> Discord accepted the first response")
        self.first_message_seconds = self._histogram("musicgenius_first_message_seconds",
                                                     "Interaction received -> the first message the user can read")
        self.reply_seconds = self._histogram("musicgenius_reply_seconds",
                                             "Interaction received -> the last message of its reply")
        self.errors = Counter("musicgenius_errors", "Failed interactions, by kind (user: bad input, busy, limits; "
                              "internal: a bug or an outage) and exception type", ["kind", "type"],
                              registry=self.registry)
        self.trace = aiohttp.TraceConfig()  # passed to the bot's HTTP session (discord.Client's http_trace)
        self.trace.on_request_end.append(self._on_request_end)
        self._open: dict[str, _Request] = {}  # interaction token -> its request
        self._server: WSGIServer | None = None
        self.port: int | None = None  # where /metrics is served, once `serve` ran

    def _histogram(self, name: str, documentation: str) -> Histogram:
        return Histogram(name, documentation, ["command"], buckets=LATENCY_BUCKETS, registry=self.registry)

    def watch(self, bot: MusicGenius) -> None:
        """Read ``bot``'s engine and render queue at scrape time; keep each interaction handlers answer through."""
        self.registry.register(_Live(bot, self))
        bot.add_listener(self._on_interaction, "on_interaction")

    @property
    def in_progress(self) -> int:
        """Interactions not answered in full yet (a record is dropped once its reply is complete)."""
        return len(self._open)

    # ---- the /metrics server ---------------------------------------------------------------------------------------
    async def serve(self, host: str, port: int) -> None:
        """Serve /metrics on ``host:port`` (port 0: a free one, see ``self.port``) from a thread of its own."""
        try:
            self._server, _ = await asyncio.to_thread(start_http_server, port, host, registry=self.registry)
        except OSError as exc:
            raise SettingsError(f"MUSICGENIUS_METRICS_PORT: can't serve metrics on {host}:{port} "
                                f"({exc.strerror or exc}); choose a free port, or 0 for any.") from None
        self.port = self._server.server_port
        log.info("metrics on http://%s:%d/metrics", host if ":" not in host else f"[{host}]", self.port)

    async def stop(self) -> None:
        """Stop serving /metrics (the server thread needs up to half a second to notice)."""
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(server.shutdown)
            server.server_close()

    # ---- one interaction ---------------------------------------------------------------------------------------------
    def received(self, data: Mapping[str, Any]) -> None:
        """An interaction arrived (call in its request scope, see `bot.logs`); autocomplete is not a request."""
        kind, command = command_of(data)
        if kind == "autocomplete" or "token" not in data:
            return
        now = time.perf_counter()
        for token, old in list(self._open.items()):  # never answered in full: forget after the token expired
            if now - old.started > TOKEN_LIFETIME:
                del self._open[token]
        self.commands.labels(command, kind).inc()
        self._open[str(data["token"])] = _Request(str(data.get("id")), kind, command, now)
        log.info("%s %s received", kind, command)

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        request = self._open.get(interaction.token)
        if request is not None:
            request.interaction = interaction

    async def _on_request_end(self, _session: aiohttp.ClientSession, _context: Any,
                              params: aiohttp.TraceRequestEndParams) -> None:
        """Time the REST calls made with an interaction's token (runs in the task that made the call)."""
        if not 200 <= params.response.status < 300:
            return
        path = params.url.path
        if callback := _CALLBACK.search(path):
            request = self._open.get(callback[1])
            if request is not None and request.acked is None:
                request.acked = time.perf_counter()
                self.ack_seconds.labels(request.command).observe(request.acked - request.started)
        elif (webhook := _WEBHOOK.search(path)) and params.method in ("POST", "PATCH"):
            request = self._open.get(webhook[1])
            if request is not None:
                self._message(request, time.perf_counter())

    def _message(self, request: _Request, at: float) -> None:
        """A message for ``request`` was sent at ``at``."""
        self._response_message(request)
        if request.first is None:
            self._first(request, at)
        request.last = max(request.last or at, at)

    def _response_message(self, request: _Request) -> None:
        """When the response itself was a message (not "thinking…"), it was the first one."""
        if request.first is None and request.acked is not None and request.response_was_a_message():
            self._first(request, request.acked)
            request.last = max(request.last or request.acked, request.acked)

    def _first(self, request: _Request, at: float) -> None:
        request.first = at
        self.first_message_seconds.labels(request.command).observe(at - request.started)

    def finished(self, token: str) -> None:
        """Its handlers are done: the reply is complete, unless `reply_continues` was said for it."""
        request = self._open.get(token)
        if request is None:
            return
        request.handled = True
        if not request.continues:
            self._close(token)

    def continues(self, token: str) -> None:
        request = self._open.get(token)
        if request is not None:
            request.continues = True

    def done(self, token: str) -> None:
        request = self._open.get(token)
        if request is not None:
            request.continues = False
            if request.handled:
                self._close(token)

    def _close(self, token: str) -> None:
        request = self._open.pop(token)
        self._response_message(request)
        if request.last is not None:
            self.reply_seconds.labels(request.command).observe(request.last - request.started)
        log.info("%s %s done: %s", request.kind, request.command, ", ".join(
            f"{what} {at - request.started:.2f} s" for what, at in
            (("acknowledged", request.acked), ("first message", request.first), ("reply", request.last))
            if at is not None) or "nothing sent")

    def failed(self, error: BaseException, internal: bool) -> None:
        self.errors.labels("internal" if internal else "user", type(error).__name__).inc()


def _metrics(interaction: discord.Interaction) -> Metrics | None:
    metrics = getattr(interaction.client, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


def reply_continues(interaction: discord.Interaction) -> None:
    """Say, before the handler returns, that a message for ``interaction`` is still to come (files added later);
    then `reply_finished` must follow."""
    if (metrics := _metrics(interaction)) is not None:
        metrics.continues(interaction.token)


def reply_finished(interaction: discord.Interaction) -> None:
    """The last message for ``interaction`` is sent (after `reply_continues`): its reply latency is recorded."""
    if (metrics := _metrics(interaction)) is not None:
        metrics.done(interaction.token)


def count_error(interaction: discord.Interaction, error: BaseException, internal: bool) -> None:
    """Count a failed interaction: ``internal`` for bugs and outages, otherwise the user's (bad input, busy)."""
    if (metrics := _metrics(interaction)) is not None:
        metrics.failed(error, internal)
