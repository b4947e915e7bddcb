"""Self-test of the fake Discord (the top-level ``fakediscord`` package): a real discord.py bot against it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import discord
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from fakediscord import FakeDiscord, running_bot, running_fake

SONG = b"MThd\x00\x00\x00\x06" + bytes(range(256)) * 64


class EditView(discord.ui.View):
    """A persistent-style view whose button edits the message it is on."""

    def __init__(self, bot: MiniBot) -> None:
        super().__init__(timeout=60)
        self.bot = bot

    @discord.ui.button(label="Edit", custom_id="slow:edit", style=discord.ButtonStyle.primary)
    async def edit(self, interaction: discord.Interaction, _button: discord.ui.Button[EditView]) -> None:
        self.bot.presses.append(interaction.user.id)
        await interaction.response.edit_message(content="edited by button", view=None)


class MiniBot(commands.Bot):
    """A minimal bot: /ping, /slow and a raw reaction listener."""

    def __init__(self, dev_guild: int | None = None) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.dev_guild = dev_guild
        self.presses: list[int] = []
        self.reactions_seen: list[discord.RawReactionActionEvent] = []

        @app_commands.command(description="Replies pong, only to you")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @app_commands.command(description="A slow job with a file")
        async def slow(
            interaction: discord.Interaction, seconds: float = 0.1, data: discord.Attachment | None = None
        ) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(seconds)
            payload = await data.read() if data is not None else SONG
            message = await interaction.followup.send(
                "done", file=discord.File(io.BytesIO(payload), "song.mid"), view=EditView(self), wait=True
            )
            await message.add_reaction("👍")

        self.tree.add_command(ping)
        self.tree.add_command(slow)

    async def setup_hook(self) -> None:
        await self.tree.sync()
        if self.dev_guild is not None:
            guild = discord.Object(self.dev_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions_seen.append(payload)


@pytest_asyncio.fixture
async def env() -> AsyncIterator[tuple[FakeDiscord, MiniBot]]:
    """A fake Discord with a connected MiniBot (global commands only)."""
    async with running_fake() as fake:
        bot = MiniBot()
        async with running_bot(bot, fake):
            await fake.wait_for_commands()
            yield fake, bot


async def test_commands_synced_global_and_guild() -> None:
    async with running_fake() as fake, running_bot(MiniBot(dev_guild=fake.guild_id), fake):
        global_commands = await fake.wait_for_commands(guild=False)
        guild_commands = await fake.wait_for_commands(guild=True)
        assert sorted(c["name"] for c in global_commands) == ["ping", "slow"]
        assert sorted(c["name"] for c in guild_commands) == ["ping", "slow"]
        assert all(c["guild_id"] == str(fake.guild_id) for c in guild_commands)
        slow = next(c for c in fake.global_commands if c["name"] == "slow")
        assert [(o["name"], o["type"]) for o in slow["options"]] == [("seconds", 10), ("data", 11)]
        # Guild and global registrations both reach the bot.
        for guild_command in (True, False):
            it = await fake.slash("ping", guild_command=guild_command)
            assert (await it.wait_final()).content == "pong"
        assert fake.identify is not None and fake.identify["intents"] == discord.Intents.default().value
        fake.assert_clean()


async def test_ping_is_answered_ephemerally(env: tuple[FakeDiscord, MiniBot]) -> None:
    fake, _bot = env
    it = await fake.slash("ping", user=1)
    callback = await it.wait_initial()
    assert callback.type == 4 and callback.ephemeral and callback.latency < 3
    assert it.final is not None and it.final.content == "pong" and it.final.ephemeral
    assert it.final.payload["interaction_metadata"]["user"]["id"] == fake.user(1)["id"]
    assert fake.channel_messages() == []  # nobody else sees it
    fake.assert_clean()


async def test_slow_defers_then_follows_up_with_file_button_and_reaction(env: tuple[FakeDiscord, MiniBot]) -> None:
    fake, bot = env
    it = await fake.slash("slow", {"seconds": 0.2, "data": ("input.mid", SONG)})
    callback = await it.wait_initial()
    assert callback.type == 5 and not callback.ephemeral and callback.latency < 1
    followup = await it.wait_followup()
    # The first followup after a "thinking" defer replaces the placeholder.
    assert followup.id == it.original_id
    assert followup.content == "done" and followup.attachments == [("song.mid", SONG)]
    assert followup.button("Edit")["custom_id"] == "slow:edit"
    await fake.wait_until(lambda: fake.bot_reactions(followup.id) == ["👍"], what="the bot's 👍")

    press = await fake.press(followup, "slow:edit", user=2)
    assert (await press.wait_initial()).type == 7
    edited = fake.messages[followup.id]
    assert (
        edited.content == "edited by button" and edited.components == [] and edited.attachments == followup.attachments
    )
    assert bot.presses == [int(fake.user(2)["id"])]
    assert it.final is not None and it.final.content == "edited by button"
    fake.assert_clean()


async def test_user_reaction_reaches_bot(env: tuple[FakeDiscord, MiniBot]) -> None:
    fake, bot = env
    it = await fake.slash("slow", {"seconds": 0})
    message = await it.wait_followup()
    await fake.react(message, "🎵", user=2)

    def seen() -> bool:
        return any(r.user_id == int(fake.user(2)["id"]) and r.emoji.name == "🎵" for r in bot.reactions_seen)

    await fake.wait_until(seen, what="the user's reaction at the bot")
    reaction = next(r for r in bot.reactions_seen if r.emoji.name == "🎵")
    assert reaction.message_id == message.id and reaction.member is not None
    assert set(fake.reactions(message.id)) == {"👍", "🎵"}


async def test_twenty_concurrent_slash_commands_are_all_answered(env: tuple[FakeDiscord, MiniBot]) -> None:
    fake, _bot = env
    interactions = await asyncio.gather(*(fake.slash("ping", user=i % 3) for i in range(20)))
    callbacks = await asyncio.gather(*(it.wait_initial() for it in interactions))
    assert all(c.type == 4 and c.ephemeral and c.latency < 3 for c in callbacks)
    assert all(it.final is not None and it.final.content == "pong" for it in interactions)
    fake.assert_clean()


async def test_gateway_reconnect_resumes_and_rate_limits_are_retried(env: tuple[FakeDiscord, MiniBot]) -> None:
    fake, _bot = env
    await fake.request_reconnect()
    await fake.wait_until(lambda: fake.resume_count == 1 and fake.connected, what="a RESUME")
    fake.inject_rate_limit(1, path_contains="/callback")
    it = await fake.slash("ping")
    assert (await it.wait_final()).content == "pong"
    assert [r.status for r in fake.requests if r.path.endswith("/callback")] == [429, 200]


async def test_oversized_upload_is_refused_like_discord() -> None:
    async with running_fake() as fake, running_bot(MiniBot(), fake):
        await fake.wait_for_commands()
        it = await fake.slash("slow", {"seconds": 0}, attachment_size_limit=1024)
        await fake.wait_until(lambda: bool(fake.rejections), what="a refused upload")
        assert "song.mid" in fake.rejections[0] and it.followups == []
        assert [r.status for r in fake.requests if r.path.startswith("/webhooks")] == [413]


def test_stable_ids_are_the_same_every_run() -> None:
    first, second, timed = FakeDiscord(stable_ids=True), FakeDiscord(stable_ids=True), FakeDiscord()
    assert (first.guild_id, first.channel_id, first.user(0)["id"]) == (
        second.guild_id, second.channel_id, second.user(0)["id"])
    assert timed.guild_id != first.guild_id
