"""`/help` through real discord.py and the fake Discord: every registered command, an example of each that uses
its real options, what it returns, and a picture of a reply; private, within Discord's limits."""

from __future__ import annotations

import io
import re

from PIL import Image

from bot.cogs.help import PICTURE, PICTURE_NAME


def registered(fake) -> dict[str, set[str]]:
    """What Discord was told: slash command (``prefs set`` for a subcommand) -> its option names."""
    out = {}
    for command in fake.guild_commands:
        if command["type"] != 1:
            continue
        options = command.get("options") or []
        subcommands = [o for o in options if o["type"] == 1]
        if subcommands:
            out.update({f"{command['name']} {s['name']}": {o["name"] for o in s.get("options") or []}
                        for s in subcommands})
        else:
            out[command["name"]] = {o["name"] for o in options}
    return out


async def test_help_lists_every_registered_command_with_a_working_example(env):
    it = await env.fake.slash("help", {})
    initial = await it.wait_initial()
    assert initial.ephemeral  # only the person who asked sees it
    reply = await it.wait_final()
    fields = [f for e in reply.embeds for f in e.get("fields") or [] if f["name"].startswith("/")]
    listed = {f["name"].removeprefix("/"): f["value"] for f in fields}
    commands = registered(env.fake)
    assert set(listed) == set(commands) and len(fields) == len(listed)  # each once, none missing, none stale
    assert {"melody", "chords", "arrange", "lyrics", "inspire", "prefs set", "help"} <= set(listed)
    for name, value in listed.items():
        example = re.search(r"\*\*Try\*\* `/([^`]*)`", value)
        assert example, value
        words = example[1]
        assert words == name or words.startswith(f"{name} ")
        used = set(re.findall(r"(?:^| )([a-z_]{2,}):", words[len(name):]))
        assert used <= commands[name], (name, used)  # the example's options are the command's real options
        assert "**You get** " in value and "see the command's options" not in value  # every command has a guide
    assert set(re.findall(r"(?:^| )([a-z_]{2,}):", re.search(r"`/melody ([^`]*)`", listed["melody"])[1])) == {
        "notes", "bars", "style"}
    menus = [c["name"] for c in env.fake.guild_commands if c["type"] == 3]
    apps = next(f["value"] for e in reply.embeds for f in e.get("fields") or [] if f["name"] == "Apps menu")
    assert menus and all(m in apps for m in menus)
    env.fake.assert_clean()  # the fake checks Discord's limits: 10 embeds, 6000 characters, 1024 per field


async def test_help_shows_a_picture_of_a_reply(env):
    it = await env.fake.slash("help", {})
    reply = await it.wait_final()
    (picture,) = [a for a in reply.attachments if a.filename == PICTURE_NAME]
    assert picture.data == PICTURE.read_bytes()
    image = Image.open(io.BytesIO(picture.data))
    assert image.format == "PNG" and image.width >= 600 and image.height > image.width  # a whole reply, tall
    shown = [e for e in reply.embeds if (e.get("image") or {}).get("url") == f"attachment://{PICTURE_NAME}"]
    assert len(shown) == 1
    assert sum(len(e.get("title") or "") + len(e.get("description") or "") + sum(
        len(f["name"]) + len(f["value"]) for f in e.get("fields") or []) for e in reply.embeds) <= 6000
