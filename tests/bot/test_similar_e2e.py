"""`/similar`, its Apps menu, and the originality line on `/melody`, through real discord.py and the fake Discord."""

from __future__ import annotations

import io

from PIL import Image

from data.corpus_notes import read_notes
from data.events import Note
from data.notation import format_notes
from studio.melody import RETAKE_STRIDE
from tests.studio.test_originality import copying_request

TUNE = "oneills1850/"  # a tune from O'Neill's: the one with the most notes among the first hundred


def corpus_tune_notes(moved: int = 2) -> tuple[str, str]:
    """A real corpus tune's first 24 notes as typed notes (up ``moved`` semitones, every length doubled), and its
    title."""
    corpus = read_notes()
    candidates = [t for t in corpus.tunes[:400] if t.ident.startswith(TUNE)]
    tune = max(candidates, key=lambda t: int(corpus.starts[t.index + 1] - corpus.starts[t.index]))
    notes, pitched = [], 0
    for n in corpus.notes(tune.index):
        if pitched == 24:
            break
        notes.append(Note(None if n.pitch is None else n.pitch + moved, n.ticks * 2))
        pitched += n.pitch is not None
    return format_notes(notes, 10**6), tune.title


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


async def test_similar_finds_the_tune_the_notes_came_from(env):
    notes, title = corpus_tune_notes()
    it = await env.fake.slash("similar", {"notes": notes, "key": "D major", "count": 3})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_final(timeout=60)
    assert "Corpus tunes closest to your melody" in reply.content and "(24 notes)" in reply.content
    assert 1 <= len(reply.embeds) <= 3
    top = reply.embeds[0]
    assert top["title"].startswith("1. “") and title in top["title"] and "O'Neill" in top["title"]
    assert "score 100%" in top["title"] and "24 notes in a row" in top["title"]
    (name, block), = fields(top).items()
    yours, theirs = block.strip("`\n").split("\n")
    assert yours.startswith("yours ") and theirs.startswith("theirs ")
    assert "notes 1-" in name and "from bar 1" in name
    assert "Score:" in reply.embeds[-1]["footer"]["text"]
    names = [a.filename for a in reply.attachments]
    assert names == [f"similar-{i}.png" for i in range(1, len(reply.embeds) + 1)]
    roll = Image.open(io.BytesIO(reply.attachments[0].data))
    assert roll.format == "PNG" and roll.height < roll.width
    assert top["image"]["url"] == "attachment://similar-1.png"
    env.fake.assert_clean()


async def test_find_similar_tunes_on_a_melody_reply_and_the_originality_line(env):
    melody = await (await env.fake.slash("melody", {"notes": "G A B", "seed": 3, "bars": 8})).wait_final(60)
    for embed in melody.embeds:
        line = fields(embed)["Originality"]
        assert "longest passage shared with a corpus tune: " in line or line.startswith("shares ")
        assert " notes" in line
    reply = await (await env.fake.message_command("Find similar tunes", melody, user=1)).wait_final(timeout=60)
    assert "candidate 1 of that message" in reply.content and not reply.ephemeral
    assert all(e["title"].split(" · ")[1].startswith("score ") for e in reply.embeds)
    again = await (await env.fake.message_command("Find similar tunes", reply, user=1)).wait_final(timeout=30)
    assert again.ephemeral and "has no melody of mine" in again.content
    env.fake.assert_clean()


async def test_similar_without_notes_uses_the_last_melody_or_says_what_to_do(env):
    nothing = await (await env.fake.slash("similar", {}, user=2)).wait_final()
    assert nothing.ephemeral and "/melody notes:C E G" in nothing.content
    await (await env.fake.slash("melody", {"notes": "E D C D E E E:h", "seed": 1, "bars": 4, "count": 1},
                                user=2)).wait_final(60)
    reply = await (await env.fake.slash("similar", {}, user=2)).wait_final(timeout=60)
    assert "last melody" in reply.content
    bad = await (await env.fake.slash("similar", {"notes": "C E G", "count": 9}, user=2)).wait_final()
    assert bad.ephemeral and "count" in bad.content
    short = await (await env.fake.slash("similar", {"notes": "C E G"}, user=2)).wait_final()  # not "all yours"
    assert short.ephemeral and "at least 6 notes (you gave 3)" in short.content and "all yours" not in short.content


async def test_a_copying_first_take_is_re_written_and_the_reply_says_so(env, composer):
    request = await copying_request(composer)
    options = {"notes": request.notes, "key": request.key, "meter": request.meter, "tempo": request.tempo,
               "style": request.style, "density": request.density, "temperature": request.temperature,
               "top_p": request.top_p, "bars": request.bars, "seed": request.seed, "count": 1}
    reply = await (await env.fake.slash("melody", options, user=3)).wait_final(timeout=90)
    shown = fields(reply.embeds[0])
    line = shown["Originality"]
    if "this is the first" in line:  # every take copied: the requested seed's take is kept
        assert shown["RNG seed"] == str(request.seed)
        return
    assert "re-written: the first take copied " in line and " notes of “" in line
    seed = int(shown["RNG seed"])
    assert seed != request.seed and (seed - request.seed) % RETAKE_STRIDE == 0
    assert f"seed:{seed}" in shown["Reproduce"]
    env.fake.assert_clean()
