"""A key guessed from typed notes is named and spelled with the accidentals they were typed with, through real
discord.py and the fake Discord: `C# E# G#` is C# major, not Db major."""

from __future__ import annotations

import re

FLAT_NOTE = re.compile(r"\b[A-G]b(?![a-z])")
SHARP_NOTE = re.compile(r"\b[A-G]#")


def fields(message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


async def command(env, name: str, options: dict, *files: str):
    """The reply once the files it adds after sending (``files``, by suffix) are there."""
    return await (await env.fake.slash(name, options)).wait_files(*files, timeout=90)


async def test_a_seed_typed_in_sharps_is_continued_in_the_sharp_key(env):
    reply = await command(env, "melody", {"notes": "C# E# G# F# E# D# C#:h", "count": 1, "bars": 4, "seed": 3},
                          ".ogg", "-score.png")
    assert fields(reply)["Key"] == "C# major (from your seed)"  # was "Db major": the user's C# became Db
    notes = reply.content.split("```\n", 1)[1].split("\n```", 1)[0]
    assert SHARP_NOTE.search(notes.split("➜")[1]) and not FLAT_NOTE.search(notes), notes

    chords = await command(env, "chords", {"notes": "C# E# G# F# E# D# C#:h"}, ".ogg")
    text = chords.content + "".join(e.get("description") or "" for e in chords.embeds)
    assert "C# major" in text and "Db" not in text, text

    analysis = await command(env, "analyze", {"notes": "C# E# G# F# E# D# C#:h"}, ".png")
    assert "C# major" in str(analysis.embeds) and "Db major" not in str(analysis.embeds)


async def test_a_seed_typed_in_flats_is_continued_in_the_flat_key(env):
    reply = await command(env, "melody", {"notes": "Gb Bb Db Cb Bb Ab Gb:h", "count": 1, "bars": 4, "seed": 3},
                          ".ogg", "-score.png")
    assert fields(reply)["Key"] == "Gb major (from your seed)"  # was "F# major"
    notes = reply.content.split("```\n", 1)[1].split("\n```", 1)[0]
    assert not SHARP_NOTE.search(notes), notes


async def test_a_key_with_more_than_seven_sharps_keeps_its_flat_name(env):
    reply = await command(env, "melody", {"notes": "G# B# D#", "count": 1, "bars": 2, "seed": 3}, ".ogg",
                          "-score.png")
    assert fields(reply)["Key"] == "Ab major (from your seed)"  # G# major would need F double-sharp


async def test_a_letter_typed_without_the_keys_sharp_is_kept_and_named(env):
    """`D F A` with key D major: the F is F natural (kept, as typed) and the reply says how to write the key's F#;
    a seed typed with the sharp, or in a key with no sharp to forget, gets no such line."""
    slip = await command(env, "melody", {"notes": "D F A d:q", "key": "D major", "count": 1, "bars": 4, "seed": 2},
                         ".ogg")
    assert "Your F is a natural, outside D major (F#): I kept it as typed. Write `F#`" in slip.content
    assert slip.content.split("```\n", 1)[1].startswith("D F A d:q ➜")  # the seed as typed
    for notes, key in (("D F# A d:q", "D major"), ("D F A d:q", "D minor")):
        clean = await command(env, "melody", {"notes": notes, "key": key, "count": 1, "bars": 4, "seed": 2}, ".ogg")
        assert "is a natural" not in clean.content
    chords = await command(env, "chords", {"notes": "G A B C5 D5 E5 F5 G5:h", "key": "G major"}, ".ogg")
    assert "Your F is a natural, outside G major (F#)" in chords.content


async def test_a_jig_typed_without_lengths_is_told_how_to_write_eighths(env):
    """Bare letters are quarters, which cut across 6/8's beats: the reply says so and gives the seed in eighths;
    that seed, typed, reads as eighths and gets no such line (nor does 4/4, or quarters between typed bar lines)."""
    jig = {"notes": "D E F# G A B", "key": "D major", "meter": "6/8", "count": 1, "bars": 4, "seed": 2}
    hint = await command(env, "melody", jig, ".ogg")
    assert ("Notes typed without a length are quarters, two of 6/8's eighths each: for eighths, write "
            "`D:e E F# G A B`") in hint.content
    assert hint.content.split("```\n", 1)[1].startswith("D E F# G A B ➜")  # the seed as typed: quarters
    eighths = await command(env, "melody", {**jig, "notes": "D:e E F# G A B"}, ".ogg")
    assert "without a length" not in eighths.content
    continued = eighths.content.split("```\n", 1)[1].split(" ➜ ", 1)[1]
    assert continued.count("|") == 3  # the seed is the first of the 4 bars
    chords = await command(env, "chords", {"notes": "D E F# G A B", "key": "D major", "meter": "6/8"}, ".ogg")
    assert "for eighths, write `D:e E F# G A B`" in chords.content  # the commands that read a melody too
    for notes, meter in (("D E F# G A B", "4/4"), ("| D E F# | G A B |", "6/8")):
        plain = await command(env, "melody", {**jig, "notes": notes, "meter": meter}, ".ogg")
        assert "without a length" not in plain.content
