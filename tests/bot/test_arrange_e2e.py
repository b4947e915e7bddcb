"""`/arrange` through real discord.py and the fake Discord server."""

from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

import mido
import pretty_midi
import pytest
from PIL import Image

from data.audio import audio_stats
from data.events import TPQ, Key, Melody, Meter, Note
from data.midi import melody_to_midi
from tests.bot.helpers import attachment, sketch_midi
from tests.mermaid import mermaid_blocks, parse_flowchart

TUNE = "E D C D E E E:h D:q D D:h E:q G G:h"


def midi_of(message) -> pretty_midi.PrettyMIDI:
    return pretty_midi.PrettyMIDI(io.BytesIO(attachment(message, ".mid")))


def bars_in(message) -> int:
    return int(message.content.split(" bars · ", 1)[0].rsplit("· ", 1)[1])


def assert_notes_inside_bars(pm: pretty_midi.PrettyMIDI, bars: int, quarters_per_bar: float) -> None:
    """Every note starts on the tick grid and ends by the last bar line; nothing but the melody crosses a bar."""
    seconds_per_quarter = 60 / pm.get_tempo_changes()[1][0]
    bar_seconds = quarters_per_bar * seconds_per_quarter
    grid = seconds_per_quarter / TPQ
    for index, instrument in enumerate(pm.instruments):
        for n in instrument.notes:
            assert abs(n.start / grid - round(n.start / grid)) < 1e-3
            assert n.end <= bars * bar_seconds + 1e-6, (instrument.name, n)
            if index > 0:
                assert int(n.start / bar_seconds + 1e-6) == int(n.end / bar_seconds - 1e-6), (instrument.name, n)


async def test_arrange_typed_notes_as_a_folk_band(env):
    assert "arrange" in {c["name"] for c in env.fake.guild_commands}
    started = time.perf_counter()
    it = await env.fake.slash("arrange", {"notes": TUNE, "key": "C major", "form": "AABA", "style": "folk band",
                                          "seed": 7})
    initial = await it.wait_initial()
    assert initial.deferred and not initial.ephemeral
    reply = await it.wait_final(timeout=120)
    assert time.perf_counter() - started < 60
    text = reply.content
    assert "**Arrangement** · folk band · form AABA · C major · 4/4" in text and "seed 7" in text
    for label in ("**Intro**", "**A**", "**A2**", "**B**", "**A3**", "**Outro**"):
        assert label in text
    assert "new melody from the model" in text and "Fiddle" in text and "Drums" in text
    pm = midi_of(reply)
    assert [(i.name, i.program, i.is_drum) for i in pm.instruments] == [
        ("Fiddle (melody)", 40, False), ("Acoustic guitar (chords)", 25, False), ("Fingered bass", 33, False),
        ("Drums", 0, True)]
    drum_channels = {m.channel for t in mido.MidiFile(file=io.BytesIO(attachment(reply, ".mid"))).tracks
                     if any(m.type == "track_name" and m.name == "Drums" for m in t) for m in t if m.type == "note_on"}
    assert drum_channels == {9}
    assert bars_in(reply) == 20
    assert_notes_inside_bars(pm, 20, 4)
    melody = pm.instruments[0].notes
    assert [n.pitch for n in melody[:4]] == [64, 62, 60, 62]
    assert melody[0].start == pytest.approx(2 * 4 * 60 / 110)  # after the two-bar intro, at the default 110 bpm
    score = Image.open(io.BytesIO(attachment(reply, "-score.png")))
    overview = Image.open(io.BytesIO(attachment(reply, "-overview.png")))
    assert score.width == 1600 and overview.width > 1000
    seconds, peak = audio_stats(attachment(reply, ".ogg"))
    assert seconds > 20 * 4 * 60 / 110 and peak < -0.1
    assert attachment(reply, ".musicxml").count(b"<part id") == 3
    (flowchart,) = mermaid_blocks(text)  # the form as a diagram to paste into a wiki, and as a file
    chart = parse_flowchart(flowchart)
    assert [(n[0], n[1]) for n in chart.nodes] == [("Intro", "stadium"), ("A", "box"), ("A2", "box"), ("B", "box"),
                                                   ("A3", "box"), ("Outro", "stadium")]
    assert chart.edges == [("Intro", "A"), ("A", "A2"), ("A2", "B"), ("B", "A3"), ("A3", "Outro")]
    assert all(" · 4 bars · " in label for _, shape, label in chart.nodes if shape == "box")
    assert attachment(reply, ".mmd").decode().strip() == flowchart
    env.fake.assert_clean()


async def test_rock_in_seven_eight_with_typed_chords(env):
    reply = await (await env.fake.slash("arrange", {
        "notes": "C:e D E G A G E D C:q. E:e G A:q. G:e E D C:q.", "meter": "7/8", "key": "C", "style": "rock",
        "form": "AB", "chords": "| C | Am | F G | C |", "seed": 3})).wait_final(timeout=120)
    assert "7/8" in reply.content and "`C | Am | F G | C`" in reply.content
    pm = midi_of(reply)
    assert [i.program for i in pm.instruments] == [30, 29, 34, 0] and pm.instruments[-1].is_drum
    assert_notes_inside_bars(pm, bars_in(reply), 3.5)
    assert pm.time_signature_changes[0].numerator == 7 and pm.time_signature_changes[0].denominator == 8


async def test_a_meter_the_model_never_learned_is_varied_by_rule(env):
    reply = await (await env.fake.slash("arrange", {"notes": "C D E F G A B C5:w.", "meter": "7/4", "key": "C",
                                                    "form": "AB", "style": "piano ballad"})).wait_final(timeout=120)
    assert "hasn't learned 7/4" in reply.content and "sequence and inversion" in reply.content
    pm = midi_of(reply)
    assert [i.program for i in pm.instruments] == [73, 0, 49, 32, 0]
    scale = Key(0).scale
    assert all(n.pitch % 12 in scale for i in pm.instruments if not i.is_drum for n in i.notes)


async def test_last_melody_as_a_chorale_with_verse_and_chorus(env):
    await (await env.fake.slash("melody", {"notes": "G A B", "seed": 5, "bars": 4, "count": 1}, user=1)
           ).wait_final(60)
    reply = await (await env.fake.slash("arrange", {"form": "verse-chorus", "style": "chorale",
                                                    "instruments": "organ"}, user=1)).wait_final(timeout=120)
    assert "last melody" in reply.content and "**Verse 2**" in reply.content and "**Chorus 2**" in reply.content
    pm = midi_of(reply)
    assert [i.program for i in pm.instruments] == [40, 19, 42]
    assert not any(i.is_drum for i in pm.instruments)
    assert [n.pitch for n in pm.instruments[0].notes[:3]] == [67, 69, 71]


async def test_arrange_from_the_apps_menu_of_a_melody_reply(env):
    melody = await (await env.fake.slash("melody", {"notes": "C E G", "seed": 2, "bars": 4, "count": 1})
                    ).wait_final(60)
    reply = await (await env.fake.message_command("Arrange this melody", melody, user=2)).wait_final(timeout=120)
    assert "message you picked" in reply.content and "form AABA" in reply.content
    assert len(midi_of(reply).instruments) == 4


async def test_a_melody_written_over_chords_is_arranged_over_them(env):
    """Arrange this melody on a `/melody chords:` reply: the band plays the chords it was written over (it got chords
    of the harmoniser's own), and says so; chords typed into /arrange still win."""
    melody = await (await env.fake.slash("melody", {"chords": "Am F C G", "seed": 2, "bars": 4, "count": 1}, user=2)
                    ).wait_final(60)
    reply = await (await env.fake.message_command("Arrange this melody", melody, user=2)).wait_final(timeout=120)
    assert "🎹 The band plays the chords you wrote it over: `Am F C G`." in reply.content
    assert "**A** (4 bars — your melody): `Am | F | C | G`" in reply.content
    typed = await (await env.fake.slash("arrange", {"chords": "C G"}, user=2)).wait_final(timeout=120)
    assert "wrote it over" not in typed.content and "`C | G | C | G`" in typed.content


async def test_a_thousand_bar_midi_file_is_trimmed_in_bounded_time(env):
    notes = tuple(Note(60 + (i % 5) * 2, 4 * TPQ) for i in range(1000))
    data = melody_to_midi(Melody(notes, Key(0), Meter(4, 4), tempo=120))
    started = time.perf_counter()
    reply = await (await env.fake.slash("arrange", {"midi": ("long.mid", data), "key": "C major", "form": "AB"})
                   ).wait_final(timeout=120)
    assert time.perf_counter() - started < 60
    assert "long.mid" in reply.content and "first 8 bars" in reply.content
    assert bars_in(reply) == 2 + 8 + 8 + 2


async def test_chromatic_runs_get_an_arrangement_in_key(env):
    run = "C4:e C# D D# E F F# G G# A A# B C5 B4 Bb A Ab G Gb F E Eb D Db C:h"
    reply = await (await env.fake.slash("arrange", {"notes": run, "style": "rock", "form": "AB", "seed": 1})
                   ).wait_final(timeout=120)
    assert "outside" in reply.content and "kept them" in reply.content
    pm = midi_of(reply)
    key_name = reply.content.split(" · ")[3]
    scale = Key.parse(key_name).scale
    band = [n.pitch % 12 for i in pm.instruments[1:] if not i.is_drum for n in i.notes]
    assert band and all(pc in scale for pc in band)
    assert any(n.pitch % 12 not in scale for n in pm.instruments[0].notes)  # the user's own notes, as written


@pytest.mark.parametrize(("options", "needle"), [
    ({"notes": "C E G", "chords": "C H7"}, "H7"), ({"notes": "R R R"}, "only rests"),
    ({"notes": "C E G", "meter": "5/3"}, "meter"), ({"notes": "C E G", "tempo": 999}, "tempo"),
    ({"notes": " ".join(["C:w"] * 1000)}, "notes"), ({"notes": "C E G", "seed": -4}, "seed"),
])
async def test_bad_input_is_answered_privately(env, options, needle):
    it = await env.fake.slash("arrange", options)
    reply = await it.wait_final()
    assert it.ephemeral and reply.ephemeral
    assert needle in reply.content and "`" in reply.content


async def test_no_melody_yet_says_what_to_do(env):
    it = await env.fake.slash("arrange", {}, user=2)
    reply = await it.wait_final()
    assert reply.ephemeral and "/melody notes:C E G" in reply.content


async def test_key_and_meter_autocomplete(env):
    keys = await (await env.fake.autocomplete("arrange", {"key": "d dor"}, focused="key")).wait_initial()
    assert [c["value"] for c in keys.data["choices"]] == ["D dorian"]
    meters = await (await env.fake.autocomplete("arrange", {"meter": "/8"}, focused="meter")).wait_initial()
    assert "7/8" in [c["value"] for c in meters.data["choices"]]


async def test_a_melody_written_for_words_is_arranged_with_them(env):
    """Apps → Arrange this melody on a `/melody lyrics:` reply: the words are sung in the first A, as karaoke lyric
    events on the melody track's notes and under the score's first staff, pickup and all; the reply says where."""
    words = "I walked along the river in the rain, and thought of you again"
    melody = await (await env.fake.slash("melody", {"lyrics": words, "chords": "Am F C G", "seed": 4, "count": 1},
                                         user=3)).wait_final(60)
    reply = await (await env.fake.message_command("Arrange this melody", melody, user=3)).wait_final(timeout=120)
    assert "🎤 Your words are sung in the first A" in reply.content
    pm = midi_of(reply)
    sung = "".join(lyric.text for lyric in pm.lyrics)
    assert sung.split() == words.replace(",", "").split()
    starts = {round(n.start, 3) for n in pm.instruments[0].notes}
    assert all(round(lyric.time, 3) in starts for lyric in pm.lyrics)  # each syllable on a note of the melody
    first_a = pm.get_downbeats()[2]  # after the two bars of the intro
    assert pm.lyrics[0].time < first_a <= pm.lyrics[1].time  # "I" is the pickup, sung at the end of the intro
    texts = [t.text for t in ET.fromstring(attachment(reply, ".musicxml")).iter("text")]
    assert texts[:4] == ["I", "walked", "a", "long"]
    plain = await (await env.fake.message_command("Arrange this melody", await (await env.fake.slash(
        "melody", {"notes": "C E G", "seed": 2, "count": 1}, user=3)).wait_final(60), user=3)).wait_final(timeout=120)
    assert not midi_of(plain).lyrics and "🎤" not in plain.content


async def test_a_sketch_with_words_and_a_chords_track_is_arranged_with_both(env):
    """A songwriter's MIDI sketch — a sung tune with its words as lyric events, and a piano playing the chords —
    given to /arrange: the band plays the file's chords (not chords of my own) and the words are sung in A."""
    reply = await (await env.fake.slash("arrange", {"midi": ("sketch.mid", sketch_midi()), "form": "AB"}, user=4)
                   ).wait_final(timeout=120)
    assert "🎹 The band plays the chords of `sketch.mid`, track 2: `| C | F | G | C |`." in reply.content
    assert "**A** (4 bars — your melody): `C | F | G | C`" in reply.content
    assert "🎤 Your words are sung in the first A" in reply.content
    sung = "".join(lyric.text for lyric in midi_of(reply).lyrics).split()
    assert sung == ["Sing", "a", "song", "of", "summer", "rain", "and", "days", "that", "never", "end", "again", "now"]
