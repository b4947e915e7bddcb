"""Issue 11: `/mydata` through real discord.py, a fake Discord and SQLite, and the packing of its file."""

from __future__ import annotations

import io
import json
import random
import zipfile

from bot.cogs.profile.privacy import export_file
from tests.bot.test_profile_e2e import answer, seed_rows


def read_export(attachment) -> dict:
    """The JSON inside a `/mydata` attachment, zipped or not."""
    if attachment.filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
            return json.loads(archive.read("musicgenius-data.json"))
    return json.loads(attachment.data)


async def test_mydata_sends_everything_stored_about_the_user_to_them_only(env):
    alice, bob = await seed_rows(env)
    it, reply = await answer(env, "mydata")
    assert it.ephemeral and reply.ephemeral
    assert "2 melodies, 1 piece of feedback you gave, 2 pieces of feedback others gave" in reply.content
    [attachment] = reply.attachments
    assert attachment.filename == "musicgenius-data.json"
    data = read_export(attachment)
    assert data["user_id"] == str(alice)
    assert [(g["notes"], g["params"]["style"]) for g in data["generations"]] == [
        ("C E G ➜ A", "scottish"), ("C E G ➜ B", "scottish")]
    assert [(f["kind"], f["notes"]) for f in data["feedback_given"]] == [("pick", "C E G ➜ C")]
    assert [f["kind"] for f in data["feedback_on_your_melodies"]] == ["reaction:👍"] * 2
    assert data["preferences"] == {"tempo": 90}
    assert data["learned_taste"]["in_words"] and "weights" in data["learned_taste"]
    assert str(bob) not in attachment.data.decode()  # who reacted is Bob's to tell
    assert "1 saved setting" in reply.content

    # `/prefs unlearn` records when, in the stored preferences; it is in the file, not counted as a setting
    await answer(env, "prefs unlearn")
    _, again = await answer(env, "mydata")
    assert "unlearned" in read_export(again.attachments[0])["preferences"]
    assert "1 saved setting" in again.content


async def test_mydata_fits_the_upload_limit_zipped_or_trimmed_with_a_note(env):
    alice, _ = await seed_rows(env)
    rng = random.Random(1)
    for message in range(300):
        notes = " ".join(rng.choice("CDEFGAB") + rng.choice([":q", ":e", ":h"]) for _ in range(40))
        await env.store.add_generations(alice, "melody", [({"seed": rng.random()}, message, notes)],
                                        message_id=1000 + message)
    raw = len(json.dumps(await env.bot.taste.export(alice), ensure_ascii=False, indent=1).encode())

    it = await env.fake.slash("mydata", {}, attachment_size_limit=raw // 2)
    reply = await it.wait_final(30)
    [attachment] = reply.attachments
    assert attachment.filename == "musicgenius-data.zip" and len(attachment.data) <= raw // 2
    assert len(read_export(attachment)["generations"]) == 302 and "⚠️" not in reply.content

    it = await env.fake.slash("mydata", {}, attachment_size_limit=8000)
    reply = await it.wait_final(30)
    [attachment] = reply.attachments
    data = read_export(attachment)
    assert len(attachment.data) <= 8000 and 0 < len(data["generations"]) < 302
    assert data["generations"][-1]["message_id"] == "1299"  # the newest kept, the oldest left out
    assert "too big for one Discord upload" in reply.content and "musicgenius-admin export" in data["note"]


def test_export_file_is_json_when_it_fits():
    data = {"generations": [{"notes": "C D E"}], "feedback_given": [], "feedback_on_your_melodies": [],
            "preferences": {}}
    name, payload, note = export_file(data, None)
    assert (name, json.loads(payload), note) == ("musicgenius-data.json", data, None)
