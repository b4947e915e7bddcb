"""Database URLs without their passwords, for every message and log line that mentions one.

``postgresql://bot:secret@db/music`` prints as ``postgresql://bot:***@db/music``; a mistyped URL too, and so
does a ``?password=`` query parameter. `redact` also blanks the password of a given URL wherever it shows up
in a text, e.g. in a driver's message about a malformed URL (``invalid literal for int(): 'secret'``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

HIDDEN = "***"
MIN_PIECE = 3  # shorter pieces of a password cut at "/", "?" or "#" stay: hiding them would garble the text
# user:password@ after a slash, a space, a quote or the start (up to the last @ of the word, whatever the scheme)
_USERINFO = re.compile(r"(?:(?<=[/\s'\"=(])|^)([^\s/@:'\"=(]*:)[^\s'\"/][^\s'\"]*@")
_QUERY = re.compile(r"(?i)([?&](?:ssl)?password=)[^&#\s'\"]*")


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _QUERY.sub(rf"\g<1>{HIDDEN}", _USERINFO.sub(rf"\g<1>{HIDDEN}@", text))


def password(url: str) -> str | None:
    """The password of ``url``'s ``user:password@`` (up to its last ``@``), however malformed the rest is."""
    userinfo, at, _ = url.split("//", 1)[-1].rpartition("@")
    _, colon, secret = userinfo.partition(":")
    return secret if at and colon and secret else None


def redact(text: str, url: str | None = None) -> str:
    """``text`` with URL passwords hidden, and ``url``'s password hidden wherever it appears (also the pieces a
    driver may have read as a port or a path when the password holds ``/``, ``?`` or ``#``)."""
    text = redact_url(text)
    secret = password(url) if url else None
    if secret:
        pieces = {secret, unquote(secret), *(p for p in re.split(r"[/?#]", secret) if len(p) >= MIN_PIECE)}
        for piece in sorted(pieces, key=len, reverse=True):
            text = text.replace(piece, HIDDEN)
    return text
