"""Sheet music: what a musician sees in the MusicXML (read back with music21) and in the PNG pages."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest
from music21 import converter, stream
from PIL import Image

from data.engraving import musicxml_to_pngs, svg_pages
from data.events import TPQ, Key, Melody, Meter, Note
from data.musicxml import SEED_COLOUR, melody_to_musicxml

Q, E, H, W = TPQ, TPQ // 2, TPQ * 2, TPQ * 4
C_SCALE = tuple(Note(p, Q) for p in (60, 62, 64, 65, 67, 69, 71, 72))


def melody(notes, key: str = "C major", meter: Meter | None = None, tempo: int = 120, seed_len: int = 0) -> Melody:
    return Melody(tuple(notes), Key.parse(key), meter or Meter(4, 4), tempo, seed_len)


def jig() -> Melody:
    """Eight bars of 6/8 in G: eighths in threes, dotted values, and a note tied over a bar line."""
    bars = [[(67, E), (71, E), (74, E), (67, E), (71, E), (74, E)], [(72, Q), (76, E), (74, 18)],
            [(71, E), (69, E), (67, E), (69, Q), (71, E)], [(69, 18), (62, 18)],
            [(67, E), (71, E), (74, E), (76, E), (74, E), (72, E)], [(71, 18), (69, Q), (67, E + 18)],
            [(66, E), (64, E), (66, E)], [(67, 18), (None, 18)]]
    return melody([Note(p, t) for bar in bars for p, t in bar], "G major", Meter(6, 8), 100, seed_len=6)


def air() -> Melody:
    """Eight bars of 4/4 in F: a whole note on beat 3, a triplet, chromatic notes, a short last bar."""
    bars = [[(65, Q), (69, E), (72, E), (77, Q), (76, E), (74, E)], [(72, E), (70, E), (69, Q), (67, W)],
            [(69, Q), (70, 4), (69, 4), (67, 4)], [(65, E), (67, E), (68, E), (71, E), (72, H)],
            [(74, Q + E), (72, E), (70, Q), (69, Q)], [(67, H), (None, Q), (72, Q)],
            [(77, E), (76, E), (74, E), (72, E), (70, Q), (67, Q)], [(65, H + Q)]]
    return melody([Note(p, t) for bar in bars for p, t in bar], "F major", Meter(4, 4), 110, seed_len=4)


def parse(xml: bytes) -> stream.Score:
    return converter.parseData(xml, format="musicxml")


def notes_back(score: stream.Score) -> list:
    return list(score.recurse().notesAndRests)


def merged(score: stream.Score) -> list[Note]:
    """The notes read back with tied notes joined again, as the project's Notes."""
    out: list[Note] = []
    for n in notes_back(score):
        ticks = int(Fraction(n.quarterLength) * TPQ)
        if n.isNote and n.tie is not None and n.tie.type in ("stop", "continue"):
            out[-1] = Note(out[-1].pitch, out[-1].ticks + ticks)
        else:
            out.append(Note(n.pitch.midi if n.isNote else None, ticks))
    return out


def measures(score: stream.Score) -> list[stream.Measure]:
    return list(score.parts[0].getElementsByClass(stream.Measure))


# ---- MusicXML ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "sharps"), [("C major", 0), ("G major", 1), ("F major", -1), ("D dorian", 0),
                                             ("E minor", 1), ("A mixolydian", 2), ("Bb major", -2),
                                             ("E phrygian", 0), ("F# major", 6), ("D# major", -3)])
def test_key_signature_is_the_modes_parent_scale(key, sharps):
    score = parse(melody_to_musicxml(melody(C_SCALE, key)))
    signatures = list(score.recurse().getElementsByClass("KeySignature"))
    assert signatures[0].sharps == sharps  # D# major (9 sharps) is written as E-flat major


def test_time_signature_tempo_title_and_bar_count():
    tune = jig()
    score = parse(melody_to_musicxml(tune, "Jig in G"))
    assert [ts.ratioString for ts in score.recurse().getElementsByClass("TimeSignature")] == ["6/8"]
    assert [mm.number for mm in score.recurse().getElementsByClass("MetronomeMark")] == [100]
    assert score.metadata.bestTitle == "Jig in G"
    assert len(measures(score)) == tune.bars == 8


def test_no_placeholder_title_or_composer():
    xml = melody_to_musicxml(melody(C_SCALE)).decode()
    assert "Music21" not in xml.replace("music21 v.", "")  # the encoder's name is fine, "Music21 Fragment" not


def test_pitches_and_durations_come_back_in_order():
    for tune in (melody(C_SCALE), jig(), air()):
        back = merged(parse(melody_to_musicxml(tune)))
        assert back[:len(tune.notes)] == list(tune.notes)
        assert all(n.pitch is None for n in back[len(tune.notes):])  # only rests complete the last bar
        assert sum(n.ticks for n in back) == tune.bars * tune.meter.bar_ticks


def test_a_whole_note_on_beat_three_is_two_tied_halves():
    score = parse(melody_to_musicxml(melody([Note(60, H), Note(67, W), Note(64, H)])))
    first, second = measures(score)[:2]
    tied = [n for n in first.notes if n.pitch.midi == 67] + [n for n in second.notes if n.pitch.midi == 67]
    assert [(n.quarterLength, n.tie.type) for n in tied] == [(2.0, "start"), (2.0, "stop")]
    assert len(measures(score)) == 2


def test_triplets_survive():
    score = parse(melody_to_musicxml(melody([Note(60, 4), Note(62, 4), Note(64, 4), Note(65, 8), Note(67, 4),
                                             Note(69, 24)])))
    triplets = [n for n in notes_back(score) if n.duration.tuplets]
    assert [Fraction(n.quarterLength) for n in triplets] == [Fraction(1, 3)] * 3 + [Fraction(2, 3), Fraction(1, 3)]
    assert all(n.duration.tuplets[0].numberNotesActual == 3 for n in triplets)


def test_six_eight_is_beamed_in_threes_and_ends_on_a_full_bar():
    score = parse(melody_to_musicxml(jig()))
    bar_one = list(measures(score)[0].notes)
    assert [n.beams.getTypes()[0] for n in bar_one] == ["start", "continue", "stop"] * 2
    last = measures(score)[-1]
    assert last.duration.quarterLength == 3.0
    assert [(n.isRest, n.quarterLength) for n in last.notesAndRests] == [(False, 1.5), (True, 1.5)]


def test_pitches_are_spelled_for_the_key():
    def names(key: str, pitches: list[int]) -> list[str]:
        score = parse(melody_to_musicxml(melody([Note(p, Q) for p in pitches], key)))
        return [n.pitch.name for n in score.recurse().notes]

    assert names("F major", [70, 68, 66]) == ["B-", "A-", "F#"]  # the flat third, the sharp first
    assert names("G major", [66, 63, 70, 61]) == ["F#", "E-", "B-", "C#"]  # flat 6th and 3rd, sharp 4th
    assert names("D dorian", [71, 72, 70, 73]) == ["B", "C", "B-", "C#"]  # dorian's B natural; its leading tone
    assert names("F# minor", [65, 74]) == ["E#", "D"]  # the leading tone
    assert names("F# major", [65, 70]) == ["E#", "A#"]  # the key's own E sharp
    assert names("Gb major", [71, 70]) == ["C-", "B-"]


def test_accidentals_show_only_where_a_musician_needs_them():
    score = parse(melody_to_musicxml(melody([Note(p, Q) for p in (66, 65, 65, 66, 66)], "G major")))
    shown = [bool(n.pitch.accidental and n.pitch.accidental.displayStatus) for n in score.recurse().notes]
    assert shown == [False, True, False, True, False]  # F# in the key; F natural; back to F sharp


def test_lines_are_four_bar_phrases_or_two_bars_when_busy():
    def line_starts(tune: Melody) -> list[int]:
        xml = melody_to_musicxml(tune).decode()
        return [int(n) for n in re.findall(r'<measure[^>]*number="(\d+)"[^>]*>\s*<print new-system="yes"', xml)]

    assert line_starts(jig()) == [1, 5]  # bar 1 says it starts a line too: verovio's smart breaks want one
    assert line_starts(melody([Note(60, 3)] * 16 * 6)) == [1, 3, 5]  # sixteenths: two bars a line


def test_low_melodies_get_a_bass_clef():
    score = parse(melody_to_musicxml(melody([Note(p, Q) for p in (40, 43, 45, 47, 48, 50, 52, 43)], "E minor")))
    assert next(score.recurse().getElementsByClass("Clef")).sign == "F"


def test_seed_notes_are_coloured_and_lyrics_attached():
    tune = air()
    syllables = ["Ma-", "ry", "had", "a", None, "lamb"]
    score = parse(melody_to_musicxml(tune, lyrics=syllables))
    notes = list(score.recurse().notes)
    assert [n.style.color for n in notes[:5]] == [SEED_COLOUR.upper()] * 4 + [None]
    assert [n.lyric for n in notes[:6]] == ["Ma", "ry", "had", "a", None, "lamb"]
    assert notes[0].lyrics[0].syllabic == "begin"
    tied_g = [n for n in notes if n.pitch.midi == 67][:2]
    assert [n.lyric for n in tied_g] == [None, None]  # a tied continuation does not repeat a syllable
    with pytest.raises(ValueError):
        melody_to_musicxml(melody(C_SCALE[:2]), lyrics=["a", "b", "c"])


# ---- PNG pages ------------------------------------------------------------------------------------
def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("L")


def dark_pixels(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(img.crop(box).histogram()[:128])


def test_pages_are_wide_white_pngs_with_a_visible_title():
    xml = melody_to_musicxml(air(), "Air in F")
    start = time.perf_counter()
    pngs = musicxml_to_pngs(xml)
    print(f"8 bars -> {len(pngs)} page(s) in {time.perf_counter() - start:.2f} s")
    assert len(pngs) == 1
    img = image(pngs[0])
    assert img.width >= 800 and img.width == 1600 and 300 < img.height < 1200
    assert img.getpixel((0, 0)) == 255 and img.getpixel((img.width - 1, img.height - 1)) == 255  # not transparent
    assert dark_pixels(img, (img.width * 3 // 10, 0, img.width * 7 // 10, 90)) > 300  # centred title text
    untitled = image(musicxml_to_pngs(melody_to_musicxml(air()))[0])
    assert img.height - untitled.height > 50  # the title takes its own band above the music
    assert dark_pixels(img, (0, 90, img.width, img.height)) > 20_000  # staves and notes
    assert "Air in F" in svg_pages(xml)[0]


def test_metronome_note_is_drawn_not_left_to_a_missing_font():
    svg = svg_pages(melody_to_musicxml(jig()))[0]
    assert re.search(r'font-family="Leipzig"[^>]*>[^<\s]', svg) is None
    assert re.search(r"=\s*100", re.sub(r"<[^>]+>", "", svg))


@pytest.mark.slow
def test_long_melodies_are_paginated_up_to_the_cap():
    tune = melody([Note(p, E) for p in (60, 64, 67, 72, 71, 67, 64, 62)] * 64)
    assert tune.bars == 64
    xml = melody_to_musicxml(tune, "Long")
    assert 1 < len(svg_pages(xml, max_pages=10)) <= 4  # the longest melody the bot makes fits the default cap
    pages = musicxml_to_pngs(xml, max_pages=2)
    assert len(pages) == 2
    assert all(image(page).width == 1600 and image(page).height > 800 for page in pages)


def test_rendering_from_a_thread_pool():
    xmls = [melody_to_musicxml(jig()), melody_to_musicxml(air())] * 2
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(musicxml_to_pngs, xmls))
    assert [len(pages) for pages in results] == [1] * 4
    assert all(image(pages[0]).width == 1600 for pages in results)
