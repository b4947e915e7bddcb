"""MusicXML scores as notation programs export them, built for the upload tests: a lead sheet (a voice part with a
pickup, a grace note and a tie over the bar line, a piano part below it) and .mxl archives."""

from __future__ import annotations

import io
import zipfile

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 '
        'Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">\n')


def note(step: str, octave: int, duration: int, *, alter: int = 0, tie: str = "", chord: bool = False,
         voice: int = 1, staff: int = 1, grace: bool = False) -> str:
    ties = "".join(f'<tie type="{t}"/>' for t in tie.split())
    return (f"<note>{'<grace/>' if grace else ''}{'<chord/>' if chord else ''}<pitch><step>{step}</step>"
            f"{f'<alter>{alter}</alter>' if alter else ''}<octave>{octave}</octave></pitch>"
            f"{'' if grace else f'<duration>{duration}</duration>'}{ties}<voice>{voice}</voice><staff>{staff}</staff>"
            f"</note>")


def rest(duration: int, voice: int = 1) -> str:
    return f"<note><rest/><duration>{duration}</duration><voice>{voice}</voice></note>"


# A lead sheet as MuseScore writes one: a voice part with an eighth-note pickup (an implicit bar 0), a grace note and
# a note tied over a bar line, in D minor (one flat), 3/4 at 90; a piano part below it on two staves, counted in
# other divisions, with chords and its left hand after a <backup>.
VOICE = [
    '<attributes><divisions>2</divisions><key><fifths>-1</fifths><mode>minor</mode></key><time><beats>3</beats>'
    '<beat-type>4</beat-type></time></attributes><direction placement="above"><direction-type><metronome>'
    '<beat-unit>quarter</beat-unit><per-minute>90</per-minute></metronome></direction-type><sound tempo="90"/>'
    '</direction>' + note("D", 4, 1),
    note("E", 4, 0, grace=True) + note("F", 4, 2) + note("A", 4, 2) + note("D", 5, 2, tie="start"),
    note("D", 5, 4, tie="stop") + note("C", 5, 2),
    note("B", 4, 2, alter=-1) + note("A", 4, 4),
    note("D", 4, 4) + rest(2),
]
PIANO = [
    '<attributes><divisions>4</divisions><key><fifths>-1</fifths><mode>minor</mode></key><time><beats>3</beats>'
    '<beat-type>4</beat-type></time><staves>2</staves></attributes>' + rest(2),
    *(note("D", 4, 8) + note("F", 4, 8, chord=True) + note("E", 4, 4) + '<backup><duration>12</duration></backup>'
      + note("D", 3, 12, voice=5, staff=2) for _ in range(4)),
]
SEED = "D4:e | F4:q A4:q D5:h. | C5:q | Bb4:q A4:h | D4:h"  # D5 held over the bar line


def score(*parts: tuple[str, list[str]], root: str = "score-partwise") -> bytes:
    """Parts (name, bars' contents) as a score, its first bar an implicit bar 0."""
    part_list = "".join(f'<score-part id="P{i}"><part-name>{name}</part-name></score-part>'
                        for i, (name, _) in enumerate(parts, 1))
    implicit = ' implicit="yes"'
    body = "".join(f'<part id="P{i}">' + "".join(f'<measure number="{n}"{implicit * (n == 0)}>{m}</measure>'
                                                 for n, m in enumerate(bars)) + "</part>"
                   for i, (_, bars) in enumerate(parts, 1))
    return (f'{HEAD}<{root} version="4.0"><part-list>{part_list}</part-list>{body}</{root}>').encode()


LEAD_SHEET = score(("Voice", VOICE), ("Piano", PIANO))


def mxl(xml: bytes, name: str = "score.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.recordare.musicxml")
        archive.writestr("META-INF/container.xml", f'<?xml version="1.0"?><container><rootfiles><rootfile '
                                                   f'full-path="{name}"/></rootfiles></container>')
        archive.writestr(name, xml)
    return out.getvalue()
