"""Marks written into a MusicXML score at given ticks: rehearsal letters (boxed, above the staff) and words above or
below it (roman numerals, cadence names). Standard library only, like ``data.musicxml``; verovio draws both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from xml.etree import ElementTree as ET

from data.events import TPQ


@dataclass(frozen=True)
class Mark:
    tick: int  # from the score's start
    text: str
    kind: str = "below"  # "letter" (boxed, above), "above" or "below" (words)
    italic: bool = False


def _direction(mark: Mark, offset: int) -> ET.Element:
    direction = ET.Element("direction", {"placement": "below" if mark.kind == "below" else "above"})
    kind = ET.SubElement(direction, "direction-type")
    if mark.kind == "letter":
        ET.SubElement(kind, "rehearsal", {"enclosure": "square", "font-weight": "bold"}).text = mark.text
    else:
        attributes = {"font-style": "italic"} if mark.italic else {}
        ET.SubElement(kind, "words", attributes).text = mark.text
    if offset:
        ET.SubElement(direction, "offset").text = str(offset)
    return direction


def add_marks(musicxml: bytes, marks: list[Mark]) -> bytes:
    """The score with each mark placed before the note sounding at its tick (with an offset when the tick falls
    inside the note), in the first part; marks past the end are dropped."""
    return insert_at_ticks(musicxml, [(m.tick, partial(_direction, m)) for m in marks], indent=True)


def insert_at_ticks(musicxml: bytes, items: list[tuple[int, Callable[[int], ET.Element]]],
                    indent: bool = False) -> bytes:
    """Insert, into the first part, an element before the note sounding at each tick: ``make(offset)`` builds it,
    ``offset`` in divisions when the tick falls inside the note. Items at one note keep their order; items past
    the end are dropped."""
    head, _, _ = musicxml.partition(b"<score-partwise")
    root = ET.fromstring(musicxml)
    part = root.find("part")
    if part is None:
        return musicxml
    pending = sorted(items, key=lambda item: item[0])
    divisions, measure_start = 1, Fraction(0)
    for measure in part.findall("measure"):
        found = measure.find("attributes/divisions")
        if found is not None and found.text:
            divisions = int(found.text)
        slots: list[tuple[Fraction, Fraction, int]] = []  # (start, end) in quarters of each note, element index
        now = Fraction(0)
        for index, element in enumerate(list(measure)):
            if element.tag == "note" and element.find("chord") is None:
                length = Fraction(int(element.findtext("duration", "0")), divisions)
                slots.append((now, now + length, index))
                now += length
            elif element.tag in ("backup", "forward"):
                step = Fraction(int(element.findtext("duration", "0")), divisions)
                now += step if element.tag == "forward" else -step
        inserts = []
        while pending and slots and Fraction(pending[0][0], TPQ) < measure_start + now:
            tick, make = pending.pop(0)
            at = Fraction(tick, TPQ) - measure_start
            start, _, index = next((s for s in slots if s[0] <= at < s[1]), slots[-1])
            inserts.append((index, make(int((at - start) * divisions))))
        for _, (index, element) in sorted(enumerate(inserts), key=lambda x: (-x[1][0], -x[0])):
            measure.insert(index, element)  # the last first, so that items at one note keep their order
        measure_start += now
    if indent:
        ET.indent(root)
    return head + ET.tostring(root, encoding="unicode").encode() + (b"\n" if indent else b"")
