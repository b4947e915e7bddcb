"""`/prefs`, `/inspire`, `/history`, `/forget` and `/stats` through real discord.py, a fake Discord and SQLite."""

from __future__ import annotations

import re
import sqlite3

import numpy as np
from discord.utils import escape_markdown

from data.tunes import find_tune
from studio.taste.tunes import tune_matrix
from tests.bot.helpers import candidate_notes

PNG = b"\x89PNG\r\n\x1a\n"


def text(message) -> str:
    """Everything a user reads in a message: content, embed titles, descriptions, fields and footers."""
    parts = [message.content]
    for e in message.embeds:
        parts += [e.get("title", ""), e.get("description", ""), (e.get("footer") or {}).get("text", "")]
        parts += [f"{f['name']}: {f['value']}" for f in e.get("fields", [])]
    return "\n".join(parts)


def uid(env, index: int) -> int:
    return int(env.fake.user(index)["id"])


def query(env, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(env.bot.settings.database) as conn:
        return conn.execute(sql, args).fetchall()


def user_rows(env, user: int) -> dict[str, int]:
    """Rows about ``user``: their generations, the feedback they gave or got, their preferences."""
    return {
        "generations": query(env, "SELECT count(*) FROM generations WHERE user_id = ?", user)[0][0],
        "feedback": query(env, "SELECT count(*) FROM feedback WHERE user_id = ? OR generation_id IN "
                               "(SELECT id FROM generations WHERE user_id = ?)", user, user)[0][0],
        "preferences": query(env, "SELECT count(*) FROM preferences WHERE user_id = ?", user)[0][0],
    }


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


def tune_embeds(message) -> list[dict]:
    """The corpus tunes under /inspire (the embeds that name a source)."""
    return [e for e in message.embeds if "Source" in fields(e)]


def shown_tunes(message) -> list:
    """The indexed tunes behind an /inspire reply's Continue buttons, in order."""
    return [find_tune(b["custom_id"].split(":", 3)[3]) for b in message.buttons
            if b["custom_id"].startswith("mg:tune:")]


async def answer(env, name: str, options: dict | None = None, user: int | dict = 0, timeout: float = 30):
    it = await env.fake.slash(name, options or {}, user=user)
    return it, await it.wait_final(timeout)


async def melody(env, options: dict, user: int = 0):
    """A /melody reply, once its candidates are stored (the bot's 👍 👎 come after that)."""
    reply = await (await env.fake.slash("melody", options, user=user)).wait_final(timeout=120)
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, timeout=30, what="bot reactions")
    return reply


async def seed_rows(env) -> tuple[int, int]:
    """Alice (user 0) and Bob (user 1): melodies in the guild, feedback on each other's, saved preferences."""
    alice, bob = uid(env, 0), uid(env, 1)
    params = {"notes": "C E G", "key": "C major", "meter": "4/4", "tempo": 110, "style": "scottish", "seed": 1}
    where = {"guild_id": env.fake.guild_id, "channel_id": env.fake.channel_id}
    a = await env.store.add_generations(alice, "melody", [(params, 1, "C E G ➜ A"), (params, 2, "C E G ➜ B")],
                                        message_id=111, **where)
    b = await env.store.add_generations(bob, "melody", [({**params, "style": "irish"}, 3, "C E G ➜ C")],
                                        message_id=222, **where)
    await env.store.set_feedback(a, bob, "reaction:👍", 1)
    await env.store.set_feedback(b, alice, "pick", 1)
    await env.store.set_preference(alice, "tempo", 90)
    await env.store.set_preference(bob, "style", "irish")
    return alice, bob


async def test_profile_commands_are_registered_and_stats_is_for_managers(env):
    commands = {c["name"]: c for c in env.fake.guild_commands}
    assert {"prefs", "inspire", "history", "forget", "mydata", "stats"} <= set(commands)
    assert {o["name"] for o in commands["prefs"]["options"]} == {"show", "set", "reset", "unlearn"}
    assert int(commands["stats"]["default_member_permissions"]) == 1 << 5  # Manage Server


async def test_prefs_show_for_a_new_user_says_nothing_is_learned_yet(env):
    it, reply = await answer(env, "prefs show")
    assert it.ephemeral and reply.ephemeral
    assert "don't know your taste yet" in text(reply)
    assert "None yet" in text(reply) and "/prefs set" in text(reply)
    assert not reply.attachments


async def test_prefs_show_explains_what_reactions_taught_with_a_chart(env):
    user = uid(env, 1)
    keys = {"A minor": "A C E", "E minor": "E G B", "C major": "C E G", "G major": "G B D"}
    replies = [await melody(env, {"notes": notes, "key": key, "seed": 3, "bars": 4, "count": 1}, user=1)
               for key, notes in keys.items()]  # one after another: a user has at most two requests on the way
    for key, reply in zip(keys, replies, strict=True):
        await env.fake.react(reply, "👍" if "minor" in key else "👎", user=1)
    await env.fake.wait_until(lambda: query(env, "SELECT count(*) FROM feedback WHERE user_id = ?", user)[0][0] == 4,
                              timeout=30, what="4 feedback rows")
    await env.fake.wait_until(lambda: env.bot.taste.model.events(user) >= 4, timeout=30, what="taste learned")

    it, reply = await answer(env, "prefs show", user=1)
    assert it.ephemeral
    assert "minor" in reply.embeds[0]["description"]
    assert "don't know" not in text(reply)
    chart = next(a for a in reply.attachments if a.filename == "taste.png")
    assert chart.data.startswith(PNG)
    assert reply.embeds[0]["image"]["url"] == "attachment://taste.png"


async def test_prefs_set_show_and_reset(env):
    user = uid(env, 0)
    it, reply = await answer(env, "prefs set", {"tempo": 90})
    assert it.ephemeral and "Saved **tempo** 90" in reply.content
    it, reply = await answer(env, "prefs set", {"key": "e minor", "meter": "6/8", "style": "scottish"})
    assert it.ephemeral and "**key** E minor" in reply.content
    assert dict(query(env, "SELECT name, value FROM preferences WHERE user_id = ?", user)) == {
        "tempo": "90", "key": '"E minor"', "meter": '"6/8"', "style": '"scottish"'}

    shown = text((await answer(env, "prefs show"))[1])
    assert "**tempo**: 90" in shown and "**key**: E minor" in shown and "**meter**: 6/8" in shown
    used = await melody(env, {"notes": "E G B", "seed": 2, "bars": 4, "count": 1})  # /melody honours them
    fields = {f["name"]: f["value"] for f in used.embeds[0]["fields"]}
    assert fields["Tempo"] == "90 bpm" and fields["Meter"] == "6/8" and fields["Key"].startswith("E minor")

    it, reply = await answer(env, "prefs reset", {"name": "tempo"})
    assert it.ephemeral and "Cleared your **tempo** setting" in reply.content
    assert "tempo" not in dict(query(env, "SELECT name, value FROM preferences WHERE user_id = ?", user))
    it, reply = await answer(env, "prefs reset")
    assert it.ephemeral and "Cleared 3 saved settings" in reply.content
    assert query(env, "SELECT * FROM preferences WHERE user_id = ?", user) == []
    assert "no saved settings" in (await answer(env, "prefs reset"))[1].content
    assert "None yet" in text((await answer(env, "prefs show"))[1])


async def test_bad_prefs_get_a_private_hint_of_what_to_type(env):
    for options, needle in (({"tempo": 5000}, "`tempo:100`"), ({"key": "J major"}, "`G major`"),
                            ({"temperature": 9.0}, "`temperature:1.0`"), ({"meter": "5/3"}, "`4/4`"),
                            ({}, "`/prefs set tempo:90`")):
        it, reply = await answer(env, "prefs set", options)
        assert it.ephemeral and reply.ephemeral, options
        assert needle in reply.content, (options, reply.content)
    assert query(env, "SELECT * FROM preferences") == []
    typed = await env.fake.autocomplete("prefs set", {"key": "e min"}, focused="key")
    await typed.wait_initial()
    choices = [c["value"] for c in typed.initial.data["choices"]]
    assert "E minor" in choices and all(c.endswith(" minor") for c in choices)


async def test_inspire_offers_three_distinct_ideas_and_try_posts_a_melody(env):
    it, reply = await answer(env, "inspire", user=2)
    assert it.ephemeral and reply.ephemeral
    ideas = [e for e in reply.embeds if e not in tune_embeds(reply)]  # the corpus tunes come after them
    assert len(ideas) == 3 and reply.embeds[:3] == ideas and all(e["description"] for e in ideas)
    settings = [{f["name"]: f["value"] for f in e["fields"]} for e in ideas]
    assert len({(s["Key"], s["Meter"], s["Tempo"], s["Style"]) for s in settings}) == 3
    tries = [b for b in reply.buttons if b["custom_id"].startswith("mg:try:")]
    assert [b["label"] for b in tries] == ["Try 1", "Try 2", "Try 3"]
    assert all(len(b["custom_id"]) <= 100 for b in reply.buttons)

    chosen = settings[0]
    tried = await (await env.fake.press(reply, reply.button("Try 1")["custom_id"], user=2)).wait_final(timeout=120)
    assert not tried.ephemeral
    assert f"{chosen['Seed notes'].strip('`')} ➜" in tried.content
    fields = {f["name"]: f["value"] for f in tried.embeds[0]["fields"]}
    assert fields["Key"] == chosen["Key"] and fields["Tempo"] == chosen["Tempo"] and fields["Style"] == chosen["Style"]
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(tried.id)) == 2, timeout=30, what="bot reactions")
    assert query(env, "SELECT count(*) FROM generations WHERE user_id = ?", uid(env, 2))[0][0] == 3


async def test_inspire_shows_corpus_tunes_and_continue_posts_their_opening(env):
    user = uid(env, 2)
    _, reply = await answer(env, "inspire", user=2)
    assert "tunes you might like" in reply.content
    tunes, embeds = shown_tunes(reply), tune_embeds(reply)
    assert len(tunes) == len(embeds) == 3 and None not in tunes
    assert [b["label"] for b in reply.buttons if b["custom_id"].startswith("mg:tune:")] == [
        "Continue 1", "Continue 2", "Continue 3"]
    for i, (tune, embed) in enumerate(zip(tunes, embeds, strict=True), start=1):
        shown = fields(embed)
        assert embed["title"] == f"🎻 {i}. {tune.title}" and embed["description"]
        assert shown["Source"] == tune.cited and shown["Key"] == tune.key and shown["Meter"] == tune.meter
        assert shown["Opening"] == f"`{tune.seed}`"
        assert shown["Or type"].startswith(f"`/melody notes:{tune.seed} key:{tune.key}")
    assert "Something you haven't tried" in embeds[2]["description"]

    chosen = tunes[0]
    pressed = await env.fake.press(reply, reply.button("Continue 1")["custom_id"], user=2)
    posted = await pressed.wait_final(timeout=120)
    assert not posted.ephemeral
    assert f"Continuing the opening of *{escape_markdown(chosen.title)}* ({chosen.cited})" in posted.content
    assert posted.content.count(f"{chosen.seed} ➜") == 3  # three candidates, each starting with the tune's opening
    melody = fields(posted.embeds[0])
    assert melody["Key"] == chosen.key and melody["Meter"] == chosen.meter and melody["Style"] == chosen.style
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(posted.id)) == 2, timeout=30, what="bot reactions")
    assert {p["notes"] for p in [g.params for g in await env.store.generations(user)]} == {chosen.seed}

    again = (await answer(env, "inspire", user=2))[1]
    assert chosen.ident not in {t.ident for t in shown_tunes(again)}  # already continued: not offered again


async def test_inspire_ranks_corpus_tunes_by_what_the_user_liked(env):
    user, where = uid(env, 1), {"guild_id": env.fake.guild_id, "channel_id": env.fake.channel_id}
    for message, (key, reaction) in enumerate((("A minor", "👍"), ("E minor", "👍"), ("D minor", "👍"),
                                               ("C major", "👎"), ("G major", "👎"), ("F major", "👎"))):
        params = {"notes": "C D E", "key": key, "meter": "4/4", "tempo": 110, "style": "irish", "seed": message}
        ids = await env.store.add_generations(user, "melody", [(params, message, "C D E ➜ F4:q G4:q | A4:h")],
                                              message_id=1000 + message, **where)
        await env.store.set_feedback(ids, user, f"reaction:{reaction}", 1 if reaction == "👍" else -1)

    reply = (await answer(env, "inspire", user=1))[1]
    tunes, embeds = shown_tunes(reply), tune_embeds(reply)
    assert [t.mode for t in tunes[:2]] == ["minor", "minor"]  # the best matches first
    assert all(e["description"].startswith("Similar to the minor") for e in embeds[:2])
    catalogue, matrix = tune_matrix()
    scores = matrix @ env.bot.taste.model.weights(user)
    assert scores[tunes[0].index] == scores.max() and scores[tunes[0].index] >= scores[tunes[1].index]
    minor = [t.mode == "minor" for t in catalogue]
    assert scores[minor].mean() > scores[np.logical_not(minor)].mean()


async def test_history_lists_melodies_and_again_regenerates_the_same_notes(env):
    assert "haven't generated" in (await answer(env, "history"))[1].content
    original = await melody(env, {"notes": "C D E", "seed": 5, "bars": 4, "count": 2})
    first = candidate_notes(original.content, 1)

    it, reply = await answer(env, "history")
    assert it.ephemeral
    listed = reply.embeds[0]["description"]
    assert listed.count("C D E ➜") == 2 and "seed 5" in listed and "seed 6" in listed
    assert [b["label"] for b in reply.buttons] == ["Again 1", "Again 2"]  # newest first: candidate 2, then 1

    refused = await (await env.fake.press(reply, reply.button("Again 2")["custom_id"], user=1)).wait_final()
    assert refused.ephemeral and "can't find" in refused.content  # not someone else's history

    again = await (await env.fake.press(reply, reply.button("Again 2")["custom_id"])).wait_final(timeout=120)
    assert not again.ephemeral
    assert again.content.split("```\n", 1)[1].split("\n```", 1)[0] == first  # same request and seed, same notes
    seed_of = lambda message, i=0: {f["name"]: f["value"] for f in message.embeds[i]["fields"]}["RNG seed"]  # noqa: E731
    assert seed_of(again) == seed_of(original) in ("5", "6")  # the first-listed's seed (taste ranks the candidates)


async def test_history_writes_melodies_as_their_replies_did(env):
    """A melody typed in solfège (or jianpu) is answered in it, but /history listed its continuation in letters."""
    await melody(env, {"notes": "do mi sol", "seed": 3, "bars": 4, "count": 1})
    await melody(env, {"notes": "1=D 1 2 3 5 | 6 - - -", "seed": 3, "bars": 4, "count": 1})
    listed = (await answer(env, "history"))[1].embeds[0]["description"].splitlines()
    jianpu, solfege = listed[0], listed[2]
    assert "➜" in jianpu and not re.search(r"[A-G]#?b?\d:", jianpu)  # `… ➜ 6 6 6 1' | …`: the seed is long
    assert solfege.count("do mi sol ➜") and re.search(r"(Do|Re|Mi|Fa|Sol|La|Si)\d:", solfege)
    assert not re.search(r"[A-G]#?b?\d:", solfege)


def test_history_lines_show_where_each_melody_is_new():
    """Three extensions of one melody, or three More likes of one reply, share their opening: each /history line
    shows its new bars, or what follows the long seed, so they can be told apart."""
    from bot.cogs.profile.embeds import NOTES_SHOWN, shorten
    from studio.store.records import Generation

    def preview(notes: str) -> str:
        return shorten(Generation(1, 1, None, 1, "melody", {}, None, notes).new_part, NOTES_SHOWN)

    kept = "E5:q | D5:q F5:q E5:h | D5:h C5:q A4:q | A4:q A4:q G4:q A4:q | G4:h G4:h | C5:w |"
    assert preview(f"{kept} [ E5:q G4:q D5:q B4:q | C5:h. C5:q ] |") == "… [ E5:q G4:q D5:q B4:q | C5:h. C5:q ] |"
    assert preview(f"C E G D C E ➜ {kept}").startswith("C E G D C E ➜ E5:q")  # a short seed stays
    assert preview(f"{kept} ➜ G4:q F#4:q G4:q A4:q | B4:h C5:h | C5:w |").startswith("… ➜ G4:q F#4:q")


async def test_forget_asks_first_and_then_deletes_only_that_user(env):
    alice, bob = await seed_rows(env)
    before_alice, before_bob = user_rows(env, alice), user_rows(env, bob)
    assert before_alice == {"generations": 2, "feedback": 3, "preferences": 1}

    it, prompt = await answer(env, "forget")
    assert it.ephemeral and "can't be undone" in prompt.content
    assert "What stays: melodies other people made from yours with **More like** (they are theirs" in prompt.content
    cancel = next(b for b in prompt.buttons if b["label"] == "Cancel")
    await (await env.fake.press(prompt, cancel["custom_id"])).wait_final()
    assert "nothing was deleted" in env.fake.messages[prompt.id].content
    assert not env.fake.messages[prompt.id].buttons
    assert user_rows(env, alice) == before_alice

    it, prompt = await answer(env, "forget")
    confirm = prompt.button("Yes, delete everything")["custom_id"]
    refused = await (await env.fake.press(prompt, confirm, user=1)).wait_final()
    assert refused.ephemeral and "isn't yours" in refused.content
    assert user_rows(env, alice) == before_alice and user_rows(env, bob) == before_bob

    done = await env.fake.press(prompt, confirm)
    await done.wait_for(lambda i: any("deleted" in m.content for m in i.messages), timeout=10, what="deleted")
    assert ("deleted 6 stored rows about you (2 melodies, 1 piece of feedback you gave, 2 pieces of feedback "
            "others gave on your melodies, 1 saved setting) and relearned my taste model without you") in (
        env.fake.messages[prompt.id].content)
    assert user_rows(env, alice) == {"generations": 0, "feedback": 0, "preferences": 0}
    assert query(env, "SELECT count(*) FROM feedback WHERE user_id = ?", bob)[0][0] == 0  # was on alice's melody
    assert user_rows(env, bob) == {"generations": 1, "feedback": 0, "preferences": 1}
    assert env.bot.taste.model.events(alice) == 0
    assert "haven't generated" in (await answer(env, "history"))[1].content


async def test_forget_without_an_answer_deletes_nothing(env):
    env.bot.get_cog("Profile").confirm_timeout = 0.5
    await env.store.set_preference(uid(env, 0), "tempo", 90)
    it, prompt = await answer(env, "forget")
    await it.wait_for(lambda i: "No answer" in env.fake.messages[prompt.id].content, timeout=10, what="timeout")
    assert not env.fake.messages[prompt.id].buttons
    assert user_rows(env, uid(env, 0))["preferences"] == 1


async def test_stats_are_anonymous_and_for_managers_only(env):
    await seed_rows(env)
    it, refused = await answer(env, "stats", user=0)
    assert it.ephemeral and "Manage Server" in refused.content and not refused.embeds

    it, reply = await answer(env, "stats", user=env.fake.owner_user)  # the guild owner holds every permission
    assert it.ephemeral
    shown = text(reply)
    assert "**3** melodies generated by **2** people" in shown
    assert "1. **scottish**" in shown and "irish" in shown
    # Alice's reply got Bob's 👍 (one of her 2 candidates taken), Alice picked Bob's only candidate
    assert "Suggestions taken: **67%** overall: 2 of 3 candidates (67%) taken" in shown
    assert "Per person: median 100% over 2 people (lowest 50%, highest 100%)" in shown
    table = next(f["value"] for f in reply.embeds[0]["fields"] if f["name"].startswith("Melodies per day"))
    assert table.count("\n") == 14 + 2 and "   3  " in table  # header + 14 days, today has 3
    chart = next(a for a in reply.attachments if a.filename == "stats.png")
    assert chart.data.startswith(PNG)
    for user in (*env.fake.users, env.fake.owner_user):
        assert user["id"] not in shown and user["username"] not in shown
