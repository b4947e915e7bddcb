"""Bad environment values stop `python -m bot` with a clear message and exit status 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import Settings, SettingsError


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("MUSICGENIUS_MAX_BATCH", "abc", "MUSICGENIUS_MAX_BATCH must be a whole number from 1"),
    ("MUSICGENIUS_MAX_BATCH", "0", "not '0'"),
    ("MUSICGENIUS_MAX_QUEUE", "-5", "MUSICGENIUS_MAX_QUEUE"),
    ("MUSICGENIUS_DEVICE", "tpu", "MUSICGENIUS_DEVICE must be one of auto, cpu, cuda"),
    ("MUSICGENIUS_CHECKPOINT", "/nowhere/melody.pt", "no file at /nowhere/melody.pt"),
    ("DISCORD_DEV_GUILD", "my-server", "numeric guild id"),
    ("MUSICGENIUS_DB", "postgresq://bot:s3cret@db/music", "MUSICGENIUS_DB"),
    ("MUSICGENIUS_DB", "postgresql://bot:s3cret@127.0.0.1:9/music", "MUSICGENIUS_DB"),
])
def test_a_bad_setting_is_a_clear_message_and_exit_status_2(tmp_path, name, value, needle):
    env = {**os.environ, "DISCORD_TOKEN": "not-a-real-token", name: value}
    done = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert "not-a-real-token" not in done.stdout + done.stderr  # the token is never printed
    assert "s3cret" not in done.stdout + done.stderr  # nor a database password


def test_good_values_are_read(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-value")
    monkeypatch.setenv("MUSICGENIUS_MAX_BATCH", " 8 ")
    monkeypatch.setenv("MUSICGENIUS_DEVICE", "cpu")
    settings = Settings.from_env(env_file=None)
    assert settings.max_batch == 8 and settings.max_queue == 256 and settings.device == "cpu"
    assert "token=" not in repr(settings)  # the secret stays out of logs


def test_a_missing_token_says_where_to_put_it(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(SettingsError, match=r"\.env"):
        Settings.from_env(env_file=None)
