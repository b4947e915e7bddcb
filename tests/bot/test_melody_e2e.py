"""`/melody` through real discord.py and a fake Discord server."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from pathlib import Path

import pretty_midi
import pytest
from PIL import Image

from model.engine import Engine
from studio.melody import Composer
from tests.bot.helpers import attachment, bot_process, candidate_notes, sketch_midi
from tests.data.test_midi_chords import block, midi_file
from tests.fakediscord import running_fake

ROOT = Path(__file__).resolve().parents[2]


async def test_commands_are_synced_to_the_dev_guild(env):
    names = {c["name"]: c for c in env.fake.guild_commands}
    assert "melody" in names
    options = {o["name"] for o in names["melody"]["options"]}
    assert {"notes", "bars", "temperature", "seed", "key", "meter", "tempo", "style", "top_p"} <= options
    assert not env.fake.global_commands


async def test_melody_defers_at_once_and_replies_with_everything(env):
    it = await env.fake.slash("melody", {"notes": "C E G", "seed": 42, "bars": 8, "count": 1}, user=0)
    initial = await it.wait_initial()
    assert initial.deferred and initial.latency < 3.0 and not initial.ephemeral
    first = await it.wait_final(timeout=60)
    assert first.content.count("C E G ➜") == 1 and any(a.filename.endswith(".mid") for a in first.attachments)
    reply = await it.wait_files(".ogg", "-score.png", timeout=60)  # added to the same message when rendered
    assert reply.id == first.id
    assert reply.content.count("C E G ➜") == 1
    assert reply.content.split("```\n", 1)[1].startswith("C E G ➜ ")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["RNG seed"] == "42" and fields["Bars"] == "8" and fields["Meter"] == "4/4"
    assert "C major" in fields["Key"] and "bpm" in fields["Tempo"]
    assert "seed:42" in fields["Reproduce"]
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes[:3]] == [60, 64, 67]
    assert midi.time_signature_changes[0].numerator == 4
    roll = Image.open(io.BytesIO(attachment(reply, "-pianoroll.png")))
    assert roll.format == "PNG" and roll.width > 600
    score = Image.open(io.BytesIO(attachment(reply, "-score.png")))
    assert score.format == "PNG" and 400 <= score.width <= 800  # the size Discord shows it
    assert attachment(reply, ".ogg")[:4] == b"OggS"
    assert b"<score-partwise" in attachment(reply, ".musicxml")
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, what="👍 and 👎")
    assert set(env.fake.bot_reactions(reply.id)) == {"👍", "👎"}
    env.fake.assert_clean()


async def test_three_candidates_in_one_reply_each_with_its_files(env):
    it = await env.fake.slash("melody", {"notes": "A B C D", "seed": 7})
    reply = await it.wait_files("-1.ogg", "-2.ogg", "-3.ogg", "-3-score.png", timeout=90)
    assert reply.content.count("A B C D ➜") == 3
    assert [e["title"].split(" · ")[0] for e in reply.embeds] == ["Candidate 1", "Candidate 2", "Candidate 3"]
    seeds = [f["value"] for e in reply.embeds for f in e["fields"] if f["name"] == "RNG seed"]
    assert sorted(seeds) == ["7", "8", "9"]  # in the order the user's taste ranks them
    names = [a.filename for a in reply.attachments]
    assert len(names) <= 10
    for i in (1, 2, 3):
        stem = f"melody-{seeds[0]}-{i}"  # named after the first-listed candidate's seed
        assert {f"{stem}.mid", f"{stem}.ogg", f"{stem}-score.png"} <= set(names)
    labels = [b["label"] for b in reply.buttons]
    assert labels == ["Pick 1", "Pick 2", "Pick 3", "More like 1", "More like 2", "More like 3", "More bars 1",
                      "More bars 2", "More bars 3", "Regenerate", "Rewrite bars…", "Transform…"]
    rows = [row["components"] for row in reply.components]
    assert len(rows) <= 5 and all(len(row) <= 5 for row in rows)


async def test_candidates_that_came_out_the_same_are_shown_once(env):
    """`C E G` in one bar of 4/4 leaves a beat to write: every candidate was `C5:q`, posted three times over with
    three sets of buttons. With every setting typed (nothing for a candidate to try instead), one is shown, and the
    reply says why and how to get more."""
    typed = {"notes": "C E G", "bars": 1, "seed": 5, "key": "C major", "tempo": 110, "style": "irish",
             "density": "natural"}
    reply = await (await env.fake.slash("melody", typed)).wait_files(".ogg", timeout=90)
    assert reply.content.count("C E G ➜ C5:q |") == 1 and len(reply.embeds) == 1
    assert ("All 3 candidates came out the same, so I show one. Your notes leave 1 beat to write: for more, ask "
            "for `bars:4`.") in reply.content
    assert [b["label"] for b in reply.buttons if b["label"].startswith("Pick")] == ["Pick 1"]  # one set of buttons
    more = await (await env.fake.slash("melody", {**typed, "bars": 4})).wait_final(timeout=90)
    assert more.content.count("C E G ➜") == 3 and "came out the same" not in more.content


async def test_buttons_pick_more_like_this_and_regenerate(env):
    reply = await (await env.fake.slash("melody", {"notes": "G A B", "seed": 100}, user=0)).wait_final(timeout=90)
    db = env.bot.settings.database

    def feedback() -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT g.candidate, f.user_id, f.kind, f.value FROM feedback f JOIN generations g "
                                "ON g.id = f.generation_id WHERE g.message_id = ? ORDER BY g.candidate, f.kind",
                                (reply.id,)).fetchall()

    bob = int(env.fake.user(1)["id"])
    picked = await (await env.fake.press(reply, "mg:melody:pick:1", user=1)).wait_final(timeout=60)
    assert "picked candidate 2" in picked.content
    candidate_2 = candidate_notes(reply.content, 2)
    assert candidate_2 in picked.content  # the very melody that was shown
    assert {a.filename.rsplit(".", 1)[1] for a in picked.attachments} >= {"mid", "ogg", "png", "musicxml"}
    assert feedback() == [(1, bob, "pick", 1)]

    more = await (await env.fake.press(reply, "mg:melody:more:0", user=1)).wait_final(timeout=90)
    candidate_1 = candidate_notes(reply.content, 1)
    kept = candidate_1.split(" ➜ ")[1].split()[:2]
    assert all(block.startswith("G A B " + " ".join(kept)) for block in
               [b.split("\n", 1)[1] for b in more.content.split("```")[1::2]])
    assert (0, bob, "more", 1) in feedback()

    again = await (await env.fake.press(reply, "mg:melody:regen:0", user=1)).wait_final(timeout=90)
    assert again.content.count("G A B ➜") == 3 and again.content != reply.content
    assert sorted(r for r in feedback() if r[2] == "regenerate") == [(i, bob, "regenerate", -1) for i in range(3)]
    with sqlite3.connect(db) as conn:  # the new replies belong to the user who pressed
        owners = conn.execute("SELECT DISTINCT user_id FROM generations WHERE message_id IN (?, ?)",
                              (more.id, again.id)).fetchall()
    assert owners == [(bob,)]


async def test_same_seed_gives_the_same_melody_in_discord(env):
    options = {"notes": "D F# A", "seed": 9, "meter": "6/8", "count": 1}
    a = await (await env.fake.slash("melody", options)).wait_final(60)
    b = await (await env.fake.slash("melody", options, user=1)).wait_final(60)
    assert a.content == b.content
    assert attachment(a, ".mid") == attachment(b, ".mid")


async def test_a_reaction_is_stored_for_the_user_who_reacted(env):
    reply = await (await env.fake.slash("melody", {"notes": "C D E", "seed": 3, "count": 2}, user=0)).wait_final(60)
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, what="bot reactions")
    bob = env.fake.user(1)
    await env.fake.react(reply, "👍", user=1)
    db = env.bot.settings.database

    def stored() -> list[tuple]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT f.user_id, f.kind, f.value, g.user_id FROM feedback f "
                                "JOIN generations g ON g.id = f.generation_id WHERE g.message_id = ?",
                                (reply.id,)).fetchall()

    await env.fake.wait_until(lambda: len(stored()) == 2, what="feedback rows")
    assert stored() == [(int(bob["id"]), "reaction:👍", 1, int(env.fake.user(0)["id"]))] * 2
    await env.fake.unreact(reply, "👍", user=1)
    await env.fake.wait_until(lambda: stored() == [], what="feedback removed")


@pytest.mark.parametrize(
    ("options", "needle"),
    [({"notes": "C X G"}, "`X`"), ({"notes": " "}, "empty"), ({"notes": " ".join(["C"] * 500)}, "more than"),
     ({"notes": "C E G", "bars": 10000}, "bars"), ({"notes": "C E G", "temperature": -1.0}, "temperature"),
     ({"notes": "C9 D9"}, "piano"), ({"notes": "C E G", "key": "Q minor"}, "key"),
     ({"notes": "C E G", "meter": "5/3"}, "meter")],
)
async def test_bad_input_gets_a_private_explanation_with_an_example(env, options, needle):
    it = await env.fake.slash("melody", options)
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert needle in reply.content and "`" in reply.content
    ok = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1, "count": 1})).wait_final(60)
    assert "➜" in ok.content  # still serving


async def test_twenty_concurrent_users_are_all_answered(env):
    its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "G A B", "seed": i, "count": 1}, user=i)
                                 for i in range(20)])
    replies = await asyncio.gather(*[it.wait_final(timeout=180) for it in its])
    assert all("G A B ➜" in r.content for r in replies)
    assert all(it.initial.latency < 3.0 for it in its)
    assert len({r.content for r in replies}) > 15


async def test_one_user_cannot_starve_the_others(env):
    """Six requests at once from one user: two run, the rest are told privately to wait; others are served."""
    mine = await asyncio.gather(*[env.fake.slash("melody", {"notes": "C D E", "seed": i, "count": 1}, user=7)
                                  for i in range(6)])
    other = await env.fake.slash("melody", {"notes": "E F G", "seed": 1, "count": 1}, user=8)
    replies = await asyncio.gather(*[it.wait_final(timeout=120) for it in mine])
    served = [r for r in replies if "C D E ➜" in r.content]
    refused = [r for r in replies if "on the way already" in r.content]
    assert len(served) == 2 and len(refused) == 4
    assert all(r.ephemeral and not it.initial.deferred for r, it in zip(replies, mine, strict=True) if r in refused)
    assert "E F G ➜" in (await other.wait_final(timeout=120)).content


async def test_a_full_queue_answers_busy_and_the_bot_recovers(env, composer):
    original = env.bot.composer
    busy = Composer(Engine(composer.engine.model, max_batch=1, max_queue=1).start(), composer.vocab, composer.info)
    env.bot.composer = busy
    try:
        its = await asyncio.gather(*[env.fake.slash("melody", {"notes": "C E G", "seed": i, "bars": 64, "count": 1},
                                                    user=i) for i in range(12)])
        replies = await asyncio.gather(*[it.wait_final(timeout=60) for it in its])
        assert any("busy" in r.content for r in replies)
        assert any("➜" in r.content for r in replies)
    finally:
        env.bot.composer = original
        busy.close()
    ok = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1, "count": 1})).wait_final(60)
    assert "➜" in ok.content


async def test_python_m_bot_uses_the_configured_urls_and_syncs_globally(tmp_path):
    async with running_fake() as fake:
        async with bot_process(tmp_path, fake) as output:
            assert "melody" in {c["name"] for c in fake.global_commands}
            reply = await (await fake.slash("melody", {"notes": "E G B", "seed": 5, "count": 1})).wait_final(90)
            assert "E G B ➜" in reply.content
        output = output[0]
        assert "fake-token" not in output  # the token is never logged
        assert f"synced {len(fake.global_commands)} commands (global)" in output


async def test_a_small_upload_limit_shrinks_the_reply_instead_of_failing(env):
    limit = 200_000
    it = await env.fake.slash("melody", {"notes": "C E G", "seed": 5}, attachment_size_limit=limit)
    reply = await it.wait_final(timeout=90)
    assert reply.content.count("C E G ➜") == 3
    assert 0 < len(reply.attachments) < 10
    assert sum(len(a.data) for a in reply.attachments) <= limit
    assert any(a.filename.endswith(".mid") for a in reply.attachments)  # the small, essential files stay
    env.fake.assert_clean()


async def test_key_autocomplete_offers_keys_and_modes(env):
    it = await env.fake.autocomplete("melody", {"notes": "C E G", "key": "d dor"}, focused="key")
    initial = await it.wait_initial()
    assert [c["value"] for c in initial.data["choices"]] == ["D dorian"]
    it = await env.fake.autocomplete("melody", {"notes": "C E G", "key": "minor"}, focused="key")
    assert len((await it.wait_initial()).data["choices"]) == 12


@pytest.mark.parametrize(
    ("options", "check"),
    [
        ({"key": "E minor"}, lambda f, m: "E minor" in f["Key"] and m.key_signature_changes[0].key_number == 16),
        ({"key": "D dorian"}, lambda f, m: "D dorian" in f["Key"] and m.key_signature_changes[0].key_number == 21),
        ({"meter": "6/8"}, lambda f, m: f["Meter"] == "6/8" and m.time_signature_changes[0].numerator == 6),
        ({"tempo": 72}, lambda f, m: f["Tempo"] == "72 bpm" and round(m.get_tempo_changes()[1][0]) == 72),
        ({"bars": 4}, lambda f, m: f["Bars"] == "4" and m.get_end_time() == pytest.approx(4 * 4 * 60 / 110, abs=0.01)),
        ({"temperature": 0.5, "top_p": 0.8}, lambda f, m: f["Sampling"] == "temperature 0.5, top_p 0.8"),
        ({"style": "chorale"}, lambda f, m: f["Style"] == "chorale"),
    ],
)
async def test_every_option_reaches_the_result(env, options, check):
    reply = await (await env.fake.slash("melody", {"notes": "E G B", "seed": 2, "count": 1, **options})).wait_final(90)
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert check(fields, midi), fields


async def test_saved_preferences_fill_options_and_typed_options_win(env):
    user = int(env.fake.user(2)["id"])
    await env.bot.store.set_preference(user, "tempo", 90)
    await env.bot.store.set_preference(user, "style", "scottish")
    reply = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 1, "count": 1}, user=2)).wait_final(60)
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Tempo"] == "90 bpm" and fields["Style"] == "scottish"
    assert "Filled in for you" in reply.content and "tempo 90 (your /prefs)" in reply.content
    typed = {"notes": "C E G", "seed": 1, "count": 1, "tempo": 120}
    reply = await (await env.fake.slash("melody", typed, user=2)).wait_final(60)
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Tempo"] == "120 bpm" and fields["Style"] == "scottish"


async def test_a_store_failure_never_destroys_a_delivered_reply(env, monkeypatch):
    """Candidates are stored before the reply is sent; if linking them fails after, the reply stays."""
    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(env.bot.store, "attach_message", broken)
    it = await env.fake.slash("melody", {"notes": "C E G", "seed": 3, "count": 1})
    await it.wait_for(lambda i: any(m.ephemeral and "went wrong" in m.content for m in i.messages), 60, "an error")
    public = [m for m in it.messages if not m.ephemeral and not m.deleted and "C E G ➜" in m.content]
    latest = env.fake.messages[public[-1].id]
    assert not latest.deleted and latest.content == public[-1].content  # still there, unchanged


async def test_a_store_failure_before_sending_is_told_privately_and_posts_nothing(env, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(env.bot.store, "add_generations", broken)
    it = await env.fake.slash("melody", {"notes": "C E G", "seed": 3, "count": 1})
    reply = await it.wait_final(60)
    assert reply.ephemeral and "went wrong" in reply.content
    assert not any("➜" in m.content for m in it.messages)  # no reply with dead buttons


async def test_a_melody_over_typed_chords_plays_and_shows_them(env):
    """`/melody chords:"Am F C G"` with no notes: a melody over the chords, in the key they imply, the chords in the
    reply, under the melody in its MIDI and above it in its score; words with chords are explained."""
    it = await env.fake.slash("melody", {"chords": "Am F C G", "seed": 3, "count": 1}, user=5)
    reply = await it.wait_files(".ogg", "-score.png", timeout=90)
    assert reply.content.startswith("🎼 **Your melody** — written over your chords\n🎹 Over your chords in A minor: "
                                    "`| Am | F | C | G | Am | F | C | G |`")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Key"].startswith("A minor") and fields["Bars"] == "8" and "chords:Am F C G" in fields["Reproduce"]
    assert reply.embeds[0]["title"] == "Melody over your chords"
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    melody, chords = midi.instruments
    assert chords.name == "Chords" and {n.pitch % 12 for n in chords.notes if n.start < 0.01} == {9, 0, 4}
    bar = 60 / 110 * 4
    on_downbeats = [n for n in melody.notes if abs(n.start / bar - round(n.start / bar)) < 0.01]
    under = [{9, 0, 4}, {5, 9, 0}, {0, 4, 7}, {7, 11, 2}]  # Am F C G, each a bar
    hits = [n.pitch % 12 in under[round(n.start / bar) % 4] for n in on_downbeats]
    assert sum(hits) >= 0.75 * len(hits), hits
    assert b"<harmony" in attachment(reply, ".musicxml")
    short = await (await env.fake.slash("melody", {"chords": "C G Am F C G F C", "bars": 4, "count": 1}, user=5)
                   ).wait_final(90)
    assert "ℹ️ Your chords fill 8 bars, so the melody does too (`bars:4` was shorter)." in short.content
    assert {f["name"]: f["value"] for f in short.embeds[0]["fields"]}["Bars"] == "8"
    typed = await (await env.fake.slash("melody", {"notes": "| Dm | G7 | C |", "count": 1}, user=5)).wait_final(90)
    assert "ℹ️ `| Dm | G7 | C |` reads as chords, so I wrote a melody over them (`chords:| Dm | G7 | C |`)." in (
        typed.content) and "🎹 Over your chords in C major: `| Dm | G7 | C | Dm | G7 | C | Dm | G7 |`" in typed.content
    both = await env.fake.slash("melody", {"chords": "Am F C G", "midi": ("progression.mid", b"MThd")}, user=5)
    said = await both.wait_final(timeout=30)
    assert said.ephemeral and "not with a file" in said.content and "`chords:Am F C G`" in said.content
    env.fake.assert_clean()


async def test_words_over_chords_make_a_lead_sheet(env):
    """`/melody lyrics: chords:` — the songwriter's lead sheet: the words under the notes, the chords above, both in
    the MIDI (lyric events and a Chords track) and the score; the chords last as long as the words."""
    words = "I walked along the river in the rain, and thought of you again"
    it = await env.fake.slash("melody", {"lyrics": words, "chords": "Am F C G", "seed": 1, "count": 1}, user=5)
    reply = await it.wait_files(".musicxml", timeout=90)
    assert "🎹 Over your chords in A minor: `| Am | F | C | G |`" in reply.content
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "chords:Am F C G" in fields["Reproduce"] and "lyrics:I walked" in fields["Reproduce"]
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    melody, chords = midi.instruments
    assert chords.name == "Chords" and [lyric.text.strip() for lyric in midi.lyrics][:3] == ["I", "walked", "a"]
    assert len(melody.notes) == 16  # a note a syllable
    assert max(n.end for n in chords.notes) <= max(n.end for n in melody.notes) + 0.01
    xml = attachment(reply, ".musicxml")
    assert b"<harmony" in xml and b"<lyric" in xml and b"walked" in xml
    env.fake.assert_clean()


async def test_a_file_of_chords_gets_a_melody_over_them(env):
    """A MIDI file of block chords (and a bass) from a DAW: a melody written over its chords, not a continuation of
    its top note; the reply names the chords it read, in their key, and the reproduce command needs no file."""
    keys = block([[64, 69, 72], [65, 69, 72], [64, 67, 72], [62, 67, 71]], [4] * 4)
    bass = [(4 * i, 4 * i + 4, p) for i, p in enumerate([45, 41, 36, 43])]
    data = midi_file({"Keys": keys, "Bass": bass})
    it = await env.fake.slash("melody", {"midi": ("progression.mid", data), "seed": 2, "count": 1}, user=7)
    reply = await it.wait_files(".mid", timeout=90)
    assert ("`progression.mid` holds chords, not a tune, so I wrote a melody over them (to continue its top voice "
            "instead, set `track:1`).") in reply.content
    assert "🎹 Over your chords in A minor: `| Am | F | C | G | Am | F | C | G |`" in reply.content
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Key"].startswith("A minor") and fields["Tempo"].startswith("100")
    assert "chords:| Am | F | C | G |" in fields["Reproduce"] and "notes:" not in fields["Reproduce"]
    assert "in the european style" in reply.content and "style:european" in fields["Reproduce"]  # a line to sing
    melody, chords = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments
    assert chords.name == "Chords" and len(melody.notes) >= 8
    assert {n.pitch % 12 for n in chords.notes if n.start < 0.01} == {9, 0, 4}
    opened = await (await env.fake.slash("melody", {"midi": ("progression.mid", data), "notes": "E D C", "seed": 2,
                                                    "count": 1}, user=7)).wait_final(timeout=90)
    assert "```\nE D C ➜" in opened.content and "the file wins" not in opened.content  # notes open it over them
    assert "🎹 Over your chords in A minor" in opened.content and "european" not in opened.content
    sung = await (await env.fake.slash("melody", {"midi": ("progression.mid", data), "lyrics": "Hold me close and "
                                                  "never let me go", "count": 1}, user=7)).wait_final(timeout=90)
    assert "🎤 Hold me close and nev-er let me go" in sung.content and "🎹 Over your chords in A minor" in sung.content
    tune = midi_file({"Flute": [(i, i + 1, p) for i, p in enumerate([72, 74, 76, 77, 79, 77, 76, 74])]})
    refused = await (await env.fake.slash("melody", {"midi": ("tune.mid", tune), "lyrics": "Hold me close"},
                                          user=7)).wait_final(timeout=60)
    assert "a MIDI file with a tune, not both (a file of chords takes words)" in refused.content
    analyzed = await env.fake.slash("analyze", {"midi": ("progression.mid", data)}, user=7)
    said = await analyzed.wait_final(timeout=60)  # a command that needs a tune says what the file holds
    assert "`progression.mid` holds chords, not a tune: `| Am | F | C | G |`" in said.content and not said.attachments
    assert "`/melody`" in said.content and "`track:1`" in said.content
    env.fake.assert_clean()


async def test_a_sketch_with_a_chords_track_is_continued_over_its_chords(env):
    """A MIDI sketch with a tune and a piano playing chords: /melody continues the tune over the file's chords (the
    new bars lean on them, the MIDI carries them), and no candidate tries a key that would clash with them."""
    it = await env.fake.slash("melody", {"midi": ("sketch.mid", sketch_midi()), "seed": 3}, user=8)
    reply = await it.wait_files(".mid", timeout=90)
    assert "Track 2 plays chords under it, so I continued it over them." in reply.content
    assert "🎹 Over your chords in C major: `| C | F | G | C |" in reply.content
    titles = [embed.get("title") or "" for embed in reply.embeds]
    assert not any(re.search(r"tries [A-G]", title) for title in titles), titles  # no other key or mode
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [t.name for t in midi.instruments] == ["Melody", "Chords"]
    assert "🎤 Sing a song of sum-mer rain and days that nev-er end a-gain now" in reply.content  # the file's words
    assert len(midi.lyrics) == 16 and midi.lyrics[-1].time < midi.instruments[0].notes[16].start  # on its own bars
    env.fake.assert_clean()


async def test_chords_alone_get_a_melody_to_sing(env):
    """Chords alone ask for a line to sing, not a reel: the european style unless the user chose one (typed, or in
    /prefs), and the reply says so; its melody moves in quarters and eighths, no sixteenth in it."""
    reply = await (await env.fake.slash("melody", {"chords": "C Am F G", "seed": 5, "count": 1}, user=6)).wait_final(90)
    assert "ℹ️ From chords alone I write a melody to sing, in the european style" in reply.content
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert "style:european" in fields["Reproduce"]
    notes = reply.content.split("```")[1]
    assert ":s" not in notes and notes.count(":e") + notes.count(":q") + notes.count(":h") >= 16, notes
    typed = await (await env.fake.slash("melody", {"chords": "C Am F G", "style": "irish", "count": 1}, user=6)
                   ).wait_final(90)
    assert "european" not in typed.content
    await (await env.fake.slash("prefs set", {"style": "scottish"}, user=7)).wait_final()
    saved = await (await env.fake.slash("melody", {"chords": "C Am F G", "count": 1}, user=7)).wait_final(90)
    assert "european" not in saved.content and "style:scottish" in {
        f["name"]: f["value"] for f in saved.embeds[0]["fields"]}["Reproduce"]
    minor = await (await env.fake.slash("melody", {"chords": "C G Am F", "key": "C minor", "count": 1}, user=6)
                   ).wait_final(90)
    assert ("🎯 Your chords sound notes outside C minor (E, A): they sit in C major. I wrote in C minor as you asked, "
            "so the melody may rub against them; leave out `key:` to write in C major.") in minor.content
    env.fake.assert_clean()
