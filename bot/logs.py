"""Log lines as text (discord.py's format) or, with ``MUSICGENIUS_LOG_FORMAT=json``, one JSON object per line.

Every line logged while an interaction is handled carries its ``request_id`` (the interaction id): the bot sets
`REQUEST_ID` when the interaction arrives, asyncio copies it into every task started for it, and
`studio.work.RenderQueue` carries it into its worker threads. The engine's worker thread and the render worker
processes serve many requests at once, so their lines carry none.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

import discord

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


@contextlib.contextmanager
def request_scope(request_id: str) -> Iterator[None]:
    """Log lines (and the tasks started) inside this block belong to ``request_id``."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request it was logged for (read where the line is logged, in its context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, "exception"?}``, one object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(log_format: str = "text", level: int = logging.INFO) -> None:
    """Log to stderr from the root logger: discord.py's text format, or JSON lines."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if log_format == "json" else discord.utils.MISSING  # MISSING: discord.py's own
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=level)
