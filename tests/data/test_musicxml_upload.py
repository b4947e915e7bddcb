"""A MusicXML score uploaded as a melody (what MuseScore, Finale and Sibelius export): its melody part, pickup, key
signature, meter and tempo read as a MIDI file's are, plain or compressed (.mxl), and clear errors for what isn't
one."""

from __future__ import annotations

import time

import pytest

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.midi import seed_from_midi
from data.musicxml import melody_to_musicxml
from studio.inputs import melody_from_midi
from studio.midi_melody import midi_request
from tests.data.musicxml_scores import LEAD_SHEET, SEED, VOICE, mxl, note, score


@pytest.mark.parametrize("data", [LEAD_SHEET, mxl(LEAD_SHEET)], ids=["musicxml", "mxl"])
def test_a_lead_sheet_gives_its_voice_part_with_pickup_key_meter_and_tempo(data):
    request, used, cut = midi_request(data, name="`song.musicxml`")
    assert request.notes == SEED  # the grace note left out, the tie held over the bar line
    assert (request.meter, request.tempo, request.key) == ("3/4", 90, "D minor")
    assert used.startswith("I used part 1 of `song.musicxml`, Voice (8 notes), as the melody (the highest of its 2 "
                           "parts): to take another")
    assert used.endswith("Its key signature (1 flat) puts it in D minor.")
    assert cut == ""
    given = melody_from_midi(data)  # what /chords, /analyze and /arrange read
    assert given.melody.pickup == 6 and str(given.melody.meter) == "3/4" and str(given.melody.key) == "D minor"


def test_another_part_is_chosen_by_number_and_a_missing_one_is_listed():
    request, used, _ = midi_request(LEAD_SHEET, track=2, name="`song.musicxml`")
    assert request.notes.startswith("F4:h E4:q | F4:h E4:q")  # the right hand's top notes, from its first
    assert used.startswith("I used part 2 of `song.musicxml`, Piano (")
    with pytest.raises(MusicError) as error:
        seed_from_midi(LEAD_SHEET, track=4)
    assert error.value.message.startswith("That MusicXML file has 2 parts with notes: 1 = Voice (8 notes), 2 = Piano")


@pytest.mark.parametrize(("notes", "meter", "pickup"), [
    ((Note(67, 12), *(Note(p, 12) for p in (72, 76, 79, 72)), Note(74, 36), Note(71, 12), Note(72, 48)), "4/4", 12),
    ((Note(69, 6), Note(74, 12), Note(74, 6), Note(78, 6), Note(76, 6), Note(74, 6), Note(73, 18), Note(None, 6),
      Note(69, 6), Note(71, 6), Note(74, 36)), "6/8", 6),
    ((Note(60, 9), Note(62, 3), Note(64, 36), Note(65, 6), Note(67, 24), Note(None, 6), Note(72, 48)), "3/4", 0),
])
def test_our_own_musicxml_reads_back_note_for_note(notes, meter, pickup):
    """A reply's .musicxml, uploaded again: the same notes, bar lines and pickup (ties, dots, rests, 6/8)."""
    melody = Melody(notes, Key(2, "major"), Meter.parse(meter), tempo=100, pickup=pickup)
    seed = seed_from_midi(melody_to_musicxml(melody))
    assert seed.opening(melody.meter) == (notes, pickup)
    assert (seed.meter, seed.tempo, seed.fifths) == (melody.meter, 100, 2)


def test_repeats_and_endings_are_read_as_played():
    """`|: C D E F | G A B c (1st ending) :| c B A G (2nd ending) |`, then a bar with its own `|: :|` three times:
    the notes as the music is played (and as music21's expandRepeats reads the corpus's 41 of 49 sampled scores
    with repeats; the others differ in how music21 counts chord symbols and ties)."""
    attributes = ('<attributes><divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>'
                  '</attributes>')
    forward = '<barline location="left"><repeat direction="forward"/></barline>'
    backward = '<barline location="right"><repeat direction="backward"{}/></barline>'

    def ending(number: str, body: str, repeat: str = "") -> str:
        return (f'<barline location="left"><ending number="{number}" type="start"/></barline>{body}'
                f'<barline location="right"><ending number="{number}" type="stop"/>{repeat}</barline>')

    bars = [attributes + forward + "".join(note(s, 4, 1) for s in "CDEF"),
            ending("1", "".join(note(s, 4, 1) for s in "GAB") + note("C", 5, 1), '<repeat direction="backward"/>'),
            ending("2", note("C", 5, 1) + "".join(note(s, 4, 1) for s in "BAG")),
            forward + note("E", 4, 4) + backward.format(' times="3"')]
    seed = seed_from_midi(score(("Tune", bars)))
    pitches = [n.pitch for n in seed.opening(Meter())[0]]
    assert pitches == [60, 62, 64, 65, 67, 69, 71, 72, 60, 62, 64, 65, 72, 71, 69, 67, 64, 64, 64]


def test_a_files_accidentals_are_as_written_not_typing_slips():
    """/analyze of a Bach chorale's .mxl said "Your E is a natural, outside Bb major: I kept it as typed", the hint
    for a letter typed without the key's flat: a file's notes are as its composer wrote them. A key the user gives
    that the notes do not fit is still said."""
    melody = Melody((Note(62, 12), Note(65, 12), Note(69, 12), Note(74, 12)), Key(2), Meter(), tempo=100)  # F natural
    data = melody_to_musicxml(melody)
    assert melody_from_midi(data).misfit == "" and melody_from_midi(data, key="D major").misfit == ""
    assert melody_from_midi(data, key="E major").misfit.startswith("Only 25% of your notes are in E major")


def test_a_transposing_part_is_read_at_the_pitch_it_sounds():
    """A Bb clarinet part is written a tone above what it plays, in a key two sharps higher: E major on paper, D
    major in the air (MIDI files are always at sounding pitch)."""
    clarinet = ('<attributes><divisions>1</divisions><key><fifths>4</fifths></key><time><beats>4</beats><beat-type>4'
                '</beat-type></time><transpose><diatonic>-1</diatonic><chromatic>-2</chromatic></transpose></attributes>'
                + note("E", 4, 1) + note("F", 4, 1, alter=1) + note("G", 4, 1, alter=1) + note("E", 4, 1))
    seed = seed_from_midi(score(("Clarinet in Bb", [clarinet])))
    assert [n.pitch for n in seed.notes] == [62, 64, 66, 62] and seed.fifths == 2


def test_a_percussion_only_score_asks_for_a_melody():
    drums = '<note><unpitched><display-step>C</display-step><display-octave>5</display-octave></unpitched>' \
            '<duration>1</duration></note>'
    with pytest.raises(MusicError, match="That MusicXML file only has drums"):
        seed_from_midi(score(("Drumset", ["<attributes><divisions>1</divisions></attributes>" + drums * 4])))


@pytest.mark.parametrize(("data", "needle"), [
    (LEAD_SHEET[:700], "That MusicXML file is damaged or cut off"),
    (LEAD_SHEET.replace(b"<step>F</step>", b"<step>H</step>"), "That MusicXML file is damaged or cut off"),
    (score(("Voice", VOICE), root="score-timewise"), "written bar by bar (timewise)"),
    (mxl(b"<museScore/>", "song.mscx"), "That's a MuseScore file (.mscz)"),
    (mxl(LEAD_SHEET)[:300], "That MusicXML file is damaged or cut off"),
    (b"PK\x03\x04" + bytes(200), "That MusicXML file is damaged or cut off"),
    (b"<html><body>not a score</body></html>", "That file isn't a MIDI file, a MusicXML score or an ABC tune"),
    (LEAD_SHEET.replace(b"<duration>4</duration>", b"<duration>1e99999999</duration>"), "damaged"),  # not minutes
    (LEAD_SHEET.replace(b"<octave>4</octave>", b"<octave>4x</octave>"), "damaged"),
])
def test_what_is_not_a_readable_score_says_what_to_upload(data, needle):
    with pytest.raises(MusicError, match=needle.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")) as error:
        seed_from_midi(data)
    assert ".mid" in error.value.message or "C E G" in error.value.message


def test_an_entity_bomb_is_refused_quickly():
    bomb = ('<?xml version="1.0"?><!DOCTYPE score-partwise [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + ']><score-partwise><part-list/><part id="P1"><measure><note><pitch><step>&i;</step></pitch></note>'
              '</measure></part></score-partwise>').encode()
    began = time.monotonic()
    with pytest.raises(MusicError, match="damaged"):
        seed_from_midi(bomb)
    assert time.monotonic() - began < 2


def test_a_note_placed_a_billion_beats_away_is_not_read_and_costs_nothing():
    far = ('<attributes><divisions>1</divisions></attributes>' + note("C", 4, 1)
           + '<forward><duration>999999999</duration></forward>' + note("D", 4, 1))
    began = time.monotonic()
    assert [n.pitch for n in seed_from_midi(score(("Voice", [far]))).notes] == [60]
    assert time.monotonic() - began < 2


def test_an_mxl_that_unpacks_too_big_is_refused():
    huge = LEAD_SHEET.replace(b"</part-list>", b"</part-list><!--" + b" " * 4_100_000 + b"-->")
    with pytest.raises(MusicError, match="unpacks to more than 4 MB"):
        seed_from_midi(mxl(huge))

