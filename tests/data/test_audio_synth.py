"""The audio preview's synth: the soundfont loaded once per thread, a fresh synth per file (so a file sounds the
same whatever was rendered before it), the right length, and a forked worker that renders."""

from __future__ import annotations

import io
import multiprocessing
import threading

import mido
import numpy as np
import pytest

from data import audio
from data.audio import TAIL_SECONDS, TARGET_LUFS, audio_loudness, audio_stats, decode_ogg, midi_to_ogg
from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi


def candidate(meter: str, tempo: int) -> Melody:
    m = Meter.parse(meter)
    notes = tuple(Note(60 + (i * 5) % 12, m.unit_ticks) for i in range(8 * m.bar_ticks // m.unit_ticks))
    return Melody(notes, Key.parse("C major"), m, tempo, seed_len=3)


def band() -> bytes:
    """Strings (which use the chorus), an organ and a drum kit: state a reused synth would carry over."""
    song = mido.MidiFile(type=1)
    for channel, program, notes in ((0, 48, [48, 55, 64]), (1, 19, [36]), (9, 0, [36, 42, 49])):
        track = mido.MidiTrack([mido.Message("program_change", channel=channel, program=program)])
        track += [mido.Message("note_on", channel=channel, note=n, velocity=110) for n in notes]
        track += [mido.Message("control_change", channel=channel, control=64, value=127),
                  mido.Message("pitchwheel", channel=channel, pitch=3000, time=240)]
        track += [mido.Message("note_off", channel=channel, note=n, time=960 if i == 0 else 0)
                  for i, n in enumerate(notes)]
        song.tracks.append(track)
    buffer = io.BytesIO()
    song.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("meter", "tempo", "seconds"), [("4/4", 120, 16.0), ("6/8", 120, 8.0), ("3/4", 90, 16.0)])
def test_eight_bars_last_their_beats_plus_the_tail(meter, tempo, seconds):
    ogg = midi_to_ogg(melody_to_midi(candidate(meter, tempo)))
    duration, peak = audio_stats(ogg)
    assert duration == pytest.approx(seconds + TAIL_SECONDS, abs=0.05)
    assert audio_loudness(ogg) == pytest.approx(TARGET_LUFS, abs=1.0) and peak < 0.0


def test_the_soundfont_is_loaded_once_per_thread():
    midi = melody_to_midi(candidate("4/4", 120))
    midi_to_ogg(midi)
    loads = audio.SOUNDFONT_LOADS[0]
    for _ in range(3):
        midi_to_ogg(midi)
    assert audio.SOUNDFONT_LOADS[0] == loads
    other = threading.Thread(target=midi_to_ogg, args=(midi,))
    other.start()
    other.join()
    assert audio.SOUNDFONT_LOADS[0] == loads + 1  # a new thread loads its own


def test_a_file_sounds_the_same_after_any_other():
    midi = melody_to_midi(candidate("3/4", 100))
    first, _ = decode_ogg(midi_to_ogg(midi))
    midi_to_ogg(band())  # chorus, sustain, pitch bend, drums, an organ left ringing
    again, _ = decode_ogg(midi_to_ogg(midi))
    assert np.array_equal(first, again)


def _child(midi: bytes, queue) -> None:
    queue.put(audio_stats(midi_to_ogg(midi))[0])


def test_a_forked_worker_renders():
    midi = melody_to_midi(candidate("6/8", 120))
    midi_to_ogg(midi)  # the parent holds a loaded soundfont before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_child, args=(midi, queue))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0 and queue.get(timeout=5) == pytest.approx(8.0 + TAIL_SECONDS, abs=0.05)
