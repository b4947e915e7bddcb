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


async def test_arrange_plays_the_chords_written_in_the_abc(env):
    tune = 'X:1 T:Kesh M:6/8 L:1/8 K:G D|"G"GAG GAB|"D"ABA ABd|"G"edd gdd|"C"edB "D"d2|'
    it = await env.fake.slash("arrange", {"notes": tune, "form": "AB", "seed": 3})
    reply = await it.wait_final(timeout=120)
    assert "**A** (4 bars — your melody): `G | D | G | C D`" in reply.content  # bar by bar, D at the half bar
    assert "A plays your chords" in reply.content
    typed = await (await env.fake.slash("arrange", {"notes": tune, "form": "AB", "seed": 3, "chords": "C | F"})
                   ).wait_final(timeout=120)
    assert "**A** (4 bars — your melody): `C | F | C | F`" in typed.content  # typed chords win


def test_abc_chords_become_a_progression_from_the_first_downbeat():
    from studio.inputs import abc_chords

    assert abc_chords('X:1 M:4/4 L:1/8 K:C "C"c2 | "F"A4 "G7"G4 | "C"c8 |') == "| F G7 | C |"  # after the pickup
    assert abc_chords('X:1 M:3/4 L:1/4 K:C "C"C E G | "G"D "C"E C |') == "| C | G |"  # odd meters: a chord a bar
    assert abc_chords("X:1 M:4/4 K:C CDEF GABc|") is None and abc_chords("C E G") is None
    assert abc_chords('X:1 M:4/4 K:C "Xyz"CDEF GABc|') is None  # a name /arrange can't play: its own chords
    assert abc_chords('X:1 M:4/4 L:1/8 K:C "C"CDEF "N.C."GABc | "(Am)"A8 |') == "| C | Am |"  # N.C. holds C
