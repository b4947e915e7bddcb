"""Slash commands typed as text — ``/melody C E G``, ``/melody notes:"C E G" key:"D minor" bars:8`` — read against
the command schema the bot registered, as Discord's own client would read them before sending the interaction."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Application command option types (Discord's numbering).
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
CHAT_INPUT, MESSAGE_COMMAND = 1, 3

_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»"}  # opening -> closing
_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}
_KIND_WORDS = {INTEGER: "a whole number", NUMBER: "a number", BOOLEAN: "true or false"}
_KIND_EXAMPLES = {INTEGER: "8", NUMBER: "0.9", BOOLEAN: "true", STRING: '"…"'}


class CommandError(ValueError):
    """A typed command the page cannot send, with what to type instead."""


@dataclass(frozen=True)
class Parsed:
    """A command ready for :meth:`FakeDiscord.slash`: ``name`` is ``"prefs set"`` for a subcommand."""

    name: str
    options: dict[str, Any]
    #: The attachment option the uploaded file goes into, if any.
    attachment: str | None = None
    #: How the page echoes it: ``/melody notes:C E G bars:8``.
    text: str = ""


@dataclass(frozen=True)
class Typing:
    """The option value being typed at the end of the text, for autocomplete."""

    command: str
    option: dict[str, Any]
    value: str
    #: The other options typed so far that are valid.
    others: dict[str, Any]


def chat_commands(commands: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The slash (chat input) commands among ``commands``, by name."""
    return sorted((c for c in commands if c.get("type", CHAT_INPUT) == CHAT_INPUT), key=lambda c: c["name"])


def command_list(commands: Sequence[dict[str, Any]]) -> str:
    """``/arrange, /chords, /melody …`` for hints."""
    return ", ".join(f"/{c['name']}" for c in chat_commands(commands))


def _spell(name: str, value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{name}:{text}"


def _example(option: dict[str, Any]) -> str:
    if option.get("choices"):
        return _spell(option["name"], option["choices"][0]["name"])
    return f"{option['name']}:{_KIND_EXAMPLES.get(option['type'], '…')}"


def _options_hint(command_name: str, options: Sequence[dict[str, Any]]) -> str:
    if not options:
        return f"/{command_name} takes no options."
    return f"/{command_name} options: " + ", ".join(f"{o['name']}:" for o in options) + "."


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """The text inside the quote that opens at ``i``, and the index after its closing quote (or the end)."""
    close = _QUOTES[text[i]]
    end = text.find(close, i + 1)
    if end < 0:
        return text[i + 1 :], len(text)
    return text[i + 1 : end], end + 1


def _segments(text: str, names: Sequence[str]) -> list[tuple[str | None, str]]:
    """Split the text after the command into ``(option or None for the leading free text, value)``.

    An option starts at ``name:`` (a known option, at the start or after a space); its value runs to the next one.
    A value in quotes is taken as it is, ``name:`` inside it included.
    """
    marker = re.compile("(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + "):",
                        re.IGNORECASE) if names else None
    segments: list[tuple[str | None, str]] = []
    name: str | None = None
    buffer: list[str] = []
    i, word_start = 0, True
    while i < len(text):
        match = marker.match(text, i) if marker is not None and word_start else None
        if match is not None:
            segments.append((name, "".join(buffer)))
            name, buffer = match[1].lower(), []
            i = match.end()
            while i < len(text) and text[i] == " ":
                i += 1
            continue
        if word_start and text[i] in _QUOTES and not "".join(buffer).strip():
            quoted, i = _read_quoted(text, i)
            buffer = [quoted]
            word_start = False
            continue
        buffer.append(text[i])
        word_start = text[i].isspace()
        i += 1
    segments.append((name, "".join(buffer)))
    return [(n, v.strip()) for n, v in segments if n is not None or v.strip()]


def _convert(command_name: str, option: dict[str, Any], raw: str) -> Any:
    """The typed value of ``option`` (choices by name or value, numbers, booleans), or CommandError."""
    name, kind = option["name"], option["type"]
    choices = option.get("choices") or []
    if choices:
        for choice in choices:
            if raw.lower() in (str(choice["name"]).lower(), str(choice["value"]).lower()):
                return choice["value"]
        listed = ", ".join(str(c["name"]) for c in choices)
        raise CommandError(f"`{name}:` is one of {listed} — not `{raw}`.")
    try:
        if kind == INTEGER:
            value: Any = int(raw)
        elif kind == NUMBER:
            value = float(raw)
        elif kind == BOOLEAN:
            if raw.lower() not in _TRUE | _FALSE:
                raise ValueError(raw)
            value = raw.lower() in _TRUE
        else:
            value = raw
    except ValueError:
        raise CommandError(f"`{name}:` takes {_KIND_WORDS[kind]}, e.g. `{_example(option)}` — not `{raw}`.") from None
    low, high = option.get("min_value"), option.get("max_value")
    if isinstance(value, int | float) and not isinstance(value, bool) and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        span = f"from {low} to {high}" if low is not None and high is not None else (
            f"at least {low}" if low is not None else f"at most {high}")
        raise CommandError(f"`{name}:` must be {span} — not `{raw}`.")
    if kind == STRING:
        shortest, longest = option.get("min_length") or 0, option.get("max_length") or 6000
        if not shortest <= len(value) <= longest:
            raise CommandError(f"`{name}:` must be {shortest} to {longest} characters long.")
    return value


def _resolve(
    text: str, commands: Sequence[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]], str]:
    """The command (with subcommands) named at the start of ``text``: ``(name, its options, the rest)``."""
    stripped = text.strip()
    known = chat_commands(commands)
    if not stripped.startswith("/"):
        raise CommandError(f"I only read slash commands: type `/` and a command, e.g. `/melody C E G`. "
                           f"Commands: {command_list(commands)}.")
    words = stripped[1:].split(None, 1)
    top = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    command = next((c for c in known if c["name"] == top), None)
    if command is None:
        close = difflib.get_close_matches(top, [c["name"] for c in known], n=1)
        guess = f" Did you mean `/{close[0]}`?" if close else ""
        what = f"There is no `/{top}` here." if top else "Type a command after the `/`."
        raise CommandError(f"{what}{guess} Commands: {command_list(commands)}.")
    name, options = command["name"], list(command.get("options") or [])
    while options and all(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options):
        parts = rest.split(None, 1)
        word = parts[0].lower() if parts else ""
        sub = next((o for o in options if o["name"] == word), None)
        if sub is None:
            listed = ", ".join(f"`/{name} {o['name']}`" for o in options)
            raise CommandError(f"/{name} needs one of {listed}.")
        name, options = f"{name} {sub['name']}", list(sub.get("options") or [])
        rest = parts[1] if len(parts) > 1 else ""
    return name, options, rest


def _free_text_option(options: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Where text typed without ``name:`` goes: the first required string option, else the first free string one."""
    strings = [o for o in options if o["type"] == STRING]
    return next((o for o in strings if o.get("required")), None) or next(
        (o for o in strings if not o.get("choices")), None)


# Words users type for an option another command spells differently (/lyrics theme:, /inspire topic:).
SYNONYMS = {"topic": ("theme",), "theme": ("topic",), "subject": ("theme", "topic"), "words": ("lyrics",),
            "lyric": ("lyrics",), "scale": ("key",), "time": ("meter",), "signature": ("meter",), "bpm": ("tempo",),
            "length": ("bars", "lines"), "genre": ("style",)}


def _check_unknown(name: str, options: Sequence[dict[str, Any]], value: str) -> None:
    """Refuse ``tempoo:90`` (a misspelt option) or ``topic:rain`` (another command's word for ``theme:``) instead
    of passing it on as part of another value."""
    names = [o["name"] for o in options]
    for word in re.findall(r"(?:^|\s)([a-z_]{3,}):", value):
        if word in names:
            continue
        close = [n for n in SYNONYMS.get(word, ()) if n in names][:1] or (
            difflib.get_close_matches(word, names, n=1, cutoff=0.75) if len(word) >= 4 else [])
        if close:
            raise CommandError(f"/{name} has no option `{word}:` — did you mean `{close[0]}:`? "
                               + _options_hint(name, options))


def parse(text: str, commands: Sequence[dict[str, Any]], *, has_file: bool = False) -> Parsed:
    """Read a typed slash command against the registered ``commands``; CommandError says what to type instead.

    Text before the first ``name:`` fills the command's main text option (``/melody C E G`` sets ``notes``). An
    uploaded file fills the attachment option named with ``midi:`` (or the command's only one)."""
    name, options, rest = _resolve(text, commands)
    by_name = {o["name"]: o for o in options}
    values: dict[str, Any] = {}
    attachment: str | None = None
    segments = _segments(rest, list(by_name))
    for option_name, raw in segments:
        _check_unknown(name, options, raw)
        if option_name is None:
            target = _free_text_option(options)
            if target is None:
                raise CommandError(f"/{name} has nowhere to put `{raw}`: {_options_hint(name, options)}")
            option_name = target["name"]
        if option_name in values or option_name == attachment:
            raise CommandError(f"`{option_name}:` is given twice.")
        option = by_name[option_name]
        if option["type"] == ATTACHMENT:
            if not has_file:
                raise CommandError(f"`{option_name}:` takes a file: attach it with 📎 first, then send the command.")
            attachment = option_name
            continue
        if not raw:
            raise CommandError(f"`{option_name}:` needs a value, e.g. `{_example(option)}`.")
        values[option_name] = _convert(name, option, raw)
    if has_file and attachment is None:
        files = [o["name"] for o in options if o["type"] == ATTACHMENT]
        if not files:
            raise CommandError(f"/{name} takes no file: remove the attachment (✕) or pick another command.")
        attachment = files[0]
    missing = [o["name"] for o in options if o.get("required") and o["name"] not in values and o["name"] != attachment]
    if any(by_name[m]["type"] == ATTACHMENT for m in missing):
        raise CommandError(f"/{name} needs a file: attach it with 📎 (left of the message box), then send.")
    if missing:
        needed = " ".join(_example(by_name[m]) for m in missing)
        raise CommandError(f"/{name} needs {', '.join(f'`{m}:`' for m in missing)}, e.g. `/{name} {needed}`.")
    shown = " ".join(_spell(k, v) for k, v in values.items())
    return Parsed(name, values, attachment, f"/{name} {shown}".strip())


def typing(text: str, commands: Sequence[dict[str, Any]]) -> Typing | None:
    """The option whose value ``text`` ends in (``/melody C E G key:D m`` -> ``key``, ``"D m"``), if any."""
    try:
        name, options, rest = _resolve(text, commands)
    except CommandError:
        return None
    by_name = {o["name"]: o for o in options}
    segments = _segments(rest, list(by_name))
    if not segments or segments[-1][0] is None:
        return None
    others: dict[str, Any] = {}
    for option_name, raw in segments[:-1]:
        option = by_name.get(option_name) if option_name else _free_text_option(options)
        if option is None or option["type"] == ATTACHMENT:
            continue
        try:
            others[option["name"]] = _convert(name, option, raw)
        except CommandError:
            continue
    option_name, value = segments[-1]
    return Typing(name, by_name[option_name], value, others)
