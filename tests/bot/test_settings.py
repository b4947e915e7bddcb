"""Bad environment values stop `python -m bot` with a clear message and exit status 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import VARIABLES, Settings, SettingsError


@pytest.mark.parametrize(("name", "value", "needle"), [
    ("MUSICGENIUS_MAX_BATCH", "abc", "MUSICGENIUS_MAX_BATCH must be a whole number from 1"),
    ("MUSICGENIUS_MAX_BATCH", "0", "not '0'"),
    ("MUSICGENIUS_MAX_QUEUE", "-5", "MUSICGENIUS_MAX_QUEUE"),
    ("MUSICGENIUS_DEVICE", "tpu", "MUSICGENIUS_DEVICE must be one of auto, cpu, cuda"),
    ("MUSICGENIUS_CHECKPOINT", "/nowhere/melody.pt", "no file at /nowhere/melody.pt"),
    ("DISCORD_DEV_GUILD", "my-server", "numeric guild id"),
    ("MUSICGENIUS_DB", "postgresq://bot:s3cret@db/music", "MUSICGENIUS_DB"),
    ("MUSICGENIUS_DB", "postgresql://bot:s3cret@127.0.0.1:9/music", "MUSICGENIUS_DB"),
    ("MUSICGENIUS_METRICS_PORT", "nine-thousand", "MUSICGENIUS_METRICS_PORT must be a whole number from 0 to 65535"),
    ("MUSICGENIUS_LOG_FORMAT", "xml", "MUSICGENIUS_LOG_FORMAT must be text or json, not 'xml'"),
    ("DISCORD_API_BASE", "discord.com/api", "DISCORD_API_BASE must be a URL starting with http:// or https://"),
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
    monkeypatch.setenv("MUSICGENIUS_DB", "postgresql://bot:s3cret@db/music")
    monkeypatch.setenv("MUSICGENIUS_METRICS_PORT", "9108")
    monkeypatch.setenv("MUSICGENIUS_LOG_FORMAT", "JSON")
    settings = Settings.from_env(env_file=None)
    assert settings.max_batch == 8 and settings.max_queue == 256 and settings.device == "cpu"
    assert settings.metrics_port == 9108 and settings.metrics_host == "127.0.0.1" and settings.log_format == "json"
    assert settings.token.get_secret_value() == "secret-value"
    shown = repr(settings) + str(settings)
    assert "secret-value" not in shown and "s3cret" not in shown  # secrets stay out of logs


def test_the_environment_wins_over_the_env_file(tmp_path, monkeypatch):
    for name in ("DISCORD_TOKEN", "MUSICGENIUS_MAX_BATCH", "MUSICGENIUS_MAX_QUEUE", "MUSICGENIUS_SHUTDOWN_GRACE"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-the-file\nMUSICGENIUS_MAX_BATCH=4\nMUSICGENIUS_MAX_QUEUE=9\n"
                        "SOMETHING_ELSE=ignored\n")
    monkeypatch.setenv("MUSICGENIUS_MAX_QUEUE", "12")
    settings = Settings.from_env(env_file)
    assert settings.token.get_secret_value() == "from-the-file"
    assert (settings.max_batch, settings.max_queue, settings.shutdown_grace) == (4, 12, 20)


def test_settings_made_in_code_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("MUSICGENIUS_METRICS_PORT", "9108")
    monkeypatch.setenv("MUSICGENIUS_MAX_BATCH", "3")
    settings = Settings(token="t", database="bot.sqlite3")
    assert settings.metrics_port is None and settings.max_batch == 64
    with pytest.raises(SettingsError, match="MUSICGENIUS_MAX_QUEUE must be a whole number"):
        Settings(token="t", max_queue=0)


def check_config(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "MUSICGENIUS_"))}
    return subprocess.run([sys.executable, "-m", "bot", "--check-config"], env={**clean, **env}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_check_config_prints_every_setting_with_the_secrets_masked(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=MTIzNDU2Nzg5.the-real-token.wxyz\nMUSICGENIUS_MAX_BATCH=16\n")
    done = check_config(tmp_path, MUSICGENIUS_DB="postgresql://bot:s3cret@db.internal/music",
                        MUSICGENIUS_METRICS_PORT="9108", MUSICGENIUS_MAX_BATCH="32")
    assert done.returncode == 0, done.stderr
    shown = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert set(VARIABLES.values()) <= set(shown)
    assert shown["DISCORD_TOKEN"] == "****wxyz" and "the-real-token" not in done.stdout
    assert shown["MUSICGENIUS_DB"] == "postgresql://bot:***@db.internal/music" and "s3cret" not in done.stdout
    assert shown["MUSICGENIUS_MAX_BATCH"] == "32"  # the environment wins over .env
    assert shown["MUSICGENIUS_METRICS_PORT"] == "9108" and shown["MUSICGENIUS_METRICS_HOST"].startswith("127.0.0.1")
    assert shown["MUSICGENIUS_MAX_QUEUE"] == "256  (default)"


def test_check_config_names_a_bad_value_and_exits_2(tmp_path):
    done = check_config(tmp_path, DISCORD_TOKEN="MTIzNDU2Nzg5.the-real-token.wxyz", MUSICGENIUS_METRICS_PORT="http")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: MUSICGENIUS_METRICS_PORT must be a whole number")
    assert "Traceback" not in done.stderr and "the-real-token" not in done.stderr


def test_a_missing_token_says_where_to_put_it(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(SettingsError, match=r"\.env"):
        Settings.from_env(env_file=None)
