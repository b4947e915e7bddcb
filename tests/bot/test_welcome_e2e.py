"""Joining a server: a short welcome with the commands to try first, where the bot may post, pinging no one."""

from __future__ import annotations

import asyncio
import logging

from bot.cogs.welcome import welcome_text


async def ready(env) -> None:
    await asyncio.wait_for(env.bot.wait_until_ready(), 15)  # a GUILD_CREATE before READY is no "join"


def posted_in(env, channel_ids) -> list:
    return [m for m in env.fake.messages.values() if m.channel_id in channel_ids]


async def test_a_new_server_gets_a_welcome_in_its_system_channel(env):
    await ready(env)
    joined = await env.fake.join_guild("Band Room", [("welcome", True), ("general", True)])
    await env.fake.wait_until(lambda: posted_in(env, joined.channel_ids), 10, what="a welcome")
    (message,) = posted_in(env, joined.channel_ids)
    assert message.channel_id == joined.system_channel_id
    text = message.content
    for command in ("`/melody notes:C E G`", "`/lyrics", "`/arrange", "`/help`"):
        assert command in text
    assert len(text) <= 2000 and text == welcome_text()
    assert message.payload["guild_id"] == str(joined.id)
    assert message.pings == frozenset()
    request = next(r for r in env.fake.requests if r.method == "POST" and r.path.endswith(
        f"/channels/{joined.system_channel_id}/messages"))
    assert request.json["allowed_mentions"]["parse"] == []  # nothing it says can ping anyone
    assert env.bot.get_guild(joined.id) is not None
    env.fake.assert_clean()


async def test_without_a_writable_system_channel_it_uses_the_first_channel_it_may_post_in(env):
    await ready(env)
    joined = await env.fake.join_guild("Quiet", [("announcements", False), ("rules", False), ("chat", True),
                                                 ("music", True)])
    await env.fake.wait_until(lambda: posted_in(env, joined.channel_ids), 10, what="a welcome")
    assert [m.channel_id for m in posted_in(env, joined.channel_ids)] == [joined.channel_ids[2]]
    env.fake.assert_clean()  # it never tried the read-only channels


async def test_a_server_where_it_may_not_post_anywhere_is_logged_and_left_alone(env, caplog):
    caplog.set_level(logging.INFO, logger="bot.cogs.welcome")
    await ready(env)
    joined = await env.fake.join_guild("Read only", [("rules", False)], system_channel=False)
    await env.fake.wait_until(lambda: any("no channel I may post in" in r.getMessage() for r in caplog.records), 10,
                              what="the log line")
    assert env.bot.get_guild(joined.id) is not None and not posted_in(env, joined.channel_ids)
    env.fake.assert_clean()
    it = await env.fake.slash("help", {})  # and the bot carries on
    assert (await it.wait_initial()).ephemeral
