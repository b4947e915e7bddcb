"""The files of a harmonisation: the score with chord symbols, MIDI (melody and chords), audio, MusicXML, ABC."""

from __future__ import annotations

from data.abc_write import melody_abc
from studio.harmony.harmonizer import Chord, HarmonyResult
from studio.render import Attachment

CHORD_PROGRAM = 48  # General MIDI string ensemble, under the piano melody


def harmony_files(result: HarmonyResult, stem: str, title: str = "Harmonisation") -> list[Attachment]:
    """Score with chord symbols, MIDI (melody + chords), audio preview, MusicXML: most useful first."""
    from data.audio import midi_to_ogg  # rendering libraries: imported when first used, as before
    from data.engraving import musicxml_to_pngs
    from data.midi import melody_with_chords_to_midi
    from data.theory import melody_to_musicxml_with_chords

    bar = result.melody.meter.bar_ticks
    runs: list[list[Chord]] = []  # a chord held over spans within a bar: one run, written and struck once
    for c in result.chords:
        if runs and runs[-1][-1].symbol == c.symbol and c.start % bar:
            runs[-1].append(c)
        else:
            runs.append([c])
    chords = [(run[0].start, sum(c.ticks for c in run), min((c.voicing for c in run), key=max))  # below all of it
              for run in runs]
    midi = melody_with_chords_to_midi(result.melody, chords, chord_program=CHORD_PROGRAM)
    written, shown = result.as_written([(run[0].start, run[0].symbol) for run in runs])
    xml = melody_to_musicxml_with_chords(written, shown, title)
    pages = musicxml_to_pngs(xml, max_pages=4)
    files = [Attachment(f"{stem}-score{'' if i == 0 else f'-{i + 1}'}.png", page,
                        f"Sheet music with chords, page {i + 1}") for i, page in enumerate(pages)]
    files += [Attachment(f"{stem}.mid", midi, "MIDI: melody (piano) and chords (strings)"),
              Attachment(f"{stem}.ogg", midi_to_ogg(midi), "Audio preview"),
              Attachment(f"{stem}.musicxml", xml, "MusicXML with chord symbols"),
              Attachment(f"{stem}.abc", melody_abc(written, title, shown).encode(), "ABC with chord symbols")]
    return files


