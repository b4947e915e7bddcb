"""A MusicXML score (plain or .mxl) or an ABC tune uploaded to `/melody`, `/analyze` and `/chords` through real
discord.py and the fake Discord: its melody continued in its key, meter and pickup, and a MuseScore project file
answered with what to export."""

from __future__ import annotations

import io

import pretty_midi

from tests.bot.helpers import attachment
from tests.data.musicxml_scores import LEAD_SHEET, mxl


async def test_a_lead_sheet_is_continued_from_its_voice_part(env):
    reply = await (await env.fake.slash("melody", {"midi": ("song.mxl", mxl(LEAD_SHEET)), "count": 1, "bars": 8,
                                                   "seed": 3})).wait_final(90)
    assert "I used part 1 of `song.mxl`, Voice (8 notes), as the melody (the highest of its 2 parts)" in reply.content
    assert "Its key signature (1 flat) puts it in D minor." in reply.content
    assert "D4:e | F4:q A4:q D5:h. | C5:q | Bb4:q A4:h | D4:h ➜" in reply.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes[:5]] == [62, 65, 69, 74, 72]
    signature = midi.time_signature_changes[-1]
    assert (signature.numerator, signature.denominator) == (3, 4)
    embed = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert embed["Key"].startswith("D minor") and embed["Tempo"] == "90 bpm"


async def test_analyze_reads_the_score_and_a_musescore_project_is_told_what_to_export(env):
    reply = await (await env.fake.slash("analyze", {"midi": ("song.musicxml", LEAD_SHEET)})).wait_final(90)
    assert "I used part 1 of `song.musicxml`" in reply.content
    assert {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}["Key"].startswith("**D minor**")
    project = await (await env.fake.slash("melody", {"midi": ("song.mscz", mxl(b"<museScore/>", "song.mscx"))})
                     ).wait_final(30)
    assert "That's a MuseScore file (.mscz), which I can't read." in project.content
    assert "MusicXML (.musicxml or .mxl) or MIDI (.mid)" in project.content


KESH = b"X:1\nT:The Kesh\nM:6/8\nL:1/8\nK:G\n|:GAG GAB|ABA ABd|edd gdd|edB dBA:|\n\nX:2\nT:Another\nK:D\nDEF|\n"


async def test_an_abc_file_reads_as_if_its_tune_were_pasted(env):
    """A .abc file from a tune site (two tunes in it): the first tune, its header's key and meter, answered in ABC."""
    reply = await (await env.fake.slash("melody", {"midi": ("kesh.abc", KESH), "count": 1, "seed": 2})).wait_final(90)
    assert "I used `kesh.abc`. Read as an ABC tune: “The Kesh”, G major, 6/8." in reply.content
    assert "X:1" in reply.content and "K:G" in reply.content  # the reply is written in ABC, as the tune was
    embed = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert embed["Meter"] == "6/8" and embed["Key"].startswith("G major") and embed["Bars"] == "16"
    chords = await (await env.fake.slash("chords", {"midi": ("kesh.abc", KESH)})).wait_final(60)
    assert "I used `kesh.abc`. Read as an ABC tune: “The Kesh”, G major, 6/8." in chords.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(chords, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes[:6]] == [67, 69, 67, 67, 69, 71]  # G A G G A B
