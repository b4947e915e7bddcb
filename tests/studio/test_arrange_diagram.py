"""An arrangement's form as a Mermaid flowchart: one node per section in playing order, labelled with its bars and
chords, in the CLI's output and as a .mmd file."""

from __future__ import annotations

from itertools import pairwise

from data.events import Key, Melody, Meter
from data.notation import parse_seed
from studio.arrange.arranger import ArrangeRequest, arrange
from studio.arrange.diagram import form_mermaid, mermaid_block
from studio.arrange.files import arrangement_files
from studio.cli.main import main
from tests.mermaid import mermaid_blocks, parse_flowchart

TUNE = "E D C D E E E:h D:q D D:h E:q G G:h"  # four bars of 4/4


def tune(key: str = "C major") -> Melody:
    return Melody(parse_seed(TUNE).notes, Key.parse(key), Meter.parse("4/4"), 100)


async def test_aaba_is_four_boxes_between_an_intro_and_an_outro(composer):
    a = await arrange(composer, ArrangeRequest(form="AABA", style="folk band", chords="C G Am F", seed=3), tune())
    chart = parse_flowchart(form_mermaid(a))
    assert chart.direction == "LR"
    ids = [n[0] for n in chart.nodes]
    assert ids == ["Intro", "A", "A2", "B", "A3", "Outro"]
    assert chart.edges == list(pairwise(ids))  # a chain in playing order: 5 arrows
    boxes = [n for n in chart.nodes if n[1] == "box"]
    assert [n[0] for n in boxes] == ["A", "A2", "B", "A3"]  # the form AABA: 4 nodes, 3 arrows between them
    form = {n[0] for n in boxes}
    assert [(a, b) for a, b in chart.edges if a in form and b in form] == [("A", "A2"), ("A2", "B"), ("B", "A3")]
    labels = {n[0]: n[2] for n in chart.nodes}
    assert labels["A"] == "A · 4 bars · C | G | Am | F"  # your chords, a bar each
    assert labels["A3"].startswith("A3 · 4 bars · C | G")
    assert labels["Intro"].startswith("Intro · 2 bars · ") and labels["Outro"].startswith("Outro · 2 bars · ")
    b = next(s for s in a.sections if s.letter == "B")
    assert labels["B"].startswith(f"B · {b.bars} bars · {b.chords[0].symbol}")
    assert [n[1] for n in chart.nodes].count("stadium") == 2


async def test_verse_chorus_names_and_sharp_chords_stay_readable(composer):
    a = await arrange(composer, ArrangeRequest(form="verse-chorus", style="rock", chords="D F#m G A", seed=5),
                      tune("D major"))
    chart = parse_flowchart(mermaid_blocks(mermaid_block(a))[0])
    assert [n[0] for n in chart.nodes] == ["Intro", "Verse1", "Chorus1", "Verse2", "Chorus2", "Outro"]
    assert {n[0]: n[2] for n in chart.nodes}["Verse1"] == "Verse 1 · 4 bars · D | F#m | G | A"
    assert len(chart.edges) == 5


async def test_the_mmd_file_is_among_the_arrangement_files(composer):
    a = await arrange(composer, ArrangeRequest(form="AB", style="chorale", seed=2), tune())
    files = {f.filename: f for f in arrangement_files(a, "arr")}
    assert files["arr.mmd"].data.decode() == form_mermaid(a) + "\n"
    assert list(files)[-1] == "arr.mmd"  # last: it is the first to go when a reply must drop files


def test_the_cli_prints_the_flowchart_and_writes_it(tmp_path, capsys):
    args = ["arrange", TUNE, "--form", "ABA", "--chords", "C G Am F", "--key", "C major", "--seed", "4",
            "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    written = (tmp_path / "arrangement-4.mmd").read_text()
    assert str(tmp_path / "arrangement-4.mmd") in out
    assert written.strip() in out  # the same flowchart on the terminal
    chart = parse_flowchart(written)
    assert [n[0] for n in chart.nodes] == ["Intro", "A", "B", "A2", "Outro"] and len(chart.edges) == 4
