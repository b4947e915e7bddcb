"""The fake Discord moved to the top-level ``fakediscord`` package (the playground uses it at run time); this
re-exports it so ``tests.fakediscord`` and ``tests.fakediscord.server`` (…) imports keep working."""

import sys

import fakediscord
from fakediscord import *  # noqa: F403
from fakediscord import gateway, payloads, records, running, server, validation

from .fixtures import fake_discord

for _module in (gateway, payloads, records, running, server, validation):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

__all__ = [*fakediscord.__all__, "fake_discord"]
