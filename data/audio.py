"""Audio previews: Standard MIDI File bytes -> OGG/Vorbis bytes, synthesised with FluidSynth.

The only module that imports ``fluidsynth`` and ``soundfile``. It also reads MIDI with ``mido`` (installed as
a dependency of pretty_midi): the messages of all tracks are merged in time order with tempo changes applied,
then played into one ``fluidsynth.Synth`` (no audio driver, samples pulled with ``fluid_synth_write_float``),
so every track, program change, controller and pitch bend sounds, and channel 10 (index 9) plays drums.
The soundfont is the General MIDI ``TimGM6mb.sf2`` bundled in pretty_midi's package folder.

The soundfont is loaded once per thread (~20 ms, the first time a thread renders) into a synth kept for that
purpose, and each call gets a fresh synth (~0.3 ms) that borrows the loaded soundfont (``fluid_synth_add_sfont``)
and gives it back before it is deleted. A fresh synth per call keeps the audio exactly that of a new synth: a
reused one (even after ``fluid_synth_system_reset``) plays the first milliseconds of each note a little
differently depending on what it played before. Calls may run concurrently in threads (each thread has its own
soundfont, so none is shared between threads); only creating and deleting synths is serialised. A MIDI file
without notes raises ``AudioError`` rather than rendering silence.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import io
import math
import os
import threading
from pathlib import Path

import fluidsynth
import mido
import numpy as np
import soundfile

SOUNDFONT_NAME = "TimGM6mb.sf2"
DRUM_CHANNEL = 9  # MIDI channel 10
DRUM_BANK = 128
TAIL_SECONDS = 1.0  # release and reverb after the last note-off
END_FADE_SECONDS = 0.25  # fade over the end of the tail so nothing clicks
CUT_FADE_SECONDS = 1.0  # fade-out when the piece is cut at max_seconds
TARGET_PEAK_DBFS = -1.0
SILENCE_PEAK = 1e-5  # -100 dBFS: too quiet to normalise
MAX_SYNTH_BYTES = 4 * 1024 * 1024
ENCODE_BLOCK = 16384  # frames per Vorbis write: libvorbis overflows its stack on very large writes
VORBIS_QUALITY = 0.6  # soundfile's compression_level: 0 = best quality, 1 = smallest

# fluid_synth_write_float(synth, len, lout, loff, lincr, rout, roff, rincr): not wrapped by pyfluidsynth.
_write_float = fluidsynth.cfunc(
    "fluid_synth_write_float",
    ctypes.c_int,
    ("synth", ctypes.c_void_p, 1),
    ("len", ctypes.c_int, 1),
    ("lout", ctypes.c_void_p, 1),
    ("loff", ctypes.c_int, 1),
    ("lincr", ctypes.c_int, 1),
    ("rout", ctypes.c_void_p, 1),
    ("roff", ctypes.c_int, 1),
    ("rincr", ctypes.c_int, 1),
)
_set_log_function = fluidsynth.cfunc(
    "fluid_set_log_function",
    ctypes.c_void_p,
    ("level", ctypes.c_int, 1),
    ("fun", ctypes.c_void_p, 1),
    ("data", ctypes.c_void_p, 1),
)
if _set_log_function is not None:  # keep FluidSynth's warnings (missing presets ...) off stderr
    for _level in range(1, 5):  # FLUID_ERR .. FLUID_DBG; FLUID_PANIC stays on
        _set_log_function(_level, None, None)

# fluid_synth_add_sfont(synth, sfont) and fluid_synth_remove_sfont(synth, sfont): lend a loaded soundfont to a
# synth and take it back (a synth deletes the soundfonts in its stack when it is deleted); not wrapped either.
_get_sfont = fluidsynth.cfunc("fluid_synth_get_sfont_by_id", ctypes.c_void_p, ("synth", ctypes.c_void_p, 1),
                              ("id", ctypes.c_int, 1))
_add_sfont = fluidsynth.cfunc("fluid_synth_add_sfont", ctypes.c_int, ("synth", ctypes.c_void_p, 1),
                              ("sfont", ctypes.c_void_p, 1))
_remove_sfont = fluidsynth.cfunc("fluid_synth_remove_sfont", ctypes.c_int, ("synth", ctypes.c_void_p, 1),
                                 ("sfont", ctypes.c_void_p, 1))

_SYNTH_LOCK = threading.Lock()  # libfluidsynth initialises global tables on first use without a lock
_loaded = threading.local()  # .soundfont: this thread's (keeper synth, loaded soundfont pointer)
SOUNDFONT_LOADS = [0]  # soundfont files loaded in this process (one per rendering thread): for tests


def _after_fork() -> None:
    """A forked child (a process pool worker) must not inherit a lock held by another thread of its parent."""
    global _SYNTH_LOCK
    _SYNTH_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


class AudioError(ValueError):
    """The MIDI file can't be turned into audio; the message is written for the user."""


@functools.cache
def soundfont_path() -> Path:
    """Path of the General MIDI soundfont bundled with pretty_midi (found without importing pretty_midi)."""
    spec = importlib.util.find_spec("pretty_midi")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / SOUNDFONT_NAME
        if path.is_file():
            return path
    raise FileNotFoundError(f"The General MIDI soundfont {SOUNDFONT_NAME} (bundled with pretty_midi) is missing.")


def _read_events(midi: bytes, max_seconds: float) -> list[tuple[float, mido.Message]]:
    """(seconds, message) for every channel message up to ``max_seconds``, all tracks merged, tempo applied."""
    if not midi:
        raise AudioError("That MIDI file is empty.")
    if len(midi) > MAX_SYNTH_BYTES:
        raise AudioError(f"That MIDI file is too large to play (over {MAX_SYNTH_BYTES // (1024 * 1024)} MB).")
    events: list[tuple[float, mido.Message]] = []
    now, cut = 0.0, False
    try:
        song = mido.MidiFile(file=io.BytesIO(midi), clip=True)
        for message in song:  # merged tracks, ``time`` is the delta in seconds
            now += message.time
            if now > max_seconds:
                cut = True
                break
            if not message.is_meta and message.type != "sysex":
                events.append((now, message))
    except Exception as exc:  # mido raises OSError, EOFError, KeyError, TypeError ... on broken files
        raise AudioError("I can't read that MIDI file: it looks damaged or isn't a Standard MIDI File.") from exc
    if not any(msg.type == "note_on" and msg.velocity > 0 for _, msg in events):
        where = f" in its first {max_seconds:g} seconds" if cut else ""
        raise AudioError(f"That MIDI file has no notes to play{where}.")
    return events


def _soundfont() -> int:
    """This thread's loaded GM soundfont (a ``fluid_sfont_t`` pointer), loaded on first use into a keeper synth
    that is never played."""
    held = getattr(_loaded, "soundfont", None)
    if held is None:
        with _SYNTH_LOCK:
            keeper = fluidsynth.Synth(gain=0.5, samplerate=44100.0, channels=16)
            sfid = keeper.sfload(str(soundfont_path()))
            sfont = _get_sfont(keeper.synth, sfid) if sfid >= 0 else None
            if not sfont:
                keeper.delete()
                raise FileNotFoundError(f"FluidSynth could not load the soundfont {soundfont_path()}.")
            SOUNDFONT_LOADS[0] += 1
        held = _loaded.soundfont = (keeper, sfont)
    return held[1]


def _new_synth(sample_rate: int) -> fluidsynth.Synth:
    """A fresh synth playing this thread's loaded GM soundfont: piano on every channel, the standard drum kit on
    channel 10. Give it back with ``_delete_synth``."""
    sfont = _soundfont()
    with _SYNTH_LOCK:
        synth = fluidsynth.Synth(gain=0.5, samplerate=float(sample_rate), channels=16)
        sfid = _add_sfont(synth.synth, sfont)
        if sfid < 0:
            synth.delete()
            raise FileNotFoundError(f"FluidSynth could not use the soundfont {soundfont_path()}.")
    for channel in range(16):
        synth.program_select(channel, sfid, DRUM_BANK if channel == DRUM_CHANNEL else 0, 0)
    return synth


def _delete_synth(synth: fluidsynth.Synth) -> None:
    """Take the borrowed soundfont back (the thread's keeper still holds it), then delete the synth."""
    with _SYNTH_LOCK:
        _remove_sfont(synth.synth, _loaded.soundfont[1])
        synth.delete()


def _send(synth: fluidsynth.Synth, message: mido.Message) -> None:
    """Play one channel message on the synth."""
    kind, channel = message.type, getattr(message, "channel", 0)
    if kind == "note_on":
        synth.noteon(channel, message.note, message.velocity)
    elif kind == "note_off":
        synth.noteoff(channel, message.note)
    elif kind == "control_change":
        synth.cc(channel, message.control, message.value)
    elif kind == "program_change":
        synth.program_change(channel, message.program)
    elif kind == "pitchwheel":
        synth.pitch_bend(channel, message.pitch)


def _synthesise(events: list[tuple[float, mido.Message]], sample_rate: int, seconds: float) -> np.ndarray:
    """Render ``seconds`` of stereo float audio, shape (frames, 2), playing each event at its sample."""
    frames = round(seconds * sample_rate)
    out = np.zeros((frames, 2), dtype=np.float32)  # interleaved: left at stride 2, right at stride 2 + 1
    pointer = out.ctypes.data
    synth = _new_synth(sample_rate)
    try:
        done = 0
        for when, message in events:
            target = min(round(when * sample_rate), frames)
            if target > done:
                _write_float(synth.synth, target - done, pointer, 2 * done, 2, pointer, 2 * done + 1, 2)
                done = target
            _send(synth, message)
        if frames > done:
            _write_float(synth.synth, frames - done, pointer, 2 * done, 2, pointer, 2 * done + 1, 2)
    finally:
        _delete_synth(synth)
    return out


def _fade_out(audio: np.ndarray, frames: int) -> None:
    """Fade the last ``frames`` samples to silence in place (a raised-cosine curve)."""
    frames = min(frames, len(audio))
    if frames > 0:
        audio[-frames:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, frames, dtype=np.float32)))[:, None]


def _encode_ogg(audio: np.ndarray, sample_rate: int) -> bytes:
    """Float audio (frames, channels) -> OGG/Vorbis bytes, written in blocks."""
    buffer = io.BytesIO()
    with soundfile.SoundFile(
        buffer,
        mode="w",
        samplerate=sample_rate,
        channels=audio.shape[1],
        format="OGG",
        subtype="VORBIS",
        compression_level=VORBIS_QUALITY,
    ) as ogg:
        for start in range(0, len(audio), ENCODE_BLOCK):
            ogg.write(audio[start : start + ENCODE_BLOCK])
    return buffer.getvalue()


def midi_to_ogg(midi: bytes, sample_rate: int = 22050, max_seconds: float = 120.0) -> bytes:
    """Synthesise a Standard MIDI File with the GM soundfont into mono OGG/Vorbis bytes.

    The audio lasts until the last note-off plus a ~1 s release tail, is normalised to a -1 dBFS peak, and
    is cut at ``max_seconds`` with a short fade-out. Raises ``AudioError`` for unreadable or note-less MIDI.
    """
    if not 8000 <= sample_rate <= 96000:
        raise ValueError(f"sample_rate must be between 8000 and 96000 Hz, not {sample_rate}")
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive, not {max_seconds}")
    events = _read_events(midi, max_seconds)
    last = max(when for when, _ in events)
    cut = last + TAIL_SECONDS > max_seconds
    seconds = max_seconds if cut else last + TAIL_SECONDS
    stereo = _synthesise(events, sample_rate, seconds)
    mono = stereo.mean(axis=1, keepdims=True)
    peak = float(np.max(np.abs(mono)))
    if peak > SILENCE_PEAK:  # quiet input is brought up, loud input down; silence stays silence
        mono *= 10 ** (TARGET_PEAK_DBFS / 20) / peak
    _fade_out(mono, round((CUT_FADE_SECONDS if cut else END_FADE_SECONDS) * sample_rate))
    return _encode_ogg(mono, sample_rate)


def decode_ogg(ogg: bytes) -> tuple[np.ndarray, int]:
    """Encoded audio -> (float32 samples shaped (frames, channels), sample rate)."""
    try:
        audio, sample_rate = soundfile.read(io.BytesIO(ogg), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioError("That isn't audio I can read.") from exc
    return audio, sample_rate


def audio_stats(ogg: bytes) -> tuple[float, float]:
    """(duration in seconds, peak level in dBFS; -inf for silence) of encoded audio."""
    audio, sample_rate = decode_ogg(ogg)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return len(audio) / sample_rate, 20 * math.log10(peak) if peak > 0 else -math.inf
