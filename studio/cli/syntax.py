"""How the command line spells options and commands in messages (``--bars 12``, ``musicgenius melody "C E G"``)."""

from __future__ import annotations

import re
import shlex

from studio.errors import Syntax

POSITIONAL_NOTES = ("melody", "chords", "arrange", "similar", "analyze", "rewrite", "extend",
                    "transform")  # notes without a flag


def cli_syntax(subcommand: str | None) -> Syntax:
    """How the command line spells an option or a command in messages: ``--bars 12``, ``musicgenius melody "C E G"``."""

    def quote(value: str) -> str:
        if re.fullmatch(r"[\w./:#+-]+", value):
            return value
        return f'"{value}"' if not re.search(r'["$`\\!]', value) else shlex.quote(value)

    def spell(command: str | None, options: list[tuple[str, str | None]]) -> str:
        where = command or subcommand
        words = ["musicgenius", command] if command else []
        for name, value in options:
            if name == "notes" and where in POSITIONAL_NOTES and value is not None:
                words.append(quote(value))
            else:
                words.append("--" + name.replace("_", "-") + ("" if value is None else f" {quote(value)}"))
        return f"`{' '.join(words)}`"

    return spell
