"""The only module that imports music21: corpus access, key analysis, scores -> Melody, arrangements -> MusicXML.

A melody's own MusicXML is written without music21 by ``data.musicxml`` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

from music21 import clef, converter, corpus, defaults, key, layout, metadata, meter, note, pitch, stream, tempo
from music21.musicxml.m21ToXml import GeneralObjectExporter, ScoreExporter

from data.errors import MusicError
from data.events import TPQ, Key, Melody, Meter, Note
from data.musicxml import melody_to_musicxml, syllable
from data.pitch_spelling import Speller

# music21 corpus collection -> the style label the model is conditioned on.
COLLECTIONS = {
    "oneills1850": "irish",
    "airdsAirs": "scottish",
    "ryansMammoth": "american",
    "essenFolksong": "european",
    "bach": "chorale",
}
MUSIC21_MODES = {"major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian"}


def collection_files(collection: str) -> list[Path]:
    """The corpus files of one collection (a file may hold many tunes)."""
    if collection == "bach":
        return [Path(p) for p in corpus.chorales.Iterator(returnType="filename")]
    return [Path(p) for p in corpus.getComposer(collection)]


def to_key(k: key.Key) -> Key:
    mode = k.mode if k.mode in MUSIC21_MODES else "major"
    return Key(k.tonic.pitchClass, mode, k.tonic.name.replace("-", "b"))


def scores_in_file(path: Path) -> Iterator[tuple[int, stream.Score]]:
    """(index, score) for each tune in a corpus file."""
    parsed = converter.parse(path) if path.exists() else corpus.parse(str(path))
    if isinstance(parsed, stream.Opus):
        yield from enumerate(parsed.scores)
    else:
        yield 0, parsed


def melody_from_score(score: stream.Score, soprano_only: bool = False) -> tuple[Melody, int] | None:
    """The top line of a score as a Melody plus its pickup offset in ticks, or None if unusable.

    Tied notes of the same pitch are merged, chords give their top note, tunes that change
    meter are skipped. The key is the notated one when it names a mode, else Krumhansl's estimate.
    """
    part = score.parts[0] if score.parts else score
    signatures = {ts.ratioString for ts in part.recurse().getElementsByClass(meter.TimeSignature)}
    if len(signatures) != 1:
        return None
    num, den = (int(x) for x in signatures.pop().split("/"))
    if den not in (2, 4, 8) or num > 12:
        return None
    notes: list[Note] = []
    for element in part.flatten().notesAndRests:
        ticks = round(float(element.quarterLength) * TPQ)
        if ticks <= 0:
            continue  # grace notes
        if isinstance(element, note.Rest):
            pitch = None
        elif element.isChord:
            pitch = max(p.midi for p in element.pitches)
        else:
            pitch = element.pitch.midi
        tie = element.tie.type if element.tie is not None else None
        if notes and pitch is not None and tie in ("stop", "continue") and notes[-1].pitch == pitch:
            notes[-1] = Note(pitch, notes[-1].ticks + ticks)
        else:
            notes.append(Note(pitch, ticks))
    while notes and notes[-1].pitch is None:
        notes.pop()
    if sum(n.pitch is not None for n in notes) < 8:
        return None
    signatures_k = list(part.recurse().getElementsByClass(key.Key))
    k = signatures_k[0] if signatures_k else score.analyze("key")
    m = Meter(num, den)
    measures = list(part.getElementsByClass(stream.Measure))
    first = round(float(measures[0].duration.quarterLength) * TPQ) if measures else m.bar_ticks
    pickup = (m.bar_ticks - first) % m.bar_ticks
    return Melody(tuple(notes), to_key(k), m), pickup


def estimate_key(notes: list[Note] | tuple[Note, ...], method: str = "key", parent: int | None = None) -> Key:
    """Key of a note list (rests ignored) by music21's profile-correlation method (Krumhansl-Schmuckler's algorithm;
    ``key``, music21's default, correlates with the Aarden-Essen profiles, ``krumhansl`` with Krumhansl-Kessler's).
    ``parent``: only keys whose signature is that pitch class's major scale (jianpu's ``1=D``: D major or B minor)."""
    s = stream.Stream()
    for n in notes:
        if n.pitch is not None:
            s.append(note.Note(n.pitch, quarterLength=n.ticks / TPQ))
    if not len(s):
        raise MusicError("There are no pitched notes to take a key from. Add a few notes, e.g. `C E G`.")
    found = s.analyze(method)
    if parent is None:
        return to_key(found)
    return next(k for k in map(to_key, [found, *found.alternateInterpretations]) if k.parent_major == parent % 12)


# ---- engraving helpers for arrangement scores (melodies: data.musicxml, without music21) -----------
_M21_SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_M21_FLATS = ("C", "D-", "D", "E-", "E", "F", "G-", "G", "A-", "A", "B-", "B")


def notation_key(k: Key) -> key.Key:
    """The key to write: a mode gets its parent major's signature; over 7 sharps/flats, the enharmonic key."""
    name = k.name.replace("b", "-")
    if not re.fullmatch(r"[A-G][#-]?", name) or pitch.Pitch(name).pitchClass != k.tonic % 12:
        name = (_M21_FLATS if k.uses_flats else _M21_SHARPS)[k.tonic % 12]
    m21 = key.Key(name, k.mode)
    if abs(m21.sharps) > 7:
        m21 = key.Key(m21.tonic.getEnharmonic().name, k.mode)
    return m21


def _spell(midi: int, speller: Speller) -> pitch.Pitch:
    """A MIDI pitch as the key spells it (``data.spelling``), as a music21 pitch."""
    step, alter, octave = speller.spell(midi)
    return pitch.Pitch(f"{step}{'#' if alter > 0 else '-' if alter < 0 else ''}{octave}")


def _metronome(bpm: int, m: Meter) -> tempo.MetronomeMark:
    """A metronome mark on the felt beat: the tempo counts dotted quarters in 6/8, halves in 2/2."""
    return tempo.MetronomeMark(number=bpm, referent=note.Note(quarterLength=Fraction(m.beat_ticks, TPQ)))


def _export(score: stream.Score, title: str) -> bytes:
    """MusicXML bytes of a score, titled, without music21's placeholders ("Music21 Fragment" by "Music21")."""
    score.metadata = metadata.Metadata(title=title) if title else metadata.Metadata()
    exporter = ScoreExporter(GeneralObjectExporter().fromGeneralObject(score))
    root = exporter.parse()
    for parent, tag, default in ((root, "movement-title", defaults.title),
                                 (root.find("identification"), "creator", defaults.author)):
        for child in [] if parent is None else parent.findall(tag):
            if child.text == default:
                parent.remove(child)
    return exporter.asBytes()


# ---- chord symbols above the staff ----------------------------------------------------------
CHORD_KINDS = {"": "major", "m": "minor", "dim": "diminished", "aug": "augmented", "7": "dominant",
               "maj7": "major-seventh", "m7": "minor-seventh", "m7b5": "half-diminished", "dim7": "diminished-seventh",
               "m(maj7)": "major-minor", "sus4": "suspended-fourth", "sus2": "suspended-second", "6": "major-sixth",
               "m6": "minor-sixth", "9": "dominant-ninth", "5": "power",
               "add9": "major", "7sus4": "suspended-fourth",  # these: the text says what the kind leaves out
               "maj9": "major-ninth", "m9": "minor-ninth", "madd9": "minor", "6/9": "major-sixth",
               "11": "dominant-11th", "m11": "minor-11th", "13": "dominant-13th", "7b9": "dominant", "7#9": "dominant",
               "7b5": "dominant", "aug7": "augmented-seventh", "9sus4": "suspended-fourth", "add11": "major",
               "maj7#11": "major-seventh"}


def _harmony_element(symbol: str, offset: int):
    """A MusicXML <harmony> for a symbol such as 'Bbm7' (``offset`` in divisions after the next note's start)."""
    from xml.etree import ElementTree as ET

    match = re.fullmatch(r"([A-G])([#b]?)(.*?)(?:/([A-G][#b]?))?", symbol)  # a slash chord's bass, e.g. 'C/E'
    if not match or match[3] not in CHORD_KINDS:
        raise ValueError(f"unknown chord symbol {symbol!r}")
    bass = match[4]
    harmony = ET.Element("harmony", {"print-frame": "no"})
    root = ET.SubElement(harmony, "root")
    ET.SubElement(root, "root-step").text = match[1]
    if match[2]:
        ET.SubElement(root, "root-alter").text = "1" if match[2] == "#" else "-1"
    ET.SubElement(harmony, "kind", {"text": match[3]}).text = CHORD_KINDS[match[3]]
    if bass:
        element = ET.SubElement(harmony, "bass")
        ET.SubElement(element, "bass-step").text = bass[0]
        if bass[1:]:
            ET.SubElement(element, "bass-alter").text = "1" if bass[1:] == "#" else "-1"
    if offset:
        ET.SubElement(harmony, "offset").text = str(offset)
    return harmony


def add_chord_symbols(musicxml: bytes, chords: list[tuple[int, str]]) -> bytes:
    """Insert chord symbols (start tick, symbol like 'Am' or 'G7') above the first part of a MusicXML score."""
    from data.score_marks import insert_at_ticks

    return insert_at_ticks(musicxml, [(tick, partial(_harmony_element, text)) for tick, text in chords])


def melody_to_musicxml_with_chords(melody: Melody, chords: list[tuple[int, str]], title: str = "",
                                   lyrics: list[str | None] | None = None) -> bytes:
    """``melody_to_musicxml`` (``lyrics`` as there) with chord symbols (start tick, symbol) above the staff."""
    return add_chord_symbols(melody_to_musicxml(melody, title, lyrics=lyrics), chords)


# ---- arrangements: several staves -------------------------------------------------------------
STAFF_CLEFS = {"treble": clef.TrebleClef, "treble8vb": clef.Treble8vbClef, "bass": clef.BassClef,
               "bass8vb": clef.Bass8vbClef}
Staff = tuple[str, list[tuple[int, int, tuple[int, ...]]], str | None]  # name, (start, ticks, pitches), clef


def score_to_musicxml(staves: list[Staff], k: Key, m: Meter, bpm: int, total_ticks: int,
                      chords: list[tuple[int, str]] | None = None, marks: list[tuple[int, str]] | None = None,
                      title: str = "", words: Sequence[tuple[int, str]] = ()) -> bytes:
    """A multi-staff score: one part per staff, each a line of notes and chords (start tick, ticks, MIDI pitches;
    no overlaps) padded with rests to ``total_ticks``; a clef by name (None: the best for the notes); chord
    symbols (start tick, symbol) above the first staff and rehearsal marks (start tick, text) at section starts;
    ``words`` (start tick, syllable; a trailing '-' joins the next) under the first staff's notes.
    Systems hold four bars (eight of 2/4), so the staves line up page after page."""
    from music21 import chord, expressions

    speller = Speller.for_key(k)
    bar_ticks = m.bar_ticks
    per_line = 8 if bar_ticks <= 2 * TPQ else 4
    sung, joined = dict(words), False
    parts = []
    for index, (name, events, clef_name) in enumerate(staves):
        part = stream.Part()
        part.partName = name
        part.append([notation_key(k), meter.TimeSignature(str(m))])
        if index == 0:
            part.append(_metronome(bpm, m))
        now = 0
        for start, ticks, pitches in events:
            if start > now:
                part.append(note.Rest(quarterLength=Fraction(start - now, TPQ)))
            spelled = [_spell(p, speller) for p in sorted(pitches)]
            element = note.Note(spelled[0]) if len(spelled) == 1 else chord.Chord(spelled)
            element.quarterLength = Fraction(ticks, TPQ)
            if index == 0 and start in sung:
                syllabic, text = syllable(sung[start], joined)
                element.lyrics.append(note.Lyric(text, syllabic=syllabic))
                joined = sung[start].endswith("-")
            part.append(element)
            now = start + ticks
        if total_ticks > now:
            part.append(note.Rest(quarterLength=Fraction(total_ticks - now, TPQ)))
        part.insert(0, STAFF_CLEFS[clef_name]() if clef_name else clef.bestClef(part, recurse=True))
        part.makeNotation(inPlace=True)
        parts.append(part)
    measures = list(parts[0].getElementsByClass(stream.Measure))
    for measure in measures:
        if measure.number > 1 and (measure.number - 1) % per_line == 0:
            measure.insert(0, layout.SystemLayout(isNew=True))
    for tick, text in marks or []:
        if 0 <= tick // bar_ticks < len(measures):
            measures[tick // bar_ticks].insert(0, expressions.RehearsalMark(text))
    xml = _export(stream.Score(parts), title)
    return add_chord_symbols(xml, chords) if chords else xml


# ---- tunes as played, with their notated structure (the /analyze benchmark) -------------------------------
@dataclass(frozen=True)
class NotatedTune:
    """A corpus tune as a player reads it: repeats expanded (first and second endings taken), every bar whole (a bar
    split between a section's end and the next upbeat joined again, an opening upbeat left out, other short bars
    filled with rests); with the notation an analysis is checked against."""

    melody: Melody  # its key: the parent major of the key signature
    source_bars: tuple[int, ...]  # per bar of ``melody``: the notated measure number it plays
    fifths: int  # the key signature: sharps > 0, flats < 0
    written_mode: str  # the mode the file names ("major" where it gives only a signature)
    repeats: bool  # whether the notation has repeat signs (so ``source_bars`` revisits measures)


def _measure_events(measure: stream.Measure) -> list[tuple[int | None, int, str | None]]:
    """(pitch or None, ticks, tie type) of each note and rest of a measure; chords give their top note."""
    events = []
    for element in measure.flatten().notesAndRests:
        ticks = round(float(element.quarterLength) * TPQ)
        if ticks <= 0:
            continue  # grace notes
        pitch = None if isinstance(element, note.Rest) else (
            max(p.midi for p in element.pitches) if element.isChord else element.pitch.midi)
        events.append((pitch, ticks, element.tie.type if element.tie is not None else None))
    return events


def notated_tune(score: stream.Score) -> NotatedTune | None:
    """The first part of ``score`` as a ``NotatedTune``, or None when it changes meter, has a bar longer than its
    meter, repeats that music21 cannot expand, or fewer than 8 notes."""
    from music21 import repeat

    part = score.parts[0] if score.parts else score
    signatures = {ts.ratioString for ts in part.recurse().getElementsByClass(meter.TimeSignature)}
    if len(signatures) != 1:
        return None
    num, den = (int(x) for x in signatures.pop().split("/"))
    if den not in (2, 4, 8) or num > 12:
        return None
    m = Meter(num, den)
    repeated = any(isinstance(b, repeat.RepeatMark) for b in part.recurse().getElementsByClass("Barline"))
    try:
        played = part.expandRepeats() if repeated else part
    except (repeat.ExpanderException, IndexError):
        return None
    measures = list(played.getElementsByClass(stream.Measure))
    bars: list[tuple[int, list[tuple[int | None, int, str | None]]]] = []  # notated number, its events
    for i, measure in enumerate(measures):
        events = _measure_events(measure)
        length = sum(e[1] for e in events)
        if length > m.bar_ticks:
            return None
        before = sum(e[1] for e in bars[-1][1]) if bars else m.bar_ticks
        if before < m.bar_ticks and before + length == m.bar_ticks:
            bars[-1][1].extend(events)  # a bar split by a section's end: its end and the next section's upbeat
            continue
        if before < m.bar_ticks:
            bars[-1][1].append((None, m.bar_ticks - before, None))
        following = round(float(measures[i + 1].duration.quarterLength) * TPQ) if i + 1 < len(measures) else 0
        if length < m.bar_ticks and following >= m.bar_ticks:
            continue  # an upbeat into the tune or into the next section
        bars.append((measure.number, events))
    if bars and sum(e[1] for e in bars[-1][1]) < m.bar_ticks:
        bars[-1][1].append((None, m.bar_ticks - sum(e[1] for e in bars[-1][1]), None))
    notes: list[Note] = []
    for _, events in bars:
        for midi, ticks, tie in events:
            if notes and midi is not None and tie in ("stop", "continue") and notes[-1].pitch == midi:
                notes[-1] = Note(midi, notes[-1].ticks + ticks)
            else:
                notes.append(Note(midi, ticks))
    if sum(n.pitch is not None for n in notes) < 8:
        return None
    signature = next(iter(part.recurse().getElementsByClass(key.KeySignature)), None)
    fifths = signature.sharps if signature is not None else 0
    written = signature.mode if isinstance(signature, key.Key) and signature.mode in MUSIC21_MODES else "major"
    return NotatedTune(Melody(tuple(notes), Key(fifths * 7 % 12), m), tuple(b[0] for b in bars), fifths, written,
                       repeated)
