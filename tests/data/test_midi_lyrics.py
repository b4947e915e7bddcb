import io

import pretty_midi
import pytest

from data.events import Melody, Meter, Note
from data.midi import melody_to_midi, midi_lyrics, midi_notes

Q = 12
TUNE = Melody((Note(60, Q), Note(62, Q), Note(None, Q), Note(64, 2 * Q), Note(65, 2 * Q), Note(67, 2 * Q)),
              meter=Meter(4, 4), tempo=120)


def test_lyrics_are_lyric_events_at_the_note_onsets():
    words = ["Twin", "kle ", None, "lit", "tle ", "star\n"]
    data = melody_to_midi(TUNE, lyrics=words)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert [lyric.text for lyric in pm.lyrics] == ["Twin", "kle ", "lit", "tle ", "star\n"]
    onsets = [start for _, start, _ in midi_notes(data)]
    assert [lyric.time for lyric in pm.lyrics] == pytest.approx(onsets)
    assert onsets == pytest.approx([0.0, 0.5, 1.5, 2.5, 3.5])  # the rest moved 'lit' a beat later


def test_words_in_any_script_come_back_as_written():
    words = ["café ", "сердце ", None, "心 ", "🎵", "naïve"]
    data = melody_to_midi(TUNE, lyrics=words)
    assert [text for _, text in midi_lyrics(data)] == [w for w in words if w]


def test_no_lyrics_means_no_lyric_events_and_a_lyric_on_a_rest_is_ignored():
    assert pretty_midi.PrettyMIDI(io.BytesIO(melody_to_midi(TUNE))).lyrics == []
    data = melody_to_midi(TUNE, lyrics=[None, None, "ghost", None])
    assert midi_lyrics(data) == []
