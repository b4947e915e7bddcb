"""The MusicXML writer, read back with music21: random melodies in every meter and key come back note for note."""

from __future__ import annotations

import random
import re
from fractions import Fraction
from importlib.resources import files

import pytest
from music21 import converter, stream

from data.events import DURATIONS, TPQ, Key, Melody, Meter, Note
from data.musicxml import SEED_COLOUR, key_fifths, melody_to_musicxml, padding_rests, written_lengths
from data.pitch_spelling import note_name
from data.theory import notation_key

METERS = ["1/4", "2/4", "3/4", "4/4", "5/4", "6/4", "2/2", "3/2", "4/2", "6/2", "3/8", "4/8", "5/8", "6/8", "7/8",
          "9/8", "12/8", "8/8", "10/8", "11/8", "9/4"]  # the model's meters (tests/data/test_meter.py) + parser extras
MODES = ["major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "locrian"]
TONICS = [letter + accidental for letter in "CDEFGAB" for accidental in ("", "#", "b")]
SYLLABLES = ["la", "sun-", "shine", "-ny", "ev-", "er-", "y", "A&B", "<o>", "day", None]


def random_melody(rng: random.Random) -> tuple[Melody, list[str | None] | None, str]:
    """A melody of random notes, rests, triplets, dotted and long values; random lyrics or none; a title."""
    notes: list[Note] = []
    for _ in range(rng.randint(1, 48)):
        pitch = None if rng.random() < 0.12 else rng.randint(36, 96)
        if rng.random() < 0.1:
            notes += [Note(pitch, t) for t in rng.choice([(4, 4, 4), (8, 8, 8), (8, 4), (2, 2, 2)])]
        else:
            notes.append(Note(pitch, rng.choice(DURATIONS)))
    key = Key.parse(f"{rng.choice(TONICS)} {rng.choice(MODES)}")
    melody = Melody(tuple(notes), key, Meter.parse(rng.choice(METERS)), rng.randint(40, 200),
                    rng.randint(0, len(notes)))
    lyrics = [rng.choice(SYLLABLES) for _ in notes[:rng.randint(0, len(notes))]] if rng.random() < 0.5 else None
    return melody, lyrics, rng.choice(["", "Jig & reel <1>", "Candidate 2"])


def expected_name(midi: int, k: Key) -> str:
    """A pitch as the key spells it: scale notes as music21's key does, others as ``data.pitch_spelling`` (checked
    in tests/data/test_pitch_spelling.py)."""
    scale = {p.pitchClass: p.name for p in notation_key(k).pitches}
    return scale.get(midi % 12) or note_name(midi, k, octave=False).replace("b", "-")


def expected_lyrics(melody: Melody, lyrics: list[str | None]) -> list[tuple[str, str] | None]:
    """(syllabic, text) under each melody note: a '-' at the end joins to the next sung syllable."""
    out, joined = [], False
    for n, text in zip(melody.notes, lyrics + [None] * len(melody.notes), strict=False):
        if not text or n.pitch is None:
            out.append(None)
            continue
        begins, ends = joined or text.startswith("-"), text.endswith("-")
        kind = "middle" if begins and ends else "end" if begins else "begin" if ends else "single"
        out.append((kind, text.strip("-")))
        joined = ends
    return out


def merged(entries: list[tuple]) -> list[tuple]:
    """Entries (midi, ..., ticks) with consecutive rests (midi None) joined: a long rest is written as several."""
    out: list[tuple] = []
    for entry in entries:
        if entry[0] is None and out and out[-1][0] is None:
            out[-1] = (None, None, out[-1][2] + entry[2], None, None)
        else:
            out.append(entry)
    return out


def read_back(score: stream.Score) -> list[tuple]:
    """(midi, spelled name, ticks, (syllabic, text), colour) of each note with its tied continuations, and of each
    rest, checking that every written piece is a plain, dotted or triplet value and that ties chain up."""
    out: list[tuple] = []
    open_tie = False
    for n in score.parts[0].flatten().notesAndRests:
        ticks = Fraction(n.quarterLength) * TPQ
        assert ticks.denominator == 1 and n.duration.type != "complex"
        assert all((t.numberNotesActual, t.numberNotesNormal) == (3, 2) for t in n.duration.tuplets)
        tie = n.tie.type if n.isNote and n.tie is not None else None
        if tie in ("stop", "continue"):
            assert out[-1][0] == n.pitch.midi and not n.lyrics and open_tie
            out[-1] = (*out[-1][:2], out[-1][2] + int(ticks), *out[-1][3:])
        elif n.isRest:
            assert not n.lyrics
            out.append((None, None, int(ticks), None, None))
        else:
            lyric = (n.lyrics[0].syllabic, n.lyrics[0].text) if n.lyrics else None
            out.append((n.pitch.midi, n.pitch.name, int(ticks), lyric, n.style.color))
        open_tie = tie in ("start", "continue")
    assert not open_tie
    return out


SAMPLE = [random_melody(random.Random(seed)) for seed in range(40)]


@pytest.mark.parametrize(("melody", "lyrics", "title"), SAMPLE)
def test_random_melodies_come_back_note_for_note(melody, lyrics, title):
    xml = melody_to_musicxml(melody, title, lyrics)
    score = converter.parseData(xml, format="musicxml")
    m, k = melody.meter, melody.key
    assert [ts.ratioString for ts in score.recurse().getElementsByClass("TimeSignature")] == [str(m)]
    assert [ks.sharps for ks in score.recurse().getElementsByClass("KeySignature")] == [notation_key(k).sharps]
    marks = list(score.recurse().getElementsByClass("MetronomeMark"))
    assert [(mark.number, mark.referent.quarterLength * TPQ) for mark in marks] == [(melody.tempo, m.beat_ticks)]
    assert (score.metadata.bestTitle or "") == title
    bars = list(score.parts[0].getElementsByClass(stream.Measure))
    assert len(bars) == melody.bars and all(bar.duration.quarterLength * TPQ == m.bar_ticks for bar in bars)

    sung = expected_lyrics(melody, lyrics or [])
    expected = [(None, None, n.ticks, None, None) if n.pitch is None else
                (n.pitch, expected_name(n.pitch, k), n.ticks, sung[i], SEED_COLOUR.upper() if i < melody.seed_len
                 else None) for i, n in enumerate(melody.notes)]
    expected += [(None, None, ticks, None, None) for ticks in padding_rests(melody.ticks, m)]
    assert merged(read_back(score)) == merged(expected)


@pytest.mark.parametrize("k", [Key.parse(f"{t} {mode}") for t in TONICS for mode in MODES])
def test_key_signature_and_spelling_match_music21s_key(k):
    assert key_fifths(k) == notation_key(k).sharps
    xml = melody_to_musicxml(Melody(tuple(Note(p, 6) for p in range(60, 72)), k, Meter(6, 8))).decode()
    steps = re.findall(r"<step>(\w)</step>\s*(?:<alter>(-?\d)</alter>\s*)?<octave>", xml)
    names = [step + {"1": "#", "-1": "-", "": ""}[alter] for step, alter in steps]
    assert names == [expected_name(p, k) for p in range(60, 72)]


@pytest.mark.parametrize(("ticks", "pieces"), [(12, [12]), (21, [21]), (8, [8]), (32, [32]), (15, [12, 3]),
                                               (20, [12, 8]), (7, [6, 1]), (44, [24, 12, 8])])
def test_lengths_without_a_note_shape_are_tied_plain_values(ticks, pieces):
    assert written_lengths(ticks) == pieces


def written(meter: str, ticks: list[int]) -> list[str]:
    """Each written note of a melody of C4s (rests below 0) as its type, dots as '.', a tie on to the next as '~'."""
    notes = tuple(Note(None if t < 0 else 60, abs(t)) for t in ticks)
    xml = melody_to_musicxml(Melody(notes, Key(0), Meter.parse(meter))).decode()
    return [re.search(r"<type>(\w+)</type>", n)[1] + "." * n.count("<dot") + "~" * ('<tie type="start"' in n)
            for n in xml.split("<note")[1:]]


def test_notes_are_tied_where_they_would_hide_the_beat():
    """6/8's beats are dotted quarters: a half from the downbeat is a dotted quarter tied to an eighth, a quarter on
    the third eighth two tied eighths, a dotted half stays whole; in 4/4 a half on the off-beat shows the middle
    of the bar, and a rest shows the beat."""
    assert written("6/8", [24, 12]) == ["quarter.~", "eighth", "quarter"]
    assert written("6/8", [12, 12, 12]) == ["quarter", "eighth~", "eighth", "quarter"]
    assert written("6/8", [6, 12, 18]) == ["eighth", "quarter", "quarter."]  # within each beat: as typed
    assert written("6/8", [36]) == ["half."]
    assert written("12/8", [18, 54]) == ["quarter.", "half.~", "quarter."]
    assert written("4/4", [6, 24, 18]) == ["eighth", "quarter.~", "eighth", "quarter."]
    assert written("4/4", [12, 24, 12]) == ["quarter", "half", "quarter"]  # a syncopation on the beat stays
    assert written("4/4", [6, -12, 6, 24]) == ["eighth", "eighth", "eighth", "eighth", "half"]
    assert written("3/4", [6, 24, 6]) == ["eighth", "half", "eighth"]


def test_beams_follow_the_beat_and_rests_break_them():
    def beams(meter: str, ticks: list[int]) -> list[str]:
        notes = tuple(Note(None if t < 0 else 60, abs(t)) for t in ticks)
        xml = melody_to_musicxml(Melody(notes, Key(0), Meter.parse(meter))).decode()
        notes_xml = xml.split("<note")[1:len(ticks) + 1]
        return [" ".join(re.findall(r'<beam number="\d">([^<]+)</beam>', n)) or "-" for n in notes_xml]

    assert beams("4/4", [6, 6, 3, 3, 6, 9, 3, 3, 9, 12]) == ["begin", "end", "begin begin", "continue end", "end",
                                                             "begin", "end backward hook", "begin forward hook",
                                                             "end", "-"]
    assert beams("6/8", [6, 6, 6, 6, -6, 6]) == ["begin", "continue", "end", "-", "-", "-"]
    assert beams("7/8", [6] * 7) == ["begin", "end", "begin", "end", "begin", "continue", "end"]
    assert beams("3/8", [6] * 3) == ["begin", "continue", "end"]
    assert beams("2/2", [4] * 6 + [12]) == ["begin"] + ["continue"] * 4 + ["end", "-"]


def test_triplet_brackets_close_when_full():
    notes = tuple(Note(60, t) for t in (4, 4, 4, 8, 8, 8, 12, 4, 12, 8, 8, 8, 8))
    xml = melody_to_musicxml(Melody(notes, Key(0), Meter(4, 4))).decode()
    tuplets = [" ".join(re.findall(r'<tuplet type="(\w+)"', n)) or "-" for n in xml.split("<note")[1:]]
    assert tuplets == ["start", "-", "stop", "start", "-", "stop", "-", "start stop", "-", "start", "-", "stop",
                       "start stop"]


def test_empty_melody_is_one_silent_bar():
    score = converter.parseData(melody_to_musicxml(Melody((), Key(0))), format="musicxml")
    assert len(score.parts[0].getElementsByClass(stream.Measure)) == 1


def test_accidentals_hold_for_the_bar_with_courtesy_signs_after_a_change():
    pitches = [(66, 12), (66, 12), (77, 12), (66, 24), (65, 12), (66, 12), (60, 12), (65, 12), (65, 12), (60, 12),
               (60, 12), (65, 12)]
    xml = melody_to_musicxml(Melody(tuple(Note(p, t) for p, t in pitches), Key(0), Meter(4, 4)))
    notes = list(converter.parseData(xml, format="musicxml").recurse().notes)
    shown = [bool(n.pitch.accidental and n.pitch.accidental.displayStatus) for n in notes]
    assert shown == [True, False, True, True,  # F#, F# again, F5 natural (an F# just before), F# tied over
                     False, True, True, False,  # no sign on the tie; F natural, F# again in the bar
                     True, False, False, False,  # a courtesy natural after the last bar's F#
                     False]


def test_sample_loads_in_verovio_without_warnings(capfd):
    import verovio

    toolkit = verovio.toolkit(False)
    toolkit.setResourcePath(str(files("verovio") / "data"))
    toolkit.setOptions({"breaks": "smart", "footer": "none"})  # as data.engraving asks
    verovio.enableLog(verovio.LOG_WARNING)
    try:
        for melody, lyrics, title in SAMPLE[:10]:
            assert toolkit.loadData(melody_to_musicxml(melody, title, lyrics).decode())
    finally:
        verovio.enableLog(verovio.LOG_OFF)
    assert "[Warning]" not in capfd.readouterr().err


def test_a_held_syllable_gets_an_extender_line_and_no_hyphen():
    notes = tuple(Note(p, TPQ) for p in (60, 62, 64, 65))
    xml = melody_to_musicxml(Melody(notes, Key(0), Meter(4, 4)), lyrics=["the", "fire", "", "burns"]).decode()
    lyrics = re.findall(r"<lyric number=\"1\">(.*?)</lyric>", xml, re.S)
    assert len(lyrics) == 3  # the held note has no syllable of its own
    assert "<text>fire</text>" in lyrics[1] and "<extend type=\"start\"" in lyrics[1]
    assert "<syllabic>single</syllabic>" in lyrics[1] and "<extend" not in lyrics[0] + lyrics[2]
