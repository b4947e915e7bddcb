"""The files of an analysis: the score marked with phrase letters, roman numerals and cadences; MIDI and audio of the
melody with its harmonisation; the marked MusicXML. CPU work: front ends call it in an executor."""

from __future__ import annotations

from data.audio import midi_to_ogg
from data.engraving import musicxml_to_pngs
from data.midi import melody_with_chords_to_midi
from data.musicxml import melody_to_musicxml
from data.score_marks import Mark, add_marks
from studio.analysis.report import Analysis
from studio.harmony.files import CHORD_PROGRAM
from studio.render import Attachment

SCORE_WIDTH = 1000  # px: the numerals under the staff stay readable where Discord shrinks the image
SCORE_BREAKS = "encoded"  # a line a phrase: verovio's "smart" breaks widened the bar a cadence name runs past


def score_marks(a: Analysis) -> list[Mark]:
    """Phrase letters above each phrase's first note, roman numerals below each chord change, cadence names above
    the chord that ends a phrase. The score starts at the first note; the chords count from the downbeat before
    any pickup (one starting there is marked at the first note)."""
    marks = [Mark(p.start, p.letter, "letter") for p in a.phrases if p.letter != "–"]
    previous = None
    for chord in a.harmony.chords:
        if chord.roman != previous or chord.start % a.melody.meter.bar_ticks == 0:
            marks.append(Mark(max(chord.start - a.melody.start, 0), chord.roman, "below"))
        previous = chord.roman
    marks += [Mark(max(c.start, 0), c.kind.split()[-1] + " cadence", "above", italic=True)  # "authentic cadence"
              for c in a.cadences if c.label]
    return marks


def annotated_musicxml(a: Analysis, title: str = "Analysis") -> bytes:
    return add_marks(melody_to_musicxml(a.melody, title), score_marks(a))


def analysis_files(a: Analysis, stem: str = "analysis", title: str = "Analysis") -> list[Attachment]:
    """Score pages, MIDI (melody and chords), audio, MusicXML: most useful first."""
    xml = annotated_musicxml(a, title)
    pages = musicxml_to_pngs(xml, max_pages=4, output_width=SCORE_WIDTH, breaks=SCORE_BREAKS)
    chords = [(c.start, c.ticks, c.voicing) for c in a.harmony.chords]
    midi = melody_with_chords_to_midi(a.harmony.melody, chords, chord_program=CHORD_PROGRAM)  # the chords' ticks
    files = [Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page,
                        f"Score with phrase letters, roman numerals and cadences, page {i + 1}")
             for i, page in enumerate(pages)]
    files += [Attachment(f"{stem}.mid", midi, "MIDI: the melody (track 1) and its harmonisation (track 2)"),
              Attachment(f"{stem}.ogg", midi_to_ogg(midi), "Audio: the melody with its chords"),
              Attachment(f"{stem}.musicxml", xml, "MusicXML with the analysis marks")]
    return files
