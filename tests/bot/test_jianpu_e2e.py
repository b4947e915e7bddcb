"""Jianpu (numbered notation) in `/melody` and `/prefs`, through real discord.py and the fake Discord."""

from __future__ import annotations

import io

import pretty_midi

from data.notation import stored_notes


def notes_block(content: str) -> str:
    """The note text of a one-candidate melody reply."""
    return content.split("```\n", 1)[1].split("\n```", 1)[0]


def midi_pitches(message) -> list[int]:
    data = next(a.data for a in message.attachments if a.filename.endswith(".mid"))
    return [n.pitch for n in pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments[0].notes]


async def melody(env, options: dict, user: int = 0):
    it = await env.fake.slash("melody", {"seed": 42, "bars": 4, "count": 1, **options}, user=user)
    return await it.wait_final(timeout=90)


async def test_a_jianpu_seed_is_continued_and_answered_in_jianpu(env):
    reply = await melody(env, {"notes": "1 2 3 5", "key": "D major", "notation": "jianpu"})
    shown = notes_block(reply.content)
    assert shown.startswith("1=D 1 2 3 5 | ➜ ")  # the key line first, then the seed as numbers
    assert midi_pitches(reply)[:4] == [62, 64, 66, 69]  # D E F# A: read in D
    assert [n.pitch for n in stored_notes(shown) if n.pitch is not None] == midi_pitches(reply)  # it reads back
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "notes:1=D 1 2 3 5" in fields["Reproduce"] and "notation:jianpu" in fields["Reproduce"]

    picked = await (await env.fake.press(reply, "mg:melody:pick:0", user=1)).wait_final(timeout=60)
    assert shown in picked.content  # a stored candidate is shown the same way again


async def test_a_jianpu_seed_with_a_pickup_and_held_notes_in_six_eight(env):
    reply = await melody(env, {"notes": "1=G 5,_ | 1. 2_ 3_ 4_ | 5 - -", "meter": "6/8"})  # answered in jianpu
    shown = notes_block(reply.content)
    assert shown.startswith("1=G 6/8 5,_ | 1. 2_ 3_ 4_ | 5 - - | ➜ ")  # the key line says the meter
    assert midi_pitches(reply)[:6] == [62, 67, 69, 71, 72, 74]
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Bars"] == "4 and a pickup" and fields["Key"].startswith("G major")


async def test_a_time_signature_on_the_key_line_is_the_meter(env):
    """`1=G 6/8` as songbooks print it was 'I can't read `6/8` as numbered notation'; /chords too."""
    reply = await melody(env, {"notes": "1=G 6/8 5,_ | 1. 2_ 3_ 4_ | 5 - -"})
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Meter"] == "6/8" and fields["Bars"] == "4 and a pickup"
    assert notes_block(reply.content).startswith("1=G 6/8 5,_ | 1. 2_ 3_ 4_ | 5 - - | ➜ ")  # and reads back
    chords = await (await env.fake.slash("chords", {"notes": "1=G 3/4 5 | 1 - 3 | 5 - 3 | 2 - -"})).wait_final(60)
    assert "G major · 3/4" in chords.content and "| G | G | D |" in chords.content


async def test_the_saved_notation_applies_when_the_option_is_left_out(env):
    it = await env.fake.slash("prefs set", {"notation": "jianpu"})
    assert "Saved **notation** jianpu" in (await it.wait_final()).content
    reply = await melody(env, {"notes": "C E G", "key": "C major"})
    assert notes_block(reply.content).startswith("1=C 1 3 5 ➜ ")
    assert "notation jianpu (your /prefs)" in reply.content
    reply = await melody(env, {"notes": "C E G", "key": "C major", "notation": "letters"})  # the option wins
    assert notes_block(reply.content).startswith("C E G ➜ ")
    other = await melody(env, {"notes": "C E G", "key": "C major"}, user=1)  # someone else's replies are unchanged
    assert notes_block(other.content).startswith("C E G ➜ ")


async def test_bad_jianpu_gets_a_private_explanation_with_an_example(env):
    for notes, needle in (("1 2 8", "`8`"), ("1 2 3_ -- | 1''''''", "`1''''''`"), ("- 1 2", "`-`")):
        it = await env.fake.slash("melody", {"notes": notes})
        reply = await it.wait_final()
        assert it.ephemeral and needle in reply.content and "e.g. `1" in reply.content  # and what to type
