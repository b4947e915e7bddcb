"""Typed settings from the environment or a `.env` file. The token is never printed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from studio.melody import DEFAULT_CHECKPOINT


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


DEVICES = ("auto", "cpu", "cuda")


def _count(name: str, default: int, low: int, high: int) -> int:
    """A whole-number setting within [low, high]; SettingsError with the variable's name otherwise."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high} (default {default}), not '{text}'.")
    return int(text)


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
    database: str = field(default="musicgenius.sqlite3", repr=False)  # a SQLite path or a postgresql:// URL (secret)
    checkpoint: Path = DEFAULT_CHECKPOINT
    device: str = "cpu"
    max_batch: int = 64
    max_queue: int = 256
    shutdown_grace: int = 20  # seconds requests in flight get to finish on SIGTERM/SIGINT
    sync_state: Path | None = None  # hash of the last synced command tree (None: next to the database)

    @property
    def sync_state_path(self) -> Path:
        """Where the command-sync hash lives: ``sync_state``, else ``<database>.sync.json`` beside a SQLite file,
        else ``.musicgenius-sync.json`` in the working directory (a PostgreSQL URL)."""
        if self.sync_state is not None:
            return self.sync_state
        if "://" in self.database:
            return Path(".musicgenius-sync.json")
        return Path(f"{self.database}.sync.json")

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
        device = os.environ.get("MUSICGENIUS_DEVICE", "auto").strip() or "auto"
        if device not in DEVICES and not re.fullmatch(r"cuda:\d+", device):
            raise SettingsError(f"MUSICGENIUS_DEVICE must be one of {', '.join(DEVICES)} (or cuda:N), not '{device}'.")
        checkpoint = Path(os.environ.get("MUSICGENIUS_CHECKPOINT", "").strip() or DEFAULT_CHECKPOINT)
        if not checkpoint.is_file():
            raise SettingsError(f"MUSICGENIUS_CHECKPOINT: there is no file at {checkpoint}.")
        sync_state = os.environ.get("MUSICGENIUS_SYNC_STATE", "").strip()
        return cls(
            token=token,
            dev_guild=int(guild) if guild else None,
            api_base=os.environ.get("DISCORD_API_BASE") or None,
            gateway_url=os.environ.get("DISCORD_GATEWAY_URL") or None,
            database=os.environ.get("MUSICGENIUS_DB", "").strip() or "musicgenius.sqlite3",
            checkpoint=checkpoint,
            device=_device(device),
            max_batch=_count("MUSICGENIUS_MAX_BATCH", 64, 1, 4096),
            max_queue=_count("MUSICGENIUS_MAX_QUEUE", 256, 1, 100_000),
            shutdown_grace=_count("MUSICGENIUS_SHUTDOWN_GRACE", 20, 0, 600),
            sync_state=Path(sync_state) if sync_state else None,
        )
