"""`/melody mood:` and the mood line, through real discord.py and the fake Discord server."""

from __future__ import annotations

import io
import itertools

import pretty_midi
import pytest

from bot.errors import discord_syntax
from studio.errors import MusicError
from studio.mood import MOODS
from studio.requests import MelodyRequest
from tests.bot.helpers import attachment


def fields(reply, index: int = 0) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply.embeds[index]["fields"]}


def midi_of(reply) -> pretty_midi.PrettyMIDI:
    return pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))


async def test_a_mood_alone_writes_a_melody_and_says_what_it_set(env):
    it = await env.fake.slash("melody", {"mood": "melancholic", "seed": 5, "count": 1})
    reply = await it.wait_final(timeout=90)
    assert "🎭 melancholic: minor, 66 bpm, low register, sparse rhythm, legato, falling contour" in reply.content
    shown = fields(reply)
    assert shown["Key"] == "A minor" and shown["Tempo"] == "66 bpm" and "mood:melancholic" in shown["Reproduce"]
    assert shown["Mood"].startswith(("melancholic (valence -", "dreamy (valence -"))  # what the notes sound like
    assert round(midi_of(reply).get_tempo_changes()[1][0]) == 66
    env.fake.assert_clean()


async def test_a_typed_tempo_and_key_win_over_the_mood(env):
    it = await env.fake.slash("melody", {"notes": "C E G", "mood": "melancholic", "tempo": 90, "seed": 3, "count": 1})
    reply = await it.wait_final(timeout=90)
    assert "melancholic: minor, 90 bpm (yours), low register" in reply.content
    shown = fields(reply)
    assert shown["Tempo"] == "90 bpm" and "minor" in shown["Key"]  # the mood's mode, in a key that fits C E G
    assert reply.content.split("```\n", 1)[1].startswith("C E G ➜ ")  # the typed seed stays as typed
    assert round(midi_of(reply).get_tempo_changes()[1][0]) == 90
    it = await env.fake.slash("melody", {"notes": "C E G", "mood": "melancholic", "key": "G major", "seed": 3,
                                         "count": 1})
    reply = await it.wait_final(timeout=90)
    assert "melancholic: major (yours), 66 bpm" in reply.content and fields(reply)["Key"] == "G major"


async def test_staccato_moods_play_short_notes_in_the_midi(env):
    it = await env.fake.slash("melody", {"mood": "playful", "seed": 2, "count": 1})
    reply = await it.wait_final(timeout=90)
    assert "playful: major, 152 bpm, high register, busy rhythm, staccato" in reply.content
    midi = midi_of(reply)
    beat = 60 / 152
    notes = midi.instruments[0].notes
    gaps = [b.start - a.end for a, b in itertools.pairwise(notes)]
    assert min(gaps) > 0.05 * beat  # every note stops before the next begins
    assert sum(n.pitch for n in notes) / len(notes) > 66  # above the middle of the staff: a high register


async def test_a_mood_outside_the_list_is_refused_and_the_core_explains_it(env):
    with pytest.raises(ValueError, match="not one of the choices"):  # Discord offers only the moods
        await env.fake.slash("melody", {"notes": "C E G", "mood": "grumpy"})
    with pytest.raises(MusicError) as err:  # any other way in (a stored request, an API) gets the list
        MelodyRequest(notes="C E G", mood="grumpy")
    text = err.value.render(discord_syntax)
    assert "grumpy" in text and all(name in text for name in MOODS) and "`mood:melancholic`" in text


async def test_every_melody_reply_estimates_its_mood_and_discord_offers_the_moods(env):
    reply = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 4, "count": 2})).wait_final(90)
    assert "🎭" not in reply.content
    for i in (0, 1):
        assert "(valence " in fields(reply, i)["Mood"] and ", arousal " in fields(reply, i)["Mood"]
    melody = next(c for c in env.fake.guild_commands if c["name"] == "melody")
    mood = next(o for o in melody["options"] if o["name"] == "mood")
    assert [c["value"] for c in mood["choices"]] == list(MOODS)


async def test_analyze_reads_the_mood_of_any_melody(env):
    sad = "A3:q C4 B3 A3 | G3:h E3:h | F3:q E3 D3 C3 | B2:h A2:h"
    reply = await (await env.fake.slash("analyze", {"notes": sad, "tempo": 60})).wait_final(timeout=90)
    found = {f["name"]: f["value"] for e in reply.embeds for f in e.get("fields") or []}
    assert found["Mood"].startswith("**melancholic** — valence -") and "arousal -" in found["Mood"]
    bright = "C5:e D5 E5 G5 E5 G5 A5 C6 | B5 G5 A5 B5 C6:q C6"
    reply = await (await env.fake.slash("analyze", {"notes": bright, "tempo": 150})).wait_final(timeout=90)
    found = {f["name"]: f["value"] for e in reply.embeds for f in e.get("fields") or []}
    assert "valence +" in found["Mood"] and "arousal +" in found["Mood"]
