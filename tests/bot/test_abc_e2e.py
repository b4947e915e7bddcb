"""ABC notation in `/melody` and `/chords`, through real discord.py and the fake Discord."""

from __future__ import annotations

from data.abc import read_abc
from data.notation import parse_seed
from tests.bot.test_jianpu_e2e import melody, midi_pitches, notes_block

KESH = "X:1 T:The Kesh M:6/8 L:1/8 Q:3/8=120 K:G |:GAG GAB|ABA ABd|edd gdd|edB dBA:|"


async def test_a_tune_pasted_as_abc_is_continued_and_answered_in_abc(env):
    it = await env.fake.slash("melody", {"notes": KESH, "seed": 42, "count": 1})  # no bars: the tune, and 8 more
    reply = await it.wait_final(timeout=90)
    assert "Read as an ABC tune: “The Kesh”, G major, 6/8, 120 bpm." in reply.content
    shown = notes_block(reply.content)
    assert shown.startswith("X:1\nM:6/8\nL:1/8\nQ:3/8=120\nK:G\nGAG GAB | ABA ABd | edd gdd | edB dBA |\n"
                            "GAG GAB | ABA ABd | edd gdd | edB dBA |\n")  # played twice: its repeat
    tune = read_abc(shown)  # what the reply shows is ABC that reads back as the MIDI file's notes
    assert (str(tune.key), str(tune.meter)) == ("G major", "6/8")
    assert [n.pitch for n in parse_seed(shown, max_notes=1000).notes if n.pitch is not None] == midi_pitches(reply)
    assert midi_pitches(reply)[:6] == [67, 69, 67, 67, 69, 71]
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert (fields["Key"], fields["Meter"], fields["Tempo"], fields["Bars"]) == ("G major", "6/8", "120 bpm", "16")
    assert "notation:abc" in fields["Reproduce"] and "G4:e A4:e G4:e" in fields["Reproduce"]


async def test_typed_options_win_over_the_abc_header(env):
    reply = await melody(env, {"notes": "X:1 M:6/8 K:G GAG GAB|", "key": "E minor", "notation": "letters"})
    assert "Read as an ABC tune: 6/8." in reply.content  # the key it left aside is not claimed
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Key"].startswith("E minor") and fields["Meter"] == "6/8"
    assert notes_block(reply.content).startswith("G4:e A4:e G4:e G4:e A4:e B4:e ➜ ")


async def test_chords_for_an_abc_tune_use_its_key_and_meter(env):
    it = await env.fake.slash("chords", {"notes": "X:1 M:3/4 L:1/4 K:D D F A | d2 c | B A G | F3 |"})
    reply = await it.wait_final(timeout=90)
    assert "in D major · 3/4" in reply.content and "Read as an ABC tune: D major, 3/4." in reply.content
    assert "guessed from the notes" not in reply.content


async def test_bad_abc_gets_a_private_explanation_with_an_example(env):
    for notes, needle in (("X:1 K:G G & A|", "`&` is not ABC I know"), ("X:1 K:H GAB|", "`K:H`"),
                          ("X:1 T:Just a title K:G", "no notes")):
        it = await env.fake.slash("melody", {"notes": notes})
        reply = await it.wait_final()
        assert it.ephemeral and needle in reply.content
