"""Files a musician gets back: piano roll, sheet music, MIDI, MusicXML, audio. CPU work: run in an executor.

Each file type is made by its own call (piano roll here with Pillow; score pages in data/engraving.py, audio in
data/audio.py, MIDI in data/midi.py, MusicXML in data/theory.py), so they can be timed (bench/render.py) and run
apart. The verovio toolkit is made once per process, the fonts and the soundfont once per thread.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from data.audio import midi_to_ogg
from data.engraving import musicxml_to_pngs
from data.events import Melody, pitch_name
from data.midi import melody_to_midi, melody_with_chords_to_midi
from data.theory import melody_to_musicxml, melody_to_musicxml_with_chords

SEED_COLOUR, CONTINUATION_COLOUR = "#e4572e", "#2e86ab"
SCORE_WIDTH = 640  # px of a score page: Discord shows an image 400-550 px wide; the layout stays that of 1600 px


@dataclass(frozen=True)
class Attachment:
    """One file of a reply."""

    filename: str
    data: bytes
    description: str = ""


# ---- piano roll (Pillow: ~5 ms a lane, where a matplotlib figure took ~80) ----------------------------------
ROLL_WIDTH = 1100  # px, as the matplotlib figure was (10 in at 110 dpi)
ROLL_LEFT, ROLL_RIGHT = 50, 16  # margins: pitch names on the left
ROLL_TITLE, ROLL_PLOT, ROLL_TICKS, ROLL_XLABEL = 30, 236, 28, 22  # a lane: title band, notes, bar numbers
BLACK_KEYS = (1, 3, 6, 8, 10)
SHADE, OCTAVE_LINE, BAR_LINE, FRAME, NOTE_EDGE, TEXT = "#eeeeee", "#d4d4d4", "#9a9a9a", "#333333", "#1e1e1e", "#222222"
_FONT_FILES = (  # matplotlib's DejaVu Sans (always installed with it), then fonts-liberation
    ("matplotlib", "mpl-data/fonts/ttf/DejaVuSans.ttf"),
    (None, "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    (None, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
_fonts = threading.local()  # a FreeType face is not thread safe: each thread loads its own (a few ms, once)


@functools.cache
def _font_file() -> str | None:
    """The first text font found on disk, looked up once per process (matplotlib's is found, not imported)."""
    for package, name in _FONT_FILES:
        spec = importlib.util.find_spec(package) if package else None
        folders = [Path(f) for f in (spec.submodule_search_locations or [])] if spec else [Path("/")]
        for folder in folders if package else [Path("/")]:
            path = folder / name
            if path.is_file():
                return str(path)
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The text font at ``size`` px for this thread (Pillow's own font if no TrueType file is installed)."""
    cache = _fonts.__dict__.setdefault("by_size", {})
    if size not in cache:
        path = _font_file()
        try:
            cache[size] = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
        except (OSError, TypeError):  # Pillow < 10.1 has no sized default font
            cache[size] = ImageFont.load_default()
    return cache[size]


def _draw_roll(draw: ImageDraw.ImageDraw, top: int, melody: Melody, title: str, legend: bool,
               first_bar: int = 1) -> None:
    """One lane at ``top``: title (and the legend), black-key rows shaded, notes, bar lines, pitch names on the
    left (every white key where rows are tall enough, else the C's), bar numbers below from ``first_bar``."""
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    low, high = min(pitches) - 2, max(pitches) + 2
    left, right = ROLL_LEFT, ROLL_WIDTH - ROLL_RIGHT
    plot_top, plot_bottom = top + ROLL_TITLE, top + ROLL_TITLE + ROLL_PLOT
    row = ROLL_PLOT / (high - low + 1)
    bar_ticks = melody.meter.bar_ticks
    total = max(sum(n.ticks for n in melody.notes), bar_ticks)
    scale = (right - left) / total  # px per tick

    def y(pitch: float) -> int:  # top edge of a pitch's row
        return round(plot_top + (high - pitch) * row)

    draw.text((left, top + ROLL_TITLE - 7), title, fill=TEXT, font=_font(15), anchor="ls")
    if legend:
        x = right
        for label, colour in (("continuation", CONTINUATION_COLOUR), ("your seed", SEED_COLOUR)):
            x -= round(draw.textlength(label, font=_font(12)))
            draw.text((x, top + ROLL_TITLE - 8), label, fill=TEXT, font=_font(12), anchor="ls")
            draw.rectangle((x - 24, top + ROLL_TITLE - 18, x - 6, top + ROLL_TITLE - 9), fill=colour)
            x -= 44
    for p in range(low, high + 1):
        if p % 12 in BLACK_KEYS:
            draw.rectangle((left, y(p), right, y(p - 1) - 1), fill=SHADE)
        elif p % 12 == 0 and p > low:  # octave boundary: under each C
            draw.line((left, y(p - 1), right, y(p - 1)), fill=OCTAVE_LINE)
    labelled = (0, 2, 4, 5, 7, 9, 11) if row >= 10 else (0,)  # the white keys, by their letters (F, not E#)
    for p in range(low, high + 1):
        if p % 12 in labelled:
            draw.text((left - 6, (y(p) + y(p - 1)) / 2), pitch_name(p), fill=TEXT,
                      font=_font(11), anchor="rm")
    bar_px = bar_ticks * scale
    every = next(n for n in (1, 2, 4, 8, 16, 10**6) if n * bar_px >= 24)  # bar numbers 24 px apart at least
    pickup = melody.pickup  # a pickup's short bar comes first, unnumbered (bar 0); bar 1 starts after it
    if pickup:
        draw.line((left, plot_top, left, plot_bottom), fill=BAR_LINE, width=2)
    for b in range(-(-(total - pickup) // bar_ticks) + 1):
        tick = pickup + b * bar_ticks
        x = round(left + tick * scale)
        if x <= right:
            draw.line((x, plot_top, x, plot_bottom), fill=BAR_LINE, width=2 if tick == 0 else 1)
        if tick < total and b % every == 0:
            draw.text((x, plot_bottom + 6), str(b + first_bar), fill=TEXT, font=_font(12), anchor="mt")
    now = 0
    for i, note in enumerate(melody.notes):
        if note.pitch is not None:
            x0 = round(left + now * scale)
            x1 = max(x0 + 2, round(left + (now + note.ticks * 0.97) * scale))
            y0, y1 = y(note.pitch) + row * 0.1, y(note.pitch - 1) - row * 0.1
            draw.rectangle((x0, round(y0), x1, max(round(y0) + 2, round(y1))), outline=NOTE_EDGE,
                           fill=SEED_COLOUR if i < melody.seed_len else CONTINUATION_COLOUR)
        now += note.ticks
    draw.rectangle((left, plot_top, right, plot_bottom), outline=FRAME)


def piano_roll_png(melodies: list[Melody], titles: list[str] | None = None, legend: bool = True,
                   first_bars: list[int] | None = None) -> bytes:
    """Piano rolls stacked one per melody: seed and continuation in two colours (named by a legend over the first
    lane unless ``legend`` is off), pitch names, bar numbers (each lane's from ``first_bars``, else 1)."""
    titles = titles or [f"{m.key} · {m.meter} · {m.tempo} bpm" for m in melodies]
    lane = ROLL_TITLE + ROLL_PLOT + ROLL_TICKS
    image = Image.new("RGB", (ROLL_WIDTH, 8 + lane * len(melodies) + ROLL_XLABEL), "white")
    draw = ImageDraw.Draw(image)
    for i, (melody, title) in enumerate(zip(melodies, titles, strict=True)):
        _draw_roll(draw, 8 + i * lane, melody, title, legend=legend and i == 0,
                   first_bar=first_bars[i] if first_bars else 1)
    draw.text((ROLL_LEFT + (ROLL_WIDTH - ROLL_RIGHT - ROLL_LEFT) / 2, image.height - 4), "bar", fill=TEXT,
              font=_font(13), anchor="ms")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)  # zlib level 3: ~3x faster than 6, ~10% larger
    return buffer.getvalue()


def midi_lyric_text(lyrics: list[str | None]) -> list[str | None]:
    """Score syllables ('to-', 'geth-', 'er') as MIDI lyric texts that join into words: 'to', 'geth', 'er '."""
    return [None if s is None else s[:-1] if s.endswith("-") else s + " " for s in lyrics]


Backing = list[tuple[int, int, str, tuple[int, ...]]]  # chords under a melody: (start, ticks, symbol, pitches)


def _midi(melody: Melody, lyrics: list[str | None] | None, chords: Backing | None, full_first_bar: bool = True
          ) -> bytes:
    """The melody's MIDI, with a track of its chords when it has them (``studio.chord_melody.backing``)."""
    if chords:
        return melody_with_chords_to_midi(melody, [(start, ticks, pitches) for start, ticks, _, pitches in chords],
                                          full_first_bar=full_first_bar, lyrics=lyrics)
    return melody_to_midi(melody, lyrics=lyrics, full_first_bar=full_first_bar)


def _xml(melody: Melody, title: str, lyrics: list[str | None] | None, chords: Backing | None) -> bytes:
    """The melody's MusicXML, with its chord symbols above the staff when it has them."""
    if chords:
        return melody_to_musicxml_with_chords(melody, [(start, symbol) for start, _, symbol, _ in chords], title,
                                              lyrics)
    return melody_to_musicxml(melody, title, lyrics=lyrics)


def melody_files(
    melody: Melody, stem: str, title: str = "Melody", lyrics: list[str | None] | None = None,
    midi_lyrics: list[str | None] | None = None, chords: Backing | None = None,
) -> list[Attachment]:
    """Every file for one melody, most useful first (the reply drops from the end if it must).

    The MIDI and the MusicXML are made once and also feed the audio preview and the score pages (a melody with a
    pickup gets a second MIDI for its audio, without the rest that fills the MIDI file's first bar).
    ``lyrics`` (per note, '-' joining syllables) go under the score's notes and, as ``midi_lyrics``
    (default: made from ``lyrics``), into the MIDI as lyric events; ``chords`` play and show under it.
    """
    if lyrics is not None and midi_lyrics is None:
        midi_lyrics = midi_lyric_text(lyrics)
    midi, xml = _midi(melody, midi_lyrics, chords), _xml(melody, title, lyrics, chords)
    files = [Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page, f"Sheet music, page {i + 1}")
             for i, page in enumerate(musicxml_to_pngs(xml, output_width=SCORE_WIDTH))]
    sound = _midi(melody, midi_lyrics, chords, full_first_bar=False) if melody.pickup else midi
    files += [
        Attachment(f"{stem}.mid", midi, "MIDI file: drag it into your DAW"),
        Attachment(f"{stem}.ogg", midi_to_ogg(sound), "Audio preview"),
        Attachment(f"{stem}-pianoroll.png", piano_roll_png([melody]), "Piano roll: your seed in orange"),
        Attachment(f"{stem}.musicxml", xml, "MusicXML: opens in MuseScore"),
    ]
    return files


def candidate_files(melodies: list[Melody], stem: str, lyrics: list[list[str | None] | None] | None = None,
                    chords: list[Backing | None] | None = None) -> list[Attachment]:
    """Files for several candidates in one reply (10 at most for three): the first files, then the late ones.
    ``lyrics`` and ``chords``: per candidate, as in melody_files."""
    return (candidate_first_files(melodies, stem, lyrics, chords=chords)
            + candidate_late_files(melodies, stem, lyrics, chords=chords))


def before_after_png(before: Melody, after: list[Melody]) -> bytes:
    """The melody before a change (orange) above each melody made from it (blue), e.g. by /transform."""
    lanes = [replace(before, seed_len=len(before.notes)), *(replace(m, seed_len=0) for m in after)]
    titles = [f"Before · {before.key} · {before.meter} · {before.tempo} bpm",
              *(f"After{'' if len(after) == 1 else f' {i}'} · {m.key} · {m.meter} · {m.tempo} bpm"
                for i, m in enumerate(after, start=1))]
    return piano_roll_png(lanes, titles, legend=False)


def candidate_first_files(melodies: list[Melody], stem: str,
                          lyrics: list[list[str | None] | None] | None = None,
                          before: Melody | None = None, chords: list[Backing | None] | None = None
                          ) -> list[Attachment]:
    """What a reply can show at once (cheap): the piano roll and each candidate's MIDI (one candidate: also its
    MusicXML). The score pages and audio follow from ``candidate_late_files``. ``before``: the melody the
    candidates were made from (a /transform), drawn above them in the piano roll; ``chords``: each one's backing."""
    words = lyrics or [None] * len(melodies)
    backings = chords or [None] * len(melodies)
    if before is not None:
        roll = Attachment(f"{stem}-{'1-' if len(melodies) == 1 else ''}pianoroll.png",
                          before_after_png(before, melodies), "Piano roll: before (orange) and after (blue)")
    elif len(melodies) == 1:
        titles = None
        roll = Attachment(f"{stem}-1-pianoroll.png", piano_roll_png(melodies), "Piano roll: your seed in orange")
    else:
        titles = [f"Candidate {i + 1} · {m.key} · {m.meter} · {m.tempo} bpm" for i, m in enumerate(melodies)]
        roll = Attachment(f"{stem}-pianoroll.png", piano_roll_png(melodies, titles), "Piano rolls of the candidates")
    files = [roll]
    for i, (melody, sung, backing) in enumerate(zip(melodies, words, backings, strict=True), start=1):
        midi = _midi(melody, None if sung is None else midi_lyric_text(sung), backing)
        label = "MIDI file: drag it into your DAW" if len(melodies) == 1 else f"Candidate {i}: MIDI"
        files.append(Attachment(f"{stem}-{i}.mid", midi, label))
    if len(melodies) == 1:
        xml = _xml(melodies[0], "Candidate 1", words[0], backings[0])
        files.append(Attachment(f"{stem}-1.musicxml", xml, "MusicXML: opens in MuseScore"))
    return files


def candidate_late_files(melodies: list[Melody], stem: str, lyrics: list[list[str | None] | None] | None = None,
                         chords: list[Backing | None] | None = None) -> list[Attachment]:
    """The slower files of a reply: each candidate's first score page (one candidate: every page) and audio."""
    words = lyrics or [None] * len(melodies)
    backings = chords or [None] * len(melodies)
    files = []
    for i, (melody, sung, backing) in enumerate(zip(melodies, words, backings, strict=True), start=1):
        midi = _midi(melody, None if sung is None else midi_lyric_text(sung), backing, full_first_bar=False)
        xml = _xml(melody, f"Candidate {i}", sung, backing)
        pages = musicxml_to_pngs(xml, max_pages=4 if len(melodies) == 1 else 1, output_width=SCORE_WIDTH)
        files += [Attachment(f"{stem}-{i}-score{'' if n == 0 else f'-{n + 1}'}.png", page,
                             f"Candidate {i}: sheet music{'' if len(pages) == 1 else f', page {n + 1}'}")
                  for n, page in enumerate(pages)]
        files.append(Attachment(f"{stem}-{i}.ogg", midi_to_ogg(midi), f"Candidate {i}: audio preview"))
    return files


TRACK_COLOURS = ("#2e86ab", "#e4572e", "#76b041", "#8e5ea2", "#f0a202", "#555555")
SECTION_SHADES = ("#f4f1ea", "#e8eef4")


def arrangement_overview_png(sections: list[tuple[int, int, str]], tracks: list[tuple[str, bool, list]],
                             bar_ticks: int, title: str = "", chords: list[tuple[int, str]] | None = None) -> bytes:
    """Sections and tracks over time: one lane per track (notes as bars, drums one row per sound), the sections
    shaded and named along the top, chord symbols under the names, bar numbers below.

    ``sections`` are (start tick, ticks, label); ``tracks`` (label, is_drum, notes as (start, ticks, pitch, ...)).
    """
    from matplotlib.collections import PatchCollection  # imported here: only /arrange draws with matplotlib
    from matplotlib.figure import Figure  # the OO API: thread-safe, no pyplot global state
    from matplotlib.patches import Rectangle

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
