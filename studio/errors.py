"""The errors a front end shows to users, raised by the core and rendered by each adapter in its own syntax."""

from __future__ import annotations

from data.errors import MusicError, Syntax, cmd, opt, render
from model.engine import EngineBusy, EngineStopped
from studio.store.base import StoreUnavailable

__all__ = ["USER_ERRORS", "EngineBusy", "EngineStopped", "MusicError", "StoreUnavailable", "Syntax", "cmd",
           "opt", "render", "user_text"]

USER_ERRORS = (MusicError, EngineBusy, EngineStopped, StoreUnavailable)  # their text is written for the user


def user_text(error: BaseException, syntax: Syntax) -> str | None:
    """What to tell the user about ``error`` in a front end's ``syntax``; None for an unexpected failure."""
    if isinstance(error, MusicError):
        return error.render(syntax)
    if isinstance(error, EngineBusy | EngineStopped):
        return str(error)  # the engine says whether it is restarting, stopped or shutting down
    if isinstance(error, StoreUnavailable):
        return error.USER_TEXT  # never the driver's own message: it may quote the database address
    return None
