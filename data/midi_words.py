"""Words in a MIDI file (karaoke lyric events) as a syllable per note of its melody, as the bot's own files carry
them (``data.midi.melody_to_midi``) and karaoke files do: 'to', 'geth', 'er ' -> 'to-', 'geth-', 'er'; and a
MusicXML score's first verse (``<lyric>``, read by ``data.musicxml_upload``), as a lead sheet from MuseScore has it."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import pretty_midi

from data.errors import MusicError
from data.events import Note
from data.midi import lyric_text
from data.musicxml_upload import is_musicxml, scan_musicxml

LYRIC_EVENT = b"\xff\x05"  # a lyric meta event's first bytes (meta events never use running status)
ON_NOTE = 0.03  # seconds between a lyric event and the note it is sung on


def midi_words(data: bytes, notes: Sequence[Note]) -> list[str | None] | None:
    """The syllable sung on each of ``notes`` (a file's melody as read, rests included: None on rests and unsung
    notes), from the file's lyric events on the track whose notes these are (the same pitches, moved by octaves,
    in the same order; the top note where several start together). None when the file has no words for them."""
    sung = [n.pitch % 12 for n in notes if n.pitch is not None]
    if is_musicxml(data):
        return _score_words(data, notes, sung)
    if LYRIC_EVENT not in data:
        return None
    try:
        pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - a file the melody reader took but pretty_midi can't: no words, not an error
        return None
    events = sorted((lyric.time, lyric_text(lyric)) for lyric in pm.lyrics)
    for instrument in pm.instruments:
        onsets = _tops((note.start, note.pitch) for note in instrument.notes)
        if instrument.is_drum or [pitch % 12 for _, pitch in onsets[:len(sung)]] != sung:
            continue
        on_note = _on_notes([start for start, _ in onsets[:len(sung)]], events)
        if len(on_note) * 2 < len(events) or not on_note:
            continue
        syllables = iter(syllabified([on_note.get(i) for i in range(len(sung))]))
        return [None if n.pitch is None else next(syllables) for n in notes]
    return None


def _score_words(data: bytes, notes: Sequence[Note], sung: list[int]) -> list[str | None] | None:
    """``midi_words`` for a MusicXML score: its first verse, on the part whose notes these are."""
    if not data.startswith(b"PK") and b"<lyric" not in data:  # no words (an .mxl is compressed: read to know)
        return None
    try:
        scan = scan_musicxml(data)
    except MusicError:
        return None
    for (index, _), part in sorted(scan.parts.items()):
        words = scan.lyrics.get(index)
        onsets = _tops((start, pitch) for start, _, pitch in part.notes)
        if words and [pitch % 12 for _, pitch in onsets[:len(sung)]] == sung:
            syllables = iter([words.get(start) for start, _ in onsets[:len(sung)]])
            return [None if n.pitch is None else next(syllables) for n in notes]
    return None


def _tops(notes: Iterable[tuple[float, int]]) -> list[tuple[float, int]]:
    """(start, pitch) of the top note at each onset (starts to the millisecond)."""
    top: dict[float, int] = {}
    for start, pitch in notes:
        top[round(start, 3)] = max(top.get(round(start, 3), 0), pitch)
    return sorted(top.items())


def _on_notes(starts: list[float], events: list[tuple[float, str]]) -> dict[int, str]:
    """Which note (index into ``starts``) each lyric event is sung on: the one starting within ``ON_NOTE``."""
    found: dict[int, str] = {}
    i = 0
    for time, text in events:
        while i < len(starts) and starts[i] < time - ON_NOTE:
            i += 1
        if i < len(starts) and abs(starts[i] - time) <= ON_NOTE and i not in found:
            found[i] = text
    return found


def syllabified(texts: list[str | None]) -> list[str | None]:
    """Lyric event texts as syllables ('-' joins the next): a syllable joins the next when it ends in '-', or, in a
    file that marks word ends with spaces, when neither its end nor the next one's start has a space. Karaoke line
    marks ('/', '\\\\') and empty texts go."""
    raw = [None if t is None else t.lstrip("/\\") for t in texts]
    spaced = any(t and t != t.strip() for t in raw)
    out: list[str | None] = []
    for i, text in enumerate(raw):
        word = (text or "").strip()
        if not word or word == "-":
            out.append(None)
            continue
        after = next((t for t in raw[i + 1:] if t and t.strip()), None)
        joins = word.endswith("-") or (spaced and text == text.rstrip() and after is not None
                                       and after == after.lstrip())
        out.append(word.rstrip("-") + "-" if joins else word)
    return out
