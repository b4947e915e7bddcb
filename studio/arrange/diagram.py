"""An arrangement's form as a Mermaid flowchart (``flowchart LR``) that wikis, GitHub and GitLab render.

One node per section, in playing order, each labelled with the section's name, its bars and its chords bar by
bar (``A · 4 bars · C | G7 | C | G C``); the intro and outro are rounded (stadium) nodes, the sections of the form
rectangles; an arrow leads from each section to the next.
"""

from __future__ import annotations

import re
from itertools import pairwise

from data.events import Meter
from studio.arrange.arrangement import Arrangement, Section
from studio.harmony.harmonizer import lead_sheet

FENCE = "```"


def chords_text(section: Section, meter: Meter) -> str:
    """A section's chord symbols with ``|`` between bars, as a lead sheet writes them (``C | G7 | Dm7 G / /``)."""
    spans = [(c.start, c.ticks, c.symbol, c.symbol) for c in section.chords]
    return " | ".join(lead_sheet(spans, meter.bar_ticks, meter.beat_ticks, meter.strong_ticks))


def node_id(section: Section) -> str:
    """A Mermaid node id from the section's label: ``Intro``, ``A``, ``A2``, ``Verse1`` …"""
    return re.sub(r"\W", "", section.label) or "S"


def node_label(section: Section, meter: Meter) -> str:
    """``A · 4 bars · C | G7 | C | G C``, safe inside a quoted Mermaid label."""
    text = f"{section.label} · {section.bars} bar{'' if section.bars == 1 else 's'} · {chords_text(section, meter)}"
    return text.replace('"', "#quot;").replace(";", "#59;")


def form_mermaid(arrangement: Arrangement) -> str:
    """The flowchart source: node definitions in playing order, then one ``-->`` edge per step."""
    lines = ["flowchart LR"]
    ids = [node_id(s) for s in arrangement.sections]
    for section, ident in zip(arrangement.sections, ids, strict=True):
        label = node_label(section, arrangement.meter)
        framed = f'(["{label}"])' if section.letter in ("intro", "outro") else f'["{label}"]'
        lines.append(f"    {ident}{framed}")
    lines += [f"    {a} --> {b}" for a, b in pairwise(ids)]
    return "\n".join(lines)


def mermaid_block(arrangement: Arrangement) -> str:
    """The flowchart as a fenced ```mermaid code block, for Markdown (a Discord message, a wiki page)."""
    return f"{FENCE}mermaid\n{form_mermaid(arrangement)}\n{FENCE}"
