"""`/melody midi:<file>`: a MIDI upload as the seed, good and hostile files."""

from __future__ import annotations

import io
import struct

import mido
import pretty_midi
import pytest

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from tests.bot.helpers import attachment


def tune() -> bytes:
    notes = (*tuple(Note(p, 6) for p in (67, 69, 71, 72, 74, 72, 71, 69)), Note(67, 12))
    return melody_to_midi(Melody(notes, Key(7), Meter(3, 4), tempo=96))


def drums_only() -> bytes:
    pm = pretty_midi.PrettyMIDI()
    kit = pretty_midi.Instrument(0, is_drum=True)
    kit.notes += [pretty_midi.Note(100, 36, i * 0.5, i * 0.5 + 0.1) for i in range(8)]
    pm.instruments.append(kit)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def many_tracks() -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 1, 100, 480) + b"MTrk\x00\x00\x00\x04\x00\xff\x2f\x00" * 100


def absurd_tempo() -> bytes:
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=1, time=0)])
    for p in (60, 62, 64, 65, 67):
        track += [mido.Message("note_on", note=p, velocity=80, time=0),
                  mido.Message("note_off", note=p, velocity=0, time=480)]
    buffer = io.BytesIO()
    mido.MidiFile(tracks=[track], ticks_per_beat=480).save(file=buffer)
    return buffer.getvalue()


async def test_a_midi_file_is_continued_from_its_melody(env):
    it = await env.fake.slash("melody", {"midi": ("tune.mid", tune()), "count": 1, "seed": 4, "bars": 8})
    reply = await it.wait_final(timeout=90)
    assert reply.content.split("```\n", 1)[1].startswith("G4:e A4:e B4:e C5:e D5:e C5:e | B4:e A4:e G4:q")
    fields = {f["name"]: f["value"] for f in reply.embeds[0]["fields"]}
    assert fields["Meter"] == "3/4" and fields["Tempo"] == "96 bpm"  # taken from the file
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(reply, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes[:9]] == [67, 69, 71, 72, 74, 72, 71, 69, 67]
    assert "aside" not in reply.content


async def test_notes_typed_beside_a_file_are_said_to_be_left_aside(env):
    """The file was used and the notes dropped without a word, in /melody and the commands that read a melody."""
    for command in ("melody", "chords"):
        options = {"notes": "C E G", "midi": ("tune.mid", tune()), **({"count": 1} if command == "melody" else {})}
        reply = await (await env.fake.slash(command, options)).wait_final(timeout=90)
        assert "You gave notes too: the file wins, so I left `notes:` aside." in reply.content, command
        assert "G4" in reply.content or "| G" in reply.content  # the file's tune (G major), not C E G


def band() -> bytes:
    """Piano chords, a flute's tune above them, and a bass: three tracks."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=100)
    piano, flute, bass = (pretty_midi.Instrument(0, name="Piano"), pretty_midi.Instrument(73, name="Flute"),
                          pretty_midi.Instrument(32, name="Bass"))
    for i, pitch in enumerate([72, 74, 76, 77, 79, 77, 76, 74]):
        flute.notes.append(pretty_midi.Note(90, pitch, i * 0.6, i * 0.6 + 0.55))
    for bar in range(2):
        piano.notes += [pretty_midi.Note(60, p, bar * 2.4, bar * 2.4 + 2.4) for p in (60, 64, 67)]
        bass.notes.append(pretty_midi.Note(80, 36 + 7 * bar, bar * 2.4, bar * 2.4 + 2.4))
    pm.instruments += [piano, flute, bass]
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


async def test_a_band_file_names_the_track_it_took_and_track_takes_another(env):
    reply = await (await env.fake.slash("melody", {"midi": ("band.mid", band()), "count": 1})).wait_final(90)
    assert ("I used track 2 of `band.mid`, Flute (Flute, 8 notes), as the melody (the highest of its 3 tracks): to "
            "take another, set e.g. `track:1`.") in reply.content
    assert "C5:q D5:q E5:q F5:q | G5:q F5:q E5:q D5:q | ➜" in reply.content
    chords = await (await env.fake.slash("chords", {"midi": ("band.mid", band()), "track": 3})).wait_final(60)
    assert "I used track 3 of `band.mid`, Bass (Acoustic Bass, 2 notes)." in chords.content
    midi = pretty_midi.PrettyMIDI(io.BytesIO(attachment(chords, ".mid")))
    assert [n.pitch for n in midi.instruments[0].notes] == [36, 43]  # the bass line, harmonised
    for command in ("melody", "chords"):  # a track without a file: said to be left aside
        typed = await (await env.fake.slash(command, {"notes": "C E G", "track": 2})).wait_final(90)
        assert "`track:` picks a track of a MIDI file, and you gave none (`midi:`), so I left it aside." in (
            typed.content), command


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [("song.mid", b"\x89PNG\r\n\x1a\n" + bytes(64), "a picture or PDF of music"),
     ("take.wav", b"RIFF\x00\x10\x00\x00WAVEfmt " + bytes(64), "I read notes, not sound"),
     ("notes.txt", b"just some words", "isn't a MIDI file"), ("empty.mid", b"", "empty"),
     ("drums.mid", drums_only(), "drum"), ("wide.mid", many_tracks(), "tracks"),
     ("huge.mid", b"MThd" + bytes(2 * 1024 * 1024), "1 MB")],
)
async def test_hostile_midi_files_get_a_clear_message(env, name, data, needle):
    it = await env.fake.slash("melody", {"midi": (name, data), "count": 1})
    reply = await it.wait_final(timeout=30)
    assert needle in reply.content and "`" in reply.content
    assert not reply.attachments
    ok = await (await env.fake.slash("melody", {"notes": "C E G", "count": 1})).wait_final(60)
    assert "➜" in ok.content  # the bot keeps serving


async def test_an_absurd_tempo_still_gives_a_melody(env):
    reply = await (await env.fake.slash("melody", {"midi": ("fast.mid", absurd_tempo()), "count": 1})).wait_final(90)
    assert reply.content.split("```\n", 1)[1].startswith("C4:q D4:q E4:q F4:q | G4:q ➜")  # 4/4 by default


async def test_choosing_a_track_that_does_not_exist_says_how_many_there_are(env):
    reply = await (await env.fake.slash("melody", {"midi": ("tune.mid", tune()), "track": 5})).wait_final(30)
    assert "track" in reply.content and "1" in reply.content
