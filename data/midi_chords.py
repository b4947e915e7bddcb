"""A MIDI file (or MusicXML score) that holds chords and no tune — a progression exported from a DAW — read as chord
symbols bar by bar (`| Am | F | C G |`), so `/melody` can write a melody over it instead of continuing its top note.

A file holds chords when the part a melody would be read from (``data.midi_voices.melody_part``, which prefers a
sung line to chords voiced above it) plays block chords: most of its onsets start three or more notes together
(``data.midi_voices.block_chords``). Each beat is named from every part's notes sounding in
it (weighted by how long they sound, the lowest note breaking ties between a chord and its relative, C6 and Am7);
a bar whose beats keep one chord is written as one symbol, else by halves or beat by beat with `/` holding the
chord before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from data.chord_kinds import QUALITIES
from data.events import SHARP_NAMES, TPQ, Meter
from data.midi import file_meter, file_tempo, scan_file
from data.midi_voices import Scan, TimedNote, block_chords, melody_part

KINDS = sorted({(suffix, intervals) for suffix, intervals in QUALITIES.values()})  # each kind once
MISSING = 0.6  # what a chord tone that doesn't sound costs, in shares of an average sounding pitch class
BASS = 0.3  # what the lowest note as the root earns, likewise
SIZE = 0.05  # what each tone of a chord costs (C before C6 when the 6th is absent)


@dataclass(frozen=True)
class MidiChords:
    """A file's chords as typed chord text (sharps: the caller respells them in their key), its meter and tempo."""

    text: str
    bars: int
    meter: Meter
    tempo: int | None
    left_out: int = 0  # bars past ``max_bars``, not read
    track: int = 1  # the part that plays them, from 1 (``track:`` reads its top voice as a tune instead); 0: a
    # score's chord symbols


def chord_name(weights: dict[int, float], bass: int | None) -> tuple[int, str] | None:
    """(root pitch class, kind suffix) of the chord the sounding pitch classes (``weights``: how long each sounds)
    spell best, or None for fewer than two pitch classes (nothing to name: the chord before holds)."""
    total = sum(weights.values())
    if len(weights) < 2 or total <= 0:
        return None
    share = {pc: w / total for pc, w in weights.items()}
    mean = 1 / len(share)

    def score(root: int, intervals: tuple[int, ...]) -> float:
        tones = {(root + i) % 12 for i in intervals}
        covered = sum(share.get(pc, 0.0) for pc in tones)
        missing = sum(pc not in share for pc in tones)
        return (2 * covered - 1 - MISSING * mean * missing - SIZE * len(tones)
                + (BASS * mean if bass == root else 0.0))

    root, suffix, _ = max(((r, s, intervals) for r in range(12) for s, intervals in KINDS),
                          key=lambda candidate: score(candidate[0], candidate[2]))
    return root, suffix


def _beat_chords(notes: list[TimedNote], begin: int, beat: int, beats: int) -> list[tuple[int, str] | None]:
    """The chord of each of ``beats`` beats (our ticks) from ``begin``: each note adds its time in a beat to its
    pitch class there; a beat's bass is its lowest note starting before the beat's middle."""
    weights: list[dict[int, float]] = [{} for _ in range(beats)]
    bass: list[int | None] = [None] * beats
    for start, end, pitch in notes:
        for b in range(max((start - begin) // beat, 0), min(-(-(end - begin) // beat), beats)):
            low = begin + b * beat
            overlap = min(end, low + beat) - max(start, low)
            if overlap > 0:
                weights[b][pitch % 12] = weights[b].get(pitch % 12, 0.0) + overlap
                if start < low + beat // 2 and (bass[b] is None or pitch < bass[b]):
                    bass[b] = pitch
    return [chord_name(w, None if low is None else low % 12) for w, low in zip(weights, bass, strict=True)]


def _beat_symbols(symbols: dict[int, tuple[int, str]], division: int, begin: int, beat: int, beats: int
                  ) -> list[tuple[int, str] | None]:
    """The chord symbol sounding at each beat from ``begin`` (our ticks): the last written before its middle."""
    marks = sorted((round(tick * TPQ / division), chord) for tick, chord in symbols.items())
    named: list[tuple[int, str] | None] = []
    for b in range(beats):
        before = [chord for tick, chord in marks if tick < begin + b * beat + beat // 2]
        named.append(before[-1] if before else None)
    return named


def _symbol(chord: tuple[int, str]) -> str:
    return SHARP_NAMES[chord[0]] + chord[1]


def _bar_text(chords: list[tuple[int, str]]) -> str:
    """One bar's chords (one a beat): one symbol when they agree, two for two halves, else a beat each with `/`
    holding the one before (at most four beats; longer bars keep the chord that sounds most)."""
    if len(set(chords)) == 1:
        return _symbol(chords[0])
    half = len(chords) // 2
    if len(chords) % 2 == 0 and len(set(chords[:half])) == 1 and len(set(chords[half:])) == 1:
        return f"{_symbol(chords[0])} {_symbol(chords[half])}"
    if len(chords) > 4:
        return _symbol(Counter(chords).most_common(1)[0][0])
    return " ".join("/" if i and c == chords[i - 1] else _symbol(c) for i, c in enumerate(chords))


def chords_from_midi(data: bytes, max_bars: int = 64) -> MidiChords | None:
    """The chords of a file whose melody part plays block chords (None for a file with a tune; MusicError for one
    that can't be read), from the bar of its first note, at most ``max_bars`` bars."""
    scan = scan_file(data)
    parts = [scan.parts[key].notes for key in sorted(scan.parts)]
    top = melody_part(parts, scan.division) if parts else 0
    if not parts or not block_chords(parts[top], scan.division):
        return None
    return _progression(scan, [note for part in parts for note in part], None, max_bars, top + 1)


def chords_under(data: bytes, track: int | None = None, max_bars: int = 64) -> MidiChords | None:
    """The chords a file's other parts play under its tune (its melody part, or ``track`` from 1): a chords track
    beside the melody, as a songwriter's sketch and the MIDI of my lead sheets have one, named with its bass; from
    the tune's first bar line (after a pickup), at most ``max_bars`` bars. None when no other part plays block
    chords."""
    scan = scan_file(data)
    parts = [scan.parts[key].notes for key in sorted(scan.parts)]
    tune = melody_part(parts, scan.division) if track is None else track - 1
    if not 0 <= tune < len(parts) or not parts[tune]:
        return None
    chordal = [i for i, part in enumerate(parts) if i != tune and block_chords(part, scan.division)]
    start = round(min(parts[tune])[0] * TPQ / scan.division)
    if chordal:
        under = [note for i, part in enumerate(parts) if i != tune for note in part]
        return _progression(scan, under, start, max_bars, chordal[0] + 1)
    if scan.symbols:  # a lead sheet: the chord symbols written over the tune (track 0)
        return _progression(scan, list(parts[tune]), start, max_bars, 0, scan.symbols)
    return None


def _progression(scan: Scan, notes: list[TimedNote], after: int | None, max_bars: int, track: int,
                 symbols: dict[int, tuple[int, str]] | None = None) -> MidiChords | None:
    """``notes`` (the file's ticks) named beat by beat from the bar of the first (``after`` None) or from the first
    bar line at or after ``after`` (our ticks, a 16th early counted as on it); with ``symbols`` (file tick -> chord),
    the beats take those instead, and the notes give the length."""
    meter, origin = file_meter(scan)
    meter = meter or Meter()
    ours = sorted((round(s * TPQ / scan.division), round(e * TPQ / scan.division), p) for s, e, p in notes)
    bar = meter.bar_ticks
    if after is None:
        first = origin + (ours[0][0] - origin) // bar * bar
    else:
        first = origin + -(-(after - origin - TPQ // 4) // bar) * bar
    last = max(end for _, end, _ in ours)
    count = -(-(last - first) // bar)
    if count < 1:
        return None
    beats = (_beat_chords(ours, first, meter.beat_ticks, min(count, max_bars) * meter.beats) if symbols is None else
             _beat_symbols(symbols, scan.division, first, meter.beat_ticks, min(count, max_bars) * meter.beats))
    named = [c for c in beats if c is not None]
    if not named:
        return None
    held, filled = named[0], []
    for chord in beats:  # a beat with nothing to name keeps the chord before (the first, the first named)
        held = chord or held
        filled.append(held)
    cells = [_bar_text(filled[b * meter.beats:(b + 1) * meter.beats]) for b in range(min(count, max_bars))]
    tempo = file_tempo(scan.tempo[1] if scan.tempo else None, meter)
    return MidiChords("| " + " | ".join(cells) + " |", len(cells), meter, tempo, max(count - max_bars, 0), track)
