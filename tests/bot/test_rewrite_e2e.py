"""`/rewrite`, the Rewrite bars… button (a form), `/extend` and the More bars button, through real discord.py and
the fake Discord: the reply is a melody reply like `/melody`'s, with the new bars marked and every other bar kept."""

from __future__ import annotations

import io
import re

import pretty_midi
import pytest

from data.notation import stored_notes
from tests.bot.helpers import attachment, candidate_notes

TUNE = "E D C D | E E E:h | D:q D D:h | E:q G G:h | E:q D C D | E E E E | D D E D | C:w"
BAR = 48


def bars(text: str) -> list[str]:
    """A reply's note text split at its bar lines (the [ ] marks kept with their bars)."""
    return [b.strip() for b in text.split("|") if b.strip()]


def unmarked(bar: str) -> str:
    return " ".join(t for t in bar.split() if t not in "[]")


def shown_bars(content: str, number: int) -> list[str]:
    """Candidate ``number``'s bars without the marks (the note text of a one-candidate reply when 0)."""
    text = candidate_notes(content, number) if number else content.split("```\n", 1)[1].split("\n```", 1)[0]
    return [unmarked(b) for b in bars(text)]


async def test_rewrite_typed_notes_keeps_every_other_bar_and_replies_like_melody(env):
    it = await env.fake.slash("rewrite", {"notes": TUNE, "bars": "3-4", "seed": 11})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_files("-1.ogg", "-3-score.png", timeout=120)
    assert "Bars 3-4 rewritten" in reply.content and "kept bars, new ones in [ ]" in reply.content
    original = [unmarked(b) for b in bars(candidate_notes(reply.content, 1))]
    for number in (1, 2, 3):
        text = candidate_notes(reply.content, number)
        assert text.count("[") == 1 and text.count("]") == 1
        marked = bars(text)
        assert marked[2].startswith("[ ") and marked[3].endswith(" ]") and len(marked) == 8
        assert sum(n.ticks for n in stored_notes(text)) == 8 * BAR
        mine = [unmarked(b) for b in marked]
        assert mine[:2] + mine[4:] == original[:2] + original[4:]
    assert original[:2] == ["E4:q D4:q C4:q D4:q", "E4:q E4:q E4:h"]  # the typed bars, note for note
    assert original[4:] == ["E4:q D4:q C4:q D4:q", "E4:q E4:q E4:q E4:q", "D4:q D4:q E4:q D4:q", "C4:w"]
    assert [e["title"].split(" · ")[0] for e in reply.embeds] == ["Candidate 1", "Candidate 2", "Candidate 3"]
    reproduce = next(f["value"] for f in reply.embeds[0]["fields"] if f["name"] == "Reproduce")
    assert reproduce.startswith("`/rewrite notes:") and "bars:3-4" in reproduce and "seed:11" in reproduce
    assert [b["label"] for b in reply.buttons] == ["Pick 1", "Pick 2", "Pick 3", "More like 1", "More like 2",
                                                   "More like 3", "More bars 1", "More bars 2", "More bars 3",
                                                   "Regenerate", "Rewrite bars…", "Transform…"]
    names = {a.filename for a in reply.attachments}
    assert {"melody-11-1.mid", "melody-11-2.mid", "melody-11-3.mid", "melody-11-pianoroll.png"} <= names
    await env.fake.wait_until(lambda: len(env.fake.bot_reactions(reply.id)) == 2, what="👍 and 👎")

    picked = await (await env.fake.press(reply, "mg:melody:pick:1", user=1)).wait_final(timeout=90)
    assert candidate_notes(reply.content, 2) in picked.content  # the stored rewrite, marks and all
    again = await (await env.fake.press(reply, "mg:melody:regen:0", user=1)).wait_final(timeout=90)
    assert all(m[:2] + m[4:] == original[:2] + original[4:] for m in (shown_bars(again.content, i) for i in (1, 2, 3)))
    env.fake.assert_clean()


async def test_the_rewrite_bars_button_asks_in_a_form_and_rewrites_that_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "G A B", "seed": 4, "bars": 6, "count": 1})
                    ).wait_final(timeout=90)
    original = [unmarked(b) for b in bars(stored_text(melody.content))]
    opened = await env.fake.press(melody, "mg:melody:rewrite:1", user=1)
    form = await opened.wait_initial()
    assert form.type == 9 and form.data["title"] == "Rewrite bars"  # a form (modal), answered at once
    assert len(form.data["components"]) == 1  # one candidate: no need to ask which
    it = await env.fake.submit_modal(opened, {"bars": "2, 5"})
    assert it.type == 5 and it.user["id"] == env.fake.user(1)["id"]
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_final(timeout=120)
    assert "Bars 2, 5 rewritten" in reply.content and "message you picked" in reply.content
    for number in (1, 2, 3):
        mine = shown_bars(reply.content, number)
        assert len(mine) == 6
        assert [stored_notes(mine[i]) for i in (0, 2, 3, 5)] == [stored_notes(original[i]) for i in (0, 2, 3, 5)]
        assert candidate_notes(reply.content, number).count("[") == 2

    # under three candidates the form asks which one too ("#2", as the reply numbers them)
    second = candidate_notes(reply.content, 2)
    opened = await env.fake.press(reply, "mg:melody:rewrite:3", user=1)
    assert len((await opened.wait_initial()).data["components"]) == 2
    again = await (await env.fake.submit_modal(opened, {"bars": "6", "candidate": "#2"})).wait_final(timeout=120)
    assert "candidate 2 of the message you picked" in again.content and "Bar 6 rewritten" in again.content
    shown = range(1, len(again.embeds) + 1) if len(again.embeds) > 1 else [0]  # takes of one last bar may come
    for number in shown:  # out the same: shown once (all three: as one melody, with no number)
        assert stored_notes(" ".join(shown_bars(again.content, number)[:5])) == \
            stored_notes(" ".join(unmarked(b) for b in bars(second)[:5]))

    bad = await env.fake.submit_modal(await env.fake.press(melody, "mg:melody:rewrite:1"), {"bars": "9"})
    told = await bad.wait_final(timeout=60)
    assert told.ephemeral and "has 6 bars" in told.content and "; try `" in told.content
    assert "bars:" not in told.content  # what to type in the form's field, not the slash command's option
    unreadable = await env.fake.submit_modal(await env.fake.press(melody, "mg:melody:rewrite:1"), {"bars": "x"})
    told = await unreadable.wait_final(timeout=30)
    assert unreadable.ephemeral and "e.g. `3-4`, `2,5`" in told.content
    which = await env.fake.submit_modal(await env.fake.press(reply, "mg:melody:rewrite:3"),
                                        {"bars": "2", "candidate": "5"})
    assert "from 1 to 3" in (await which.wait_final(timeout=30)).content and which.ephemeral
    env.fake.assert_clean()


def stored_text(content: str) -> str:
    """The note text of a one-candidate /melody reply, seed and continuation joined."""
    return content.split("```\n", 1)[1].split("\n```", 1)[0].replace(" ➜ ", " ")


async def test_more_bars_under_a_melody_reply_continue_that_candidate(env):
    melody = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 21, "bars": 4, "count": 2})
                    ).wait_final(timeout=90)
    first = candidate_notes(melody.content, 2).replace(" ➜ ", " ")
    more = await (await env.fake.press(melody, "mg:melody:extend:1", user=0)).wait_final(timeout=120)
    assert "4 bars added" in more.content
    for number in (1, 2):
        text = candidate_notes(more.content, number)
        head, _, new = text.partition(" [ ")
        assert stored_notes(head) == stored_notes(first)  # candidate 2, note for note
        assert len(bars(new)) == 4 and sum(n.ticks for n in stored_notes(text)) == 8 * BAR
    reproduce = next(f["value"] for f in more.embeds[0]["fields"] if f["name"] == "Reproduce")
    assert reproduce.startswith("`/extend notes:") and "bars:4" in reproduce
    env.fake.assert_clean()


async def test_extend_and_rewrite_use_the_last_melody_and_explain_bad_bars(env):
    await (await env.fake.slash("melody", {"notes": "D F# A", "key": "D major", "seed": 3, "bars": 4, "count": 1},
                                user=2)).wait_final(timeout=90)
    grown = await (await env.fake.slash("extend", {"bars": 2, "count": 1, "seed": 5}, user=2)).wait_final(timeout=90)
    assert "2 bars added" in grown.content and "last melody" in grown.content
    assert re.search(r"```\nD4:q F#4:q A4:q ", grown.content)
    out_of_range = await env.fake.slash("rewrite", {"bars": "7-8"}, user=2)  # the last melody is the longer one
    told = await out_of_range.wait_final(timeout=60)
    assert told.ephemeral and "has 6 bars" in told.content and "bars:3-4" in told.content
    whole = await (await env.fake.slash("rewrite", {"notes": "C D E F | G A B C", "bars": "1-2"})).wait_final(30)
    assert whole.ephemeral and "every bar" in whole.content
    unreadable = await env.fake.slash("rewrite", {"notes": "C D E F | G A B C", "bars": "chorus"})
    told = await unreadable.wait_final(timeout=30)
    assert unreadable.ephemeral and "bars:3-4" in told.content and "bars:2,5" in told.content
    none = await (await env.fake.slash("rewrite", {"bars": "2"}, user=3)).wait_final(timeout=30)
    assert none.ephemeral and "/melody notes:C E G" in none.content
    env.fake.assert_clean()


@pytest.mark.parametrize(("meter", "notes"), [
    ("3/4", "C4:q D4:q E4:q | F4:q G4:q A4:q | G4:q F4:q E4:q | D4:h."),
    ("6/8", "C4:e D4:e E4:e F4:e G4:e A4:e | G4:e F4:e E4:e D4:e C4:e D4:e | C4:q. C4:q."),
])
async def test_rewrite_in_other_meters(env, meter, notes):
    reply = await (await env.fake.slash("rewrite", {"notes": notes, "meter": meter, "key": "C major", "bars": "2",
                                                    "count": 1, "seed": 9})).wait_final(timeout=90)
    original = bars(notes)
    mine = shown_bars(reply.content, 0)
    assert len(mine) == len(original) and mine[0] == original[0] and mine[2:] == original[2:]
    assert sum(n.ticks for n in stored_notes(mine[1])) == sum(n.ticks for n in stored_notes(original[1]))


def test_the_commands_options_come_from_the_table():
    from bot.cogs.rewrite import Rewrite
    from studio.options import COMMANDS

    for command, name in ((Rewrite.rewrite, "rewrite"), (Rewrite.extend, "extend")):
        params = {p.name: p for p in command.parameters}
        assert set(params) == set(COMMANDS[name]), name
        assert all(params[o.name].description == o.help for o in COMMANDS[name].values()), name
        assert params["bars"].required == (name == "rewrite")


async def test_more_bars_and_rewrite_of_a_melody_over_chords_keep_them(env):
    """A `/melody chords:` reply: More bars and Rewrite bars… go on over the same chords (the line, the MIDI's Chords
    track, the reproduce command), the new bars' downbeats mostly on chord tones; /rewrite takes typed chords too
    and refuses more chords than the melody has bars."""
    melody = await (await env.fake.slash("melody", {"chords": "C Am F G", "bars": 4, "seed": 5, "count": 1},
                                         user=3)).wait_final(timeout=90)
    more = await (await env.fake.press(melody, "mg:melody:extend:0", user=3)).wait_files(".mid", timeout=120)
    assert "🎹 Over your chords: `| C | Am | F | G | C | Am | F | G |`" in more.content
    fields = {f["name"]: f["value"] for f in more.embeds[0]["fields"]}
    assert "chords:C Am F G" in fields["Reproduce"] and fields["Reproduce"].startswith("`/extend")
    tune, chords = pretty_midi.PrettyMIDI(io.BytesIO(attachment(more, ".mid"))).instruments
    assert chords.name == "Chords" and max(n.end for n in chords.notes) > 0.9 * max(n.end for n in tune.notes)
    under = [{0, 4, 7}, {9, 0, 4}, {5, 9, 0}, {7, 11, 2}]
    hits = []
    for seed in (5, 6, 7):
        if seed != 5:
            more = await (await env.fake.slash("extend", {"chords": "C Am F G", "bars": 4, "seed": seed,
                                                          "count": 1, "notes": stored_text(melody.content)},
                                               user=3)).wait_final(timeout=120)
        new = [b for b in bars(stored_text(more.content).partition(" [ ")[2]) if b != "]"]
        assert len(new) == 4
        for i, bar in enumerate(new):
            first = next(n for n in stored_notes(unmarked(bar)) if n.pitch is not None)
            hits.append(first.pitch % 12 in under[i % 4])
    assert sum(hits) >= 0.7 * len(hits), hits

    opened = await env.fake.press(melody, "mg:melody:rewrite:1", user=3)
    again = await (await env.fake.submit_modal(opened, {"bars": "2-3"})).wait_files(".mid", timeout=120)
    assert "🎹 Over your chords: `| C | Am | F | G |`" in again.content
    assert len(pretty_midi.PrettyMIDI(io.BytesIO(attachment(again, ".mid"))).instruments) == 2

    typed = await (await env.fake.slash("rewrite", {"notes": TUNE, "bars": "3-4", "chords": "C G C G",
                                                    "count": 1}, user=3)).wait_final(timeout=120)
    assert "🎹 Over your chords: `| C | G | C | G | C | G | C | G |`" in typed.content
    long = await env.fake.slash("extend", {"notes": "C E G C", "bars": 1, "chords": "C F G C"}, user=3)
    said = await long.wait_final(timeout=60)
    assert "Your chords fill 4 bars and your melody 2" in said.content
    env.fake.assert_clean()
