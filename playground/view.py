"""What the page shows: the channel's messages as the fake Discord holds them, in the shape the page's script draws
(file links pointing at the playground, ``attachment://`` embed images resolved, who used which command)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from fakediscord import FakeDiscord, Interaction, Message

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
AUDIO_TYPES = {".ogg", ".oga", ".opus", ".mp3", ".wav", ".flac"}


def file_url(attachment: Mapping[str, Any]) -> str:
    """Where the playground serves an attachment (same origin as the page, so links download and scripts fetch)."""
    return f"/files/{attachment['id']}/{quote(attachment['filename'])}"


def file_kind(filename: str) -> str:
    """``image``, ``audio`` or ``file``: how the page shows an attachment."""
    suffix = PurePosixPath(filename).suffix.lower()
    return "image" if suffix in IMAGE_TYPES else "audio" if suffix in AUDIO_TYPES else "file"


def _option_text(options: Iterable[Mapping[str, Any]], resolved: Mapping[str, Any]) -> list[str]:
    words: list[str] = []
    for option in options:
        if "options" in option and "value" not in option:  # a subcommand (group)
            words += [option["name"], *_option_text(option["options"], resolved)]
            continue
        value = option.get("value")
        if option.get("type") == 11:  # attachment: its filename
            value = ((resolved.get("attachments") or {}).get(str(value)) or {}).get("filename", value)
        words.append(f"{option['name']}:{str(value).lower() if isinstance(value, bool) else value}")
    return words


def invocation(it: Interaction) -> str:
    """What the user did, as the page's header over the reply says it: ``/melody notes:C E G``, ``Pick 1``."""
    data = it.payload.get("data") or {}
    if it.type == 2 and data.get("type", 1) == 1:
        return " ".join([f"/{data.get('name', it.name)}", *_option_text(data.get("options") or [], data.get(
            "resolved") or {})])
    if it.type == 2:
        return str(data.get("name", it.name))  # a message command: "Chords for this melody"
    component = _component((it.payload.get("message") or {}).get("components") or [], data.get("custom_id")) or {}
    return str(component.get("label") or (component.get("emoji") or {}).get("name") or "a button")


def _component(components: Iterable[Mapping[str, Any]], custom_id: object) -> Mapping[str, Any] | None:
    """The component with ``custom_id`` among ``components`` and their children."""
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        found = _component([*(component.get("components") or []), *filter(None, [component.get("accessory")])],
                           custom_id)
        if found is not None:
            return found
    return None


def _attachments(payload: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    files, by_name = [], {}
    for attachment in payload.get("attachments") or []:
        url = file_url(attachment)
        by_name[attachment["filename"]] = url
        files.append({"id": attachment["id"], "filename": attachment["filename"], "url": url,
                      "size": attachment.get("size", 0), "kind": file_kind(attachment["filename"]),
                      "description": attachment.get("description")})
    return files, by_name


def _embeds(payload: Mapping[str, Any], urls: Mapping[str, str]) -> tuple[list[dict[str, Any]], set[str]]:
    """The embeds with ``attachment://name`` images pointing at the files; the names so used (shown in the embed,
    not again below it, as Discord does)."""
    embeds, used = copy.deepcopy(list(payload.get("embeds") or [])), set()
    for embed in embeds:
        for part in ("image", "thumbnail"):
            url = (embed.get(part) or {}).get("url") or ""
            if url.startswith("attachment://") and url[len("attachment://"):] in urls:
                name = url[len("attachment://"):]
                embed[part]["url"] = urls[name]
                used.add(name)
    return embeds, used


def message_view(fake: FakeDiscord, message: Message, interactions: Mapping[int, Interaction], you: int) -> dict:
    """One message as the page draws it."""
    payload = message.payload
    files, urls = _attachments(payload)
    embeds, in_embeds = _embeds(payload, urls)
    it = interactions.get(message.interaction_id or 0)
    reactions = [{"emoji": emoji, "count": len(users), "me": you in users}
                 for emoji, users in fake.reactions(message.id).items() if users]
    return {
        "id": str(message.id),
        "author": payload["author"].get("global_name") or payload["author"]["username"],
        "bot": bool(payload["author"].get("bot")),
        "timestamp": payload.get("timestamp"),
        "edited": bool(payload.get("edited_timestamp")),
        "content": message.content,
        "embeds": embeds,
        "attachments": [f for f in files if f["filename"] not in in_embeds],
        "components": message.components,
        "reactions": reactions,
        "ephemeral": message.ephemeral,
        "loading": message.loading,
        "invoked": None if it is None else {
            "user": it.user.get("global_name") or it.user["username"],
            "action": "used" if it.type == 2 else "pressed",
            "what": invocation(it),
        },
    }


def channel_view(fake: FakeDiscord, you: int, notices: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """The messages ``you`` can see, oldest first: the channel's, your ephemeral ones and the playground's notices."""
    interactions = {it.id: it for it in fake.interactions}
    shown: list[dict[str, Any]] = []
    for message in fake.messages.values():
        if message.deleted:
            continue
        it = interactions.get(message.interaction_id or 0)
        if message.ephemeral and (it is None or int(it.user["id"]) != you):
            continue
        shown.append(message_view(fake, message, interactions, you))
    shown += list(notices)
    return sorted(shown, key=lambda m: int(m["id"]))
