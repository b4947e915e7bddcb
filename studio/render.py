"""Files a musician gets back: piano roll, sheet music, MIDI, MusicXML, audio. CPU work: run in an executor."""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.figure import Figure  # the OO API: thread-safe, no pyplot global state
from matplotlib.patches import Patch, Rectangle

from data.audio import midi_to_ogg
from data.engraving import musicxml_to_pngs
from data.events import TPQ, Melody, pitch_name
from data.midi import melody_to_midi
from data.theory import melody_to_musicxml

SEED_COLOUR, CONTINUATION_COLOUR = "#e4572e", "#2e86ab"


@dataclass(frozen=True)
class Attachment:
    """One file of a reply."""

    filename: str
    data: bytes
    description: str = ""


def _draw_roll(ax, melody: Melody, title: str) -> None:
    now = 0
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    low, high = min(pitches) - 2, max(pitches) + 2
    for p in range(low, high + 1):
        if p % 12 in (1, 3, 6, 8, 10):
            ax.axhspan(p - 0.5, p + 0.5, color="#f0f0f0", zorder=-1)
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
    ax.set_ylim(low - 0.5, high + 0.5)
    ticks = [p for p in range(low, high + 1) if p % 12 in (0, 2, 4, 5, 7, 9, 11)]
    ax.set_yticks(ticks, [pitch_name(p, melody.key.uses_flats) for p in ticks], fontsize=7)
    ax.set_xticks([b * bar_q for b in range(melody.bars)], [str(b + 1) for b in range(melody.bars)], fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")


def piano_roll_png(melodies: list[Melody], titles: list[str] | None = None) -> bytes:
    """Piano rolls stacked one per melody: seed and continuation in two colours, pitch names, bar numbers."""
    titles = titles or [f"{m.key} · {m.meter} · {m.tempo} bpm" for m in melodies]
    fig = Figure(figsize=(10, 1.2 + 2.8 * len(melodies)), dpi=110)
    axes = fig.subplots(len(melodies), 1, squeeze=False)[:, 0]
    for ax, melody, title in zip(axes, melodies, titles, strict=True):
        _draw_roll(ax, melody, title)
    axes[-1].set_xlabel("bar")
    axes[0].legend(handles=[Patch(color=SEED_COLOUR, label="your seed"),
                            Patch(color=CONTINUATION_COLOUR, label="continuation")],
                   loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def score_pngs(melody: Melody, title: str, max_pages: int = 4) -> list[bytes]:
    """Sheet music pages: music21 -> MusicXML -> verovio -> PNG."""
    return musicxml_to_pngs(melody_to_musicxml(melody, title), max_pages=max_pages)


def melody_files(melody: Melody, stem: str, title: str = "Melody") -> list[Attachment]:
    """Every file for one melody, most useful first (the reply drops from the end if it must).

    The MIDI and the MusicXML are made once and also feed the audio preview and the score pages.
    """
    midi, xml = melody_to_midi(melody), melody_to_musicxml(melody, title)
    files = [Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page, f"Sheet music, page {i + 1}")
             for i, page in enumerate(musicxml_to_pngs(xml))]
    files += [
        Attachment(f"{stem}.mid", midi, "MIDI file: drag it into your DAW"),
        Attachment(f"{stem}.ogg", midi_to_ogg(midi), "Audio preview"),
        Attachment(f"{stem}-pianoroll.png", piano_roll_png([melody]), "Piano roll: your seed in orange"),
        Attachment(f"{stem}.musicxml", xml, "MusicXML: opens in MuseScore"),
    ]
    return files


def candidate_files(melodies: list[Melody], stem: str) -> list[Attachment]:
    """Files for several candidates in one reply (10 at most): one stacked piano roll, then per
    candidate its first score page, MIDI and audio preview."""
    if len(melodies) == 1:
        return melody_files(melodies[0], f"{stem}-1", "Candidate 1")
    titles = [f"Candidate {i + 1} · {m.key} · {m.meter} · {m.tempo} bpm" for i, m in enumerate(melodies)]
    files = [Attachment(f"{stem}-pianoroll.png", piano_roll_png(melodies, titles), "Piano rolls of the candidates")]
    for i, melody in enumerate(melodies, start=1):
        midi = melody_to_midi(melody)
        files += [
            Attachment(f"{stem}-{i}-score.png", score_pngs(melody, f"Candidate {i}", max_pages=1)[0],
                       f"Candidate {i}: sheet music"),
            Attachment(f"{stem}-{i}.mid", midi, f"Candidate {i}: MIDI"),
            Attachment(f"{stem}-{i}.ogg", midi_to_ogg(midi), f"Candidate {i}: audio preview"),
        ]
    return files
