"""The playground's API over the fake Discord, with a tiny discord.py bot (no models): commands, notices, buttons,
reactions, files and the same-origin guard."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from fakediscord import FakeDiscord, running_bot, running_fake
from playground.app import Playground


class Again(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Again", custom_id="echo:again")
    async def again(self, interaction: discord.Interaction, _button: discord.ui.Button[Again]) -> None:
        await interaction.response.send_message("again!")


class NameForm(discord.ui.Modal, title="Who are you?"):
    name: discord.ui.TextInput[NameForm] = discord.ui.TextInput(label="Your name", custom_id="name", max_length=20)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hello {self.name.value}")


class Name(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Name…", custom_id="echo:name")
    async def name(self, interaction: discord.Interaction, _button: discord.ui.Button[Name]) -> None:
        await interaction.response.send_modal(NameForm())


class EchoBot(commands.Bot):
    """/echo text times: says it back with a button and a file; /secret answers privately; /size file (with a
    button that opens a form)."""

    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.1)
        self.guild = discord.Object(guild_id)

    async def setup_hook(self) -> None:
        @app_commands.command(description="Say it back")
        async def echo(interaction: discord.Interaction, text: str, times: app_commands.Range[int, 1, 3] = 1) -> None:
            await interaction.response.send_message(text * times, view=Again(),
                                                    file=discord.File(io.BytesIO(b"OggS" + bytes(100)), "say.ogg"))

        @app_commands.command(description="A private answer")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("just for you", ephemeral=True)

        @app_commands.command(description="How big a file is")
        async def size(interaction: discord.Interaction, file: discord.Attachment) -> None:
            await interaction.response.send_message(f"{file.filename}: {len(await file.read())} bytes", view=Name())

        self.tree.add_command(echo, guild=self.guild)
        self.tree.add_command(secret, guild=self.guild)
        self.tree.add_command(size, guild=self.guild)
        await self.tree.sync(guild=self.guild)


class Page:
    """The playground and an HTTP session to it."""

    def __init__(self, fake: FakeDiscord, playground: Playground, http: aiohttp.ClientSession) -> None:
        self.fake, self.playground, self.http = fake, playground, http

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.playground.url + path.lstrip("/"), json=body, headers=headers) as response:
            return response.status, await response.json() if response.status == 200 else {}

    async def state(self, since: int | None = None) -> dict[str, Any]:
        query = "" if since is None else f"?since={since}"
        async with self.http.get(self.playground.url + "api/state" + query) as response:
            return await response.json()

    async def message(self, text: str) -> dict[str, Any]:
        """The newest message whose content includes ``text``, once it is there."""
        def find() -> dict[str, Any] | None:
            return next((m for m in reversed(latest) if text in m["content"]), None)

        for _ in range(100):
            latest = (await self.state())["messages"]
            if (found := find()) is not None:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no message with {text!r}: {latest}")


@pytest_asyncio.fixture
async def page() -> AsyncIterator[Page]:
    async with running_fake() as fake, running_bot(EchoBot(fake.guild_id), fake):
        await fake.wait_for_commands()
        playground = Playground(fake)
        await playground.start(0)
        try:
            async with aiohttp.ClientSession() as http:
                yield Page(fake, playground, http)
        finally:
            await playground.stop()


async def test_a_typed_command_reaches_the_bot_and_its_reply_shows(page: Page) -> None:
    status, answer = await page.post("/api/send", {"text": '/echo "ha" times:2'})
    assert status == 200 and answer == {"ok": True, "sent": "/echo text:ha times:2"}
    reply = await page.message("haha")
    assert reply["invoked"] == {"user": "Alice", "action": "used", "what": "/echo text:ha times:2"}
    assert [c["label"] for row in reply["components"] for c in row["components"]] == ["Again"]
    [ogg] = reply["attachments"]
    assert ogg["kind"] == "audio" and ogg["url"].startswith("/files/")
    async with page.http.get(page.playground.url + ogg["url"][1:], headers={"Range": "bytes=0-3"}) as response:
        assert response.status == 206 and await response.read() == b"OggS"
        assert response.headers["Content-Range"] == "bytes 0-3/104"

    assert (await page.post("/api/press", {"message_id": reply["id"], "custom_id": "echo:again"}))[1]["ok"]
    again = await page.message("again!")
    assert again["invoked"]["what"] == "Again" and again["invoked"]["action"] == "pressed"

    assert (await page.post("/api/react", {"message_id": reply["id"], "emoji": "👍"}))[1]["ok"]
    assert (await page.message("haha"))["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    await page.post("/api/react", {"message_id": reply["id"], "emoji": "👍"})  # again: takes it back
    assert (await page.message("haha"))["reactions"] == []
    page.fake.assert_clean()


async def test_private_replies_and_the_playgrounds_own_hints_show_as_only_for_you(page: Page) -> None:
    await page.post("/api/send", {"text": "/secret"})
    assert (await page.message("just for you"))["ephemeral"]
    status, answer = await page.post("/api/send", {"text": "/melody C E G"})
    assert status == 200 and not answer["ok"] and "Commands: /echo, /secret, /size." in answer["error"]
    hint = await page.message("There is no `/melody` here")
    assert hint["ephemeral"] and hint["author"] == "Playground"
    status, answer = await page.post("/api/send", {"text": "/echo hi times:7"})
    assert not answer["ok"] and "`times:` must be from 1 to 3" in answer["error"]


async def test_the_page_waits_for_news(page: Page) -> None:
    version = (await page.state())["version"]
    waiting = asyncio.create_task(page.state(since=version))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await page.post("/api/send", {"text": "/echo news"})
    assert (await asyncio.wait_for(waiting, 5))["version"] > version
    await page.message("news")


async def test_only_the_page_itself_may_drive_the_bot(page: Page) -> None:
    status, _ = await page.post("/api/send", {"text": "/echo hi"}, Origin="http://example.com")
    assert status == 403
    async with page.http.get(page.playground.url, headers={"Host": "evil.example"}) as response:
        assert response.status == 403
    assert not [m for m in (await page.state())["messages"] if m["content"] == "hi"]


async def test_a_file_attached_in_the_page_reaches_the_bot(page: Page) -> None:
    file = {"name": "song.mid", "data": base64.b64encode(b"MThd" + bytes(60)).decode()}
    assert (await page.post("/api/send", {"text": "/size", "file": file}))[1] == {"ok": True, "sent": "/size"}
    assert (await page.message("song.mid: 64 bytes"))["invoked"]["what"] == "/size file:song.mid"
    _, answer = await page.post("/api/send", {"text": "/size"})
    assert answer["error"] == "/size needs a file: attach it with 📎 (left of the message box), then send."


async def test_a_form_the_bot_opens_is_asked_in_the_page_and_submitted(page: Page) -> None:
    file = {"name": "song.mid", "data": base64.b64encode(b"MThd").decode()}
    await page.post("/api/send", {"text": "/size", "file": file})
    reply = await page.message("song.mid: 4 bytes")
    _, answer = await page.post("/api/press", {"message_id": reply["id"], "custom_id": "echo:name"})
    form = answer["form"]
    assert form["title"] == "Who are you?" and form["inputs"] == [{"custom_id": "name", "label": "Your name",
                                                                    "value": ""}]
    assert (await page.post("/api/submit", {"interaction_id": form["id"], "values": {"name": "Ada"}}))[1]["ok"]
    await page.message("hello Ada")
    _, again = await page.post("/api/submit", {"interaction_id": form["id"], "values": {"name": "Bo"}})
    assert not again["ok"] and "closed" in again["error"]
    page.fake.assert_clean()
