"""Words and music through real discord.py and the fake Discord: `/melody lyrics:`, `/lyrics`, `/inspire topic:`."""

from __future__ import annotations

import io
import re

import pretty_midi
import pytest
from PIL import Image

from data.midi import midi_lyrics
from data.pronounce import rhymes, syllable_count, words
from tests.bot.helpers import attachment, sketch_midi


async def test_melody_sets_the_users_words_one_note_per_syllable(env):
    text = "Twinkle twinkle little star, how I wonder what you are"
    reply = await (await env.fake.slash("melody", {"lyrics": text, "key": "G major", "seed": 3, "count": 1})
                   ).wait_final(timeout=90)
    assert "A melody for your words" in reply.content and "🎤 Twin-kle twin-kle lit-tle star" in reply.content
    assert reply.embeds[0]["title"] == "Melody for your words"  # not "Melody continuation": nothing was continued
    midi = attachment(reply, ".mid")
    sung = [n for n in pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[0].notes]
    assert len(sung) == sum(syllable_count(w) for w in words(text)) == 14
    events = midi_lyrics(midi)
    assert "".join(t for _, t in events).lower().split() == [w.strip(",") for w in text.lower().split()]
    assert [round(t, 3) for t, _ in events] == [round(n.start, 3) for n in sung]
    assert b"<lyric" in attachment(reply, ".musicxml")
    assert "left `bars:` aside" not in reply.content
    # bars: typed with words is left aside, and said; so is what /prefs filled in (the words' head hid both)
    await (await env.fake.slash("prefs set", {"tempo": 90})).wait_final()
    longer = await (await env.fake.slash("melody", {"lyrics": text, "bars": 16, "seed": 3, "count": 1})
                    ).wait_final(timeout=90)
    assert "so I left `bars:` aside" in longer.content and "tempo 90 (your /prefs)" in longer.content
    env.fake.assert_clean()


async def test_words_that_fit_the_typed_notes_exactly_show_no_continuation_arrow(env):
    """Seven syllables on seven typed notes: the reply is the user's tune with their words, not "… | ➜ " with
    nothing after the arrow."""
    reply = await (await env.fake.slash("melody", {"notes": "E D C D E E E:h", "lyrics": "Mary had a little lamb",
                                                   "count": 1})).wait_final(timeout=90)
    shown = reply.content.split("```")[1].strip()
    assert shown == "E4:q D4:q C4:q D4:q | E4:q E4:q E4:h |" and "➜" not in reply.content
    assert len(pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments[0].notes) == 7
    env.fake.assert_clean()


async def test_melody_words_without_letters_are_refused_kindly(env):
    it = await env.fake.slash("melody", {"lyrics": "🎵🎵 !!"})
    reply = await it.wait_final(timeout=30)
    assert reply.ephemeral and "lyrics:" in reply.content
    env.fake.assert_clean()


def verse_lines(reply) -> list[str]:
    """The verse lines of a /lyrics reply: each ends with its syllable count (and rhyme letter) in backticks."""
    return [line for line in reply.content.splitlines() if line.endswith("`") and "  `" in line]


async def test_lyrics_rhyme_as_asked_with_the_syllables_asked(env):
    it = await env.fake.slash("lyrics", {"theme": "the sea at night", "lines": 4, "scheme": "ABAB",
                                         "syllables": "8 6 8 6", "seed": 7})
    assert (await it.wait_initial()).deferred
    reply = await it.wait_final(timeout=90)
    lines = verse_lines(reply)
    assert len(lines) == 4
    counts = [int(line.rsplit("`", 2)[1].split()[0]) for line in lines]
    assert counts == [8, 6, 8, 6]
    plain = attachment(reply, ".txt").decode().splitlines()
    assert [sum(syllable_count(w) for w in words(line)) for line in plain] == [8, 6, 8, 6]
    ends = [words(line)[-1] for line in plain]
    assert rhymes(ends[0], ends[2]) and rhymes(ends[1], ends[3])
    assert all("**" in line for line in lines)  # rhyme words marked
    typed = re.search(r"Again: `/lyrics (.*)`", reply.content)[1]  # the Again line, typed as it is shown
    options = {k: v.strip('"') for k, v in re.findall(r'(\w+):("[^"]*"|\S+)', typed)}
    assert options["syllables"] == "8 6 8 6"  # it was left out, and typing it wrote 8 syllables a line
    again = await (await env.fake.slash("lyrics", {**options, "lines": 4, "seed": 7})).wait_final(timeout=90)
    assert attachment(again, ".txt") == attachment(reply, ".txt")  # the seed reproduces the words
    env.fake.assert_clean()


async def test_two_lines_without_a_scheme_are_a_rhyming_couplet(env):
    reply = await (await env.fake.slash("lyrics", {"theme": "rain", "lines": 2, "seed": 5})).wait_final(timeout=90)
    plain = attachment(reply, ".txt").decode().splitlines()
    assert len(plain) == 2 and rhymes(words(plain[0])[-1], words(plain[1])[-1])
    env.fake.assert_clean()


async def test_syllable_counts_without_lines_give_a_line_each(env):
    """`syllables:"8 8 8"` (no lines, no scheme) was refused as "4 numbers needed"; it means three lines."""
    reply = await (await env.fake.slash("lyrics", {"theme": "love", "syllables": "8 8 8", "seed": 2})
                   ).wait_final(timeout=90)
    plain = attachment(reply, ".txt").decode().splitlines()
    assert [syllable_count_of(line) for line in plain] == [8, 8, 8]
    assert "lines:3" in reply.content
    one = await (await env.fake.slash("lyrics", {"theme": "rain", "notes": "C D E F G", "seed": 1})
                 ).wait_final(timeout=90)
    assert "· 1 phrase, one syllable per note" in one.content  # not "1 phrases"
    assert "left" not in one.content
    four = await (await env.fake.slash("lyrics", {"notes": "C D E F G", "syllables": "4", "seed": 1})
                  ).wait_final(timeout=90)  # the melody's five notes win, and the reply says so
    assert "so I left `syllables:` aside" in four.content
    assert syllable_count_of(attachment(four, ".txt").decode().split("\n\n")[-1].splitlines()[0]) == 5
    env.fake.assert_clean()


def syllable_count_of(line: str) -> int:
    return sum(syllable_count(w) for w in words(line))


async def test_lyrics_for_my_last_melody_sit_under_its_notes(env):
    await (await env.fake.slash("melody", {"notes": "C D E C", "seed": 4, "bars": 4, "count": 1})).wait_final(60)
    reply = await (await env.fake.slash("lyrics", {"my_melody": True, "theme": "home", "seed": 1})).wait_final(90)
    assert "Words for your melody" in reply.content and "last melody" in reply.content
    midi = attachment(reply, ".mid")
    notes = pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[0].notes
    events = midi_lyrics(midi)
    assert events and {round(t, 3) for t, _ in events} <= {round(n.start, 3) for n in notes}
    sung = words("".join(t for _, t in events))
    assert sung == words(attachment(reply, ".txt").decode().split("\n\n")[1])  # every word, in order
    assert b"<lyric" in attachment(reply, ".musicxml")
    score = Image.open(io.BytesIO(attachment(reply, "-score.png")))
    assert score.format == "PNG"
    env.fake.assert_clean()


async def test_lyrics_from_the_apps_menu_of_a_melody_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "E G A", "seed": 9, "bars": 4, "count": 1})).wait_final(60)
    reply = await (await env.fake.message_command("Lyrics for this melody", melody, user=1)).wait_final(timeout=90)
    assert "message you picked" in reply.content and midi_lyrics(attachment(reply, ".mid"))
    env.fake.assert_clean()


async def test_lyrics_for_a_melody_over_chords_make_a_lead_sheet(env):
    """Apps → Lyrics on a `/melody chords:` reply: the words join the chords (named in the reply, a Chords track
    beside the lyric events, symbols and words in the score)."""
    melody = await (await env.fake.slash("melody", {"chords": "C Am F G", "bars": 4, "seed": 2, "count": 1},
                                         user=1)).wait_final(60)
    reply = await (await env.fake.message_command("Lyrics for this melody", melody, user=1)).wait_final(timeout=90)
    assert "🎹 Over your chords: `| C | Am | F | G |`" in reply.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [i.name for i in midi.instruments] == ["Melody", "Chords"] and midi.lyrics
    xml = attachment(reply, ".musicxml")
    assert b"<harmony" in xml and b"<lyric" in xml
    env.fake.assert_clean()


@pytest.mark.parametrize(("options", "expected"), [
    ({"scheme": "ABAB", "lines": 2}, "lines:4"),
    ({"syllables": "eight"}, "`syllables:8 6 8 6`"),
    ({"syllables": "40"}, "syllables:8"),
    ({"notes": "R R"}, "only rests"),
    ({"my_melody": True}, "/melody notes:C E G"),
])
async def test_bad_lyrics_requests_are_answered_privately(env, options, expected):
    reply = await (await env.fake.slash("lyrics", options)).wait_final(timeout=30)
    assert reply.ephemeral and expected in reply.content
    env.fake.assert_clean()


async def test_a_theme_of_emoji_other_scripts_and_2000_characters_still_gets_lyrics(env):
    theme = ("🌊🌙 " + "夜の海 " + "море " + "longing " * 10) * 40
    reply = await (await env.fake.slash("lyrics", {"theme": theme[:2000], "lines": 2, "scheme": "AA", "seed": 3})
                   ).wait_final(timeout=90)
    plain = attachment(reply, ".txt").decode().splitlines()
    assert len(plain) == 2 and rhymes(words(plain[0])[-1], words(plain[1])[-1])
    env.fake.assert_clean()


async def test_the_again_line_of_a_long_theme_writes_the_same_verse(env):
    """A long theme's "Again:" command cut it at 80 characters, mid-word ("... when my gra"): it now gives the
    theme words the verse was written from, and typing it gives the same verse."""
    theme = ("a very long theme about the way the light falls on the kitchen table when my grandmother bakes bread "
             "on sunday mornings in the winter")
    reply = await (await env.fake.slash("lyrics", {"theme": theme, "seed": 4})).wait_final(timeout=90)
    again = re.search(r'Again: `/lyrics theme:"([^"]+)" scheme:ABAB lines:4 seed:4`', reply.content)
    assert again and len(again[1]) < len(theme) and again[1].split()[-1] != "gra"
    same = await (await env.fake.slash("lyrics", {"theme": again[1], "seed": 4})).wait_final(timeout=90)
    assert attachment(same, ".txt") == attachment(reply, ".txt")


async def test_inspire_topic_gives_different_openings_that_expand_into_verses(env):
    it = await env.fake.slash("inspire", {"topic": "rain on the window", "seed": 5}, user=2)
    reply = await it.wait_final(timeout=90)
    assert reply.ephemeral and "Lyric ideas" in reply.content
    openings = [e["description"] for e in reply.embeds if e.get("title", "").endswith("An opening line")]
    assert len(openings) == 4 and len(set(openings)) == 4
    again = await (await env.fake.slash("inspire", {"topic": "rain on the window", "seed": 5}, user=2)).wait_final(90)
    assert [e["description"] for e in again.embeds if e.get("title", "").endswith("An opening line")] == openings
    verse = await (await env.fake.press(reply, "mg:verse:1:5", user=2)).wait_final(timeout=90)
    assert not verse.ephemeral and "expanded" in verse.content
    plain = attachment(verse, ".txt").decode().splitlines()
    assert len(plain) == 4 and words(plain[0]) == words(openings[1])  # the chosen line opens the verse
    assert rhymes(words(plain[0])[-1], words(plain[2])[-1]) and rhymes(words(plain[1])[-1], words(plain[3])[-1])
    env.fake.assert_clean()


async def test_a_blank_inspire_topic_is_answered_kindly(env):
    reply = await (await env.fake.slash("inspire", {"topic": "   "})).wait_final(timeout=30)
    assert reply.ephemeral and "topic:" in reply.content
    env.fake.assert_clean()


async def test_buttons_on_a_melody_for_words_keep_the_words(env):
    text = "Row row row your boat gently down the stream"
    reply = await (await env.fake.slash("melody", {"lyrics": text, "seed": 8, "count": 1})).wait_final(timeout=90)
    picked = await (await env.fake.press(reply, "mg:melody:pick:0")).wait_final(timeout=90)
    more = await (await env.fake.press(reply, "mg:melody:more:0")).wait_final(timeout=90)
    for message in (picked, more):
        sung = words("".join(t for _, t in midi_lyrics(attachment(message, ".mid"))))
        assert sung == words(text)
    first = [n.pitch for n in pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments[0].notes]
    again = [n.pitch for n in pretty_midi.PrettyMIDI(io.BytesIO(attachment(more, ".mid"))).instruments[0].notes]
    assert len(again) == len(first) and again[: len(first) // 2] == first[: len(first) // 2]  # keeps the start
    env.fake.assert_clean()


async def test_words_for_a_sketch_with_a_chords_track_make_a_lead_sheet(env):
    """Apps → Lyrics for this melody on a message with a songwriter's sketch attached (a tune and a chords track):
    new words under the tune, the file's chords above."""
    posted = await env.fake.post("here's my verse", [("sketch.mid", sketch_midi())], user=5)
    reply = await (await env.fake.message_command("Lyrics for this melody", posted, user=5)).wait_final(timeout=120)
    assert "🎹 Over your chords: `| C | F | G | C |`" in reply.content
    xml = attachment(reply, ".musicxml")
    assert xml.count(b"<harmony") == 4 and b"<lyric" in xml
    assert [i.name for i in pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid"))).instruments] == [
        "Melody", "Chords"]
