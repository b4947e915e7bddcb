"""Typed settings from the environment or a `.env` file. The token is never printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from studio.melody import DEFAULT_CHECKPOINT


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


def _device(value: str) -> str:
    if value != "auto":
        return value
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass(frozen=True)
class Settings:
    """Everything the bot process needs; see README for the variables."""

    token: str = field(repr=False)
    dev_guild: int | None = None
    api_base: str | None = None  # REST base URL, e.g. a self-hosted proxy (default: Discord's)
    gateway_url: str | None = None  # gateway websocket URL (default: Discord's)
    database: str = "musicgenius.sqlite3"  # a SQLite path, or a postgresql:// URL
    checkpoint: Path = DEFAULT_CHECKPOINT
    device: str = "cpu"
    max_batch: int = 64
    max_queue: int = 256

    @classmethod
    def from_env(cls, env_file: str | None = ".env") -> Settings:
        """Read DISCORD_TOKEN and friends; values already in the environment win over `.env`."""
        if env_file:
            load_dotenv(env_file, override=False)
        token = os.environ.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise SettingsError("DISCORD_TOKEN is not set: put it in the environment or in a .env file.")
        guild = os.environ.get("DISCORD_DEV_GUILD", "").strip()
        if guild and not guild.isdigit():
            raise SettingsError("DISCORD_DEV_GUILD must be a numeric guild id.")
        return cls(
            token=token,
            dev_guild=int(guild) if guild else None,
            api_base=os.environ.get("DISCORD_API_BASE") or None,
            gateway_url=os.environ.get("DISCORD_GATEWAY_URL") or None,
            database=os.environ.get("MUSICGENIUS_DB", "musicgenius.sqlite3"),
            checkpoint=Path(os.environ.get("MUSICGENIUS_CHECKPOINT", str(DEFAULT_CHECKPOINT))),
            device=_device(os.environ.get("MUSICGENIUS_DEVICE", "auto")),
            max_batch=int(os.environ.get("MUSICGENIUS_MAX_BATCH", "64")),
            max_queue=int(os.environ.get("MUSICGENIUS_MAX_QUEUE", "256")),
        )
