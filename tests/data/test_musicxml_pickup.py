"""A pickup in MusicXML: an implicit bar 0 as long as the pickup, then full bars numbered from 1."""

import io
from xml.etree import ElementTree as ET

from music21 import converter
from PIL import Image

from data.engraving import musicxml_to_pngs
from data.events import TPQ, Key, Melody, Meter, Note
from data.musicxml import line_starts, melody_to_musicxml
from data.notation import parse_seed


def measures(xml: bytes) -> list[ET.Element]:
    return ET.fromstring(xml).findall("./part/measure")


def length(measure: ET.Element) -> int:
    return sum(int(n.findtext("duration")) for n in measure.findall("note"))


def pickup_tune(text: str, meter: Meter, bars: int) -> Melody:
    seed = parse_seed(text, meter=meter)
    fill = seed.pickup + bars * meter.bar_ticks - seed.ticks
    return Melody((*seed.notes, Note(60, fill)), Key(0), meter, 100, len(seed.notes), seed.pickup)


def test_the_first_measure_is_an_implicit_bar_0_a_quarter_long():
    melody = pickup_tune("G | C E G C | D:h", Meter(4, 4), 3)
    xml = melody_to_musicxml(melody)
    bars = measures(xml)
    assert [(m.get("number"), m.get("implicit")) for m in bars] == [("0", "yes"), ("1", None), ("2", None),
                                                                    ("3", None)]
    assert length(bars[0]) == TPQ  # the pickup's quarter, no rests before it
    assert [length(m) for m in bars[1:]] == [4 * TPQ] * 3
    assert bars[0].find("attributes/time/beats").text == "4"  # the meter is the tune's, not 1/4
    parsed = converter.parse(xml).parts[0].getElementsByClass("Measure")
    assert parsed[0].paddingLeft == 3.0 and parsed[0].duration.quarterLength == 1.0  # music21 reads a pickup


def test_a_6_8_pickup_of_two_eighths_is_beamed_in_its_half_bar():
    melody = pickup_tune("D:e E:e | F:q. G:e A:e B:e", Meter(6, 8), 2)
    first = measures(melody_to_musicxml(melody))[0]
    assert length(first) == 12
    assert [n.findtext("beam") for n in first.findall("note")] == ["begin", "end"]


def test_lines_of_four_full_bars_after_the_pickup():
    melody = pickup_tune("G | " + " | ".join(["C E G E"] * 8), Meter(4, 4), 9)
    assert melody.bars == 9 and melody.measures == 10
    assert {6, 10} < line_starts(melody)  # positions: bar 0 with bars 1-4, then bars 5-8, then bar 9
    breaks = [m.get("number") for m in measures(melody_to_musicxml(melody)) if m.find("print") is not None]
    assert breaks == ["0", "5", "9"]


def test_a_melody_without_a_pickup_is_numbered_from_1_as_before():
    melody = Melody((Note(60, 48), Note(62, 48)), Key(0), Meter(4, 4))
    assert [(m.get("number"), m.get("implicit")) for m in measures(melody_to_musicxml(melody))] == [("1", None),
                                                                                                    ("2", None)]


def test_verovio_engraves_the_pickup():
    pages = musicxml_to_pngs(melody_to_musicxml(pickup_tune("G | C E G C | D:h", Meter(4, 4), 2)), output_width=640)
    assert len(pages) == 1 and Image.open(io.BytesIO(pages[0])).width == 640
