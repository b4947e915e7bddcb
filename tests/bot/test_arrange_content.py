"""The /arrange reply text stays within Discord's 2000 characters and keeps the form's flowchart when it can."""

from __future__ import annotations

from bot.cogs.arrange import arrangement_content
from data.events import Key, Melody, Meter
from data.notation import parse_seed
from studio.arrange.arranger import ArrangeRequest, arrange
from tests.mermaid import mermaid_blocks, parse_flowchart


async def test_a_long_arrangement_keeps_the_flowchart_and_attaches_the_sections(composer):
    tune = Melody(parse_seed("C4:e D4 E4 F4 G4 A4 B4 C5 " * 8).notes, Key.parse("C major"), Meter.parse("4/4"), 100)
    chords = "| Cmaj7 Am7/E Dm7b5 Gsus4 " * 8 + "|"  # four chords a bar: long section lines
    a = await arrange(composer, ArrangeRequest(form="AABBAB", style="rock", chords=chords, seed=7), tune)
    text, full = arrangement_content(a)
    assert len(text) <= 2000 and text.endswith("(sections attached)")
    chart = parse_flowchart(mermaid_blocks(text)[0])
    assert [n[0] for n in chart.nodes] == ["Intro", "A", "A2", "B", "B2", "A3", "B3", "Outro"]
    assert full is not None and full.filename == "arrangement.txt"
    whole = full.data.decode()
    assert "**A2** (8 bars" in whole and mermaid_blocks(whole) == mermaid_blocks(text)
