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


def midi_lyric_text(lyrics: list[str | None]) -> list[str | None]:
    """Score syllables ('to-', 'geth-', 'er') as MIDI lyric texts that join into words: 'to', 'geth', 'er '."""
    return [None if s is None else s[:-1] if s.endswith("-") else s + " " for s in lyrics]


def melody_files(
    melody: Melody, stem: str, title: str = "Melody", lyrics: list[str | None] | None = None,
    midi_lyrics: list[str | None] | None = None,
) -> list[Attachment]:
    """Every file for one melody, most useful first (the reply drops from the end if it must).

    The MIDI and the MusicXML are made once and also feed the audio preview and the score pages.
    ``lyrics`` (per note, '-' joining syllables) go under the score's notes and, as ``midi_lyrics``
    (default: made from ``lyrics``), into the MIDI as lyric events.
    """
    if lyrics is not None and midi_lyrics is None:
        midi_lyrics = midi_lyric_text(lyrics)
    midi, xml = melody_to_midi(melody, lyrics=midi_lyrics), melody_to_musicxml(melody, title, lyrics=lyrics)
    files = [Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page, f"Sheet music, page {i + 1}")
             for i, page in enumerate(musicxml_to_pngs(xml))]
    files += [
        Attachment(f"{stem}.mid", midi, "MIDI file: drag it into your DAW"),
        Attachment(f"{stem}.ogg", midi_to_ogg(midi), "Audio preview"),
        Attachment(f"{stem}-pianoroll.png", piano_roll_png([melody]), "Piano roll: your seed in orange"),
        Attachment(f"{stem}.musicxml", xml, "MusicXML: opens in MuseScore"),
    ]
    return files


def candidate_files(melodies: list[Melody], stem: str,
                    lyrics: list[list[str | None] | None] | None = None) -> list[Attachment]:
    """Files for several candidates in one reply (10 at most): one stacked piano roll, then per
    candidate its first score page, MIDI and audio preview. ``lyrics``: per candidate, as in melody_files."""
    words = lyrics or [None] * len(melodies)
    if len(melodies) == 1:
        return melody_files(melodies[0], f"{stem}-1", "Candidate 1", lyrics=words[0])
    titles = [f"Candidate {i + 1} · {m.key} · {m.meter} · {m.tempo} bpm" for i, m in enumerate(melodies)]
    files = [Attachment(f"{stem}-pianoroll.png", piano_roll_png(melodies, titles), "Piano rolls of the candidates")]
    for i, (melody, sung) in enumerate(zip(melodies, words, strict=True), start=1):
        midi = melody_to_midi(melody, lyrics=None if sung is None else midi_lyric_text(sung))
        xml = melody_to_musicxml(melody, f"Candidate {i}", lyrics=sung)
        files += [
            Attachment(f"{stem}-{i}-score.png", musicxml_to_pngs(xml, max_pages=1)[0], f"Candidate {i}: sheet music"),
            Attachment(f"{stem}-{i}.mid", midi, f"Candidate {i}: MIDI"),
            Attachment(f"{stem}-{i}.ogg", midi_to_ogg(midi), f"Candidate {i}: audio preview"),
        ]
    return files


TRACK_COLOURS = ("#2e86ab", "#e4572e", "#76b041", "#8e5ea2", "#f0a202", "#555555")
SECTION_SHADES = ("#f4f1ea", "#e8eef4")


def arrangement_overview_png(sections: list[tuple[int, int, str]], tracks: list[tuple[str, bool, list]],
                             bar_ticks: int, title: str = "", chords: list[tuple[int, str]] | None = None) -> bytes:
    """Sections and tracks over time: one lane per track (notes as bars, drums one row per sound), the sections
    shaded and named along the top, chord symbols under the names, bar numbers below.

    ``sections`` are (start tick, ticks, label); ``tracks`` (label, is_drum, notes as (start, ticks, pitch, ...)).
    """
    from matplotlib.collections import PatchCollection

    total = max(start + ticks for start, ticks, _ in sections) / bar_ticks
    fig = Figure(figsize=(12, 1.6 + 0.85 * len(tracks)), dpi=110)
    ax = fig.subplots()
    for i, (start, ticks, label) in enumerate(sections):
        x0, x1 = start / bar_ticks, (start + ticks) / bar_ticks
        ax.axvspan(x0, x1, color=SECTION_SHADES[i % 2], zorder=0)
        ax.axvline(x0, color="#444444", linewidth=1.0, zorder=1)
        ax.text((x0 + x1) / 2, len(tracks) + 0.55, label, ha="center", va="center", fontsize=10, weight="bold")
    for start, symbol in chords or []:
        ax.text(start / bar_ticks + 0.05, len(tracks) + 0.12, symbol, ha="left", va="center", fontsize=6.5,
                color="#333333", clip_on=True)
    for bar in range(int(total) + 1):
        ax.axvline(bar, color="#cccccc", linewidth=0.5, zorder=0.5)
    for lane, (_, is_drum, notes) in enumerate(reversed(tracks)):
        colour = TRACK_COLOURS[(len(tracks) - 1 - lane) % len(TRACK_COLOURS)]
        ax.axhline(lane, color="#999999", linewidth=0.6)
        if not notes:
            continue
        rows = sorted({n[2] for n in notes}) if is_drum else list(range(min(n[2] for n in notes),
                                                                      max(n[2] for n in notes) + 1))
        height = 0.8 / len(rows)
        boxes = [Rectangle((n[0] / bar_ticks, lane + 0.1 + rows.index(n[2]) * height),
                           max(n[1] / bar_ticks * 0.95, 0.02), max(height * 0.9, 0.012)) for n in notes]
        ax.add_collection(PatchCollection(boxes, facecolor=colour, edgecolor="none", zorder=2))
    ax.set_xlim(0, total)
    ax.set_ylim(0, len(tracks) + 0.85)
    ax.set_yticks([lane + 0.5 for lane in range(len(tracks))], [t[0] for t in reversed(tracks)], fontsize=9)
    step = 1 if total <= 32 else 2 if total <= 64 else 4
    ax.set_xticks([b + 0.5 for b in range(0, int(total), step)], [str(b + 1) for b in range(0, int(total), step)],
                  fontsize=7)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel("bar")
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
