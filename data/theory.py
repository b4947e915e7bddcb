"""The only module that imports music21: corpus access, key analysis, scores -> Melody."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from music21 import converter, corpus, key, meter, note, stream

from data.events import TPQ, Key, Melody, Meter, MusicError, Note

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


def estimate_key(notes: list[Note] | tuple[Note, ...]) -> Key:
    """Krumhansl-Schmuckler key of a note list (rests ignored)."""
    s = stream.Stream()
    for n in notes:
        if n.pitch is not None:
            s.append(note.Note(n.pitch, quarterLength=n.ticks / TPQ))
    if not len(s):
        raise MusicError("There are no pitched notes to take a key from. Add a few notes, e.g. `C E G`.")
    return to_key(s.analyze("key"))
