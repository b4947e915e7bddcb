"""Checks of bot requests against Discord's documented limits.

Each check returns ``None`` when the request is fine, otherwise a :class:`Rejection`
that the server turns into the error response Discord would send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .payloads import FLAG_COMPONENTS_V2

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_ATTACHMENTS = 10
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_CUSTOM_ID = 100
MAX_REACTIONS = 20
MAX_COMMAND_OPTIONS = 25
MAX_CHOICES = 25
_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class Rejection:
    """An error response Discord would give, plus a human-readable reason."""

    status: int
    code: int
    message: str
    reason: str
    errors: dict[str, Any] = field(default_factory=dict)


def _form_error(path: str, code: str, message: str) -> Rejection:
    """A 400 "Invalid Form Body" (code 50035) with Discord's nested ``errors`` shape."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return Rejection(400, 50035, "Invalid Form Body", f"{path}: {message}", errors)


def _embed_length(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def _check_components(components: list[dict[str, Any]], flags: int) -> Rejection | None:
    if not flags & FLAG_COMPONENTS_V2 and len(components) > MAX_ACTION_ROWS:
        return _form_error("components", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ACTION_ROWS} or fewer in length.")
    for r, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > MAX_ROW_COMPONENTS:
            return _form_error(
                f"components.{r}.components",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_ROW_COMPONENTS} or fewer in length.",
            )
        for c, child in enumerate(children):
            custom_id = child.get("custom_id")
            if custom_id is not None and not 1 <= len(custom_id) <= MAX_CUSTOM_ID:
                return _form_error(
                    f"components.{r}.components.{c}.custom_id",
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {MAX_CUSTOM_ID} in length.",
                )
    return None


def check_message(
    body: dict[str, Any], file_sizes: Sequence[tuple[str, int]], size_limit: int, *, creating: bool
) -> Rejection | None:
    """Check a message create/edit body and its uploaded files against Discord's limits."""
    keys = ("content", "embeds", "attachments", "components", "sticker_ids", "poll")
    if creating and not file_sizes and not any(body.get(k) for k in keys):
        return Rejection(400, 50006, "Cannot send an empty message", "empty message")
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        return _form_error("content", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        return _form_error("embeds", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
    for i, embed in enumerate(embeds):
        if len(embed.get("description") or "") > MAX_EMBED_DESCRIPTION:
            return _form_error(
                f"embeds.{i}.description",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_EMBED_DESCRIPTION} or fewer in length.",
            )
        if len(embed.get("fields") or []) > MAX_EMBED_FIELDS:
            return _form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBED_FIELDS} or fewer.")
    if sum(_embed_length(e) for e in embeds) > MAX_EMBED_TOTAL:
        return _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}")
    if len(body.get("attachments") or []) > MAX_ATTACHMENTS or len(file_sizes) > MAX_ATTACHMENTS:
        return _form_error("attachments", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ATTACHMENTS} or fewer in length.")
    for name, size in file_sizes:
        if size > size_limit:
            return Rejection(413, 40005, "Request entity too large", f"file {name!r} is {size} bytes > {size_limit}")
    return _check_components(body.get("components") or [], int(body.get("flags") or 0))


def _check_localizations(path: str, item: dict[str, Any], slash_name: bool, name_limit: int = 32) -> Rejection | None:
    """``name_localizations`` (a slash command's or option's follow the name rules; an Apps menu's are 1-32
    characters, a choice's 1-100) and ``description_localizations`` (1-100) of a command, option or choice."""
    for locale, name in (item.get("name_localizations") or {}).items():
        if slash_name and (not _COMMAND_NAME.match(name) or name != name.lower()):
            return _form_error(f"{path}.name_localizations.{locale}", "APPLICATION_COMMAND_INVALID_NAME",
                               f"Invalid command name {name!r}")
        if not 1 <= len(name) <= name_limit:
            return _form_error(f"{path}.name_localizations.{locale}", "BASE_TYPE_BAD_LENGTH", "Bad length.")
    for locale, text in (item.get("description_localizations") or {}).items():
        if not 1 <= len(text) <= 100:
            return _form_error(f"{path}.description_localizations.{locale}", "BASE_TYPE_BAD_LENGTH",
                               "Must be between 1 and 100 in length.")
    return None


def _check_option_localizations(path: str, options: list[dict[str, Any]]) -> Rejection | None:
    for j, option in enumerate(options):
        at = f"{path}.options.{j}"
        if (rejection := _check_localizations(at, option, slash_name=True)) is not None:
            return rejection
        for k, choice in enumerate(option.get("choices") or []):
            if (rejection := _check_localizations(f"{at}.choices.{k}", choice, False, 100)) is not None:
                return rejection
        if (rejection := _check_option_localizations(at, option.get("options") or [])) is not None:
            return rejection
    return None


def check_commands(commands: Any) -> Rejection | None:
    """Check a bulk-overwrite body of application commands (localisations included)."""
    if not isinstance(commands, list):
        return _form_error("_root", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    for i, command in enumerate(commands):
        name = command.get("name") or ""
        ctype = command.get("type", 1)
        if (rejection := _check_localizations(str(i), command, slash_name=ctype == 1)) is not None:
            return rejection
        if (rejection := _check_option_localizations(str(i), command.get("options") or [])) is not None:
            return rejection
        if ctype == 1 and (not _COMMAND_NAME.match(name) or name != name.lower()):
            return _form_error(f"{i}.name", "APPLICATION_COMMAND_INVALID_NAME", f"Invalid command name {name!r}")
        if ctype == 1 and not 1 <= len(command.get("description") or "") <= 100:
            return _form_error(f"{i}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        options = command.get("options") or []
        if len(options) > MAX_COMMAND_OPTIONS:
            return _form_error(f"{i}.options", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_COMMAND_OPTIONS} or fewer.")
        for j, option in enumerate(options):
            if len(option.get("choices") or []) > MAX_CHOICES:
                return _form_error(
                    f"{i}.options.{j}.choices", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CHOICES} or fewer."
                )
    return None
