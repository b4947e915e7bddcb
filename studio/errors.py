"""The errors a front end shows to users, raised by the core and rendered by each adapter in its own syntax."""

from __future__ import annotations

from data.errors import MusicError, Syntax, cmd, opt, render
from model.engine import EngineBusy, EngineStopped

__all__ = ["USER_ERRORS", "EngineBusy", "EngineStopped", "MusicError", "Syntax", "cmd", "opt", "render", "user_text"]

USER_ERRORS = (MusicError, EngineBusy)  # their text is written for the user
RESTARTING = "The composer is restarting. Try again in a few seconds."


def user_text(error: BaseException, syntax: Syntax) -> str | None:
    """What to tell the user about ``error`` in a front end's ``syntax``; None for an unexpected failure."""
    if isinstance(error, MusicError):
        return error.render(syntax)
    if isinstance(error, EngineBusy):
        return str(error)
    if isinstance(error, EngineStopped):
        return RESTARTING
    return None
