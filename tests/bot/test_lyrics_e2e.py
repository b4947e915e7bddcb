"""Words and music through real discord.py and the fake Discord: `/melody lyrics:`, `/lyrics`, `/inspire topic:`."""

from __future__ import annotations

import io

import pretty_midi

from data.midi import midi_lyrics
from data.pronounce import syllable_count, words


def attachment(message, suffix: str) -> bytes:
    return next(a.data for a in message.attachments if a.filename.endswith(suffix))


async def test_melody_sets_the_users_words_one_note_per_syllable(env):
    text = "Twinkle twinkle little star, how I wonder what you are"
    reply = await (await env.fake.slash("melody", {"lyrics": text, "key": "G major", "seed": 3, "count": 1})
                   ).wait_final(timeout=90)
    assert "A melody for your words" in reply.content and "🎤 Twin-kle twin-kle lit-tle star" in reply.content
    midi = attachment(reply, ".mid")
    sung = [n for n in pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[0].notes]
    assert len(sung) == sum(syllable_count(w) for w in words(text)) == 14
    events = midi_lyrics(midi)
    assert "".join(t for _, t in events).lower().split() == [w.strip(",") for w in text.lower().split()]
    assert [round(t, 3) for t, _ in events] == [round(n.start, 3) for n in sung]
    assert b"<lyric" in attachment(reply, ".musicxml")
    env.fake.assert_clean()


async def test_melody_words_without_letters_are_refused_kindly(env):
    it = await env.fake.slash("melody", {"lyrics": "🎵🎵 !!"})
    reply = await it.wait_final(timeout=30)
    assert reply.ephemeral and "lyrics:" in reply.content
    env.fake.assert_clean()
