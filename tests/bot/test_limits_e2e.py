"""Whatever a user types, every answer fits Discord's limits and pings nobody."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakediscord.server import pings

LONGEST = 6000  # characters Discord lets a user put in one option
HOSTILE = ("@everyone <@&1234> <@5678> `C` **x** " * 200)[:LONGEST]
TEXT_OPTIONS = [
    ("melody", "notes"), ("melody", "key"), ("melody", "meter"), ("melody", "lyrics"),
    ("chords", "notes"), ("chords", "key"), ("chords", "meter"),
    ("arrange", "notes"), ("arrange", "key"), ("arrange", "meter"), ("arrange", "chords"),
    ("lyrics", "theme"), ("lyrics", "scheme"), ("lyrics", "syllables"), ("lyrics", "notes"), ("lyrics", "key"),
    ("lyrics", "meter"), ("inspire", "topic"), ("prefs set", "key"), ("prefs set", "meter"),
]
BASE = {"melody": {"notes": "C E G", "count": 1}, "chords": {"notes": "C E G"}, "arrange": {"notes": "C E G"},
        "lyrics": {}, "inspire": {}, "prefs set": {}}


def test_the_fake_knows_who_a_message_would_ping():
    assert pings("@everyone look <@&1> <@2>", None) == {"everyone", "role:1", "user:2"}
    assert pings("@everyone look <@&1> <@2>", {"parse": []}) == frozenset()
    assert pings("hi <@2> <@3>", {"parse": [], "users": ["2"]}) == {"user:2"}


async def test_six_thousand_characters_in_every_text_option_get_an_answer_that_fits(env):
    its = await asyncio.gather(*[env.fake.slash(command, {**BASE[command], option: HOSTILE}, user=i)
                                 for i, (command, option) in enumerate(TEXT_OPTIONS)])
    replies = await asyncio.gather(*[it.wait_final(timeout=180) for it in its])
    for (command, option), it, reply in zip(TEXT_OPTIONS, its, replies, strict=True):
        where = f"/{command} {option}:"
        assert 0 < len(reply.content) <= 2000, where
        assert "went wrong on my side" not in reply.content, (where, reply.content[:300])
        assert all(len(e.get("description") or "") <= 4096 for e in reply.embeds), where
        assert not any(m.pings for m in it.messages), (where, reply.content[:200])


@pytest.mark.parametrize("theme", ["@everyone the sea at night", "<@&1234> rain on the window <@5678>"])
async def test_an_echoed_theme_pings_nobody(env, theme):
    it = await env.fake.slash("lyrics", {"theme": theme, "lines": 2, "scheme": "AA", "seed": 3})
    reply = await it.wait_final(timeout=120)
    assert "Lyrics" in reply.content and not reply.ephemeral
    assert not any(m.pings for m in it.messages)
