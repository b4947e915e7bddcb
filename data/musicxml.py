"""Melody -> MusicXML 4.0 (partwise), written directly with the standard library: no music21, ~1 ms a melody.

Bars with notes tied over bar lines (a pickup's short first bar as an implicit bar 0), each length written as one
note shape where it has one (dots, triplets) and as tied plain values where not, pitches spelled for the key with the
accidentals a reader needs, beams by beat, triplet brackets, lyrics, the seed notes coloured, and line breaks every
four bars (fewer when busy).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from xml.etree import ElementTree as ET

from data.events import TPQ, Melody, Meter
from data.pitch_spelling import Spelled, Speller, key_fifths, signature_alters

_ACCIDENTALS = {-1: "flat", 0: "natural", 1: "sharp"}

SEED_COLOUR = "#c8442a"  # the piano roll's seed orange, a shade darker so it reads on a staff
MAX_NOTES_PER_LINE = 32  # four bars of 4/4 eighths: what a 1600 px wide line holds at a readable size
_PAD_RESTS = (72, 48, 36, 24, 18, 12, 6, 4, 3, 2, 1)  # rest lengths in ticks that fill an unfinished last bar
_HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 '
           'Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">\n')

# ---- durations -----------------------------------------------------------------------------------
_PLAIN = {96: "breve", 48: "whole", 24: "half", 12: "quarter", 6: "eighth", 3: "16th"}
_TRIPLETS = {64: "breve", 32: "whole", 16: "half", 8: "quarter", 4: "eighth", 2: "16th", 1: "32nd"}
_BEAMS = {"eighth": 1, "16th": 2, "32nd": 3}  # beams a note shape carries


def _shapes() -> dict[int, tuple[str, int, bool]]:
    """Lengths (ticks) written as one note shape: type, dots (up to three), and whether it is a triplet."""
    shapes = {ticks: (name, 0, True) for ticks, name in _TRIPLETS.items()}
    for ticks, name in _PLAIN.items():
        for dots in range(4):
            length = ticks * 2 - ticks // 2 ** dots
            if ticks % 2 ** dots == 0:
                shapes[length] = (name, dots, False)
    return shapes


SHAPES = _shapes()


def written_lengths(ticks: int) -> list[int]:
    """A length within one bar as note shapes: one where it has one, else the longest plain value and the rest."""
    if ticks in SHAPES:
        return [ticks]
    plain = max(t for t in _PLAIN if t <= ticks)
    return [plain, *written_lengths(ticks - plain)]


def beat_spans(start: int, span: int, m: Meter, rest: bool = False) -> list[int]:
    """A length within one bar (from ``start``) cut where the bar's beats must show, each piece then written by
    ``written_lengths``: in compound meters a note never hides a beat (6/8's half is a dotted quarter tied to an
    eighth, a quarter on the 2nd eighth two tied eighths) unless it starts on one and lasts whole beats (a dotted
    half); in 4/4 a note that starts off the beat is tied at the middle of the bar, and a rest that starts off the
    beat at the next beat. Triplet lengths are left as they are."""
    end = start + span
    beat = m.beat_ticks
    if start % 3 or span % 3 or m.bar_ticks % beat or start // beat == (end - 1) // beat:
        return [span]
    if m.compound:
        cuts = [] if start % beat == 0 else [start + beat - start % beat]
        cuts += [] if end % beat == 0 else [end - end % beat]
    elif start % beat == 0 or (m.beats != 4 and not rest):
        return [span]
    else:  # off the beat: a rest shows its next beat, a 4/4 note the middle of the bar
        cuts = [start + beat - start % beat] if rest else [2 * beat] if start < 2 * beat < end else []
    edges = [start, *sorted({c for c in cuts if start < c < end}), end]
    pieces = [b - a for a, b in pairwise(edges)]
    if m.compound:  # whole beats from a beat: dotted values (12/8's nine eighths: a dotted half and a dotted quarter)
        pieces = [p for piece in pieces for p in (_dotted_beats(piece, beat) if piece % beat == 0 else [piece])]
    return pieces


def _dotted_beats(ticks: int, beat: int) -> list[int]:
    """Whole compound beats as the fewest dotted values: 4, 2 or 1 beats each."""
    out = []
    while ticks:
        out.append(next(k * beat for k in (4, 2, 1) if k * beat <= ticks and k * beat in SHAPES))
        ticks -= out[-1]
    return out


def padding_rests(ticks: int, m: Meter) -> list[int]:
    """Rests (in ticks) that complete the bar after ``ticks``, each starting where its length may start; from an eighth
    up, whole beats or even parts of one, counting quarters in simple meters (no quarter rests in 6/8, no dotted
    quarters in 4/4 or 7/8)."""
    beat = m.beat_ticks if m.compound else max(m.beat_ticks, TPQ)
    rests, now = [], ticks % m.bar_ticks
    while now and now < m.bar_ticks:
        fits = [t for t in _PAD_RESTS if t <= m.bar_ticks - now and now % t == 0]
        allowed = [t for t in fits if t < TPQ // 2 or t % beat == 0 or beat % t == 0]
        rests.append((allowed or fits)[0])
        now += rests[-1]
    return rests


def line_starts(melody: Melody) -> set[int]:
    """Bars (counted from 1, a pickup's short bar first) that begin a line: four-bar phrases (eight of 2/4) after any
    pickup, halved while a line is too busy."""
    bar_ticks = melody.meter.bar_ticks
    counts = [0] * melody.measures
    for onset in melody.onsets():
        counts[(melody.start + onset) // bar_ticks] += 1
    starts, bar = set(), 1 if melody.pickup else 0  # the pickup rides on the first line
    while bar < len(counts):
        per_line = 8 if bar_ticks <= 2 * TPQ else 4
        while per_line > 1 and sum(counts[bar:bar + per_line]) > MAX_NOTES_PER_LINE:
            per_line //= 2
        bar += per_line
        starts.add(bar + 1)
    return starts


def beam_groups(m: Meter) -> list[int]:
    """Lengths (ticks) of the bar's beam groups: the felt beat, at least a quarter (3/8 is beamed as one group),
    and the accent groups of odd eighth meters (7/8: 2+2+3)."""
    if m.denominator == 8 and not m.compound and m.numerator > 4:
        return [size * m.unit_ticks for size in m.grouping]
    span = m.beat_ticks if m.compound else max(m.beat_ticks, TPQ)
    if m.bar_ticks % span:
        span = m.bar_ticks
    return [span] * (m.bar_ticks // span)


# ---- the written notes ---------------------------------------------------------------------------
@dataclass
class Written:
    """One note or rest as written in a bar: a melody note may become several, tied."""

    pitch: Spelled | None
    ticks: int
    start: int  # tick in the bar
    index: int  # the melody note it writes (padding rests: past the end)
    tie_stop: bool = False
    tie_start: bool = False
    accidental: bool = False
    beams: tuple[str, ...] = ()  # beam 1, 2, ... : 'begin', 'continue', 'end', 'forward hook', 'backward hook'
    tuplet: tuple[str, ...] = ()  # 'start' and/or 'stop' of a triplet bracket

    @property
    def shape(self) -> tuple[str, int, bool]:
        """(type, dots, triplet); none for a whole-bar rest of a length without one (5/8), written as a bar rest."""
        return SHAPES.get(self.ticks, ("", 0, False))


def _bars(melody: Melody, speller: Speller) -> list[list[Written]]:
    """The melody and its padding rests cut into bars: notes split at bar lines and into note shapes, tied. A pickup's
    bar holds its notes only, each ``start`` still counted from where a full bar would begin (for the beams)."""
    bar_ticks = melody.meter.bar_ticks
    events = [(n.pitch, n.ticks) for n in melody.notes]
    events += [(None, ticks) for ticks in padding_rests(melody.start + melody.ticks, melody.meter)]
    bars: list[list[Written]] = [[] for _ in range(max(melody.measures, 1))]
    now = melody.start
    for index, (midi, ticks) in enumerate(events):
        spelled = None if midi is None else speller.spell(midi)
        pieces: list[Written] = []
        end = now + ticks
        while now < end:
            bar, start = divmod(now, bar_ticks)
            span = min(end - now, bar_ticks - start)
            lengths = [span] if span == bar_ticks and midi is None else [
                w for piece in beat_spans(start, span, melody.meter, midi is None) for w in written_lengths(piece)]
            for length in lengths:
                pieces.append(Written(spelled, length, start, index))
                bars[bar].append(pieces[-1])
                start += length
            now += span
        if spelled is not None:
            for before, after in pairwise(pieces):
                before.tie_start = after.tie_stop = True
    return bars


def _mark_accidentals(bars: list[list[Written]], fifths: int) -> None:
    """Show an accidental where the bar (or the key) has not set its step and octave to it, and as a courtesy where
    the last note of that letter, or of that letter in that octave, in this bar or the one before, had another
    alteration; never on a tied continuation."""
    key = signature_alters(fifths)
    last: dict[str | tuple[str, int], tuple[int, int]] = {}  # step, (step, octave) -> (bar, alter) of its last note
    for number, bar in enumerate(bars):
        state: dict[tuple[str, int], int] = {}
        for w in bar:
            if w.pitch is None:
                continue
            step, alter, octave = w.pitch
            if not w.tie_stop:
                recent = (last.get(step), last.get((step, octave)))
                courtesy = any(seen and seen[0] >= number - 1 and seen[1] != alter for seen in recent)
                w.accidental = alter != state.get((step, octave), key[step]) or courtesy
                state[step, octave] = alter
            last[step] = last[step, octave] = (number, alter)


def _mark_tuplets(bar: list[Written]) -> None:
    """Triplet brackets: consecutive triplets in a bar, closed once they fill the first one's three."""
    count, target = 0, 0
    for i, w in enumerate(bar):
        if not w.shape[2]:
            continue
        more = i + 1 < len(bar) and bar[i + 1].shape[2]
        count += w.ticks
        if not target:
            w.tuplet = ("start",) if more else ("start", "stop")
            count, target = (count, 3 * w.ticks) if more else (0, 0)
        elif not more or count >= target:
            w.tuplet = ("stop",)
            count, target = 0, 0


def _mark_beams(bar: list[Written], groups: list[int]) -> None:
    """Beam runs of two or more eighths or shorter that lie in one beam group; rests break a run."""
    edges = [sum(groups[:i]) for i in range(len(groups) + 1)]

    def group(w: Written) -> int | None:
        beams = _BEAMS.get(w.shape[0]) if w.pitch is not None else None
        inside = [i for i in range(len(groups)) if edges[i] <= w.start and w.start + w.ticks <= edges[i + 1]]
        return inside[0] if beams and inside else None

    runs: list[list[Written]] = []
    previous = None
    for w in bar:
        current = group(w)
        if current is None:
            previous = None
            continue
        if current != previous:
            runs.append([])
        runs[-1].append(w)
        previous = current
    for run in (r for r in runs if len(r) > 1):
        levels = [_BEAMS[w.shape[0]] for w in run]
        for j, w in enumerate(run):
            kinds = []
            for level in range(1, levels[j] + 1):
                before = j > 0 and levels[j - 1] >= level
                after = j + 1 < len(run) and levels[j + 1] >= level
                kinds.append("continue" if before and after else "begin" if after else "end" if before
                             else "forward hook" if j == 0 else "backward hook")
            w.beams = tuple(kinds)


def _clef(pitches: list[Spelled]) -> tuple[str, int, int]:
    """(sign, line, octave change) of the clef that fits the notes best, by their average staff height (as music21's
    bestClef: treble from C4 up, bass below, the octave clefs for very high or low tunes)."""
    heights = [octave * 7 + "CDEFGAB".index(step) + 1 for step, _, octave in pitches]
    heights = [h + 3 if h > 33 else h - 3 if h < 24 else h for h in heights]
    average = sum(heights) / len(heights) if heights else 29
    if average > 49:
        return "G", 2, 1
    if average > 28:
        return "G", 2, 0
    return ("F", 4, 0) if average > 10 else ("F", 4, -1)


# ---- the XML -------------------------------------------------------------------------------------
def _add(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = str(text)
    return element


def syllable(text: str, joined: bool) -> tuple[str, str]:
    """(syllabic, text) of a lyric syllable; a trailing '-' joins it to the next, and one after a join continues."""
    raw = "-" + text if joined and not text.startswith("-") else text
    starts, ends = raw.startswith("-"), raw.endswith("-")
    if starts and ends:
        return "middle", raw[1:-1]
    if starts or ends:
        return ("end", raw[1:]) if starts else ("begin", raw[:-1])
    return "single", raw


def _note(measure: ET.Element, w: Written, bar_ticks: int, colour: bool, lyric: tuple[str, str, bool] | None) -> None:
    """A <note> (or rest) in the element order MusicXML requires."""
    note = _add(measure, "note", color=SEED_COLOUR.upper()) if colour else _add(measure, "note")
    if w.pitch is None:
        _add(note, "rest", **({"measure": "yes"} if w.ticks == bar_ticks else {}))
    else:
        pitch = _add(note, "pitch")
        _add(pitch, "step", w.pitch[0])
        if w.pitch[1]:
            _add(pitch, "alter", w.pitch[1])
        _add(pitch, "octave", w.pitch[2])
    _add(note, "duration", w.ticks)
    for kind, tied in (("stop", w.tie_stop), ("start", w.tie_start)):
        if tied:
            _add(note, "tie", type=kind)
    if not (w.pitch is None and w.ticks == bar_ticks):
        name, dots, triplet = w.shape
        _add(note, "type", name)
        for _ in range(dots):
            _add(note, "dot")
        if w.accidental and w.pitch is not None:
            _add(note, "accidental", _ACCIDENTALS[w.pitch[1]])
        if triplet:
            modification = _add(note, "time-modification")
            _add(modification, "actual-notes", 3)
            _add(modification, "normal-notes", 2)
    if colour:
        _add(note, "notehead", "normal", color=SEED_COLOUR.upper())
    for number, kind in enumerate(w.beams, 1):
        _add(note, "beam", kind, number=str(number))
    if w.tie_stop or w.tie_start or w.tuplet:
        notations = _add(note, "notations")
        for kind, tied in (("stop", w.tie_stop), ("start", w.tie_start)):
            if tied:
                _add(notations, "tied", type=kind)
        for kind in w.tuplet:  # a lone triplet gets its number without a bracket
            bracket = {"bracket": "yes" if len(w.tuplet) == 1 else "no"} if kind == "start" else {}
            _add(notations, "tuplet", type=kind, number="1", placement="above", **bracket)
    if lyric:
        element = _add(note, "lyric", number="1")
        _add(element, "syllabic", lyric[0])
        _add(element, "text", lyric[1])
        if lyric[2]:
            _add(element, "extend", type="start")


def _attributes(measure: ET.Element, melody: Melody, fifths: int, clef: tuple[str, int, int]) -> None:
    """Divisions, key, time, clef and the metronome mark on the felt beat (a dotted quarter in 6/8)."""
    m = melody.meter
    attributes = _add(measure, "attributes")
    _add(attributes, "divisions", TPQ)
    key = _add(attributes, "key")
    _add(key, "fifths", fifths)
    _add(key, "mode", melody.key.mode)
    time = _add(attributes, "time")
    _add(time, "beats", m.numerator)
    _add(time, "beat-type", m.denominator)
    element = _add(attributes, "clef")
    _add(element, "sign", clef[0])
    _add(element, "line", clef[1])
    if clef[2]:
        _add(element, "clef-octave-change", clef[2])
    direction = _add(measure, "direction", placement="above")
    metronome = _add(_add(direction, "direction-type"), "metronome", parentheses="no")
    name, dots, _ = SHAPES[m.beat_ticks]
    _add(metronome, "beat-unit", name)
    for _ in range(dots):
        _add(metronome, "beat-unit-dot")
    _add(metronome, "per-minute", melody.tempo)
    _add(direction, "sound", tempo=f"{m.quarter_bpm(melody.tempo):g}")


def melody_to_musicxml(melody: Melody, title: str = "", lyrics: list[str | None] | None = None) -> bytes:
    """A melody as a one-staff MusicXML score (UTF-8 bytes) that MuseScore and verovio open.

    Key and time signature, a metronome mark on the felt beat, bars with tied notes across bar lines (a pickup
    as ``<measure number="0" implicit="yes">`` holding just its notes, then bars 1, 2, …),
    beams and tuplets, pitches spelled for the key, the seed notes coloured like the piano roll's
    seed, and optional ``lyrics``: one syllable (or None) per note; a trailing '-' joins to the next.
    An empty syllable ('') continues the one before it (an extender line).
    """
    if lyrics is not None and len(lyrics) > len(melody.notes):
        raise ValueError(f"{len(lyrics)} lyric syllables for {len(melody.notes)} notes")
    speller, fifths = Speller.for_key(melody.key), key_fifths(melody.key)
    bars = _bars(melody, speller)
    _mark_accidentals(bars, fifths)
    groups = beam_groups(melody.meter)
    for bar in bars:
        _mark_tuplets(bar)
        _mark_beams(bar, groups)
    syllables: list[tuple[str, str, bool] | None] = []
    joined = False
    texts = list(lyrics or [])
    for i, text in enumerate(texts):
        sung = bool(text) and melody.notes[i].pitch is not None
        held = i + 1 < len(texts) and texts[i + 1] == ""  # '' continues this syllable: an extender line
        syllables.append((*syllable(text, joined), held and not text.endswith("-")) if sung else None)
        joined = text.endswith("-") if sung else joined

    root = ET.Element("score-partwise", version="4.0")
    if title:
        _add(_add(root, "work"), "work-title", title)
        _add(root, "movement-title", title)
    encoding = _add(_add(root, "identification"), "encoding")
    _add(encoding, "software", "MusicGenius")
    for feature in ("accidental", "beam"):
        _add(encoding, "supports", element=feature, type="yes")
    _add(_add(_add(root, "part-list"), "score-part", id="P1"), "part-name")
    part = _add(root, "part", id="P1")
    starts = line_starts(melody)
    clef = _clef([speller.spell(n.pitch) for n in melody.notes if n.pitch is not None])
    for position, bar in enumerate(bars, 1):
        implicit = {"implicit": "yes"} if melody.pickup and position == 1 else {}  # not counted: bar 0
        measure = _add(part, "measure", number=str(position - 1 if melody.pickup else position), **implicit)
        if position in starts or position == 1:  # the first bar too: verovio's smart breaks warn if a score gives none
            _add(measure, "print", **{"new-system": "yes"})
        if position == 1:
            _attributes(measure, melody, fifths, clef)
        for w in bar or [Written(None, melody.meter.bar_ticks, 0, 0)]:
            first = not w.tie_stop and w.index < len(melody.notes)
            lyric = syllables[w.index] if first and w.index < len(syllables) else None
            _note(measure, w, melody.meter.bar_ticks, w.pitch is not None and w.index < melody.seed_len, lyric)
    barline = _add(measure, "barline", location="right")
    _add(barline, "bar-style", "light-heavy")
    ET.indent(root)
    return (_HEADER + ET.tostring(root, encoding="unicode") + "\n").encode()
