"""Issue 11: `musicgenius-admin forget|export <user id>`, the operator's way to a user's data without Discord."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from studio.cli.admin import main
from tests.studio.conftest import ROOT, Backend

USER, OTHER = 123456789012345678, 876543210987654321


async def seed(backend: Backend) -> None:
    store = await backend.open()
    try:
        mine = await store.add_generations(USER, "melody", [({"key": "E minor"}, 1, "E G B ➜ A")], message_id=1)
        theirs = await store.add_generations(OTHER, "melody", [({"key": "C major"}, 2, "C E G ➜ A")], message_id=2)
        await store.set_feedback(mine, OTHER, "more", 1)
        await store.set_feedback(theirs, USER, "pick", 1)
        await store.set_preference(USER, "tempo", 90)
    finally:
        await store.close()


def cli_url(backend: Backend) -> str:
    """The backend as one URL, as an operator types it (asyncpg reads server settings from the query)."""
    settings = backend.options.get("server_settings", {})
    return backend.url + ("?" + "&".join(f"{k}={quote(v)}" for k, v in settings.items()) if settings else "")


def run_admin(*args: str) -> tuple[int, str, str]:
    """The real entry point in a child process (it runs its own event loop)."""
    done = subprocess.run([sys.executable, "-m", "studio.cli.admin", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "MUSICGENIUS_DB": ""})
    return done.returncode, done.stdout, done.stderr


async def test_export_then_forget_a_user_by_id(backend, tmp_path):
    await seed(backend)
    out = tmp_path / "user.json"
    code, _, err = run_admin("export", str(USER), "--db", cli_url(backend), "--out", str(out))
    assert code == 0, err
    data = json.loads(out.read_text())
    assert [g["notes"] for g in data["generations"]] == ["E G B ➜ A"] and data["preferences"] == {"tempo": 90}
    assert [f["kind"] for f in data["feedback_given"]] == ["pick"] and "learned_taste" in data
    assert "exported user 123456789012345678: 1 generations, 1 feedback given" in err

    code, printed, err = run_admin("forget", str(USER), "--db", cli_url(backend))
    assert code == 0, err
    assert ("deleted for user 123456789012345678: 1 generations, 1 feedback given, 1 feedback by others on their "
            "melodies, 1 preferences (4 rows)") in printed
    assert "kept: 1 'More like' replies" in printed and "restarts" in printed
    store = await backend.open()
    try:
        assert await store.export_user(USER) == {"user_id": str(USER), "generations": [], "feedback_given": [],
                                                 "feedback_on_your_melodies": [], "preferences": {},
                                                 "quiz_score": None, "quiz_answers": []}
        assert len(await store.generations(OTHER)) == 1
    finally:
        await store.close()


@pytest.mark.parametrize("bad", ["12x", "0", "-5", "9" * 20, "<@123>"])
def test_a_bad_user_id_is_exit_status_2(bad, tmp_path, capsys):
    assert main(["forget", bad, "--db", str(tmp_path / "db.sqlite3")]) == 2
    assert "is not a Discord user id" in capsys.readouterr().err
    assert not (tmp_path / "db.sqlite3").exists()  # nothing opened, nothing created


def test_the_database_url_is_printed_without_its_password(capsys):
    assert main(["export", str(USER), "--db", "postgresq://admin:hunter2-pw@db.example/music"]) == 2
    err = capsys.readouterr().err
    assert "postgresq://admin:***@db.example/music" in err and "hunter2" not in err
    assert main(["forget", str(USER), "--db", "postgresql://admin:hunter2-pw@127.0.0.1:1/music"]) == 1
    err = capsys.readouterr().err
    assert "can't reach the database at postgresql://admin:***@127.0.0.1:1/music" in err and "hunter2" not in err
