"""Score pages drawn cheaply: one verovio toolkit per process, a cut-down SVG that rasterises to the same pixels,
pages drawn at the size Discord shows them, and a forked worker that renders."""

from __future__ import annotations

import io
import multiprocessing
import re

import cairosvg
import numpy as np
import pytest
from PIL import Image

from data import engraving
from data.engraving import musicxml_to_pngs, simplify_svg, svg_pages
from data.events import TPQ, Key, Melody, Meter, Note
from data.theory import melody_to_musicxml, melody_to_musicxml_with_chords

E, Q = TPQ // 2, TPQ


def jig() -> Melody:
    notes = [Note(p, E) for p in (67, 71, 74, 67, 71, 74, 72, 76, 74, 71, 69, 67)] * 4
    return Melody(tuple(notes), Key.parse("G major"), Meter(6, 8), 100, seed_len=6)


def sung() -> tuple[bytes, list[str | None]]:
    tune = jig()
    words = [w for w in re.findall(r"[^\s-]+-?", "O-ver the hills and far a-way the pi-per played a tune") * 5]
    return melody_to_musicxml(tune, "Over the hills", lyrics=words[:len(tune.notes)]), words


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def raster(svg: str, width: int) -> np.ndarray:
    return pixels(cairosvg.svg2png(bytestring=svg.encode(), output_width=width, background_color="white"))


def test_one_toolkit_is_made_and_reused():
    svg_pages(melody_to_musicxml(jig()))
    toolkit = engraving._TOOLKIT["toolkit"]
    for xml in (sung()[0], melody_to_musicxml(jig(), "Again")):
        svg_pages(xml)
        assert engraving._TOOLKIT["toolkit"] is toolkit
    svg_pages(melody_to_musicxml(jig()), width=800)  # other options: set on the same toolkit
    assert engraving._TOOLKIT["toolkit"] is toolkit and engraving._TOOLKIT["options"]["pageWidth"] == 800
    assert "Again" in svg_pages(melody_to_musicxml(jig(), "Again"))[0]  # no state left from the last score


@pytest.mark.parametrize("case", ["plain", "words", "chords"])
def test_the_cut_down_svg_draws_the_same_pixels(case):
    xml = {"plain": lambda: melody_to_musicxml(jig(), "Jig"), "words": lambda: sung()[0],
           "chords": lambda: melody_to_musicxml_with_chords(jig(), [(0, "G"), (36, "C"), (72, "D7")], "Jig")}[case]()
    svg = svg_pages(xml)[0]
    small = simplify_svg(svg)
    assert "<use" not in small and "@font-face" not in svg
    assert small.count("<g") < svg.count("<g") / 2  # the groups that only name things are gone
    for width in (1600, 600):
        assert np.array_equal(raster(svg, width), raster(small, width))


def test_pages_at_discord_size_keep_the_layout():
    xml = sung()[0]
    full, small = pixels(musicxml_to_pngs(xml)[0]), pixels(musicxml_to_pngs(xml, output_width=600)[0])
    assert full.shape[1] == 1600 and small.shape[1] == 600
    assert small.shape[0] == pytest.approx(full.shape[0] * 600 / 1600, abs=2)  # the same page, drawn smaller
    assert (small[:, :, 0] > 150).all(axis=1).sum() > 20  # white space between systems survives
    assert (small.min(axis=2) < 128).sum() > 4000  # staves, notes, words


def _child(xml: bytes, queue) -> None:
    queue.put(len(musicxml_to_pngs(xml, max_pages=1, output_width=600)[0]))


def test_a_forked_worker_renders_with_its_own_toolkit():
    xml = melody_to_musicxml(jig())
    musicxml_to_pngs(xml)  # the parent has a toolkit (and its lock) before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_child, args=(xml, queue))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 0 and queue.get(timeout=5) > 1000


def test_chord_symbols_with_sharps_and_flats_are_drawn_in_a_font_that_has_them():
    """Verovio writes a chord symbol's accidental as a music-font glyph inside the text, which cairo cannot draw (it
    drew C and an empty box for C#): every such glyph becomes its Unicode sign in a text font that has it."""
    melody = Melody((Note(61, 24), Note(70, 24), Note(66, 24), Note(61, 24)), Key(1, "major", "C#"), Meter(), 100)
    xml = melody_to_musicxml_with_chords(melody, [(0, "C#"), (24, "Bbm7"), (48, "F#/A#"), (72, "C#7")])
    svg = svg_pages(xml)[0]
    harmony = "".join(re.findall(r'class="harm">(.*?)</text>', svg))
    assert re.sub(r"<[^>]+>", "", harmony) == "C♯B♭m7F♯/A♯C♯7"
    assert not re.search("[\ue000-\uf8ff]", harmony)  # no private-use music-font glyph left in a chord symbol
    assert f'font-family="{engraving.ACCIDENTAL_FONT}"' in harmony
