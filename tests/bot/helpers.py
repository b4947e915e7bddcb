"""Reading what a user sees in the bot's replies."""

from __future__ import annotations

import re


def candidate_notes(content: str, number: int) -> str:
    """The note text of candidate ``number`` (1-based) in a melody reply's message."""
    match = re.search(rf"\*\*{number}\.\*\*[^`\n]*```\n(.*?)\n```", content, re.DOTALL)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1)


def candidate_tries(content: str, number: int) -> str:
    """What candidate ``number`` tries, as the reply says ("tries D dorian"); "" when it tries nothing new."""
    match = re.search(rf"\*\*{number}\.\*\*(?: _(.*?)_)? ```", content)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1) or ""
