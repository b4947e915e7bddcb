"""`/analyze` through real discord.py and the fake Discord server: typed notes, a MIDI file, the last melody and the
Apps menu, every reply within Discord's embed limits."""

from __future__ import annotations

import io
import re

import pretty_midi
import pytest
from PIL import Image

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from tests.bot.helpers import attachment

G_MAJOR = "G4:q A B G | C5 B A G | F#:q A D5 C | B4:h G:h"
AABA = ("C4:q D4 E4 C4 | E4 F4 G4:h | E4:e F4 G4 A4 G4:q E4 | C4 D4 C4:h | " * 2
        + "G4:q G4 A4 A4 | G4 G4 E4:h | F4:q F4 D4 D4 | E4 E4 C4:h | "
        + "C4:q D4 E4 C4 | E4 F4 G4:h | E4:e F4 G4 A4 G4:q E4 | C4 D4 C4:h")


def fields(message) -> dict[str, str]:
    return {f["name"]: f["value"] for e in message.embeds for f in e.get("fields") or []}


def assert_within_limits(message) -> None:
    assert len(message.content) <= 2000 and 1 <= len(message.embeds) <= 10
    total = 0
    for embed in message.embeds:
        assert len(embed.get("title") or "") <= 256 and len(embed.get("fields") or []) <= 25
        for f in embed.get("fields") or []:
            assert len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
            total += len(f["name"]) + len(f["value"])
        total += len(embed.get("title") or "") + len((embed.get("footer") or {}).get("text") or "")
    assert total <= 6000


async def test_analyze_typed_notes(env):
    assert "analyze" in {c["name"] for c in env.fake.guild_commands}
    it = await env.fake.slash("analyze", {"notes": AABA})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_final(timeout=90)
    assert_within_limits(reply)
    assert "**Analysis**" in reply.content and "C major" in reply.content and "guessed" not in reply.content
    found = fields(reply)
    assert {"Key", "Scale and mode", "Range and tessitura", "Intervals", "Contour", "Phrases and form", "Cadences",
            "Rhythm", "Harmonisation"} <= set(found)
    assert "C major" in found["Key"] and "%" in found["Key"]
    assert "A A B A" in found["Phrases and form"] and "cadence" in found["Cadences"]
    assert "`| I" in found["Harmonisation"]
    assert reply.embeds[-1]["image"]["url"] == "attachment://analysis-score.png"
    score = Image.open(io.BytesIO(attachment(reply, "analysis-score.png")))
    assert score.format == "PNG" and score.width >= 900
    tracks = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments
    assert len(tracks) == 2 and [n.pitch for n in tracks[0].notes[:3]] == [60, 62, 64]
    assert attachment(reply, ".ogg")[:4] == b"OggS"
    xml = attachment(reply, ".musicxml")
    assert xml.count(b"<rehearsal") == 4 and b"<words" in xml
    env.fake.assert_clean()


async def test_analyze_a_midi_file_with_a_given_key(env):
    notes = (*(Note(p, 12) for p in (64, 67, 71, 67, 69, 67, 66, 64, 66, 67, 69, 66)), Note(64, 48))
    data = melody_to_midi(Melody(notes, Key(4, "minor"), Meter(4, 4), tempo=90))
    reply = await (await env.fake.slash("analyze", {"midi": ("tune.mid", data), "key": "G major"})).wait_final(90)
    assert_within_limits(reply)
    assert "tune.mid" in reply.content
    key = fields(reply)["Key"]
    assert "You set G major" in key and "E minor" in key



async def test_a_midi_files_key_signature_is_the_key_and_the_reading_says_whose(env):
    """A pentatonic tune (no F or F#) written with one sharp: A dorian, as written, not the A minor of the notes
    alone."""
    notes = (*(Note(p, 12) for p in (69, 72, 74, 76, 79, 76, 74)), Note(69, 24))
    data = melody_to_midi(Melody(notes, Key(9, "dorian"), Meter(4, 4), tempo=90))
    reply = await (await env.fake.slash("analyze", {"midi": ("tune.mid", data)})).wait_final(90)
    assert "Its key signature (1 sharp) puts it in A dorian." in reply.content
    key = fields(reply)["Key"]
    assert key.startswith("The file's key signature writes A dorian") and "I'd say **A minor**" in key

async def test_analyze_without_notes_reads_the_last_melody(env):
    await (await env.fake.slash("melody", {"notes": "C E G", "seed": 5, "bars": 8, "count": 1}, user=0)).wait_final(60)
    reply = await (await env.fake.slash("analyze", {}, user=0)).wait_final(timeout=90)
    assert_within_limits(reply)
    assert "last melody" in reply.content and "8 bars" in reply.content
    tracks = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments
    assert [n.pitch for n in tracks[0].notes[:3]] == [60, 64, 67]
    env.fake.assert_clean()


async def test_a_melody_asked_to_end_on_a_half_cadence_is_read_so(env):
    melody = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 3, "bars": 8, "count": 1,
                                                    "ending": "half", "key": "C major"}, user=4)).wait_final(60)
    reply = await (await env.fake.message_command("Analyze this melody", melody, user=4)).wait_final(timeout=90)
    last = fields(reply)["Cadences"].rsplit("Bar ", 1)[1]
    assert last.startswith("8:") and "half cadence" in last, fields(reply)["Cadences"]


async def test_analyze_from_the_apps_menu_of_any_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "G A B", "seed": 2, "bars": 4, "count": 1})).wait_final(60)
    reply = await (await env.fake.message_command("Analyze this melody", melody, user=1)).wait_final(timeout=90)
    assert "message you picked" in reply.content and fields(reply)["Key"]
    first = [n.pitch for n in pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments[0].notes]
    assert first[:3] == [67, 69, 71]
    chords = await (await env.fake.slash("chords", {"notes": G_MAJOR})).wait_final(timeout=90)
    again = await (await env.fake.message_command("Analyze this melody", chords, user=1)).wait_final(timeout=90)
    assert "melody track" in again.content and "G major" in fields(again)["Key"]
    also = await (await env.fake.message_command("Analyze this melody", again, user=1)).wait_final(timeout=90)
    assert "G major" in fields(also)["Key"]
    # the other Apps menus read the same files: they said "That message has no melody of mine"
    sung = await (await env.fake.message_command("Lyrics for this melody", chords, user=1)).wait_final(timeout=90)
    assert "melody track of `chords-pop.mid`" in sung.content and "Words for your melody" in sung.content
    chorded = await (await env.fake.message_command("Chords for this melody", also, user=1)).wait_final(timeout=90)
    assert "melody track of `analysis.mid`" in chorded.content and "| G" in chorded.content
    env.fake.assert_clean()


async def test_a_message_without_a_melody_is_told_privately(env):
    help_reply = await (await env.fake.slash("help", {}, user=3)).wait_final()
    it = await env.fake.message_command("Analyze this melody", help_reply, user=3)
    reply = await it.wait_final(timeout=30)
    assert reply.ephemeral and "no melody of mine" in reply.content


async def test_a_long_melody_still_fits_discords_limits(env):
    bars = " ".join(["C4:e D4 E4 F4 G4 A4 B4 C5 B4 A4 G4 F#4 G4 A4 Bb4 C5"] * 16)
    reply = await (await env.fake.slash("analyze", {"notes": bars})).wait_final(timeout=120)
    assert_within_limits(reply)


@pytest.mark.parametrize(("options", "needle"), [
    ({"notes": "C E H"}, "H"), ({"notes": "C E G", "key": "Q major"}, "key"),
    ({"notes": "C E G", "tempo": 999}, "tempo"), ({"notes": "R R"}, "rests"),
])
async def test_bad_input_is_answered_privately(env, options, needle):
    it = await env.fake.slash("analyze", options)
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert needle in reply.content


async def test_no_melody_yet_says_what_to_do(env):
    reply = await (await env.fake.slash("analyze", {}, user=2)).wait_final()
    assert reply.ephemeral and "/melody notes:C E G" in reply.content


async def test_analyze_in_chinese_translates_the_body_and_keeps_the_notes(env):
    """A zh-CN user reads every section of /analyze in Chinese (key, range, intervals, contour, cadences, rhythm,
    harmony), with note names, bar numbers and chords as written; an en-US user still gets the English."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    zh = await (await env.fake.slash("analyze", {"notes": G_MAJOR}, locale="zh-CN")).wait_final(timeout=90)
    en = await (await env.fake.slash("analyze", {"notes": G_MAJOR}, locale="en-US")).wait_final(timeout=90)
    assert_within_limits(zh)
    body, english = fields(zh), fields(en)
    assert len(body) == len(english) >= 9
    for value in body.values():
        for line in re.sub(r"```.*?```", "", value, flags=re.DOTALL).split("\n"):
            prose = re.sub(r"`[^`]*`", "", line).strip()
            assert not prose or cjk.search(prose), f"English left in the zh-CN /analyze: {line!r}"
            assert not re.search(r"\b(?:the|melody|notes?|phrase|cadence|bar)\b", prose), line
    text = "\n".join(body.values())
    for kept in ("G4", "D5", "F#", "G大调", "置信度", "音域", "级进", "终止", "和弦记号"):
        assert kept in text, kept
    assert "`| I" in text  # roman numerals stay as written
    english_text = "\n".join(english.values())
    assert not cjk.search(english_text) and "confidence" in english_text and "From " in english_text


async def test_a_long_midi_file_is_read_whole_by_analyze_and_the_melody_says_what_it_left_out(env):
    """/analyze reads up to 256 notes of a file (it read 64 and said nothing); /melody continues from the first 64
    and its reply says how many more the file has."""
    scale = (60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62)
    notes = (*(Note(scale[i % len(scale)], 12) for i in range(99)), Note(60, 12))  # 100 quarters: 25 bars
    data = melody_to_midi(Melody(notes, Key(0, "major"), Meter(4, 4), tempo=120))
    reply = await (await env.fake.slash("analyze", {"midi": ("long.mid", data)})).wait_final(90)
    assert "25 bars" in reply.content and "long.mid" in reply.content and "I read the first" not in reply.content
    tracks = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments
    assert len(tracks[0].notes) == 100
    melody = await (await env.fake.slash("melody", {"midi": ("long.mid", data), "bars": 20, "count": 1})).wait_final(90)
    assert "The file's melody has 100 notes and I read the first 64" in melody.content
    env.fake.assert_clean()
