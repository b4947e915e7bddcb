"""`/melody notes:"G | C E G C"` (a pickup) through real discord.py and a fake Discord server."""

from __future__ import annotations

import io

import pretty_midi
import pytest

from tests.bot.helpers import attachment


async def test_a_pickup_seed_is_continued_after_its_pickup_in_every_file(env):
    options = {"notes": "G | C E G C", "seed": 8, "bars": 4, "count": 1, "key": "C major", "tempo": 120}
    it = await env.fake.slash("melody", options, user=0)
    reply = await it.wait_files(".ogg", "-score.png", ".musicxml", timeout=90)
    notes = reply.content.split("```\n", 1)[1].split("\n```", 1)[0]
    seed, continuation = notes.split(" ➜ ")
    assert seed == "G | C E G C" and continuation.startswith("| ")  # bar 1 is full: the continuation starts bar 2
    assert continuation.count("|") == 4  # bars 2-4 and the closing bar line: four full bars after the pickup
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Bars"] == "4 and a pickup"
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert midi.instruments[0].notes[0].start == pytest.approx(1.5)  # beat 4 of a full first bar at 120 bpm
    assert midi.instruments[0].notes[1].start == pytest.approx(2.0)  # C on bar 2's downbeat
    assert b'<measure number="0" implicit="yes">' in attachment(reply, ".musicxml")

    picked = await (await env.fake.press(reply, "mg:melody:pick:0", user=1)).wait_final(timeout=60)
    assert notes in picked.content  # restored from the stored text, bar lines and all
    assert b'<measure number="0" implicit="yes">' in attachment(picked, ".musicxml")
    env.fake.assert_clean()


async def test_an_over_full_bar_gets_a_private_explanation_naming_it(env):
    it = await env.fake.slash("melody", {"notes": "G | C D E F G"})
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert "Bar 2 has 5 beats in 4/4: `C D E F G`" in reply.content and "`C D E F | G`" in reply.content
