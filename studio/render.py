"""Files a musician gets back: piano-roll PNG (matplotlib, Agg) and MIDI. CPU work: run in an executor."""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.figure import Figure  # the OO API: thread-safe, no pyplot global state
from matplotlib.patches import Patch, Rectangle

from data.events import TPQ, Melody, pitch_name
from data.midi import melody_to_midi

SEED_COLOUR, CONTINUATION_COLOUR = "#e4572e", "#2e86ab"


@dataclass(frozen=True)
class Attachment:
    """One file of a reply."""

    filename: str
    data: bytes
    description: str = ""


def piano_roll_png(melody: Melody, title: str = "") -> bytes:
    """Piano roll: seed notes and continuation in two colours, pitch names on the y axis, bar lines."""
    fig = Figure(figsize=(10, 4), dpi=110)
    ax = fig.subplots()
    now = 0
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    low, high = min(pitches) - 2, max(pitches) + 2
    for i, note in enumerate(melody.notes):
        if note.pitch is not None:
            colour = SEED_COLOUR if i < melody.seed_len else CONTINUATION_COLOUR
            ax.add_patch(Rectangle((now / TPQ, note.pitch - 0.4), note.ticks / TPQ * 0.97, 0.8,
                                   facecolor=colour, edgecolor="black", linewidth=0.4))
        now += note.ticks
    bar_q = melody.meter.bar_ticks / TPQ
    for b in range(melody.bars + 1):
        ax.axvline(b * bar_q, color="#999999", linewidth=0.8 if b else 1.2, zorder=0)
    ax.set_xlim(0, max(now / TPQ, bar_q))
    ax.set_ylim(low, high)
    ticks = [p for p in range(low, high + 1) if p % 12 in (0, 2, 4, 5, 7, 9, 11)]
    ax.set_yticks(ticks, [pitch_name(p, melody.key.uses_flats) for p in ticks], fontsize=7)
    for p in range(low, high + 1):
        if p % 12 in (1, 3, 6, 8, 10):
            ax.axhspan(p - 0.5, p + 0.5, color="#f0f0f0", zorder=-1)
    ax.set_xticks([b * bar_q for b in range(melody.bars)], [str(b + 1) for b in range(melody.bars)])
    ax.set_xlabel("bar")
    ax.set_title(title or f"{melody.key} · {melody.meter} · {melody.tempo} bpm", fontsize=10, loc="left")
    ax.legend(handles=[Patch(color=SEED_COLOUR, label="your seed"),
                       Patch(color=CONTINUATION_COLOUR, label="continuation")],
              loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def melody_files(melody: Melody, stem: str) -> list[Attachment]:
    """The attachments of a `/melody` reply."""
    return [
        Attachment(f"{stem}-pianoroll.png", piano_roll_png(melody), "Piano roll: seed in orange, continuation in blue"),
        Attachment(f"{stem}.mid", melody_to_midi(melody), "MIDI file: drag it into your DAW"),
    ]
