"""A strict reader for the Mermaid flowcharts the bot writes, so tests can check what a wiki would draw."""

from __future__ import annotations

import re
from dataclasses import dataclass

NODE = re.compile(r'(?P<id>[A-Za-z]\w*)(?P<open>\(\[|\[)"(?P<label>[^"]*)"(?P<close>\]\)|\])')
EDGE = re.compile(r"(?P<a>[A-Za-z]\w*) --> (?P<b>[A-Za-z]\w*)")


@dataclass(frozen=True)
class Flowchart:
    direction: str
    nodes: list[tuple[str, str, str]]  # (id, shape: "stadium" or "box", label)
    edges: list[tuple[str, str]]


def parse_flowchart(source: str) -> Flowchart:
    """Parse ``flowchart LR`` + node lines + ``a --> b`` lines; anything else fails the test."""
    lines = [line.strip() for line in source.strip().splitlines() if line.strip()]
    header = re.fullmatch(r"flowchart (LR|TD|TB|RL|BT)", lines[0])
    assert header, f"not a flowchart: {lines[0]!r}"
    nodes, edges = [], []
    for line in lines[1:]:
        if node := NODE.fullmatch(line):
            assert (node["open"], node["close"]) in (("([", "])"), ("[", "]")), line
            nodes.append((node["id"], "stadium" if node["open"] == "([" else "box", node["label"]))
        elif edge := EDGE.fullmatch(line):
            edges.append((edge["a"], edge["b"]))
        else:
            raise AssertionError(f"a line Mermaid would not read as a node or an edge: {line!r}")
    ids = [n[0] for n in nodes]
    assert len(set(ids)) == len(ids), "node ids repeat"
    assert all(a in ids and b in ids for a, b in edges), "an edge to an undefined node"
    return Flowchart(header[1], nodes, edges)


def mermaid_blocks(markdown: str) -> list[str]:
    """The contents of every ```mermaid fenced block in a Markdown text."""
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.S)
