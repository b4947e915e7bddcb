"""Audio previews: Standard MIDI File bytes -> OGG/Vorbis bytes, synthesised with FluidSynth, loudness-normalised.

The module that uses ``fluidsynth`` (data/__init__.py imports it quietly first), ``soundfile`` and ``pyloudnorm``.
It also reads MIDI with ``mido`` (installed as a dependency of pretty_midi): the
messages of all tracks are merged in time order with tempo changes
applied, then played into one ``fluidsynth.Synth`` (no audio driver, samples pulled with ``fluid_synth_write_float``),
so every track, program change, controller and pitch bend sounds, and channel 10 (index 9) plays drums.

The soundfont is the first of ``soundfont_candidates()`` that FluidSynth can play: MuseScore General Lite (Debian's
``musescore-general-soundfont-small``, 40 MB of Vorbis-compressed samples, an .sf3 that needs libfluidsynth built
with libsndfile, as Debian's is), else the 6 MB General MIDI ``TimGM6mb.sf2`` bundled in pretty_midi's package folder.
A soundfont counts as playable when a test note on its piano sounds, so an .sf3 FluidSynth can't decode falls back.

The soundfont is loaded once per thread with dynamic sample loading into a keeper synth that is never played: its
presets' samples are decoded on first use (the MuseScore piano ~1.4 s of CPU and ~95 MB, most other instruments
~20 ms) and stay loaded because the keeper keeps every preset it has seen selected on a channel of its own; other
threads of the process share the decoded samples (FluidSynth's sample cache: ~15 MB and ~40 ms more). Each call gets a
fresh synth (~0.3 ms) that borrows the loaded soundfont (``fluid_synth_add_sfont``) and gives it back before it is
deleted. A fresh synth per call keeps the audio exactly that of a new synth: a reused one (even after
``fluid_synth_system_reset``) plays the first milliseconds of each note a little differently depending on what it
played before. Calls may run concurrently in threads (each thread has its own soundfont, so none is shared between
threads); only creating and deleting synths is serialised. A MIDI file without notes raises ``AudioError`` rather
than rendering silence.

Loudness: every preview is brought to ``TARGET_LUFS`` integrated loudness (EBU R128 / ITU-R BS.1770-4, measured on
the mono mix with pyloudnorm) with its sample peaks at most ``CEILING_DBFS``; when the gain would push peaks over
the ceiling, a look-ahead limiter takes up to ``MAX_LIMIT_DB`` off them, and a piece that would need more stays
quieter than the target. Audio shorter than one 400 ms measuring block is peak-normalised instead; silence stays
silence.
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

import fluidsynth  # imported quietly first in data/__init__.py
import mido
import numpy as np
import soundfile

MUSESCORE_SOUNDFONT = Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3")  # musescore-general-soundfont-small
SOUNDFONT_NAME = "TimGM6mb.sf2"  # the fallback, bundled with pretty_midi
DRUM_CHANNEL = 9  # MIDI channel 10
DRUM_BANK = 128
TAIL_SECONDS = 1.0  # release and reverb after the last note-off
END_FADE_SECONDS = 0.25  # fade over the end of the tail so nothing clicks
CUT_FADE_SECONDS = 1.0  # fade-out when the piece is cut at max_seconds
TARGET_LUFS = -16.0  # integrated loudness of every preview (EBU R128 / BS.1770; what podcasts and Apple Music use)
CEILING_DBFS = -1.5  # highest sample peak before encoding: Vorbis overshoots up to ~0.7 dB when decoded (measured)
MAX_LIMIT_DB = 4.0  # the limiter takes at most this much off the loudest peaks; a piece needing more stays quieter
LIMITER_ATTACK_SECONDS = 0.005  # the gain ramps down over 5 ms before a peak ...
LIMITER_HOLD_SECONDS = 0.02  # ... stays down 20 ms past it, then ramps back up over 5 ms
LOUDNESS_BLOCK_SECONDS = 0.4  # BS.1770's gating block: shorter audio has no integrated loudness
SILENCE_PEAK = 1e-5  # -100 dBFS: too quiet to normalise
PROBE_NOTE = 60  # middle C on the piano: the note that shows a soundfont plays
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
_loaded = threading.local()  # .soundfont: this thread's _Soundfont
SOUNDFONT_LOADS = [0]  # soundfont files loaded in this process (one per rendering thread): for tests
KEEPER_CHANNELS = 256  # the keeper holds one preset per channel (GM has 128 programs and a few drum kits)


def _after_fork() -> None:
    """A forked child (a process pool worker) must not inherit a lock held by another thread of its parent."""
    global _SYNTH_LOCK
    _SYNTH_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


class AudioError(ValueError):
    """The MIDI file can't be turned into audio; the message is written for the user."""


@functools.cache
def bundled_soundfont() -> Path | None:
    """The General MIDI soundfont bundled with pretty_midi (found without importing pretty_midi), if present."""
    spec = importlib.util.find_spec("pretty_midi")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / SOUNDFONT_NAME
        if path.is_file():
            return path
    return None


def soundfont_candidates() -> list[Path]:
    """The soundfonts to try, best first: MuseScore General Lite when installed, then the bundled TimGM6mb."""
    bundled = bundled_soundfont()
    return [p for p in (MUSESCORE_SOUNDFONT, bundled) if p is not None and p.is_file()]


class _Soundfont:
    """A thread's loaded soundfont: the keeper synth that owns it and holds each preset seen selected (so their
    samples stay decoded), the ``fluid_sfont_t`` pointer that fresh synths borrow, and the file it came from."""

    def __init__(self, keeper: fluidsynth.Synth, sfid: int, sfont: int, path: Path) -> None:
        self.keeper, self.sfid, self.sfont, self.path = keeper, sfid, sfont, path
        self.held: set[tuple[int, int]] = set()  # (bank, program) selected on a keeper channel

    def hold(self, bank: int, program: int) -> None:
        """Decode a preset's samples now (if the soundfont has it) and keep them for every later synth."""
        if (bank, program) in self.held or len(self.held) >= KEEPER_CHANNELS:
            return
        self.keeper.program_select(len(self.held), self.sfid, bank, program)
        self.held.add((bank, program))

    def plays(self) -> bool:
        """Whether a piano note sounds: FluidSynth decoded the samples (an .sf3 needs libsndfile with Vorbis)."""
        self.hold(0, 0)
        frames = 2048
        out = np.zeros(2 * frames, dtype=np.float32)
        pointer = out.ctypes.data
        self.keeper.noteon(0, PROBE_NOTE, 100)
        _write_float(self.keeper.synth, frames, pointer, 0, 2, pointer, 1, 2)
        self.keeper.cc(0, 120, 0)  # all sound off: the keeper is never played again
        return bool(np.max(np.abs(out)) > SILENCE_PEAK)

    def delete(self) -> None:
        self.keeper.delete()


def _load(path: Path) -> _Soundfont | None:
    """``path`` loaded with dynamic sample loading into a new keeper synth, if FluidSynth can play it."""
    with _SYNTH_LOCK:
        keeper = fluidsynth.Synth(gain=0.5, samplerate=44100.0, channels=KEEPER_CHANNELS,
                                  **{"synth.dynamic-sample-loading": 1})
        sfid = keeper.sfload(str(path))
        sfont = _get_sfont(keeper.synth, sfid) if sfid >= 0 else None
    if not sfont:
        keeper.delete()
        return None
    loaded = _Soundfont(keeper, sfid, sfont, path)
    if not loaded.plays():
        loaded.delete()
        return None
    loaded.hold(DRUM_BANK, 0)  # every fresh synth starts with piano on its channels and the kit on channel 10
    return loaded


def _soundfont() -> _Soundfont:
    """This thread's soundfont, loaded on first use: the first of ``soundfont_candidates`` that plays."""
    held = getattr(_loaded, "soundfont", None)
    if held is None:
        candidates = soundfont_candidates()
        for path in candidates:
            held = _load(path)
            if held is not None:
                break
        if held is None:
            tried = ", ".join(map(str, candidates)) or f"{MUSESCORE_SOUNDFONT} or pretty_midi's {SOUNDFONT_NAME}"
            raise FileNotFoundError(f"FluidSynth could not play any soundfont (looked for {tried}).")
        SOUNDFONT_LOADS[0] += 1
        _loaded.soundfont = held
    return held


def soundfont_path() -> Path:
    """The soundfont this thread's audio is rendered with (loading it on first use)."""
    return _soundfont().path


def preload() -> None:
    """Load the soundfont with its piano and drums, and import pyloudnorm, now (a render worker's warm-up)."""
    _soundfont()
    import pyloudnorm  # noqa: F401  (its scipy.signal import takes ~0.6 s)


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


def _new_synth(sample_rate: int) -> fluidsynth.Synth:
    """A fresh synth playing this thread's loaded GM soundfont: piano on every channel, the standard drum kit on
    channel 10. Give it back with ``_delete_synth``."""
    loaded = _soundfont()
    with _SYNTH_LOCK:
        synth = fluidsynth.Synth(gain=0.5, samplerate=float(sample_rate), channels=16)
        sfid = _add_sfont(synth.synth, loaded.sfont)
        if sfid < 0:
            synth.delete()
            raise FileNotFoundError(f"FluidSynth could not use the soundfont {loaded.path}.")
    for channel in range(16):
        synth.program_select(channel, sfid, DRUM_BANK if channel == DRUM_CHANNEL else 0, 0)
    return synth


def _delete_synth(synth: fluidsynth.Synth) -> None:
    """Take the borrowed soundfont back (the thread's keeper still holds it), then delete the synth."""
    with _SYNTH_LOCK:
        _remove_sfont(synth.synth, _loaded.soundfont.sfont)
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
    loaded = _soundfont()
    for _, message in events:  # decode each instrument's samples once per thread, not once per file
        if message.type == "program_change":
            loaded.hold(DRUM_BANK if message.channel == DRUM_CHANNEL else 0, message.program)
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
        curve = 0.5 + 0.5 * np.cos(np.linspace(0.0, math.pi, frames, dtype=np.float32))
        audio[-frames:] *= curve.reshape((frames,) + (1,) * (audio.ndim - 1))


def loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated), summed over the channels of ``audio`` (frames[,
    channels]); -inf for silence or audio shorter than one 400 ms block."""
    if len(audio) < math.ceil(LOUDNESS_BLOCK_SECONDS * sample_rate) or not np.any(audio):
        return -math.inf
    import pyloudnorm  # here, not at the top: its scipy.signal import costs ~0.6 s that only audio should pay

    value = float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio))
    return value if math.isfinite(value) else -math.inf


def _limit(audio: np.ndarray, sample_rate: int, ceiling: float) -> None:
    """Bring every sample of mono ``audio`` to at most ``ceiling`` (linear) in place with a smooth gain: each
    sample's needed gain is held for attack + hold on both sides (a minimum filter), then averaged over the attack
    (a box filter). Every average is over values no higher than the gain needed where it is applied, so no sample
    ends above the ceiling, and the gain ramps over 5 ms instead of jumping."""
    level = np.abs(audio)
    if float(level.max()) <= ceiling:
        return
    from scipy.ndimage import minimum_filter1d, uniform_filter1d  # here: only limited audio pays its import

    need = np.minimum(1.0, ceiling / np.maximum(level, SILENCE_PEAK)).astype(np.float32)
    attack = max(1, round(LIMITER_ATTACK_SECONDS * sample_rate))
    hold = round(LIMITER_HOLD_SECONDS * sample_rate)
    gain = uniform_filter1d(minimum_filter1d(need, size=2 * (attack + hold) + 1, mode="nearest"), size=attack,
                            mode="nearest")
    audio *= np.minimum(gain, need * 1.0001)  # float rounding in the box filter: never above the ceiling


def normalise(audio: np.ndarray, sample_rate: int) -> None:
    """Bring mono ``audio`` (frames,) to ``TARGET_LUFS`` in place, sample peaks at most ``CEILING_DBFS``.

    The gain is the target minus the measured loudness, but at most what would put the peak ``MAX_LIMIT_DB``
    over the ceiling; the limiter then takes the peaks down to the ceiling. Audio too short to measure is
    brought to the ceiling by its peak; silence is left alone.
    """
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= SILENCE_PEAK:
        return
    audio *= np.float32(10 ** (CEILING_DBFS / 20) / peak)  # first the peak to the ceiling, so that BS.1770's
    level = loudness(audio, sample_rate)  # absolute gate (-70 LUFS) does not mistake a very quiet file for silence
    if level > -math.inf:
        audio *= np.float32(10 ** (min(TARGET_LUFS - level, MAX_LIMIT_DB) / 20))
    _limit(audio, sample_rate, 10 ** (CEILING_DBFS / 20))


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

    The audio lasts until the last note-off plus a ~1 s release tail, is cut at ``max_seconds`` with a short
    fade-out, and is normalised to ``TARGET_LUFS`` with peaks at most ``CEILING_DBFS`` (see ``normalise``).
    Raises ``AudioError`` for unreadable or note-less MIDI.
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
    mono = stereo.mean(axis=1)
    _fade_out(mono, round((CUT_FADE_SECONDS if cut else END_FADE_SECONDS) * sample_rate))
    normalise(mono, sample_rate)
    return _encode_ogg(mono[:, None], sample_rate)


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


def audio_loudness(ogg: bytes) -> float:
    """Integrated loudness in LUFS of encoded audio (-inf for silence or under 0.4 s)."""
    audio, sample_rate = decode_ogg(ogg)
    return loudness(audio, sample_rate)
