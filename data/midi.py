"""The only module that imports pretty_midi: Melody <-> Standard MIDI File bytes, and uploads -> seeds."""

from __future__ import annotations

import io
import struct
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pretty_midi

from data.errors import MusicError, opt
from data.events import PIANO_HIGH, PIANO_LOW, TPQ, Key, Melody, Meter, Note
from data.midi_voices import HORIZON_BEATS, MAX_NOTE_TICKS, Grid, Part, Scan, lengths, melody_part, top_line
from data.musicxml_upload import is_musicxml, scan_musicxml

PROGRAM_PIANO = 0


def _seconds_per_tick(bpm: float, meter: Meter) -> float:
    """At ``bpm`` felt beats per minute (dotted quarters in 6/8); the file's tempo event counts quarters."""
    return 60.0 / meter.quarter_bpm(bpm) / TPQ


def _add_signatures(pm: pretty_midi.PrettyMIDI, meter: Meter, key: Key) -> None:
    """The time signature, and the key signature: MIDI knows only major and minor, so a mode is written as its
    parent major or that major's relative minor (D dorian -> A minor's signature, no sharps or flats)."""
    pm.time_signature_changes.append(pretty_midi.TimeSignature(meter.numerator, meter.denominator, 0))
    minor_like = key.mode in ("minor", "dorian", "phrygian", "locrian")
    key_number = (key.parent_major + 9) % 12 + 12 if minor_like else key.parent_major
    pm.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0))


def melody_to_midi(
    melody: Melody, program: int = PROGRAM_PIANO, name: str = "Melody", lyrics: list[str | None] | None = None,
    full_first_bar: bool = True,
) -> bytes:
    """A one-track MIDI file with tempo (in quarters: 6/8 at 100 is quarter = 150), time signature and key
    signature meta events.

    ``lyrics`` (one text or None per note) become lyric meta events at the notes' onsets, UTF-8 encoded
    (karaoke style: DAWs and MuseScore show them; read them back with ``midi_lyrics``).

    MIDI has no pickups: a melody with one starts ``melody.start`` ticks into a full first bar (a rest before it),
    so every DAW's bar lines, click and quantise grid fall on the tune's downbeats — even one that ignores time
    signature changes, which a short first bar would need — and ``seed_from_midi`` reads the pickup back.
    ``full_first_bar=False`` starts the first note at 0 instead (an audio preview with no silence first).
    Each note sounds for ``melody.gate`` of its written length (articulation: legato 1, staccato about half).
    """
    pm = pretty_midi.PrettyMIDI(initial_tempo=melody.meter.quarter_bpm(melody.tempo))
    seconds_per_tick = _seconds_per_tick(melody.tempo, melody.meter)
    instrument = pretty_midi.Instrument(program=program, name=name)
    now = melody.start if full_first_bar else 0
    texts = list(lyrics or [])
    for i, note in enumerate(melody.notes):
        if note.pitch is not None:
            start, end = now * seconds_per_tick, (now + note.ticks * melody.gate) * seconds_per_tick
            instrument.notes.append(pretty_midi.Note(velocity=90, pitch=note.pitch, start=start, end=end))
            if i < len(texts) and texts[i]:
                pm.lyrics.append(lyric_event(texts[i], start))
        now += note.ticks
    pm.instruments.append(instrument)
    _add_signatures(pm, melody.meter, melody.key)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def midi_lyrics(data: bytes) -> list[tuple[float, str]]:
    """(seconds, text) of every lyric meta event in a MIDI file, decoded as UTF-8."""
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    return [(lyric.time, lyric_text(lyric)) for lyric in pm.lyrics]


def lyric_event(text: str, seconds: float) -> pretty_midi.Lyric:
    """A lyric meta event whose bytes are ``text`` in UTF-8 (mido writes meta text as latin-1: it passes through)."""
    return pretty_midi.Lyric(text.encode("utf-8").decode("latin-1"), seconds)


def lyric_text(lyric: pretty_midi.Lyric) -> str:
    """A lyric event's text read as UTF-8 (mido reads meta text as latin-1)."""
    return lyric.text.encode("latin-1", "replace").decode("utf-8", "replace")


def midi_notes(data: bytes) -> list[tuple[int, float, float]]:
    """(pitch, start seconds, end seconds) of every note in a MIDI file, in time order."""
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    notes = [(n.pitch, n.start, n.end) for inst in pm.instruments for n in inst.notes]
    return sorted(notes, key=lambda n: (n[1], -n[0]))


# ---- MIDI file as seed ----------------------------------------------------------------------
# Uploads are read by a small bounded scanner over the raw bytes, not by pretty_midi/mido: those
# build a Python object per event (seconds for a dense 1 MB file), and pretty_midi allocates an
# array as long as the last tick, which one hostile delta time makes gigantic. Everything below
# is in the file's own ticks per quarter note, so tempo never affects the rhythm. Seed durations
# are ones the notation spells in one token (s e e. q q. h h. w w.), so a seed echoed with
# ``format_notes`` parses back to the same notes and the model's vocabulary needs no snapping.

MAX_MIDI_BYTES = 1_000_000
MAX_MIDI_TRACKS = 64
DRUM_CHANNEL = 9  # channel 10, counting from 1
TEMPO_RANGE = (30, 300)  # what the bot accepts; tempos within a factor of two are clamped, wilder ones dropped
_UPLOAD = "Upload a .mid file, a MusicXML score (.musicxml, .mxl) or an ABC tune (.abc), or type notes like `C E G`."
_DAMAGED = (
    "That MIDI file is damaged or cut off, so I can't read it. Export it again from your music program, "
    "or type notes like `C E G`."
)


@dataclass(frozen=True)
class MidiSeed:
    """The melody line of an uploaded MIDI or MusicXML file, quantised to sixteenths or triplets, ready to continue."""

    notes: tuple[Note, ...]
    meter: Meter | None
    tempo: int | None  # felt beats per minute of ``meter`` (of 4/4 without one): 6/8 at quarter = 150 reads 100
    track_name: str
    tracks: tuple[str, ...]  # the usable (pitched) tracks, described; ``track=i`` picks ``tracks[i]``
    dropped: int = 0  # pitched notes of the line after the first ``max_notes`` notes, left out
    start: int = 0  # where the first note starts in the file (our ticks, leading silence included)
    track_index: int = 0  # which of ``tracks`` the melody was read from
    origin: int = 0  # a tick (ours, from the file's start) a bar line falls on: after a short pickup bar, its end
    fifths: int | None = None  # the file's key signature (sharps; flats < 0) where it says more than C major's
    unit: str = "track"  # what the file calls its parts: a MusicXML score has parts
    minor: bool = False  # the key signature says minor (the relative minor of ``fifths``)

    def opening(self, meter: Meter, max_notes: int = 64) -> tuple[tuple[Note, ...], int]:
        """The notes and their pickup in ``meter`` (bars counted from ``origin``).

        A first note after a downbeat starts a pickup that lasts to the next bar line. Where no note ends on that bar
        line (one is held over it, or the notes stop before it) the bar line can't be typed, so the bar is filled
        with rests before the first note instead (the last notes make room for them past ``max_notes``): the
        downbeats stay where the file has them either way.
        """
        bar = meter.bar_ticks
        pickup = (self.origin - self.start) % bar
        ends, now = set(), 0
        for note in self.notes:
            now += note.ticks
            ends.add(now)
        if not pickup or pickup in ends:
            return self.notes, pickup
        rests = [Note(None, ticks) for ticks in lengths(0, bar - pickup)]
        notes = [*rests, *self.notes][: max(max_notes, len(rests) + 1)]
        while notes[-1].is_rest:
            notes.pop()
        return tuple(notes), 0

    def tempo_in(self, meter: Meter) -> int | None:
        """The file's speed in felt beats per minute of ``meter`` (a meter given instead of the file's)."""
        if self.tempo is None:
            return None
        low, high = TEMPO_RANGE
        return min(max(round(meter.beat_bpm((self.meter or Meter()).quarter_bpm(self.tempo))), low), high)


class _Corrupt(Exception):
    """The bytes break the Standard MIDI File structure."""


def _varint(chunk: bytes, pos: int) -> tuple[int, int]:
    """A variable-length quantity (at most 4 bytes, as the standard says) -> (value, next position)."""
    value = 0
    for i in range(pos, pos + 4):
        byte = chunk[i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + 1
    raise _Corrupt


def _text(raw: bytes) -> str:
    """A name from the file, printable, short and free of backticks."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text[:200]).split())
    return text[:40].replace("`", "'")


def _scan_track(scan: Scan, index: int, chunk: bytes) -> None:
    """Collect the notes, first tempo and first time signature of one MTrk chunk's body.

    Reading past the chunk raises IndexError, which the caller reports as a damaged file.
    """
    horizon = HORIZON_BEATS * scan.division
    tick = running = pos = 0
    size = len(chunk)
    name = ""
    programs = [0] * 16
    first_program: dict[int, int] = {}  # channel -> its program at its first note
    notes: list[list[tuple[int, int, int]]] = [[] for _ in range(16)]
    sounding: dict[int, deque[int]] = {}  # channel << 7 | pitch -> start ticks, oldest first
    while pos < size:
        byte = chunk[pos]
        if byte < 0x80:
            tick, pos = tick + byte, pos + 1
        else:
            delta, pos = _varint(chunk, pos)
            tick += delta
        status = chunk[pos]
        if status >= 0x80:
            pos += 1
            if status < 0xF0:
                running = status
        elif running:
            status = running  # running status, kept across meta and sysex events as mido does
        else:
            raise _Corrupt  # a data byte with no status to apply it to
        if status < 0xF0:  # channel message
            kind, channel, data1 = status & 0xF0, status & 0x0F, chunk[pos]
            if kind in (0xC0, 0xD0):
                pos += 1
                if data1 >= 0x80:
                    raise _Corrupt
                if kind == 0xC0:
                    programs[channel] = data1
                continue
            data2, pos = chunk[pos + 1], pos + 2
            if (data1 | data2) >= 0x80:
                raise _Corrupt
            key = channel << 7 | data1
            if kind == 0x90 and data2:
                if tick > horizon:
                    scan.late_notes += 1
                    break
                if key not in sounding:
                    sounding[key] = deque()
                sounding[key].append(tick)
                first_program.setdefault(channel, programs[channel])
            elif kind in (0x80, 0x90) and sounding.get(key):
                notes[channel].append((sounding[key].popleft(), tick, data1))
        elif status == 0xFF:  # meta event
            kind = chunk[pos]
            length, pos = _varint(chunk, pos + 1)
            body, pos = chunk[pos : pos + length], pos + length
            if pos > size:
                raise _Corrupt
            if kind == 0x2F:  # end of track
                break
            if kind in (0x03, 0x04) and not name:  # track name, instrument name
                name = _text(body)
            elif kind == 0x51 and length == 3 and (scan.tempo is None or tick < scan.tempo[0]):
                scan.tempo = (tick, int.from_bytes(body, "big"))
            elif kind == 0x58 and length >= 2:
                scan.meters.append((tick, body[0], body[1]))
            elif kind == 0x59 and length == 2 and (scan.signature is None or tick < scan.signature[0]):
                scan.signature = (tick, int.from_bytes(body[:1], "big", signed=True), body[1])
        elif status in (0xF0, 0xF7):  # sysex
            length, pos = _varint(chunk, pos)
            pos += length
            if pos > size:
                raise _Corrupt
        else:
            raise _Corrupt  # system common and real-time messages have no place in a file
    for key, starts in sounding.items():  # never released: held to where the track stops
        notes[key >> 7].extend((start, min(tick, horizon), key & 0x7F) for start in starts)
    scan.drum_notes += len(notes[DRUM_CHANNEL])
    for channel, found in enumerate(notes):
        if found and channel != DRUM_CHANNEL:
            scan.parts[(index, channel)] = Part(name, first_program.get(channel, 0), found)


def check_midi_size(size: int) -> None:
    """The one size limit on a MIDI or MusicXML file given as a melody (uploaded or named on the command line)."""
    if size > MAX_MIDI_BYTES:
        raise MusicError(f"Melody files must be under {MAX_MIDI_BYTES // 1_000_000} MB. Give me just the melody as a "
                         f"short .mid or .mxl file, or type notes like {opt('notes', 'C E G')}.", "midi")


def scan_file(data: bytes) -> Scan:
    """Check the header, then scan every track (a MusicXML score's parts: ``data.musicxml_upload``); raises
    MusicError for anything unreadable."""
    if not data:
        raise MusicError(f"That file is empty. {_UPLOAD}")
    check_midi_size(len(data))
    if is_musicxml(data):
        return scan_musicxml(data)
    if data[:4] != b"MThd":
        raise MusicError(f"{_what_file(data)} {_UPLOAD}")
    if len(data) < 14:
        raise MusicError(_DAMAGED)
    header_size, midi_format, n_tracks, division = struct.unpack_from(">LHHH", data, 4)
    if midi_format > 2 or len(data) < 8 + header_size + 8 * n_tracks:  # no room for the tracks it says it has
        raise MusicError(_DAMAGED)
    if n_tracks > MAX_MIDI_TRACKS:
        raise MusicError(
            f"That MIDI file says it has {n_tracks} tracks; I read at most {MAX_MIDI_TRACKS}. "
            f"Export just the melody track as a .mid file, or type notes like `C E G`."
        )
    if division & 0x8000:
        raise MusicError(
            "That MIDI file counts time in SMPTE frames, not beats, so I can't find its rhythm. "
            "Export it with musical (bars and beats) timing, or type notes like `C E G`."
        )
    if header_size < 6 or division == 0:
        raise MusicError(_DAMAGED)
    scan = Scan(division)
    pos, index = 8 + header_size, 0
    while index < n_tracks:  # chunks other than MTrk are skipped, as the standard asks
        chunk_type, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        start, pos = pos + 8, pos + 8 + size
        if pos > len(data):
            raise MusicError(_DAMAGED)
        if chunk_type == b"MTrk":
            try:
                _scan_track(scan, index, data[start:pos])
            except (_Corrupt, IndexError):
                raise MusicError(_DAMAGED) from None
            index += 1
    return scan


_RECORDINGS = (b"RIFF", b"ID3", b"OggS", b"fLaC", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"FORM")
_PICTURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def _what_file(data: bytes) -> str:
    """Why an upload is not a melody file: a recording or a picture of music says so, anything else that it isn't
    one."""
    if data.startswith(_RECORDINGS) or data[4:8] == b"ftyp":  # WAV, MP3, OGG, FLAC, AIFF, M4A
        return ("That's a recording: I read notes, not sound. Export the melody as MIDI from your DAW or notation "
                "program, or play it into one and export that.")
    if data.startswith(_PICTURES):
        return ("That's a picture or PDF of music: I read notes, not images. Export the score as MusicXML or MIDI "
                "from your notation program.")
    return "That file isn't a MIDI file, a MusicXML score or an ABC tune."


def _in_range(pitch: int) -> int:
    """Move a pitch by octaves onto the piano (A0-C8)."""
    while pitch < PIANO_LOW:
        pitch += 12
    while pitch > PIANO_HIGH:
        pitch -= 12
    return pitch


def file_tempo(microseconds: int | None, meter: Meter) -> int | None:
    """Felt beats per minute of ``meter`` (a MIDI tempo counts quarter notes), clamped to what the bot accepts;
    None when missing or absurd."""
    if not microseconds:
        return None
    bpm = meter.beat_bpm(60_000_000 / microseconds)
    low, high = TEMPO_RANGE
    if not low / 2 <= bpm <= high * 2:
        return None
    return min(max(round(bpm), low), high)


def _describe(scan: Scan) -> tuple[str, ...]:
    """'Name (General MIDI instrument, N notes)' for every pitched (track, channel), in file order; a part that says
    how it is described: 'Name (N notes)'."""
    keys = sorted(scan.parts)
    channels_per_track = Counter(track for track, _ in keys)
    described = []
    for track, channel in keys:
        part = scan.parts[(track, channel)]
        name = part.name or f"Track {track + 1}"
        if channels_per_track[track] > 1:
            name += f" ch{channel + 1}"
        instrument = part.instrument
        if instrument is None:
            instrument = pretty_midi.program_to_instrument_name(part.program)
        count = f"{len(part.notes)} note{'s' * (len(part.notes) != 1)}"
        described.append(f"{name} ({instrument}, {count})" if instrument else f"{name} ({count})")
    return tuple(described)


def seed_from_midi(data: bytes, track: int | None = None, max_notes: int = 64) -> MidiSeed:
    """The melody of a MIDI file (or MusicXML score): the highest voice of its melody track
    (``data.midi_voices.melody_part``: the one whose notes are highest while others sound), or of ``tracks[track]``.

    Onsets and ends are quantised to sixteenths of the file's own beats, or to triplet eighths in the beats of a
    simple meter whose notes lie nearer thirds of the beat (``data.midi_voices.Grid``); each note is shortened to
    the longest duration spelled in one token (at most a dotted whole) and gaps become rests (at most
    four bars). Leading silence is dropped, pitches move by octaves onto the piano and the first
    ``max_notes`` notes (rests included) are kept. Anything unusable raises MusicError.
    """
    if max_notes < 1:
        raise ValueError("max_notes must be at least 1")
    scan = scan_file(data)
    parts = [scan.parts[key] for key in sorted(scan.parts)]
    tracks = _describe(scan)
    if not parts:
        if scan.drum_notes:
            raise MusicError(f"That {scan.kind} only has drums, and I need a melody. Upload a file with a pitched "
                             f"{scan.unit}, or type notes like `C E G`.")
        if scan.late_notes:
            raise MusicError(f"That {scan.kind} has no notes in its first {HORIZON_BEATS} beats. Upload a file whose "
                             f"melody starts near the beginning, or type notes like `C E G`.")
        raise MusicError(f"That {scan.kind} has no notes in it. Upload a file with a melody, or type `C E G`.")
    if track is None:
        index = melody_part([p.notes for p in parts], scan.division)
    elif 0 <= track < len(parts):
        index = track
    else:
        # Users count tracks from 1 (the /melody option does), so the listing does too.
        listing = ", ".join(f"{i} = {text}" for i, text in enumerate(tracks[:10], 1))
        more = f" and {len(tracks) - 10} more" if len(tracks) > 10 else ""
        raise MusicError(
            f"That {scan.kind} has {len(tracks)} {scan.unit}{'s' * (len(tracks) != 1)} with notes: {listing}{more}. "
            f"Pick one of those, e.g. {opt('track', 1)}, or leave the track out and I find the melody.",
            "track", 1)
    meter, origin = file_meter(scan)
    if meter is None or meter.denominator in (2, 4):  # quarter beats, which a triplet divides in three
        grid = Grid.detect(parts[index].notes, scan.division, origin)
    else:
        grid = Grid(scan.division, origin)
    line = top_line([parts[index].notes], grid)
    melody: list[Note] = []
    now = line[0][0]  # leading silence dropped
    for start, end, pitch in line:
        gap = lengths(max(now, start - MAX_NOTE_TICKS) - origin, start - origin)  # a long silence: 4 bars of rest
        melody += [Note(None, ticks) for ticks in gap]
        # one token: 5 sixteenths -> q + a sixteenth rest
        melody.append(Note(_in_range(pitch), lengths(start - origin, end - origin)[0]))
        now = start + melody[-1].ticks
    kept = melody[:max_notes]
    while kept[-1].is_rest:
        kept.pop()
    dropped = len(line) - sum(not note.is_rest for note in kept)
    tempo = file_tempo(scan.tempo[1] if scan.tempo else None, meter or Meter())
    fifths = scan.signature[1] if scan.signature and -7 <= scan.signature[1] <= 7 and any(scan.signature[1:]) else None
    return MidiSeed(tuple(kept), meter, tempo, tracks[index], tracks, dropped, line[0][0], index, origin, fifths,
                    scan.unit, fifths is not None and bool(scan.signature and scan.signature[2]))


def file_meter(scan: Scan) -> tuple[Meter | None, int]:
    """The file's time signature and a tick (ours) its bar lines fall on: its first one, or the next where the
    first sets one short bar at the start (a pickup bar, as notation programs export it: 2/8, then 6/8)."""
    found = sorted((tick, n, e) for tick, n, e in scan.meters if 1 <= n <= 12 and e in (1, 2, 3))
    if not found:
        return None, 0
    first = Meter(found[0][1], 2 ** found[0][2])
    if scan.origin is not None:  # the file says where its bars count from (a MusicXML pickup bar)
        return first, round(scan.origin * TPQ / scan.division)
    later = [(tick, n, e) for tick, n, e in found if tick > found[0][0]]
    if found[0][0] == 0 and later:
        tick, n, e = later[0]
        meter, at = Meter(n, 2 ** e), round(tick * TPQ / scan.division)
        if at == first.bar_ticks < meter.bar_ticks:
            return meter, at
    return first, 0


def melody_with_chords_to_midi(melody: Melody, chords: list[tuple[int, int, tuple[int, ...]]],
                               program: int = PROGRAM_PIANO, chord_program: int = 48,
                               full_first_bar: bool = True, lyrics: list[str | None] | None = None) -> bytes:
    """``melody_to_midi`` plus a second track of block chords: (start tick, ticks, MIDI pitches) each, counted
    from the first note as the melody's are (``full_first_bar`` and ``lyrics`` as there)."""
    pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_to_midi(melody, program, lyrics=lyrics,
                                                          full_first_bar=full_first_bar)))
    seconds_per_tick = _seconds_per_tick(melody.tempo, melody.meter)
    instrument = pretty_midi.Instrument(program=chord_program, name="Chords")
    first = melody.start if full_first_bar else 0
    for start, ticks, pitches in ((first + start, ticks, pitches) for start, ticks, pitches in chords):
        for pitch in pitches:
            instrument.notes.append(pretty_midi.Note(velocity=64, pitch=pitch, start=start * seconds_per_tick,
                                                     end=(start + ticks) * seconds_per_tick))
    pm.instruments.append(instrument)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


class ArrangedTrack(Protocol):
    """What ``arrangement_to_midi`` reads from a track: notes are (start tick, ticks, pitch, velocity)."""

    name: str
    program: int
    is_drum: bool
    notes: Sequence[tuple[int, int, int, int]]


def arrangement_to_midi(tracks: Sequence[ArrangedTrack], tempo: int, meter: Meter, key: Key,
                        lyrics: Sequence[tuple[int, str]] = ()) -> bytes:
    """A multi-track MIDI file: one named instrument per track with its General MIDI program (drums on channel
    10), and tempo (``tempo`` felt beats of ``meter`` a minute), time signature and key signature events as
    ``melody_to_midi`` writes them; ``lyrics`` (tick, text) as lyric events, UTF-8 as there."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=meter.quarter_bpm(tempo))
    seconds_per_tick = _seconds_per_tick(tempo, meter)
    for track in tracks:
        instrument = pretty_midi.Instrument(program=track.program, is_drum=track.is_drum, name=track.name)
        for start, ticks, pitch, velocity in track.notes:
            instrument.notes.append(pretty_midi.Note(velocity=min(max(velocity, 1), 127), pitch=pitch,
                                                     start=start * seconds_per_tick,
                                                     end=(start + ticks) * seconds_per_tick))
        pm.instruments.append(instrument)
    pm.lyrics.extend(lyric_event(text, tick * seconds_per_tick) for tick, text in lyrics)
    _add_signatures(pm, meter, key)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()
