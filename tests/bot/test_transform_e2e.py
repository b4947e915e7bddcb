"""`/transform` and the Transform… button, through real discord.py and the fake Discord: the reply says what changed,
shows the notes before and after and a piano roll of both, carries the result's MIDI, score and audio, and has the
buttons of any melody reply."""

from __future__ import annotations

import io

import pretty_midi
from PIL import Image

from data.notation import stored_notes
from tests.bot.helpers import attachment, candidate_notes

MARY = "E D C D | E E E:h | D:q D D:h | E:q G G:h"


def after_text(content: str) -> str:
    """The note text after the change (the last code block of a one-result reply)."""
    return content.rsplit("```\n", 1)[1].split("\n```", 1)[0]


async def test_transform_typed_notes_to_minor_jig_shows_before_and_after_with_every_file(env):
    it = await env.fake.slash("transform", {"notes": MARY, "key": "C major", "mode": "minor", "rhythm": "jig"})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_files(".ogg", "-score.png", timeout=120)
    assert "4/4 → 6/8 jig (long-short pairs), C major → C minor" in reply.content
    assert "**Before** ```\nE4:q D4:q C4:q D4:q | E4:q E4:q E4:h |" in reply.content
    after = after_text(reply.content)
    assert after == "Eb4:q D4:e C4:q D4:e | Eb4:q Eb4:e Eb4:q. | D4:q D4:e D4:q. | Eb4:q G4:e G4:q. |"
    embed = reply.embeds[0]
    assert embed["title"].startswith("Transformed: 4/4 → 6/8 jig")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Key"] == "C minor" and fields["Meter"] == "6/8" and fields["Bars"] == "4"
    reproduce = fields["Reproduce"]
    assert reproduce.startswith("`/transform notes:E4:q D4:q") and "mode:minor rhythm:jig" in reproduce
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes] == [63, 62, 60, 62, 63, 63, 63, 62, 62, 62, 63, 67, 67]
    assert (midi.time_signature_changes[0].numerator, midi.time_signature_changes[0].denominator) == (6, 8)
    roll = Image.open(io.BytesIO(attachment(reply, "-pianoroll.png")))
    assert roll.height > 500  # two lanes: before and after
    assert attachment(reply, ".ogg")[:4] == b"OggS"
    assert [b["label"] for b in reply.buttons] == ["Pick 1", "More like 1", "More bars 1", "Rewrite bars…",
                                                   "Transform…"]  # no Regenerate: it would be the same notes

    picked = await (await env.fake.press(reply, "mg:melody:pick:0", user=0)).wait_final(timeout=90)
    assert after in picked.content  # the stored result is the melody that was shown
    more = await (await env.fake.press(reply, "mg:melody:more:0", user=0)).wait_final(timeout=120)
    assert [e["title"].split(" · ")[0] for e in more.embeds] == ["Candidate 1", "Candidate 2", "Candidate 3"]
    assert "Regenerate" in [b["label"] for b in more.buttons]  # the model wrote these: new ones on a press
    for number in (1, 2, 3):  # variations of the minor jig: its rhythm, in the style it was written in
        varied = stored_notes(candidate_notes(more.content, number))
        assert [n.ticks for n in varied] == [n.ticks for n in stored_notes(after)]
    assert "aside" not in reply.content
    sung = await (await env.fake.slash("transform", {"notes": MARY, "key": "C major", "transpose": "F"})).wait_final(90)
    assert "C major → F major" in sung.content and after_text(sung.content).startswith("A4:q G4:q F4:q G4:q | A4:q")
    counted = await (await env.fake.slash("transform", {"notes": MARY, "mode": "minor", "count": 3})).wait_final(90)
    assert "so I left `count:` aside" in counted.content and len(counted.embeds) == 1  # it said nothing of the 3
    env.fake.assert_clean()


async def test_the_transform_button_asks_what_to_change_and_uses_that_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "D E F# G", "key": "D major", "seed": 8, "bars": 4,
                                                    "count": 2})).wait_final(timeout=90)
    second = stored_notes(candidate_notes(melody.content, 2).replace(" ➜ ", " "))
    opened = await env.fake.press(melody, "mg:melody:transform:2", user=1)
    form = await opened.wait_initial()
    assert form.type == 9 and form.data["title"] == "Transform" and len(form.data["components"]) == 2
    it = await env.fake.submit_modal(opened, {"changes": "dorian, waltz", "candidate": "2"})
    reply = await it.wait_final(timeout=120)
    assert "candidate 2 of the message you picked" in reply.content
    assert "4/4 → 3/4 waltz (a long first beat), D major → D dorian" in reply.content
    waltz = stored_notes(after_text(reply.content))
    assert len([n for n in waltz if n.pitch is not None]) == len([n for n in second if n.pitch is not None])
    assert all(n.pitch % 12 in {2, 4, 5, 7, 9, 11, 0} for n in waltz if n.pitch is not None)  # D dorian's notes
    assert reply.embeds[0]["fields"][1]["value"] == "3/4"

    keyed = await env.fake.submit_modal(await env.fake.press(melody, "mg:melody:transform:2"),
                                        {"changes": "in Bb", "candidate": "1"})
    moved = await keyed.wait_final(timeout=60)  # D major to Bb major: down a major third, note for note
    assert "D major → Bb major" in moved.content and moved.embeds[0]["fields"][0]["value"] == "Bb major"
    first = stored_notes(candidate_notes(melody.content, 1).replace(" ➜ ", " "))
    assert [n.pitch for n in stored_notes(after_text(moved.content))] == [
        None if n.pitch is None else n.pitch - 4 for n in first]
    assert "transpose:Bb" in {f["name"]: f["value"] for f in moved.embeds[0]["fields"]}["Reproduce"]

    unknown = await env.fake.submit_modal(await env.fake.press(melody, "mg:melody:transform:2"),
                                          {"changes": "polka please", "candidate": "1"})
    told = await unknown.wait_final(timeout=30)
    assert unknown.ephemeral and "`polka`" in told.content and "dorian jig" in told.content
    env.fake.assert_clean()


async def test_last_melody_style_variations_and_friendly_errors(env):
    await (await env.fake.slash("melody", {"notes": "G A B D", "key": "G major", "seed": 3, "bars": 4, "count": 1},
                                user=2)).wait_final(timeout=90)
    it = await env.fake.slash("transform", {"style": "scottish", "count": 2, "seed": 9, "register": "up"}, user=2)
    reply = await it.wait_final(timeout=120)
    assert "last melody" in reply.content and "an octave up, re-written in the scottish style" in reply.content
    assert [e["title"].split(" · ")[0] for e in reply.embeds] == ["Candidate 1", "Candidate 2"]
    before = stored_notes(reply.content.split("**Before** ```\n", 1)[1].split("\n```", 1)[0])
    for number in (1, 2):
        varied = stored_notes(candidate_notes(reply.content, number))
        assert [n.ticks for n in varied] == [n.ticks for n in before]
        assert varied[0].pitch == before[0].pitch + 12  # the first note is kept, an octave up
    assert "seed:9" in next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == "Reproduce")

    nothing = await (await env.fake.slash("transform", {"notes": "C D E F G:h", "key": "C major",
                                                        "mode": "major"})).wait_final(timeout=60)
    assert nothing.ephemeral and "Nothing would change" in nothing.content and "mode:minor" in nothing.content
    no_target = await (await env.fake.slash("transform", {"notes": "C D E"})).wait_final(timeout=30)
    assert no_target.ephemeral and "/transform mode:minor rhythm:jig" in no_target.content
    off_piano = await (await env.fake.slash("transform", {"notes": "C7 E7 G7", "register": "up"})).wait_final(60)
    assert off_piano.ephemeral and "past the end of the piano" in off_piano.content
    slow = await (await env.fake.slash("transform", {"notes": "C D E", "tempo": 10})).wait_final(timeout=30)
    assert slow.ephemeral and "tempo:" in slow.content
    none = await (await env.fake.slash("transform", {"mode": "minor"}, user=3)).wait_final(timeout=30)
    assert none.ephemeral and "/melody notes:C E G" in none.content
    # meter: is the melody's own meter: a 4/4 tune typed with meter:6/8 is told which rhythm rewrites it in 6/8
    meter = await (await env.fake.slash("transform", {"notes": "E D C D | E E E:h", "meter": "6/8",
                                                      "mode": "minor"})).wait_final(timeout=30)
    assert meter.ephemeral and "Bar 1 has 8 eighths in 6/8" in meter.content
    assert "`meter:` is the meter your melody is in; to rewrite it in 6/8, choose `rhythm:jig`." in meter.content
    env.fake.assert_clean()


def test_the_commands_options_come_from_the_table():
    from bot.cogs.transform import Transform
    from studio.options import COMMANDS

    params = {p.name: p for p in Transform.transform.parameters}
    assert set(params) == set(COMMANDS["transform"])
    assert all(params[o.name].description == o.help for o in COMMANDS["transform"].values())
    assert [c.name for c in params["rhythm"].choices][:3] == ["reel (4/4)", "hornpipe (4/4)", "jig (6/8)"]


async def test_a_jianpu_melody_is_transformed_and_answered_in_jianpu(env):
    it = await env.fake.slash("transform", {"notes": "1=D 5, | 1 1 3 5 | 6 5 3 -", "rhythm": "waltz"})
    reply = await it.wait_final(timeout=120)
    assert "**Before** ```\n1=D 5, | 1 1 3 5 | 6 5 3 - |\n```" in reply.content
    after = after_text(reply.content)
    assert after == "1=D 3/4 5, | 1 - 1 | 3 - 5 | 6 - 5 | 3 - - |"  # numbers, in the new 3/4 bars
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "notation:jianpu" in fields["Reproduce"]
    assert "RNG seed" not in fields and "Sampling" not in fields  # no model: the same notes whatever the seed

    letters = await (await env.fake.slash("transform", {"notes": "1=D 5, | 1 1 3 5 | 6 5 3 -", "rhythm": "waltz",
                                                        "notation": "letters"})).wait_final(timeout=120)
    assert "**Before** ```\nA3:q | D4:q D4:q F#4:q A4:q |" in letters.content  # the option wins

    saved = await env.fake.slash("prefs set", {"notation": "jianpu"}, user=4)
    assert "Saved **notation** jianpu" in (await saved.wait_final()).content
    mine = await (await env.fake.slash("transform", {"notes": "C E G C5", "key": "C major", "mode": "minor"},
                                       user=4)).wait_final(timeout=120)
    assert "**Before** ```\n1=C 1 3 5 1' |\n```" in mine.content and after_text(mine.content).startswith("1=Eb ")
    env.fake.assert_clean()


async def test_a_melody_over_chords_is_transposed_with_its_chords(env):
    """Transform… "in D" on a `/melody chords:` reply: the chords move to D minor in the reply, the MIDI and the
    reproduce command; "major" moves each of their tones as it moves the tune's; "jig" leaves them behind and says so;
    /transform takes typed chords too."""
    melody = await (await env.fake.slash("melody", {"chords": "Am F C G", "seed": 3, "count": 1},
                                         user=6)).wait_final(timeout=120)
    opened = await env.fake.press(melody, "mg:melody:transform:1", user=6)
    moved = await (await env.fake.submit_modal(opened, {"changes": "in D"})).wait_files(".mid", timeout=120)
    assert "A minor → D minor" in moved.content
    assert "🎹 Your chords in D minor: `| Dm | Bb | F | C | Dm | Bb | F | C |`" in moved.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(moved, ".mid")))
    _, chords = midi.instruments
    assert chords.name == "Chords" and {n.pitch % 12 for n in chords.notes if n.start < 0.01} == {2, 5, 9}  # Dm
    reproduce = {f["name"]: f["value"] for f in moved.embeds[0]["fields"]}["Reproduce"]
    assert "chords:Am F C G" in reproduce and "transpose:D" in reproduce

    opened = await env.fake.press(melody, "mg:melody:transform:1", user=6)
    major = await (await env.fake.submit_modal(opened, {"changes": "major"})).wait_files(".mid", timeout=120)
    assert "🎹 Your chords in A major: `| A | F#m | C#m | G#dim |" in major.content  # each tone moved as the tune's
    assert "chords:Am F C G" in {f["name"]: f["value"] for f in major.embeds[0]["fields"]}["Reproduce"]
    opened = await env.fake.press(melody, "mg:melody:transform:1", user=6)
    jig = await (await env.fake.submit_modal(opened, {"changes": "jig"})).wait_files(".mid", timeout=120)
    assert "Your chords stay behind: they don't fit the new rhythm. `/chords` writes chords" in jig.content
    assert len(pretty_midi.PrettyMIDI(io.BytesIO(attachment(jig, ".mid"))).instruments) == 1

    typed = await (await env.fake.slash("transform", {"notes": MARY, "key": "C major", "chords": "C | C G | C | C G",
                                                      "transpose": "G"}, user=6)).wait_final(timeout=90)
    assert "🎹 Your chords in G major: `| G | G D | G | G D |`" in typed.content
    wrong = await env.fake.slash("transform", {"notes": MARY, "chords": "C H7", "transpose": "G"}, user=6)
    said = await wrong.wait_final(timeout=30)
    assert wrong.ephemeral and "I can't read the chord `H7`" in said.content
    env.fake.assert_clean()


async def test_a_melody_for_words_keeps_them_in_another_key_and_with_more_bars(env):
    """A singer moves a melody written for their words to their key, and a songwriter adds bars for the next line:
    the words stay on their notes (the 🎤 line, the score, the MIDI's lyric events); the new bars sing nothing."""
    words = "Hold me close and never let me go, the night is long and the river slow"
    sung = await (await env.fake.slash("melody", {"lyrics": words, "seed": 5, "count": 1}, user=6)).wait_final(60)
    line = "🎤 Hold me close and nev-er let me go the night is long and the riv-er slow"
    keyed = await (await env.fake.submit_modal(await env.fake.press(sung, "mg:melody:transform:1", user=6),
                                               {"changes": "in D, an octave lower"})).wait_final(timeout=60)
    assert "C major → D major" in keyed.content and line in keyed.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(keyed, ".mid")))
    assert "".join(lyric.text for lyric in midi.lyrics).split() == words.replace(",", "").split()
    song = await (await env.fake.message_command("Arrange this melody", keyed, user=6)).wait_final(timeout=120)
    assert "D major" in song.content and "🎤 Your words are sung in the first A" in song.content
    last = await (await env.fake.slash("arrange", {"form": "AB"}, user=6)).wait_final(timeout=120)
    assert "I used your last melody" in last.content and "🎤 Your words are sung" in last.content  # stored with it
    jig = await (await env.fake.submit_modal(await env.fake.press(sung, "mg:melody:transform:1", user=6),
                                             {"changes": "jig"})).wait_final(timeout=60)
    assert "ℹ️ The words stay behind" in jig.content and "🎤" not in jig.content  # 6/8: the bars don't fit them
    longer = await (await env.fake.press(sung, "mg:melody:extend:0", user=6)).wait_final(timeout=90)
    assert "4 bars added" in longer.content and line in longer.content
    assert b"<lyric" in attachment(longer, ".musicxml")
    notes = pretty_midi.PrettyMIDI(io.BytesIO(attachment(longer, ".mid"))).instruments[0].notes
    lyrics = pretty_midi.PrettyMIDI(io.BytesIO(attachment(longer, ".mid"))).lyrics
    assert len(lyrics) == len(words.split()) + 2 and lyrics[-1].time < notes[-1].start  # none in the new bars
