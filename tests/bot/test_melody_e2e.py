"""`/melody` through real discord.py and a fake Discord server."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest
from PIL import Image

from model.engine import Engine
from studio.melody import Composer
from tests.fakediscord import running_fake

ROOT = Path(__file__).resolve().parents[2]


def attachment(message, suffix: str) -> bytes:
    return next(a.data for a in message.attachments if a.filename.endswith(suffix))


async def test_commands_are_synced_to_the_dev_guild(env):
    names = {c["name"]: c for c in env.fake.guild_commands}
    assert "melody" in names
    options = {o["name"] for o in names["melody"]["options"]}
    assert {"notes", "bars", "temperature", "seed", "key", "meter", "tempo", "style", "top_p"} <= options
    assert not env.fake.global_commands


async def test_melody_defers_at_once_and_replies_with_everything(env):
    it = await env.fake.slash("melody", {"notes": "C E G", "seed": 42, "bars": 8}, user=0)
    initial = await it.wait_initial()
    assert initial.deferred and initial.latency < 3.0 and not initial.ephemeral
    reply = await it.wait_final(timeout=30)
    assert reply.content.count("C E G ➜") == 1
    assert reply.content.split("```\n", 1)[1].startswith("C E G ➜ ")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["RNG seed"] == "42" and fields["Bars"] == "8" and fields["Meter"] == "4/4"
    assert "C major" in fields["Key"] and "bpm" in fields["Tempo"]
    assert "seed:42" in fields["Reproduce"]
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes[:3]] == [60, 64, 67]
    assert midi.time_signature_changes[0].numerator == 4
    png = Image.open(io.BytesIO(attachment(reply, ".png")))
    assert png.format == "PNG" and png.width > 600
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, what="👍 and 👎")
    assert set(env.fake.bot_reactions(reply.id)) == {"👍", "👎"}
    env.fake.assert_clean()


async def test_same_seed_gives_the_same_melody_in_discord(env):
    a = await (await env.fake.slash("melody", {"notes": "D F# A", "seed": 9, "meter": "6/8"})).wait_final(30)
    b = await (await env.fake.slash("melody", {"notes": "D F# A", "seed": 9, "meter": "6/8"}, user=1)).wait_final(30)
    assert a.content == b.content
    assert attachment(a, ".mid") == attachment(b, ".mid")


async def test_a_reaction_is_stored_for_the_user_who_reacted(env):
    reply = await (await env.fake.slash("melody", {"notes": "C D E", "seed": 3}, user=0)).wait_final(30)
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, what="bot reactions")
    bob = env.fake.user(1)
    await env.fake.react(reply, "👍", user=1)
    db = env.bot.settings.database

    def stored() -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT f.user_id, f.kind, f.value, g.user_id FROM feedback f "
                                "JOIN generations g ON g.id = f.generation_id WHERE g.message_id = ?",
                                (reply.id,)).fetchall()

    await env.fake.wait_until(lambda: len(stored()) == 1, what="feedback row")
    assert stored() == [(int(bob["id"]), "reaction:👍", 1, int(env.fake.user(0)["id"]))]
    await env.fake.unreact(reply, "👍", user=1)
    await env.fake.wait_until(lambda: stored() == [], what="feedback removed")


@pytest.mark.parametrize(
    ("options", "needle"),
    [({"notes": "C X G"}, "`X`"), ({"notes": " "}, "empty"), ({"notes": " ".join(["C"] * 500)}, "more than"),
     ({"notes": "C E G", "bars": 10000}, "bars"), ({"notes": "C E G", "temperature": -1.0}, "temperature"),
     ({"notes": "C9 D9"}, "piano"), ({"notes": "C E G", "key": "Q minor"}, "key"),
     ({"notes": "C E G", "meter": "5/3"}, "meter")],
)
async def test_bad_input_gets_a_private_explanation_with_an_example(env, options, needle):
    it = await env.fake.slash("melody", options)
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert needle in reply.content and "`" in reply.content
    ok = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1})).wait_final(30)  # still serving
    assert "➜" in ok.content


async def test_twenty_concurrent_users_are_all_answered(env):
    its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "G A B", "seed": i}, user=i % 3)
                                 for i in range(20)])
    replies = await asyncio.gather(*[it.wait_final(timeout=60) for it in its])
    assert all("G A B ➜" in r.content for r in replies)
    assert all(it.initial.latency < 3.0 for it in its)
    assert len({r.content for r in replies}) > 15


async def test_a_full_queue_answers_busy_and_the_bot_recovers(env, composer):
    original = env.bot.composer
    busy = Composer(Engine(composer.engine.model, max_batch=1, max_queue=1).start(), composer.vocab, composer.info)
    env.bot.composer = busy
    try:
        its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "C E G", "seed": i, "bars": 64})
                                     for i in range(12)])
        replies = await asyncio.gather(*[it.wait_final(timeout=60) for it in its])
        assert any("busy" in r.content for r in replies)
        assert any("➜" in r.content for r in replies)
    finally:
        env.bot.composer = original
        busy.close()
    ok = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1})).wait_final(30)
    assert "➜" in ok.content


async def test_python_m_bot_uses_the_configured_urls_and_syncs_globally(tmp_path):
    async with running_fake() as fake:
        env = {**os.environ, "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": fake.api_base,
               "DISCORD_GATEWAY_URL": fake.gateway_url, "MUSICGENIUS_DB": str(tmp_path / "b.sqlite3"),
               "PYTHONPATH": str(ROOT)}
        env.pop("DISCORD_DEV_GUILD", None)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            await fake.wait_for_commands(timeout=60, guild=False)
            await fake.wait_connected(timeout=30)
            assert "melody" in {c["name"] for c in fake.global_commands}
            reply = await (await fake.slash("melody", {"notes": "E G B", "seed": 5})).wait_final(60)
            assert "E G B ➜" in reply.content
        finally:
            if proc.returncode is None:
                proc.terminate()
            output = (await proc.communicate())[0].decode()
            print(output)
        assert "fake-token" not in output  # the token is never logged
        assert "synced 1 commands (global)" in output
