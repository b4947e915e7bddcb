"""Write a benchmark's results into a markdown report, between markers, replacing an earlier run's."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` between ``<!-- name -->`` markers in ``path`` (appended if the markers are not there yet)."""
    marker = f"<!-- {name} -->"
    body = path.read_text() if path.exists() else ""
    block = f"{marker}\n{text}\n{marker}"
    if marker in body:
        head, _, rest = body.partition(marker)
        body = head + block + rest.partition(marker)[2]
    else:
        body += "\n" + block + "\n"
    path.write_text(body)
