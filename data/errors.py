"""Errors written for the user, free of any front end's syntax.

A message names options and commands with ``opt`` and ``cmd``; each front end renders them its own way
(``bars:12`` in Discord, ``--bars 12`` on the command line) with ``MusicError.render``. ``str(error)``
uses a neutral form, for logs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MARK = re.compile(r"⟦(?P<command>/[a-z]+)?(?P<body>[^⟧]*)⟧")
_FIELD, _VALUE = "\x1f", "\x1e"  # between options, and between an option's name and value (never in typed text)
_UNSAFE = str.maketrans("", "", f"⟦⟧{_FIELD}{_VALUE}")
Syntax = Callable[[str | None, list[tuple[str, str | None]]], str]


def _field(name: str, value: object) -> str:
    return name if value is None else f"{name}{_VALUE}{str(value).translate(_UNSAFE)}"


def opt(name: str, value: object = None) -> str:
    """An option as the user would type it, e.g. ``opt("bars", 12)``; without a value, just its name."""
    return f"⟦{_field(name, value)}⟧"


def cmd(command: str, **options: object) -> str:
    """A whole command to type, e.g. ``cmd("melody", notes="C E G")``; options set to None are left out."""
    return "⟦/" + command + "".join(_FIELD + _field(n, v) for n, v in options.items() if v is not None) + "⟧"


def _parts(match: re.Match[str]) -> tuple[str | None, list[tuple[str, str | None]]]:
    command = match["command"][1:] if match["command"] else None
    items = [item.partition(_VALUE) for item in match["body"].split(_FIELD) if item]
    return command, [(name, value if sep else None) for name, sep, value in items]


def render(text: str, syntax: Syntax) -> str:
    """Replace every ``opt``/``cmd`` mark in ``text`` with ``syntax(command, [(option, value), ...])``."""
    return _MARK.sub(lambda m: syntax(*_parts(m)), text)


def plain_syntax(command: str | None, options: list[tuple[str, str | None]]) -> str:
    """The neutral form used by ``str()``: ``bars=12``, ``melody(notes=C E G)``."""
    said = ", ".join(name if value is None else f"{name}={value}" for name, value in options)
    return f"`{command}({said})`" if command else f"`{said}`"


class MusicError(ValueError):
    """Bad input; the message is written for the user and says what to type instead.

    ``option`` is the option the mistake concerns (None when it is not one option), ``example`` a good value.
    """

    def __init__(self, message: str, option: str | None = None, example: object = None) -> None:
        super().__init__(message)
        self.message, self.option = message, option
        self.example = None if example is None else str(example)

    def render(self, syntax: Syntax) -> str:
        return render(self.message, syntax)

    def __str__(self) -> str:
        return self.render(plain_syntax)
