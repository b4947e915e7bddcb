"""Fixed-do solfège in `/melody` and `/transform` replies, through real discord.py and the fake Discord."""

from __future__ import annotations

import re

from data.notation import stored_notes
from tests.bot.test_jianpu_e2e import melody, midi_pitches, notes_block

LETTER = re.compile(r"(?<![\w#])[A-G](?:#|b)?-?\d")  # a letter note with its octave: C4, F#3, Bb5


async def test_a_seed_typed_in_solfege_is_answered_in_solfege(env):
    """A French or Italian musician types `do re mi fa sol` and reads the continuation in the same syllables
    (before: `do re mi fa sol ➜ G4:q A4:e …`); the text pastes back as the same notes as the MIDI."""
    reply = await melody(env, {"notes": "do re mi fa sol", "key": "C major"})
    shown = notes_block(reply.content)
    seed, continuation = shown.split(" ➜ ")
    assert seed == "do re mi fa sol"
    assert not LETTER.search(continuation) and re.search(r"\b(?:Do|Re|Mi|Fa|Sol|La|Si)[#b]?\d:", continuation)
    assert [n.pitch for n in stored_notes(shown) if n.pitch is not None] == midi_pitches(reply)
    picked = await (await env.fake.press(reply, "mg:melody:pick:0", user=1)).wait_final(timeout=60)
    assert shown in picked.content  # a stored candidate is shown the same way again


async def test_solfege_on_request_and_letters_on_request(env):
    asked = notes_block((await melody(env, {"notes": "F# A C#5", "key": "F# minor", "notation": "solfege"})).content)
    assert asked.startswith("Fa# La Do#5 ➜ ")  # the typed letters are written as syllables too
    assert not LETTER.search(asked.split(" ➜ ")[1])
    letters = notes_block((await melody(env, {"notes": "do re mi", "key": "C major", "notation": "letters"})).content)
    assert LETTER.search(letters.split(" ➜ ")[1])  # the option wins over the seed's syllables


async def test_rewrite_and_extend_answer_a_solfege_melody_in_solfege(env):
    for command, options in (("rewrite", {"bars": "2"}), ("extend", {"bars": 2})):
        it = await env.fake.slash(command, {"notes": "do re mi fa | sol la si do5", "seed": 3, "count": 1, **options})
        reply = await it.wait_final(timeout=90)
        shown = notes_block(reply.content)
        assert shown.startswith("Do4:q Re4:q Mi4:q Fa4:q | ") and "[ " in shown, shown
        assert not LETTER.search(shown)
        assert [n.pitch for n in stored_notes(shown) if n.pitch is not None] == midi_pitches(reply)
