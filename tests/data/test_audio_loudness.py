"""The audio previews' sound: the MuseScore soundfont when it is installed (a fallback when FluidSynth can't play it),
every preview at the same loudness (EBU R128), and nothing that clips."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import mido
import numpy as np
import pytest

from data import audio
from data.audio import (
    CEILING_DBFS,
    MUSESCORE_SOUNDFONT,
    TARGET_LUFS,
    audio_loudness,
    audio_stats,
    bundled_soundfont,
    midi_to_ogg,
    normalise,
    soundfont_path,
)
from data.events import Key, Melody, Meter
from data.midi import melody_to_midi
from data.tunes import load_index

T = TypeVar("T")


def in_new_thread(work: Callable[[], T]) -> T:
    """``work()`` in a thread of its own, so it loads its own soundfont."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    assert result, "the thread raised"
    return result[0]


def corpus_melodies() -> list[Melody]:
    """Three folk tunes from the committed corpus index, one per meter, as the bot would play them."""
    out = []
    for meter in ("4/4", "6/8", "3/4"):
        tune = next(t for t in load_index() if t.meter == meter and t.mode in ("major", "minor"))
        out.append(Melody(tune.notes[:48], Key.parse(f"C {tune.mode}"), Meter.parse(meter), tune.tempo))
    return out


def smf(*tracks: list[mido.Message]) -> bytes:
    song = mido.MidiFile(type=1)
    song.tracks.extend(mido.MidiTrack(t) for t in tracks)
    buffer = io.BytesIO()
    song.save(file=buffer)
    return buffer.getvalue()


@pytest.mark.skipif(not MUSESCORE_SOUNDFONT.is_file(), reason="musescore-general-soundfont-small isn't installed")
def test_the_musescore_soundfont_is_used_when_installed() -> None:
    assert soundfont_path() == MUSESCORE_SOUNDFONT
    assert audio_stats(midi_to_ogg(melody_to_midi(corpus_melodies()[0])))[0] > 5  # and FluidSynth plays it


def test_a_soundfont_fluidsynth_cannot_play_falls_back_to_the_bundled_one(tmp_path: Path, monkeypatch) -> None:
    """A soundfont whose samples don't decode (here: TimGM6mb with its sample data zeroed, so it loads but stays
    silent, as an .sf3 does with a FluidSynth built without Vorbis) is skipped for the next one that plays."""
    bundled = bundled_soundfont()
    assert bundled is not None
    data = bytearray(bundled.read_bytes())
    start, end = data.index(b"smpl") + 8, data.index(b"pdta")
    data[start:end] = bytes(end - start)
    silent = tmp_path / "silent.sf3"
    silent.write_bytes(bytes(data))
    monkeypatch.setattr(audio, "MUSESCORE_SOUNDFONT", silent)
    used, ogg = in_new_thread(lambda: (soundfont_path(), midi_to_ogg(melody_to_midi(corpus_melodies()[1]))))
    assert used == bundled
    assert audio_loudness(ogg) == pytest.approx(TARGET_LUFS, abs=1.0)


def test_no_playable_soundfont_says_what_was_looked_for(tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken.sf3"
    broken.write_bytes(b"RIFF" + bytes(200))
    monkeypatch.setattr(audio, "MUSESCORE_SOUNDFONT", broken)
    monkeypatch.setattr(audio, "bundled_soundfont", lambda: None)

    def render() -> str:
        try:
            midi_to_ogg(melody_to_midi(corpus_melodies()[2]))
        except FileNotFoundError as exc:
            return str(exc)
        return "rendered"

    assert str(broken) in in_new_thread(render)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["4/4", "6/8", "3/4"])
def test_a_melody_preview_is_at_the_target_loudness_and_never_clips(index: int) -> None:
    ogg = midi_to_ogg(melody_to_midi(corpus_melodies()[index]))
    _, peak = audio_stats(ogg)
    assert audio_loudness(ogg) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert peak < 0.0


def band(velocity: int) -> bytes:
    """Two bars of strings, bass, piano chords and drums at one velocity: a dense mix with loud peaks."""
    tracks = []
    for channel, program, notes in ((0, 48, [48, 55, 64, 72]), (1, 33, [36]), (2, 0, [60, 64, 67, 72, 76])):
        track = [mido.Message("program_change", channel=channel, program=program)]
        for _ in range(4):
            track += [mido.Message("note_on", channel=channel, note=n, velocity=velocity) for n in notes]
            track += [mido.Message("note_off", channel=channel, note=n, time=960 if i == 0 else 0)
                      for i, n in enumerate(notes)]
        tracks.append(track)
    hits = []
    for beat in range(8):
        hits += [mido.Message("note_on", channel=9, note=n, velocity=velocity) for n in (36, 49 if beat == 0 else 42)]
        hits += [mido.Message("note_off", channel=9, note=36, time=480), mido.Message("note_off", channel=9, note=42)]
    return smf(*tracks, hits)


def test_a_quiet_mix_and_a_loud_mix_come_out_equally_loud() -> None:
    quiet, loud = midi_to_ogg(band(20)), midi_to_ogg(band(127))
    assert audio_loudness(quiet) == pytest.approx(audio_loudness(loud), abs=0.5)
    assert audio_loudness(loud) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert max(audio_stats(quiet)[1], audio_stats(loud)[1]) < 0.0


def test_a_loud_hit_over_quiet_music_is_limited_not_clipped() -> None:
    """A crash at full velocity over a soft pad: bringing the pad to the target would push the crash far over full
    scale; the limiter takes a few dB off it and the rest of the gain is given up, so the preview is quieter."""
    pad = [mido.Message("program_change", program=89), mido.Message("note_on", note=60, velocity=15),
           mido.Message("note_off", note=60, time=480 * 16)]
    crash = [mido.Message("note_on", channel=9, note=49, velocity=127, time=480 * 8),
             mido.Message("note_off", channel=9, note=49, time=480)]
    ogg = midi_to_ogg(smf(pad, crash))
    _, peak = audio_stats(ogg)
    assert peak < 0.0
    assert audio_loudness(ogg) <= TARGET_LUFS + 1.0


def test_audio_too_short_to_measure_is_brought_to_the_ceiling_by_its_peak() -> None:
    rate = 22050
    tone = (0.01 * np.sin(np.linspace(0, 2 * math.pi * 440 * 0.2, round(0.2 * rate)))).astype(np.float32)
    normalise(tone, rate)  # 0.2 s: shorter than the 400 ms block loudness is measured over
    assert 20 * math.log10(float(np.max(np.abs(tone)))) == pytest.approx(CEILING_DBFS, abs=0.05)
    ogg = midi_to_ogg(smf([mido.Message("note_on", note=72, velocity=90)]), max_seconds=0.3)  # cut at 0.3 s
    assert audio_stats(ogg)[0] == pytest.approx(0.3, abs=0.01) and audio_stats(ogg)[1] < 0.0


def test_silence_stays_silence() -> None:
    silence = np.zeros(22050, dtype=np.float32)
    normalise(silence, 22050)
    assert not np.any(silence)

