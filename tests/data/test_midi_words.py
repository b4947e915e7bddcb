"""Words in a MIDI file as a syllable per note of its melody (``data.midi_words``): real files written with
pretty_midi and with the bot's own writer."""

from __future__ import annotations

import io

import pretty_midi
import pytest

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from data.midi_words import midi_words, syllabified

TUNE = (Note(60, 12), Note(62, 12), Note(None, 12), Note(64, 12), Note(65, 24), Note(67, 24))


def karaoke(texts: list[str], lyric_track: bool, shift: float = 0.0) -> bytes:
    """The tune at 120 bpm with one lyric event per note, in the tune's track or a track of its own (as .kar-style
    files keep them); ``shift`` moves the words off the notes."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    voice = pretty_midi.Instrument(0, name="Voice")
    now = 0.0
    for note in TUNE:
        if note.pitch is not None:
            voice.notes.append(pretty_midi.Note(90, note.pitch, now, now + note.ticks / 24 - 0.01))
        now += note.ticks / 24
    pm.instruments.append(voice)
    if lyric_track:
        pm.instruments.append(pretty_midi.Instrument(0, name="Words"))
    starts = [n.start for n in voice.notes]
    pm.lyrics += [pretty_midi.Lyric(text, start + shift) for text, start in zip(texts, starts, strict=True)]
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


@pytest.mark.parametrize("lyric_track", [False, True])
def test_a_karaoke_files_words_fall_on_its_notes(lyric_track):
    words = midi_words(karaoke(["Hap", "py ", "birth", "day ", "dear "], lyric_track), TUNE)
    assert words == ["Hap-", "py", None, "birth-", "day", "dear"]  # the rest sings nothing


def test_the_bots_own_midi_gives_its_words_back():
    melody = Melody(TUNE, Key(0), Meter(), 100)
    written = melody_to_midi(melody, lyrics=["to", "geth", None, "er ", "we ", "go "])
    assert midi_words(written, tuple(Note(n.pitch + 12 if n.pitch else None, n.ticks) for n in TUNE)) == [
        "to-", "geth-", None, "er", "we", "go"]  # notes read an octave away are the same notes


def test_no_words_where_they_dont_belong():
    assert midi_words(karaoke(["a", "b", "c", "d", "e"], False, shift=0.2), TUNE) is None  # between the notes
    other = tuple(Note(n.pitch + 2 if n.pitch else None, n.ticks) for n in TUNE)
    assert midi_words(karaoke(["a", "b", "c", "d", "e"], False), other) is None  # another tune
    assert midi_words(melody_to_midi(Melody(TUNE, Key(0), Meter(), 100)), TUNE) is None  # no words at all


@pytest.mark.parametrize(("texts", "syllables"), [
    (["Hap", "py ", "birth", "day"], ["Hap-", "py", "birth-", "day"]),  # spaces end words
    (["Hap-", "py", "birth-", "day"], ["Hap-", "py", "birth-", "day"]),  # hyphens join
    (["/Twin", "kle ", "\\twin", "kle"], ["Twin-", "kle", "twin-", "kle"]),  # .kar line marks go
    (["one", "two", "three"], ["one", "two", "three"]),  # no spaces anywhere: each its own word
    (["a", None, "gain "], ["a-", None, "gain"]),  # a note sung on the syllable before
])
def test_lyric_texts_as_syllables(texts, syllables):
    assert syllabified(texts) == syllables


def test_a_scores_first_verse_falls_on_its_notes():
    """A MusicXML lead sheet (as MuseScore exports one, and as my own replies' .musicxml are): its `<lyric>`
    syllables, joined by their `syllabic`, on the notes of the part they are under."""
    from data.musicxml import melody_to_musicxml

    words = ["Hap-", "py", None, "birth-", "day", "dear"]
    score = melody_to_musicxml(Melody(TUNE, Key(0), Meter(), 100), lyrics=words)
    assert midi_words(score, TUNE) == words
    assert midi_words(melody_to_musicxml(Melody(TUNE, Key(0), Meter(), 100)), TUNE) is None  # no words in it
