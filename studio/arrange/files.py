"""An arrangement's reply: a description, multi-track MIDI, a score (or a lead sheet when long), a track overview
and an audio preview. CPU work: run it in an executor."""

from __future__ import annotations

from collections.abc import Sequence

from data.audio import midi_to_ogg
from data.engraving import musicxml_to_pngs
from data.midi import arrangement_to_midi
from data.theory import score_to_musicxml
from studio.arrange.arrangement import Arrangement
from studio.arrange.diagram import chords_text, form_mermaid
from studio.arrange.parts import TrackNote
from studio.render import Attachment, arrangement_overview_png, midi_lyric_text

SCORE_MAX_BARS = 24  # longer arrangements get a lead sheet (melody and chord symbols) instead of every staff
AUDIO_SECONDS = 240.0
CROWDED_WORDS = 3.6  # the words' size (staff spaces; verovio's 4.5) where three staves share four bars a line
BASS_CLEFS = {"Cello": "bass"}  # bass guitars read an octave up (bass clef with an 8 below), the cello as sounding


def staff_events(notes: Sequence[TrackNote]) -> list[tuple[int, int, tuple[int, ...]]]:
    """A track as one notated line: the notes struck together become a chord lasting until the next onset (so
    an arpeggio reads as a broken chord and a strum as its rhythm)."""
    onsets: dict[int, list[TrackNote]] = {}
    for note in notes:
        onsets.setdefault(note.start, []).append(note)
    starts = sorted(onsets)
    events = []
    for i, start in enumerate(starts):
        end = max(n.start + n.ticks for n in onsets[start])
        if i + 1 < len(starts):
            end = min(end, starts[i + 1])
        events.append((start, end - start, tuple(sorted({n.pitch for n in onsets[start]}))))
    return events


def guitar_clef(name: str) -> str | None:
    """Guitars read an octave above how they sound (a treble clef with an 8 below); other staves choose their clef."""
    return "treble8vb" if "guitar" in name.lower() else None


def chord_labels(arrangement: Arrangement) -> list[tuple[int, str]]:
    """(tick, symbol) where the chord changes, and each section's first: a held chord is named once, as lead sheets
    name it (the overview wrote `Am Am` where one Am ran over a bar line)."""
    starts = {s.start for s in arrangement.sections}
    labels: list[tuple[int, str]] = []
    for chord in arrangement.chords:
        if not labels or chord.symbol != labels[-1][1] or chord.start in starts:
            labels.append((chord.start, chord.symbol))
    return labels


def title(arrangement: Arrangement) -> str:
    return f"{arrangement.request.style.title()} arrangement · form {arrangement.request.form}"


def arrangement_midi(arrangement: Arrangement) -> bytes:
    a = arrangement
    return arrangement_to_midi(a.tracks, a.tempo, a.meter, a.key, lyric_events(a.words))


def lyric_events(words: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Sung syllables as MIDI lyric texts that join into words ('to', 'geth', 'er ')."""
    return [(tick, text) for (tick, _), text in zip(words, midi_lyric_text([text for _, text in words]), strict=True)
            if text is not None]


def arrangement_musicxml(arrangement: Arrangement) -> tuple[bytes, bool]:
    """The score of the melody, chord and bass staves (drums and pad left out), or a lead sheet when the piece is
    longer than ``SCORE_MAX_BARS``; and whether it is the full score."""
    a = arrangement
    pitched = [t for t in a.tracks if not t.is_drum and "pad" not in t.name]
    melody, chords, bass = pitched[0], pitched[1], pitched[-1]
    names = [t.name.split(" (")[0] for t in (melody, chords, bass)]
    staves = [(names[0], staff_events(melody.notes), guitar_clef(names[0])),
              (names[1], staff_events(chords.notes), guitar_clef(names[1])),
              (names[2], staff_events(bass.notes), BASS_CLEFS.get(names[2], "bass8vb"))]
    full = a.total_bars <= SCORE_MAX_BARS
    marks = [(s.start, s.label) for s in a.sections]
    return score_to_musicxml(staves if full else staves[:1], a.key, a.meter, a.tempo, a.total_ticks,
                             chord_labels(a), marks, title(a), a.words), full


def overview_png(arrangement: Arrangement) -> bytes:
    a = arrangement
    sections = [(s.start, s.bars * a.bar_ticks, s.label) for s in a.sections]
    tracks = [(t.name, t.is_drum, list(t.notes)) for t in a.tracks]
    chords = chord_labels(a) if a.total_bars <= 40 else None
    head = f"{title(a)} · {a.key} · {a.meter} · {a.tempo} bpm · {a.total_bars} bars"
    return arrangement_overview_png(sections, tracks, a.bar_ticks, head, chords)


def arrangement_files(arrangement: Arrangement, stem: str = "arrangement") -> list[Attachment]:
    """Score page 1, the overview, MIDI, audio, further score pages, MusicXML, the form as a Mermaid flowchart:
    the most useful first."""
    return in_order(arrangement_scores(arrangement, stem), arrangement_media(arrangement, stem))


def arrangement_scores(arrangement: Arrangement, stem: str) -> list[Attachment]:
    """The score pages and the MusicXML (about half the rendering: it can run beside ``arrangement_media``)."""
    xml, full = arrangement_musicxml(arrangement)
    kind = "Score (melody, chords, bass)" if full else "Lead sheet (melody and chords)"
    return [*(Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page, f"{kind}, page {i + 1}")
              for i, page in enumerate(musicxml_to_pngs(xml, max_pages=4, lyric_size=CROWDED_WORDS))),
            Attachment(f"{stem}.musicxml", xml, f"MusicXML: {kind.lower()}")]


def arrangement_media(arrangement: Arrangement, stem: str) -> list[Attachment]:
    """The overview, the MIDI, the audio and the Mermaid flowchart."""
    midi = arrangement_midi(arrangement)
    return [Attachment(f"{stem}-overview.png", overview_png(arrangement), "Sections and tracks over time"),
            Attachment(f"{stem}.mid", midi, "Multi-track MIDI: one named track per instrument, drums on channel 10"),
            Attachment(f"{stem}.ogg", midi_to_ogg(midi, max_seconds=AUDIO_SECONDS), "Audio preview of the mix"),
            Attachment(f"{stem}.mmd", (form_mermaid(arrangement) + "\n").encode(), "The form as a Mermaid flowchart")]


def in_order(scores: list[Attachment], media: list[Attachment]) -> list[Attachment]:
    """``arrangement_files``' order from its two halves."""
    *pages, xml = scores
    *played, mermaid = media
    return [*pages[:1], *played, *pages[1:], xml, mermaid]


def describe(arrangement: Arrangement) -> list[str]:
    """Lines for the reply: the form with each section's bars, chords and melody source; the instruments."""
    a = arrangement
    lines = []
    for s in a.sections:
        how = f" — {s.how}" if s.how else ""
        lines.append(f"**{s.label}** ({s.bars} bar{'' if s.bars == 1 else 's'}{how}): `{chords_text(s, a.meter)}`")
    return lines


def instruments_line(arrangement: Arrangement) -> str:
    return " · ".join(f"{t.name}{'' if t.is_drum else f' (GM {t.program + 1})'}" for t in arrangement.tracks)
