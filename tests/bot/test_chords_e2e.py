"""`/chords` through real discord.py and the fake Discord server."""

from __future__ import annotations

import io

import pretty_midi
import pytest
from PIL import Image

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from tests.bot.helpers import attachment, sketch_midi


def instruments(message) -> list[pretty_midi.Instrument]:
    return pretty_midi.PrettyMIDI(io.BytesIO(attachment(message, ".mid"))).instruments


async def test_chords_for_typed_notes(env):
    assert "chords" in {c["name"] for c in env.fake.guild_commands}
    it = await env.fake.slash("chords", {"notes": "E:q D C D E E E:h D:q D D:h E:q G G:h", "key": "C major",
                                         "rhythm": "bar", "style": "chorale"})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_final(timeout=90)
    chord_line = reply.content.split("```\n", 1)[1].split("\n```", 1)[0]
    assert chord_line.startswith("| ") and chord_line.endswith(" |") and chord_line.count("|") == 5
    assert "Roman numerals in C major" in reply.content and "of your notes are in" not in reply.content
    score = Image.open(io.BytesIO(attachment(reply, "-score.png")))
    assert score.format == "PNG" and score.width > 600
    tracks = instruments(reply)
    assert len(tracks) == 2
    assert [n.pitch for n in tracks[0].notes[:3]] == [64, 62, 60]
    starts: dict[float, int] = {}
    for n in tracks[1].notes:
        starts[round(n.start, 3)] = starts.get(round(n.start, 3), 0) + 1
    assert len(starts) == 4 and all(count >= 3 for count in starts.values())
    assert max(n.pitch for n in tracks[1].notes) < min(n.pitch for n in tracks[0].notes) + 12
    assert attachment(reply, ".ogg")[:4] == b"OggS"
    assert b"<harmony" in attachment(reply, ".musicxml")
    env.fake.assert_clean()


async def test_a_key_the_notes_are_not_in_is_used_and_named(env):
    """A typo'd key: Mary in F# major was harmonised C#m G# ... with nothing said."""
    reply = await (await env.fake.slash("chords", {"notes": "E D C D | E E E:h", "key": "F# major"})).wait_final(90)
    assert "Chords** in F# major" in reply.content
    assert "Only 0% of your notes are in F# major; they fit C major — leave `key:` out" in reply.content


async def test_chords_without_notes_use_the_last_melody(env):
    await (await env.fake.slash("melody", {"notes": "C E G", "seed": 5, "bars": 4, "count": 1}, user=0)).wait_final(60)
    reply = await (await env.fake.slash("chords", {"style": "pop"}, user=0)).wait_final(timeout=90)
    assert "last melody" in reply.content
    assert len(instruments(reply)) == 2
    assert [n.pitch for n in instruments(reply)[0].notes[:3]] == [60, 64, 67]
    env.fake.assert_clean()


async def test_chords_from_the_apps_menu_of_a_melody_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "G A B", "seed": 2, "bars": 4, "count": 1})).wait_final(60)
    reply = await (await env.fake.message_command("Chords for this melody", melody, user=1)).wait_final(timeout=90)
    assert "message you picked" in reply.content
    assert [n.pitch for n in instruments(reply)[0].notes[:3]] == [67, 69, 71]
    chords = await (await env.fake.message_command("Chords for this melody", reply, user=1)).wait_final(timeout=30)
    assert "melody track of `chords-pop.mid`" in chords.content  # a reply's files carry its melody
    assert [n.pitch for n in instruments(chords)[0].notes] == [n.pitch for n in instruments(reply)[0].notes]
    env.fake.assert_clean()


async def test_the_apps_menu_on_a_reply_of_three_uses_the_candidate_you_picked(env):
    """Apps → Chords for this melody on a reply of three candidates took candidate 1 even after its user had
    pressed Pick 2, and said only "the melody of the message". It takes their pick, and says which it took."""
    melody = await (await env.fake.slash("melody", {"notes": "G A B D5", "seed": 44, "bars": 4, "key": "G major"},
                                         user=1)).wait_final(60)
    await (await env.fake.press(melody, melody.button("Pick 2")["custom_id"], user=1)).wait_final(60)
    mine = await (await env.fake.message_command("Chords for this melody", melody, user=1)).wait_final(timeout=90)
    assert "candidate 2 of that message, the one you picked" in mine.content
    second = pretty_midi.PrettyMIDI(io.BytesIO(attachment(melody, "-2.mid"))).instruments[0].notes
    assert [n.pitch for n in instruments(mine)[0].notes] == [n.pitch for n in second]
    theirs = await (await env.fake.message_command("Chords for this melody", melody, user=2)).wait_final(timeout=90)
    assert "candidate 1 of that message: press Pick under another one first" in theirs.content
    first = pretty_midi.PrettyMIDI(io.BytesIO(attachment(melody, "-1.mid"))).instruments[0].notes
    assert [n.pitch for n in instruments(theirs)[0].notes] == [n.pitch for n in first]
    env.fake.assert_clean()


async def test_chords_for_a_half_cadence_melody_end_on_the_dominant(env):
    """A melody written with `ending:half` ends on the 5th; its chords end on V, as it was asked to, where a typed
    melody that ends on the 5th closes on I."""
    melody = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 3, "bars": 4, "count": 1,
                                                    "ending": "half", "key": "C major"})).wait_final(60)
    reply = await (await env.fake.message_command("Chords for this melody", melody, user=1)).wait_final(timeout=90)
    last_bar = reply.content.split("```\n", 1)[1].split("\n```", 1)[0].rstrip(" |").rsplit("|", 1)[-1].split()
    assert last_bar[-1] in ("G", "G7"), reply.content
    typed = await (await env.fake.slash("chords", {"notes": "C E G C5 | B:h A:q G:q | C5 D5 E5 D5 | B4:h G4:h",
                                                   "key": "C major"})).wait_final(timeout=90)
    assert typed.content.split("```\n", 1)[1].split("\n```", 1)[0].rstrip(" |").split()[-1] == "C"


async def test_chords_for_a_midi_file_in_minor(env):
    notes = (*tuple(Note(p, 12) for p in (69, 71, 72, 74, 76, 74, 72, 71)), Note(69, 24))
    data = melody_to_midi(Melody(notes, Key(9, "minor"), Meter(4, 4), tempo=90))
    reply = await (await env.fake.slash("chords", {"midi": ("tune.mid", data), "key": "A minor", "style": "jazz"})
                   ).wait_final(timeout=90)
    assert "tune.mid" in reply.content and "A minor" in reply.content
    assert len(instruments(reply)) == 2


@pytest.mark.parametrize(("options", "needle"), [
    ({"notes": "C E H"}, "H"), ({"notes": "C E G", "key": "Q major"}, "key"),
    ({"notes": "C E G", "meter": "5/3"}, "meter"), ({"notes": "C E G", "tempo": 999}, "tempo"),
])
async def test_bad_input_is_answered_privately(env, options, needle):
    it = await env.fake.slash("chords", options)
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert needle in reply.content and "`" in reply.content


async def test_no_melody_yet_says_what_to_do(env):
    it = await env.fake.slash("chords", {}, user=2)
    reply = await it.wait_final()
    assert reply.ephemeral and "/melody notes:C E G" in reply.content


async def test_chords_typed_or_in_a_file_are_read_back_with_numerals(env):
    """`/chords notes:"Am F C G"` (chords, not a tune) and `/chords midi:` with a file of block chords: the key
    and each chord's roman numeral, and how to write a melody over them — not a harmonisation of nothing."""
    from tests.data.test_midi_chords import block, midi_file

    typed = await (await env.fake.slash("chords", {"notes": "Am F C G"})).wait_final(timeout=60)
    assert "**Your chords** in A minor" in typed.content and not typed.attachments
    assert "| Am | F  | C   | G   |\n| i  | VI | III | VII |" in typed.content
    assert "`/melody chords:Am F C G`" in typed.content
    keyed = await (await env.fake.slash("chords", {"notes": "Am F C G", "key": "C major"})).wait_final(timeout=60)
    assert "in C major (the key you gave)" in keyed.content and "| vi | IV | I | V |" in keyed.content
    data = midi_file({"Keys": block([[57, 60, 64], [53, 57, 60], [55, 59, 62], [57, 60, 64]], [4] * 4)})
    filed = await (await env.fake.slash("chords", {"midi": ("loop.mid", data)})).wait_final(timeout=60)
    assert "`loop.mid` holds chords, not a tune: here they are, read back." in filed.content
    assert "| i  | VI | VII | i  |" in filed.content
    env.fake.assert_clean()


async def test_chords_for_a_tune_that_has_chords_name_them_beside_mine(env):
    """A sketch whose piano plays the chords, and a melody written over typed chords: /chords names the chords the
    tune already has, then gives chords of its own (another way to play it), not mine alone as if it had none."""
    sketch = await (await env.fake.slash("chords", {"midi": ("sketch.mid", sketch_midi())}, user=7)).wait_final(90)
    assert ("🎹 The chords of `sketch.mid`, track 2: `| C | F | G | C |`. Below, chords of my own for it."
            in sketch.content) and "Roman numerals in C major" in sketch.content
    await (await env.fake.slash("melody", {"chords": "Am F C G", "seed": 3, "count": 1}, user=7)).wait_final(60)
    mine = await (await env.fake.slash("chords", {}, user=7)).wait_final(timeout=90)
    assert "🎹 You wrote it over `Am F C G`. Below, chords of my own for it." in mine.content
    plain = await (await env.fake.slash("chords", {"notes": "E D C D E E E:h"}, user=7)).wait_final(timeout=90)
    assert "Below, chords of my own" not in plain.content
    env.fake.assert_clean()
