"""An uploaded MusicXML score -> its parts, which ``data.midi.seed_from_midi`` reads a melody from as it reads a MIDI
file's tracks: what MuseScore, Finale, Sibelius, Dorico and most notation programs export, as ``.musicxml`` / ``.xml``
text or compressed ``.mxl``.

Read with the standard library's XML parser (expat: no external entity or DTD is fetched, and entity expansion is
limited), partwise scores only. Each part's notes keep their times across voices and staves (``<backup>``,
``<forward>``, chords) and sound where a transposing instrument's part says (``<transpose>``: a Bb clarinet's
written D is a C); tied notes become one note; grace notes, cue notes and unpitched (percussion) notes are not
melody. The first time signature, key signature and tempo are kept, and a first bar shorter than its time signature
(a pickup, MuseScore's ``implicit`` bar 0) puts the bar lines where the score has them. Repeats and endings are
played as written (``played_order``), as a MIDI file of the score sounds and an ABC tune is read.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from fractions import Fraction
from xml.etree import ElementTree as ET

from data.chord_kinds import QUALITIES
from data.errors import MusicError
from data.events import LETTER_PC, SHARP_NAMES
from data.midi_voices import HORIZON_BEATS, Part, Scan

DIVISION = 960  # the scan's ticks per quarter note (a score's own divisions may change from bar to bar)
MAX_XML_BYTES = 4_000_000  # the score inside an .mxl archive, unpacked
BEAT_UNITS = {"whole": Fraction(4), "half": Fraction(2), "quarter": Fraction(1), "eighth": Fraction(1, 2),
              "16th": Fraction(1, 4)}
_ZIP = b"PK\x03\x04"
_NUMBER = re.compile(r"[+-]?\d{1,9}(?:\.\d{1,9})?")
_EXPORT = ("Export it from your notation program as MusicXML (.musicxml or .mxl) or MIDI (.mid), or type notes like "
           "`C E G`.")
_DAMAGED = f"That MusicXML file is damaged or cut off, so I can't read it. {_EXPORT}"


def is_musicxml(data: bytes) -> bool:
    """Whether ``data`` is a MusicXML score, or a zip archive (.mxl is one; ``scan_musicxml`` says what else is)."""
    if data[:4] == _ZIP:
        return True
    head = data[:4000]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16, as some Windows programs write it
        head = head.decode("utf-16", "ignore").encode()
    return b"<score-partwise" in head or b"<score-timewise" in head


def _unpack(data: bytes) -> bytes:
    """The score inside an .mxl archive: the one its container names, else its first .musicxml or .xml file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(name.endswith(".mscx") for name in names):
                raise MusicError(f"That's a MuseScore file (.mscz), which I can't read. {_EXPORT}")
            name = next((n for n in _rootfiles(archive) if n in names), None) or next(
                (n for n in names if n.endswith((".musicxml", ".xml")) and not n.startswith("META-INF/")), None)
            if name is None:
                raise MusicError(f"That zip archive holds no MusicXML score. {_EXPORT}")
            with archive.open(name) as member:
                xml = member.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError):  # damaged, cut off, an unknown compression, encrypted
        raise MusicError(_DAMAGED) from None
    if len(xml) > MAX_XML_BYTES:
        raise MusicError(f"That score unpacks to more than {MAX_XML_BYTES // 1_000_000} MB: give me just its melody. "
                         f"{_EXPORT}")
    return xml


def _rootfiles(archive: zipfile.ZipFile) -> list[str]:
    """The scores an .mxl's ``META-INF/container.xml`` names, first first."""
    try:
        with archive.open("META-INF/container.xml") as member:
            container = ET.fromstring(member.read(100_000))
    except (KeyError, ET.ParseError):
        return []
    return [e.get("full-path", "") for e in container.iter() if e.tag.rpartition("}")[2] == "rootfile"]


def scan_musicxml(data: bytes) -> Scan:
    """Every part's pitched notes (in ``DIVISION`` ticks a quarter), with the score's first meter, key and tempo."""
    xml = _unpack(data) if data[:4] == _ZIP else data
    try:
        root = ET.fromstring(xml)
    except (ET.ParseError, ValueError, LookupError):
        raise MusicError(_DAMAGED) from None
    if root.tag == "score-timewise":
        raise MusicError(f"That MusicXML file is written bar by bar (timewise), which I can't read. {_EXPORT}")
    if root.tag != "score-partwise":
        raise MusicError(_DAMAGED)
    scan = Scan(DIVISION, kind="MusicXML file", unit="part")
    names = {p.get("id"): " ".join((p.findtext("part-name") or "").split())[:40].replace("`", "'")
             for p in root.iter("score-part")}
    for index, part in enumerate(root.findall("part")):
        try:
            _read_part(scan, index, part, names.get(part.get("id"), ""))
        except (ValueError, ZeroDivisionError, KeyError):  # a number or a note name that is not one
            raise MusicError(_DAMAGED) from None
    return scan


def _number(text: str | None) -> Fraction:
    """A MusicXML number ("12", "0.5", "-1"); 0 when missing. ValueError for anything else, and for exponents and
    long digit strings: ``Fraction("1e99999999")`` would take minutes and gigabytes."""
    if not text or not text.strip():
        return Fraction(0)
    if not _NUMBER.fullmatch(text.strip()):
        raise ValueError(f"not a MusicXML number: {text[:20]!r}")
    return Fraction(text.strip())


def _tick(quarters: Fraction) -> int:
    return round(quarters * DIVISION)


def _quarters_per_minute(element: ET.Element) -> Fraction:
    """A ``<sound tempo>`` (quarters a minute), else a metronome mark's speed in quarters; 0 when neither."""
    sound = element if element.tag == "sound" else element.find("sound")
    if sound is not None and sound.get("tempo"):
        return _number(sound.get("tempo"))
    metronome = element.find("direction-type/metronome")
    if metronome is None or (unit := BEAT_UNITS.get(metronome.findtext("beat-unit") or "")) is None:
        return Fraction(0)
    dots = len(metronome.findall("beat-unit-dot"))
    return _number(metronome.findtext("per-minute")) * unit * (2 - Fraction(1, 2**dots))


def _transposition(element: ET.Element, before: int) -> int:
    """Semitones from written to sounding pitch that ``<attributes>`` sets (a Bb clarinet's -2), else ``before``."""
    transpose = element.find("transpose")
    if transpose is None:
        return before
    return int(_number(transpose.findtext("chromatic"))) + 12 * int(_number(transpose.findtext("octave-change")))


def _attributes(scan: Scan, element: ET.Element, at: int, first_part: bool, transpose: int) -> Fraction | None:
    """Note a time and key signature (the first part's times; the first key, at sounding pitch); the bar's length in
    quarters or None."""
    key = element.find("key")
    if key is not None and key.findtext("fifths") is not None and scan.signature is None:
        shift = transpose * 7 % 12  # a Bb clarinet's part is written with two sharps more than the key it sounds in
        fifths = int(_number(key.findtext("fifths"))) + shift - 12 * (shift > 6)
        scan.signature = (at, fifths, int(key.findtext("mode") == "minor"))
    time = element.find("time")
    if time is None or time.find("senza-misura") is not None:
        return None
    beats = sum(int(_number(b)) for b in (time.findtext("beats") or "").split("+"))
    beat_type = int(_number(time.findtext("beat-type")))
    if beats < 1 or beat_type not in (1, 2, 4, 8, 16, 32):
        return None
    if first_part:
        scan.meters.append((at, beats, beat_type.bit_length() - 1))
    return Fraction(4 * beats, beat_type)


def _read_part(scan: Scan, index: int, part: ET.Element, name: str) -> None:
    """One part's notes into ``scan`` (ties joined, chords and voices at their times); its first bar, when short, is
    a pickup (the first part's says where the bar lines fall)."""
    divisions, bar_start, bar, transpose = Fraction(1), Fraction(0), None, 0
    notes: list[list[int]] = []  # [start, end, pitch] in ticks
    tied: dict[tuple[str, int], int] = {}  # (voice, pitch) -> the note a tie goes on from
    measures = part.findall("measure")
    for number, written in enumerate(played_order(measures)):
        measure = measures[written]
        if bar_start > HORIZON_BEATS:
            scan.late_notes += bool(measure.find("note/pitch") is not None)
            break
        pos = furthest = onset = Fraction(0)
        for element in measure:
            at = _tick(bar_start + pos)
            if element.tag == "attributes":
                divisions = _number(element.findtext("divisions")) or divisions
                transpose = _transposition(element, transpose)
                bar = _attributes(scan, element, at, index == 0, transpose) or bar
            elif element.tag in ("backup", "forward"):
                step = _number(element.findtext("duration")) / divisions
                pos = max(pos - step, Fraction(0)) if element.tag == "backup" else pos + step
            elif element.tag == "harmony" and (symbol := _chord_symbol(element)) is not None:
                offset = _number(element.findtext("offset")) / divisions
                scan.symbols.setdefault(_tick(bar_start + pos + offset), symbol)
            elif element.tag in ("direction", "sound") and (qpm := _quarters_per_minute(element)) > 0:
                if scan.tempo is None or at < scan.tempo[0]:
                    scan.tempo = (at, round(60_000_000 / qpm))
            elif element.tag == "note" and element.find("grace") is None:
                length = max(_number(element.findtext("duration")) / divisions, Fraction(0))
                if element.find("chord") is None:
                    onset, pos = pos, pos + length
                furthest = max(furthest, pos, onset + length)
                pitch = element.find("pitch")
                if element.find("cue") is not None or element.find("rest") is not None:
                    continue
                if pitch is None:
                    scan.drum_notes += element.find("unpitched") is not None
                    continue
                midi = _sounding(pitch, transpose)
                if 0 <= midi <= 127 and length and bar_start + onset <= HORIZON_BEATS:
                    _add_note(notes, tied, element, _tick(bar_start + onset), _tick(bar_start + onset + length), midi)
                    if (sung := _syllable(element)) and element.find("chord") is None:
                        scan.lyrics.setdefault(index, {})[_tick(bar_start + onset)] = sung
            furthest = max(furthest, pos)
        if number == 0 and bar and 0 < furthest < bar and index == 0:
            scan.origin = _tick(furthest)  # a pickup bar: the next bar line is where the score's bars count from
        bar_start += furthest or bar or 4
    if notes:
        unnamed = not name or name == "MusicXML Part"  # music21's and some programs' placeholder
        scan.parts[(index, 0)] = Part(f"Part {index + 1}" if unnamed else name, 0, [(s, e, p) for s, e, p in notes], "")


def played_order(measures: list[ET.Element]) -> list[int]:
    """The bars' indices as the music is played: a ``|: … :|`` section twice (or its ``times``, at most 4), each
    ending (volta) on the time through it is numbered for, skipped on the others, as music21's ``expandRepeats``
    reads them; a score without repeats in order. At most 8 times the bars written."""
    marks = [_repeat_marks(m) for m in measures]
    order: list[int] = []
    i, start, time_through = 0, 0, 1
    while i < len(measures) and len(order) < 8 * len(measures):
        forward, times, numbers, ends = marks[i]
        if forward and i != start:
            start, time_through = i, 1
        if numbers and time_through not in numbers:  # an ending for another time through: on past it
            while i + 1 < len(measures) and not marks[i][3]:
                i += 1
            i += 1
            continue
        order.append(i)
        if times and time_through < times:
            i, time_through = start, time_through + 1
            continue
        if times or ends:  # the section (or its last ending) is done: a later :| goes back to the bar after it
            start, time_through = i + 1, 1
        i += 1
    return order


def _repeat_marks(measure: ET.Element) -> tuple[bool, int, frozenset[int] | None, bool]:
    """A bar's repeat signs: whether a ``|:`` opens it, how many times a ``:|`` closing it plays the section (0: none),
    the times through an ending (volta) starting here is for, and whether an ending stops here."""
    forward, times, numbers, ends = False, 0, None, False
    for barline in measure.findall("barline"):
        repeat = barline.find("repeat")
        if repeat is not None and repeat.get("direction") == "forward":
            forward = True
        elif repeat is not None and repeat.get("direction") == "backward":
            times = min(max(int(_number(repeat.get("times"))) or 2, 2), 4)
        for ending in barline.findall("ending"):
            if ending.get("type") == "start":
                numbers = frozenset(int(n) for n in re.findall(r"\d+", ending.get("number") or "")[:8]) or None
            elif ending.get("type") in ("stop", "discontinue"):
                ends = True
    return forward, times, numbers, ends


# MusicXML's chord kinds -> the suffixes chord symbols are typed with (data.chord_kinds); "none" is no chord (N.C.)
KIND_SUFFIX = {"major": "", "minor": "m", "augmented": "aug", "diminished": "dim", "dominant": "7",
               "major-seventh": "maj7", "minor-seventh": "m7", "diminished-seventh": "dim7",
               "augmented-seventh": "aug7", "half-diminished": "m7b5", "major-minor": "m(maj7)",
               "major-sixth": "6", "minor-sixth": "m6", "dominant-ninth": "9", "major-ninth": "maj9",
               "minor-ninth": "m9", "dominant-11th": "11", "minor-11th": "m11", "dominant-13th": "13",
               "suspended-second": "sus2", "suspended-fourth": "sus4", "power": "5"}


def _chord_symbol(harmony: ET.Element) -> tuple[int, str] | None:
    """A ``<harmony>``'s root pitch class and suffix (`/bass` included): its ``kind``'s own text where that is a
    suffix I read (`m7`, `7b9`), else the kind's; None for no chord or one I can't name."""
    step, kind = harmony.findtext("root/root-step"), harmony.find("kind")
    if not step or step.strip() not in LETTER_PC or kind is None:
        return None
    text, value = (kind.get("text") or "").strip(), (kind.text or "").strip()
    suffix = QUALITIES[text][0] if text in QUALITIES and value != "none" else KIND_SUFFIX.get(value)
    if suffix is None:
        return None
    root = (LETTER_PC[step.strip()] + round(_number(harmony.findtext("root/root-alter")))) % 12
    bass = harmony.findtext("bass/bass-step")
    if bass and bass.strip() in LETTER_PC:
        low = (LETTER_PC[bass.strip()] + round(_number(harmony.findtext("bass/bass-alter")))) % 12
        suffix += f"/{SHARP_NAMES[low]}"
    return root, suffix


def _syllable(note: ET.Element) -> str | None:
    """The first verse's syllable under a note, '-' after one that a word goes on from (``syllabic`` begin, middle)."""
    lyric = next((e for e in note.findall("lyric") if e.get("number", "1") == "1"), note.find("lyric"))
    text = " ".join((lyric.findtext("text") or "").split()) if lyric is not None else ""
    if not text:
        return None
    return text + "-" if (lyric.findtext("syllabic") or "").strip() in ("begin", "middle") else text


def _sounding(pitch: ET.Element, transpose: int) -> int:
    """A ``<pitch>`` (step, alter, octave) as the MIDI number it sounds, ``transpose`` semitones from written."""
    step, octave = LETTER_PC[(pitch.findtext("step") or "").strip()], int(_number(pitch.findtext("octave")))
    return 12 * (octave + 1) + step + round(_number(pitch.findtext("alter"))) + transpose


def _add_note(notes: list[list[int]], tied: dict[tuple[str, int], int], element: ET.Element, start: int, end: int,
              pitch: int) -> None:
    """A note, or more of the note a tie holds over from (same voice and pitch, ending where this one starts)."""
    ties = {t.get("type") for t in element.findall("tie")} or {t.get("type") for t in element.iter("tied")}
    key = ((element.findtext("voice") or "1").strip(), pitch)
    held = tied.pop(key, None)
    if "stop" in ties and held is not None and notes[held][1] == start:
        notes[held][1] = end
    else:
        notes.append([start, end, pitch])
        held = len(notes) - 1
    if "start" in ties:
        tied[key] = held
