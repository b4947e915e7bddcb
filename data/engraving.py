"""Sheet music images: MusicXML -> verovio SVG pages -> cairosvg PNGs. The only module importing them.

CPU work (~10 ms of layout and 15-45 ms of rasterising a page): call it from an executor. One verovio toolkit
per process is made on first use and reused; a toolkit is not thread safe, so the layout runs under a lock
(a forked child, such as a process pool worker, gets a fresh lock and toolkit). Rasterising runs in parallel.

cairosvg's cost is per SVG element, not per pixel, so before it sees a page the SVG is cut down to the same
drawing in fewer elements (``simplify_svg``): no embedded web font (cairo never used it), each glyph ``<use>``
becomes one path, groups and text spans that only name a part of the score (``<g class="note">``) are dropped
around their contents, a syllable's text takes its one span's size, and the five lines of a staff are one path.
The PNG is pixel for pixel the one the full SVG gives, at about half the CPU; drawn smaller (``output_width``,
the size Discord shows) it costs a little less again.
"""

from __future__ import annotations

import functools
import html
import os
import re
import threading
from importlib.resources import files
from pathlib import Path

import cairosvg
import verovio

MUSIC_FONT = "Leipzig"
_VEROVIO = threading.Lock()
LYRIC_SIZE = 4.5  # verovio's own, in staff spaces
_TOOLKIT: dict[str, object] = {}  # "toolkit": the process's verovio toolkit, "options": the options it has
# verovio's fonts and glyph files. Its default path is set per thread (on import, in the importing
# thread): a toolkit made in an executor thread would find no fonts, so it is given the path.
_RESOURCES = Path(str(files("verovio") / "data"))


def _after_fork() -> None:
    """A forked child (a process pool worker) must not inherit a lock held by another thread of its parent."""
    global _VEROVIO
    _VEROVIO = threading.Lock()
    _TOOLKIT.clear()


os.register_at_fork(after_in_child=_after_fork)

# Verovio writes music symbols inside text (the note of a metronome mark) in the SMuFL font, which
# it embeds as a WOFF2 @font-face unless told not to: browsers draw it, cairo does not (it shows an
# empty box). Those glyphs are redrawn as paths from verovio's own glyph files.
_SMUFL_TEXT = re.compile(
    r'<text x="(?P<x>-?[\d.]+)" y="(?P<y>-?[\d.]+)"(?P<attrs>[^>]*)>(?P<head>(?:\s*<tspan[^>]*>)*\s*)'
    rf'<tspan font-family="{MUSIC_FONT}" font-size="(?P<size>[\d.]+)px">(?P<glyphs>[^<]*)</tspan>'
)
# What cairosvg need not see: glyph definitions used by reference, groups that carry nothing but a name.
_GLYPH_DEF = re.compile(r'<g id="(?P<id>[^"]+)"[^>]*>\s*(?P<path><path[^>]*/>)\s*</g>')
_GLYPH_USE = re.compile(r'<use xlink:href="#(?P<id>[^"]+)"(?P<attrs>[^>]*?)\s*/>')
_DEFS = re.compile(r"<defs>.*?</defs>", re.S)
_GLYPH_PATH = re.compile(r'<path(?: transform="(?P<transform>[^"]*)")? d="(?P<d>[^"]*)"\s*/>')
_LINE = re.compile(r'<path d="(M[\d.\s-]+L[\d.\s-]+)" stroke-width="([\d.]+)"/>')
_LINES = re.compile(rf"(?:{_LINE.pattern}){{2,}}")
_GROUP = re.compile(r"<g\b(?P<attrs>[^>]*?)(?P<empty>/?)>|</g>")
_SPAN = re.compile(r"<tspan\b(?P<attrs>[^>]*?)(?P<empty>/?)>|</tspan>")
_ONE_SPAN_TEXT = re.compile(r'<text(?P<attrs>[^>]*?) font-size="0px">\s*<tspan font-size="(?P<size>[\d.]+px)">'
                            r"(?P<text>[^<]*)</tspan>\s*</text>")  # a syllable, a bar number: one sized span
_NAME_ONLY = re.compile(r'(?:\s+(?:id|class|data-[\w-]+)="[^"]*")*\s*')
# Classes verovio's own stylesheet styles (bold tempo, italic bar numbers, hidden placeholders): kept.
_STYLED = re.compile(r'class="[^"]*\b(?:ending|fing|reh|tempo|dir|dynam|mNum|label|cursor|placeholder)\b')
_UNDRAWN = re.compile(r"<title\b[^>]*>[^<]*</title>|<desc>[^<]*</desc>")


# Inside a text, after letters (a chord symbol's root or bass: `C#`, `Bbm7`), the music-font accidental is drawn as
# the Unicode sign in a text font that has it (Liberation has no ♯ or ♭; cairo drew an empty box).
_TEXT_ACCIDENTAL = re.compile(r'(?P<before><tspan font-size="(?P<size>[\d.]+)px">[^<]+</tspan>)'
                              rf'<tspan font-family="{MUSIC_FONT}" font-size="[\d.]+px">(?P<glyphs>[^<]*)</tspan>')
_UNICODE_ACCIDENTALS = {  # SMuFL's figured-bass accidentals (what verovio writes in chord symbols), the plain ones
    "\uea63": "𝄫", "\uea64": "♭", "\uea65": "♮", "\uea66": "♯", "\uea67": "𝄪",
    "\ue260": "♭", "\ue261": "♮", "\ue262": "♯", "\ue263": "𝄪", "\ue264": "𝄫"}
ACCIDENTAL_FONT = "DejaVu Serif"  # Debian's fonts-dejavu-core (scripts/setup.sh, the Dockerfile)


def _text_accidentals(svg: str) -> str:
    """Music-font accidentals after text (see ``_TEXT_ACCIDENTAL``) as Unicode signs in ``ACCIDENTAL_FONT``."""

    def sign(match: re.Match[str]) -> str:
        glyphs = html.unescape(match["glyphs"])
        if not glyphs or any(g not in _UNICODE_ACCIDENTALS for g in glyphs):
            return match[0]
        text = "".join(_UNICODE_ACCIDENTALS[g] for g in glyphs)
        return f'{match["before"]}<tspan font-family="{ACCIDENTAL_FONT}" font-size="{match["size"]}px">{text}</tspan>'

    return _TEXT_ACCIDENTAL.sub(sign, svg)


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


def _toolkit(options: dict) -> verovio.toolkit:
    """The process's verovio toolkit (made on first use, logging off, fonts found), set to ``options``.

    Call with ``_VEROVIO`` held."""
    toolkit = _TOOLKIT.get("toolkit")
    if toolkit is None:
        verovio.enableLog(verovio.LOG_OFF)
        toolkit = verovio.toolkit(False)
        toolkit.setResourcePath(str(_RESOURCES))
        _TOOLKIT.update(toolkit=toolkit, options=None)
    if _TOOLKIT["options"] != options:
        toolkit.setOptions(options)
        _TOOLKIT["options"] = dict(options)
    return toolkit


def _inline_glyphs(svg: str) -> str:
    """Each ``<use>`` of a glyph definition becomes the glyph's path, the use's transform put before its own."""
    glyphs = {}
    for m in _GLYPH_DEF.finditer(svg):
        path = _GLYPH_PATH.fullmatch(m["path"])
        if path:
            glyphs[m["id"]] = (path["transform"] or "", path["d"])
    left = []

    def inline(match: re.Match[str]) -> str:
        transform = re.fullmatch(r'(?:transform="(?P<t>[^"]*)")?', match["attrs"].strip())
        if match["id"] not in glyphs or transform is None:
            left.append(match["id"])
            return match[0]
        own, d = glyphs[match["id"]]
        return f'<path transform="{transform["t"] or ""} {own}" d="{d}"/>'

    svg = _GLYPH_USE.sub(inline, svg)
    return svg if left else _DEFS.sub("", svg, count=1)


def _merge_lines(svg: str) -> str:
    """Consecutive stroked paths with the same width (the five lines of a staff, ledger lines) become one path."""

    def merge(match: re.Match[str]) -> str:
        parts = _LINE.findall(match[0])
        if len({width for _, width in parts}) > 1:
            return match[0]
        return f'<path d="{" ".join(d for d, _ in parts)}" stroke-width="{parts[0][1]}"/>'

    return _LINES.sub(merge, svg)


def _drop_name_tags(svg: str, tags: re.Pattern[str], close: str) -> str:
    """Remove the ``<g>`` (or ``<tspan>``) tags that hold nothing but an id, classes no stylesheet rule uses or
    data attributes, keeping what they contain; those with a transform, colour, position or size stay."""
    out, kept, pos = [], [], 0
    for match in tags.finditer(svg):
        out.append(svg[pos:match.start()])
        pos = match.end()
        if match[0] == close:
            if kept.pop():
                out.append(close)
            continue
        keep = not _NAME_ONLY.fullmatch(match["attrs"]) or _STYLED.search(match["attrs"]) is not None
        if keep:
            out.append(match[0])
        if not match["empty"]:
            kept.append(keep)
    out.append(svg[pos:])
    return "".join(out)


def simplify_svg(svg: str) -> str:
    """The same drawing in fewer elements, for cairosvg (whose cost is per element): see the module docstring.

    Glyph ``<use>`` references become paths, name-only groups and text spans go, a text element whose only
    content is one sized span (a syllable, a bar number) takes the span's size and text, and runs of stroked
    lines of one width (staff lines) become one path."""
    svg = _drop_name_tags(_inline_glyphs(_UNDRAWN.sub("", svg)), _GROUP, "</g>")
    svg = _merge_lines(_drop_name_tags(svg, _SPAN, "</tspan>"))
    return _ONE_SPAN_TEXT.sub(lambda m: f'<text{m["attrs"]} font-size="{m["size"]}">{m["text"]}</text>', svg)


def svg_pages(xml: bytes, width: int = 1600, scale: int = 100, max_pages: int = 4, breaks: str = "smart",
              lyric_size: float = LYRIC_SIZE) -> list[str]:
    """The first ``max_pages`` pages of a MusicXML score as SVG, ``width`` px wide, heights fitted. ``breaks``:
    "smart" keeps the score's line breaks unless a line overflows; "encoded" keeps them always (a score whose words
    run past their bar, which verovio would otherwise widen, as an analysis's cadence names). ``lyric_size``: the
    words' height in staff spaces (smaller where several staves share a line's width and the words crowd)."""
    page_width = round(width * 100 / scale)  # verovio units: the SVG is pageWidth * scale / 100 px wide
    options = {
        "pageWidth": page_width,
        "pageHeight": page_width,  # six lines (about 24 bars) a page: 64 bars fit the 4-page cap
        "scale": scale,
        "adjustPageHeight": True,
        "header": "auto",
        "footer": "none",
        "breaks": breaks,  # smart: the score's line breaks (every 4 bars) unless a line overflows or is too short
        "breaksSmartSb": 0.5,
        "breaksNoWidow": True,
        "pageMarginLeft": 50,
        "pageMarginRight": 50,
        "pageMarginTop": 40,
        "pageMarginBottom": 40,
        "spacingSystem": 4,
        "spacingLinear": 0.2,  # a little tighter than verovio's 0.25: four bars of 4/4 eighths fit a line
        "lyricSize": lyric_size,
        "font": MUSIC_FONT,
        "smuflTextFont": "none",  # no WOFF2 web font in the SVG: cairo can't use it (redrawn as paths below)
        "svgFormatRaw": True,  # no indentation
    }
    with _VEROVIO:
        toolkit = _toolkit(options)
        if not toolkit.loadData(xml.decode("utf-8")):
            raise ValueError("verovio could not read the MusicXML")
        pages = min(toolkit.getPageCount(), max_pages)
        svgs = [toolkit.renderToSVG(page) for page in range(1, pages + 1)]
    return [_text_accidentals(_draw_smufl_text(svg)) for svg in svgs]


def musicxml_to_pngs(xml: bytes, width: int = 1600, scale: int = 100, max_pages: int = 4,
                     output_width: int | None = None, breaks: str = "smart", lyric_size: float = LYRIC_SIZE
                     ) -> list[bytes]:
    """The score as PNG pages on white, at most ``max_pages`` (the rest is cut).

    ``width`` and ``scale`` set the layout: the page is ``width`` px wide at verovio's zoom ``scale``, where a
    staff is about 0.72 * scale px high, so the defaults give 72 px staves and four bars a line. The PNG is
    ``output_width`` px wide (default ``width``): the same page drawn smaller, e.g. at the 400-550 px Discord
    shows an embedded image. Pages hold six lines (about 24 bars, fewer for busy tunes). ``breaks`` and
    ``lyric_size``: see ``svg_pages``.
    """
    return [cairosvg.svg2png(bytestring=simplify_svg(svg).encode("utf-8"), output_width=output_width or width,
                             background_color="white")
            for svg in svg_pages(xml, width, scale, max_pages, breaks, lyric_size)]
