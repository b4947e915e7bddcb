"""A MIDI file as a /melody request: the key its signature writes, where the melody keeps to it."""

from __future__ import annotations

import io

import mido

from studio.analysis.report import analyze, sections
from studio.inputs import melody_from_midi
from studio.midi_melody import midi_request

PENTATONIC = (69, 72, 74, 76, 79, 76, 74, 69)  # A C D E G E D A: no F or F#, no B or Bb


def midi(notes: tuple[int, ...], signature: str | None) -> bytes:
    track = mido.MidiTrack([mido.MetaMessage("key_signature", key=signature)] if signature else [])
    for i, pitch in enumerate(notes):  # quarters, the last a half note
        length = 960 if i == len(notes) - 1 else 480
        track += [mido.Message("note_on", note=pitch, velocity=90), mido.Message("note_off", note=pitch, time=length)]
    out, data = mido.MidiFile(tracks=[track]), io.BytesIO()
    out.save(file=data)
    return data.getvalue()


def test_a_pentatonic_tune_takes_the_mode_its_key_signature_writes():
    """The notes fit A minor, A dorian and more; the file's one sharp says which (the F# of A dorian)."""
    request, used, _ = midi_request(midi(PENTATONIC, "Em"), name="`tune.mid`")
    assert request.key == "A dorian" and used.endswith("Its key signature (1 sharp) puts it in A dorian.")
    assert str(melody_from_midi(midi(PENTATONIC, "Em")).melody.key) == "A dorian"  # /chords, /analyze, ...
    assert str(melody_from_midi(midi(PENTATONIC, None)).melody.key) == "A minor"  # no signature: read from the notes


def test_a_signature_the_melody_does_not_keep_is_left_aside():
    """Two flats under a melody full of B naturals is a program's leftover, not the key."""
    request, used, _ = midi_request(midi((71, 72, 74, 71, 67, 71, 72, 71), "Bb"))
    assert request.key is None and "key signature" not in used


def test_an_analysis_reads_in_the_files_key_and_says_whose_key_it_is():
    given = melody_from_midi(midi(PENTATONIC, "Em"))
    a = analyze(given.melody, given.melody.key, written=given.key_written)
    text = sections(a)[0].text
    assert str(a.key) == "A dorian" and text.startswith("The file's key signature writes A dorian")
    assert "From the notes alone I'd say **A minor**" in text


def test_a_file_longer_than_the_bars_asked_for_is_continued_past_its_end():
    """A whole song uploaded to /melody: eight more bars after it, unless bars: was typed (then its check says so);
    /chords and /analyze read the file as it is."""
    song = midi(PENTATONIC * 12, None)  # 96 quarters: 24 bars, of which the first 64 notes fill 16
    request, used, _ = midi_request(song, name="`song.mid`", fixed=set())
    assert request.bars == 24 and "It fills 16 bars, so I'll write 8 more" in used
    typed, used, _ = midi_request(song, name="`song.mid`", fixed={"bars"}, bars=8)
    assert typed.bars == 8 and "It fills" not in used
    assert "It fills" not in melody_from_midi(song).used
