"""Typed, validated settings from the environment or a `.env` file (pydantic-settings).

``Settings(...)`` built in code (tests, benches) uses its arguments and the defaults only; `Settings.from_env`
reads the environment, then `.env` for whatever the environment leaves unset. A bad value raises `SettingsError`,
whose message names the variable and says what to type instead. Secrets never print: the token is a `SecretStr`
and the database URL, which may hold a password, stays out of ``repr`` and is shown with the password hidden.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource, SettingsConfigDict

from studio.melody import DEFAULT_CHECKPOINT
from studio.store.redact import redact_url


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names the variable."""


DEVICES = ("auto", "cpu", "cuda")
LOG_FORMATS = ("text", "json")
DEFAULT_DB = "musicgenius.sqlite3"
MAX_SHARDS = 10_000
# Whole-number settings: (lowest, highest, what the value means when it needs saying).
WHOLE: dict[str, tuple[int, int, str]] = {
    "max_batch": (1, 4096, ""),
    "max_queue": (1, 100_000, ""),
    "shutdown_grace": (0, 600, " seconds"),
    "metrics_port": (0, 65_535, " (0 picks a free port)"),
}
URLS = {"api_base": (("http", "https"), "https://discord.com/api/v10"),
        "gateway_url": (("ws", "wss"), "wss://gateway.discord.gg")}


def _bad(text: str) -> PydanticCustomError:
    """A validation error whose text follows the variable's name (``MUSICGENIUS_MAX_BATCH must be ...``)."""
    return PydanticCustomError("bad_setting", "{text}", {"text": text})


def _text(value: Any) -> str:
    return str(value).strip()


def _device(value: str) -> str:
    if value != "auto":
        return value
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Settings(BaseSettings):
    """Everything the bot process needs; `python -m bot --check-config` prints it, README lists the variables."""

    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True, extra="forbid",
                                      env_ignore_empty=True, hide_input_in_errors=True)

    token: SecretStr = Field(validation_alias="DISCORD_TOKEN")
    dev_guild: int | None = Field(None, validation_alias="DISCORD_DEV_GUILD")  # sync commands to this guild only
    api_base: str | None = Field(None, validation_alias="DISCORD_API_BASE")  # REST base URL (default: Discord's)
    gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")  # gateway URL (default: Discord's)
    database: str = Field(DEFAULT_DB, validation_alias="MUSICGENIUS_DB", repr=False)  # SQLite path or postgresql://
    checkpoint: Path = Field(DEFAULT_CHECKPOINT, validation_alias="MUSICGENIUS_CHECKPOINT", validate_default=True)
    device: str = Field("auto", validation_alias="MUSICGENIUS_DEVICE", validate_default=True)  # "auto" is resolved
    max_batch: int = Field(64, validation_alias="MUSICGENIUS_MAX_BATCH")
    max_queue: int = Field(256, validation_alias="MUSICGENIUS_MAX_QUEUE")
    shutdown_grace: int = Field(20, validation_alias="MUSICGENIUS_SHUTDOWN_GRACE")  # seconds for requests in flight
    sync_state: Path | None = Field(None, validation_alias="MUSICGENIUS_SYNC_STATE")  # None: next to the database
    metrics_port: int | None = Field(None, validation_alias="MUSICGENIUS_METRICS_PORT")  # None: no /metrics
    metrics_host: str = Field("127.0.0.1", validation_alias="MUSICGENIUS_METRICS_HOST")
    log_format: Literal["text", "json"] = Field("text", validation_alias="MUSICGENIUS_LOG_FORMAT")
    # redis://host:port/db: melodies are written by `musicgenius-worker` processes (None: by an in-process engine)
    queue: str | None = Field(None, validation_alias="MUSICGENIUS_QUEUE", repr=False)
    queue_prefix: str = Field("musicgenius", validation_alias="MUSICGENIUS_QUEUE_PREFIX")  # the workers' too
    # "auto" or a count: discord.py's AutoShardedBot, one gateway connection per shard (None: one, unsharded)
    shards: int | Literal["auto"] | None = Field(None, validation_alias="MUSICGENIUS_SHARDS")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: Any, env_settings: Any,
                                   dotenv_settings: Any, file_secret_settings: Any) -> tuple[Any, ...]:
        """Only the arguments: a Settings built in code never picks up the environment (see `from_env`)."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Settings:
        """Read DISCORD_TOKEN and friends; values already in the environment win over `env_file`."""
        found: dict[str, Any] = {}
        if env_file:
            found.update(DotEnvSettingsSource(cls, env_file=env_file)())
        found.update(EnvSettingsSource(cls)())
        return cls(**{name: value for name, value in found.items() if name in VARIABLES.values()})

    # ---- validation: each message follows the variable's name and shows what to type ------------------------------
    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else _text(value)
        if not text:
            raise PydanticCustomError("missing", "missing")
        return text

    @field_validator("dev_guild", mode="before")
    @classmethod
    def _guild(cls, value: Any) -> Any:
        text = "" if value is None else _text(value)
        if not text:
            return None
        if not text.isdigit():
            raise _bad(f"must be a numeric guild id, like 123456789012345678 (Discord: turn on Developer Mode, "
                       f"right-click the server, Copy Server ID), not '{text}'.")
        return int(text)

    @field_validator("api_base", "gateway_url", mode="before")
    @classmethod
    def _url(cls, value: Any, info: ValidationInfo) -> Any:
        text = "" if value is None else _text(value)
        if not text:
            return None
        schemes, example = URLS[info.field_name or ""]
        parts = urlsplit(text)
        if parts.scheme not in schemes or not parts.netloc:
            raise _bad(f"must be a URL starting with {' or '.join(f'{s}://' for s in schemes)}, such as {example}, "
                       f"not '{redact_url(text)}'.")
        return text

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any) -> Any:
        text = _text(value)
        scheme = re.match(r"([a-zA-Z][\w+.-]+):/", text)  # the forms `studio.store.open_store` accepts
        if not text or (scheme and scheme[1] not in ("postgresql", "postgres", "sqlite")):
            raise _bad(f"must be a SQLite file ({DEFAULT_DB}, sqlite:////data/bot.sqlite3) or a "
                       f"postgresql://user:password@host/database URL, not '{redact_url(text)}'.")
        return text

    @field_validator("checkpoint", mode="after")
    @classmethod
    def _checkpoint(cls, value: Path) -> Path:
        if not value.is_file():
            raise _bad(f"must name a model checkpoint, but there is no file at {value} "
                       f"(leave it unset for the shipped one).")
        return value

    @field_validator("device", mode="before")
    @classmethod
    def _known_device(cls, value: Any) -> Any:
        text = _text(value).lower() or "auto"
        if text not in DEVICES and not re.fullmatch(r"cuda:\d+", text):
            raise _bad(f"must be one of {', '.join(DEVICES)} (or cuda:N), not '{text}'.")
        return _device(text)

    @field_validator("max_batch", "max_queue", "shutdown_grace", "metrics_port", mode="before")
    @classmethod
    def _whole(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if value is None and name == "metrics_port":
            return None
        low, high, unit = WHOLE[name]
        default = cls.model_fields[name].default
        text = _text(value)
        if isinstance(value, bool) or not text.isdigit() or not low <= int(text) <= high:
            said = f" (default {default})" if default is not None else ""
            raise _bad(f"must be a whole number from {low} to {high}{unit}{said}, not '{text}'.")
        return int(text)

    @field_validator("sync_state", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Any:
        return None if value is None or not _text(value) else Path(_text(value))

    @field_validator("metrics_host", mode="before")
    @classmethod
    def _host(cls, value: Any) -> Any:
        text = _text(value)
        if not text or any(c.isspace() or c in "/@" for c in text):
            raise _bad(f"must be a host name or IP address to listen on, like 127.0.0.1 or 0.0.0.0, not '{text}'.")
        return text.strip("[]")

    @field_validator("queue", mode="before")
    @classmethod
    def _queue(cls, value: Any) -> Any:
        text = "" if value is None else _text(value)
        if not text:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
            raise _bad(f"must be a Redis URL such as redis://127.0.0.1:6379/0 (leave it unset to run the model in "
                       f"the bot's process), not '{redact_url(text)}'.")
        return text

    @field_validator("queue_prefix", mode="before")
    @classmethod
    def _prefix(cls, value: Any) -> Any:
        text = _text(value)
        if not re.fullmatch(r"[\w.:-]{1,64}", text):
            raise _bad(f"must be 1 to 64 letters, digits or . _ : - (the workers' --prefix), not '{text}'.")
        return text

    @field_validator("shards", mode="before")
    @classmethod
    def _shards(cls, value: Any) -> Any:
        text = "" if value is None else _text(value).lower()
        if not text:
            return None
        if text == "auto":
            return text
        if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_SHARDS:
            raise _bad(f"must be auto (as many shards as Discord recommends) or a whole number from 1 to "
                       f"{MAX_SHARDS}, not '{text}' (leave it unset for one unsharded connection).")
        return int(text)

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        text = _text(value).lower()
        if text not in LOG_FORMATS:
            raise _bad(f"must be {' or '.join(LOG_FORMATS)}, not '{text}'.")
        return text

    # ---- derived values ------------------------------------------------------------------------------------------
    @property
    def sync_state_path(self) -> Path:
        """Where the command-sync hash lives: ``sync_state``, else ``<database>.sync.json`` beside a SQLite file,
        else ``.musicgenius-sync.json`` in the working directory (a PostgreSQL URL)."""
        if self.sync_state is not None:
            return self.sync_state
        if "://" in self.database:
            return Path(".musicgenius-sync.json")
        return Path(f"{self.database}.sync.json")

    def described(self) -> list[tuple[str, str]]:
        """Every variable with the value that will be used, secrets masked, and ``(default)`` when it was not set."""
        token = self.token.get_secret_value()
        shown = {
            "token": f"****{token[-4:]}" if len(token) >= 20 else "set",
            "database": redact_url(self.database),
            "sync_state": f"{self.sync_state_path}",
            "metrics_port": "off (no /metrics)" if self.metrics_port is None else str(self.metrics_port),
            "dev_guild": "none (commands sync globally)" if self.dev_guild is None else str(self.dev_guild),
            "api_base": self.api_base or "Discord's",
            "gateway_url": self.gateway_url or "Discord's",
            "queue": redact_url(self.queue) if self.queue else "none (the model runs in the bot's process)",
            "shards": "off (one gateway connection)" if self.shards is None else str(self.shards),
        }
        rows = []
        for name, variable in VARIABLES.items():
            value = shown.get(name, str(getattr(self, name)))
            if name not in self.model_fields_set:
                value = f"{value}  (default{': auto' if name == 'device' else ''})"
            rows.append((variable, value))
        return rows


VARIABLES: dict[str, str] = {name: str(info.validation_alias) for name, info in Settings.model_fields.items()}


def _explain(exc: ValidationError) -> str:
    """One line per problem, each naming the variable (never showing a secret's value)."""
    by_alias = {alias: alias for alias in VARIABLES.values()}
    lines = []
    for error in exc.errors(include_input=False):
        where = str(error["loc"][0]) if error["loc"] else ""
        variable = VARIABLES.get(where) or by_alias.get(where) or where
        if error["type"] == "missing" and variable == VARIABLES["token"]:
            lines.append(f"{variable} is not set: put {variable}=<your bot token> in the environment or in a .env "
                         f"file (Discord Developer Portal, your application, Bot, Reset Token).")
        elif error["type"] == "bad_setting":
            lines.append(f"{variable} {error['msg']}")
        else:
            lines.append(f"{variable}: {error['msg']}.")
    return "\n".join(lines)
