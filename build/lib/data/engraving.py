"""Sheet music images: MusicXML -> verovio SVG pages -> cairosvg PNGs. The only module importing them.

CPU work (0.1-0.3 s a page): call it from an executor. A verovio toolkit is not thread safe, so each
call makes its own (a few ms) and the layout runs under a lock; rasterising runs in parallel.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from importlib.resources import files
from pathlib import Path

import cairosvg
import verovio

MUSIC_FONT = "Leipzig"
_VEROVIO = threading.Lock()
# verovio's fonts and glyph files. Its default path is set per thread (on import, in the importing
# thread): a toolkit made in an executor thread would find no fonts, so each is given the path.
_RESOURCES = Path(str(files("verovio") / "data"))

# Verovio writes music symbols inside text (the note of a metronome mark) in the SMuFL font, which
# it embeds as a WOFF2 @font-face: browsers draw it, cairo does not (it shows an empty box). Those
# glyphs are redrawn as paths from verovio's own glyph files.
_SMUFL_TEXT = re.compile(
    r'<text x="(?P<x>-?[\d.]+)" y="(?P<y>-?[\d.]+)"(?P<attrs>[^>]*)>(?P<head>(?:\s*<tspan[^>]*>)*\s*)'
    rf'<tspan font-family="{MUSIC_FONT}" font-size="(?P<size>[\d.]+)px">(?P<glyphs>[^<]*)</tspan>'
)


@functools.cache
def _glyph(char: str) -> tuple[str, float]:
    """A SMuFL glyph's SVG path element and its advance width (per 1 px of font size)."""
    code = f"{ord(char):04X}"
    file = _RESOURCES / MUSIC_FONT / f"{code}.xml"
    if not file.exists():
        return "", 0.0
    path = re.search(r"<path[^>]*/>", file.read_text())
    box = re.search(rf'<g c="{code}"[^>]*h-a-x="([\d.]+)"', (_RESOURCES / f"{MUSIC_FONT}.xml").read_text())
    return (path[0] if path else ""), (float(box[1]) / 1000 if box else 0.0)


def _draw_smufl_text(svg: str) -> str:
    """Replace music-font glyphs that open a text element by paths; the rest of the text moves right."""

    def redraw(match: re.Match[str]) -> str:
        x, y, size = float(match["x"]), float(match["y"]), float(match["size"]) / 1000
        paths, advance = [], 0.0
        for char in html.unescape(match["glyphs"]):
            path, width = _glyph(char)
            if path:
                paths.append(f'<g transform="translate({x + advance:.1f},{y}) scale({size:.4f})">{path}</g>')
            advance += width * size * 1000
        return (f'{"".join(paths)}<text x="{x + advance:.1f}" y="{match["y"]}"{match["attrs"]}>{match["head"]}'
                f'<tspan font-size="{match["size"]}px"></tspan>')

    return _SMUFL_TEXT.sub(redraw, svg)


def svg_pages(xml: bytes, width: int = 1600, scale: int = 100, max_pages: int = 4) -> list[str]:
    """The first ``max_pages`` pages of a MusicXML score as SVG, ``width`` px wide, heights fitted."""
    page_width = round(width * 100 / scale)  # verovio units: the SVG is pageWidth * scale / 100 px wide
    options = {
        "pageWidth": page_width,
        "pageHeight": page_width,  # six lines (about 24 bars) a page: 64 bars fit the 4-page cap
        "scale": scale,
        "adjustPageHeight": True,
        "header": "auto",
        "footer": "none",
        "breaks": "smart",  # the score's line breaks (every 4 bars) unless a line overflows or is too short
        "breaksSmartSb": 0.5,
        "breaksNoWidow": True,
        "pageMarginLeft": 50,
        "pageMarginRight": 50,
        "pageMarginTop": 40,
        "pageMarginBottom": 40,
        "spacingSystem": 4,
        "spacingLinear": 0.2,  # a little tighter than verovio's 0.25: four bars of 4/4 eighths fit a line
        "font": MUSIC_FONT,
    }
    with _VEROVIO:
        verovio.enableLog(verovio.LOG_OFF)
        toolkit = verovio.toolkit(False)
        toolkit.setResourcePath(str(_RESOURCES))
        toolkit.setOptions(options)
        if not toolkit.loadData(xml.decode("utf-8")):
            raise ValueError("verovio could not read the MusicXML")
        pages = min(toolkit.getPageCount(), max_pages)
        svgs = [toolkit.renderToSVG(page) for page in range(1, pages + 1)]
    return [_draw_smufl_text(svg) for svg in svgs]


def musicxml_to_pngs(xml: bytes, width: int = 1600, scale: int = 100, max_pages: int = 4) -> list[bytes]:
    """The score as PNG pages on white, ``width`` px wide, at most ``max_pages`` (the rest is cut).

    ``scale`` is verovio's zoom: a staff is about 0.72 * scale px high, so the default 100 gives 72 px
    staves and four bars a line, still readable when Discord shows the image 550-800 px wide. Pages hold
    six lines (about 24 bars, fewer for busy tunes); a longer score is cut after ``max_pages``.
    """
    return [cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width, background_color="white")
            for svg in svg_pages(xml, width, scale, max_pages)]
