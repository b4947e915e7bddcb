"""The teacher's reading: key reasoning, phrase letters, cadence names, the line and rhythm, the marked score."""

from __future__ import annotations

import pytest

from data.engraving import svg_pages
from data.events import Key, Melody, Meter, Note
from data.notation import parse_seed
from data.score_marks import Mark, add_marks
from data.theory import melody_to_musicxml
from studio.analysis.cadences import cadences, name_cadence
from studio.analysis.files import SCORE_BREAKS, annotated_musicxml, score_marks
from studio.analysis.key import read_key
from studio.analysis.melodic import contour_shape, intervals, pitch_range
from studio.analysis.phrases import find_phrases, form
from studio.analysis.report import analyze, plain_text, sections
from studio.analysis.rhythm import rhythm
from studio.errors import MusicError
from studio.harmony.harmonizer import Chord, HarmonyResult, melody_spans


def melody(text: str, meter: str = "4/4") -> Melody:
    return Melody(parse_seed(text, max_notes=256).notes, Key(0), Meter.parse(meter))


# ---- key ---------------------------------------------------------------------------------------------------
def test_g_major_is_read_from_its_f_sharp_and_final_g_and_told_apart_from_e_minor():
    reading = read_key(melody("G4:q A B G | C5 B A G | F#:q A D5 C | B4:h G:h"))
    assert str(reading.key) == "G major" and reading.confidence > 0.7
    assert reading.why.startswith("F# and the final G point to G major.")
    assert "Why not E minor" in reading.why and "The melody ends on G" in reading.why


def test_e_minor_with_the_same_notes_is_read_from_its_tonic_chord_and_ending():
    reading = read_key(melody("B4:q A G B | E:h G | F#:q E D F# | E:w"))
    assert str(reading.key) == "E minor"
    assert reading.runner_up.tonic == 4 or reading.runner_up.scale == reading.key.scale
    assert "Why not G major" in reading.why and "ends on E" in reading.why
    assert "E G B (the E minor chord)" in reading.why


def test_a_leading_tone_is_named_as_evidence_for_minor():
    reading = read_key(melody("A4:q B C5 D | E:h D:q C | B4:q G# A B | A:w"))
    assert str(reading.key) == "A minor" and "leading tone G#" in reading.why


def test_a_raised_sixth_makes_dorian_and_a_flat_seventh_mixolydian():
    assert str(read_key(melody("D4:q E F G | A:h B:q A | G:q F E C | D:w")).key) == "D dorian"
    assert str(read_key(melody("G4:q A B G | F:h D:q F | G:q F D C | B3:q F4 G:h")).key) == "G mixolydian"


def test_a_close_runner_up_is_called_close_with_what_separates_them():
    reading = read_key(melody("C4:q E G E | C:h"))
    assert reading.confidence >= reading.runner_up_confidence
    assert str(reading.runner_up) in reading.why and "%" in reading.why


# ---- phrases -------------------------------------------------------------------------------------------------
A = "C4:q D4 E4 C4 | E4 F4 G4:h | E4:e F4 G4 A4 G4:q E4 | C4 D4 C4:h | "
A_VARIED = "C4:q D4 E4 C4 | E4 F4 G4:h | E4:e F4 G4 A4 G4:q E4 | D4 B3 G3:h | "
B = "G4:q G4 A4 A4 | G4 G4 E4:h | F4:q F4 D4 D4 | E4 E4 C4:h | "


def test_an_aaba_tune_gets_the_letters_aaba():
    phrases = find_phrases(melody(A + A + B + A))
    assert form(phrases) == "AABA"
    assert [p.like for p in phrases] == [None, 0, None, 0]
    assert [(p.first_bar, p.last_bar) for p in phrases] == [(1, 4), (5, 8), (9, 12), (13, 16)]


def test_a_changed_ending_is_a_variation_and_a_transposed_repeat_is_a_sequence():
    assert form(find_phrases(melody(A + A_VARIED + B + A))) == "AA'BA"
    notes = melody(A).notes
    higher = tuple(Note(n.pitch + 2, n.ticks) for n in notes)
    phrases = find_phrases(Melody(notes + higher, Key(0), Meter()))
    assert phrases[1].letter == "A'" and phrases[1].shift == 2


def test_short_melodies_have_two_bar_phrases():
    phrases = find_phrases(melody("C4:q D E C | E F G:h | C4:q D E C | E F G:h"))
    assert form(phrases) == "AA" and phrases[1].first_bar == 3


# ---- cadences -------------------------------------------------------------------------------------------
MAJOR, MINOR = (0, 4, 7), (0, 3, 7)


@pytest.mark.parametrize(("before", "final", "on_tonic", "mode", "kind"), [
    ((7, MAJOR), (0, MAJOR), True, "major", "perfect authentic"),
    ((7, (0, 4, 7, 10)), (0, MAJOR), False, "major", "imperfect authentic"),
    ((11, (0, 3, 6)), (0, MAJOR), True, "major", "imperfect authentic"),
    ((0, MAJOR), (7, MAJOR), False, "major", "half"),
    ((5, MAJOR), (0, MAJOR), True, "major", "plagal"),
    ((7, MAJOR), (9, MINOR), False, "major", "deceptive"),
    ((7, MAJOR), (8, MAJOR), False, "minor", "deceptive"),
    ((10, MAJOR), (0, MINOR), True, "dorian", "modal"),
    ((2, MINOR), (9, MINOR), False, "major", "none"),
    ((3, MAJOR), (0, MINOR), True, "minor", "tonic"),  # III -> i ends at home: it was "an open ending"
    (None, (0, MAJOR), True, "major", "tonic"),
])
def test_cadences_are_named_from_their_last_two_chords(before, final, on_tonic, mode, kind):
    assert name_cadence(before, final, on_tonic, mode) == kind


def test_each_phrase_end_gets_its_cadence_from_the_harmonisation():
    m = Melody(melody("E4:h D4 | C4:w | E4:h F4 | D4:w").notes, Key(0), Meter())
    bar = m.meter.bar_ticks
    chords = tuple(Chord(i * bar, bar, roman, "", root, MAJOR, ()) for i, (roman, root) in
                   enumerate([("V", 7), ("I", 0), ("I", 0), ("V", 7)]))
    found = cadences(HarmonyResult(m, chords, "bar", "chorale"), m, [(0, 0, 2 * bar), (1, 2 * bar, 4 * bar)])
    assert [(c.bar, c.kind, c.chords) for c in found] == [(2, "perfect authentic", ("V", "I")), (4, "half", ("I", "V"))]
    assert "full stop" in found[0].sentence and "comma" in found[1].sentence



@pytest.mark.parametrize(("last_bar", "kind"), [
    ("C4:h. G3:q", "perfect authentic"),  # the G leads into a repeat: the phrase came to rest on C
    ("E4:h C4:h", "perfect authentic"), ("C4:h E4:h", "imperfect authentic"),  # the last strong beat decides
    ("E4:w", "imperfect authentic"),
])
def test_a_cadence_is_read_from_the_note_the_phrase_rests_on(last_bar, kind):
    m = Melody(melody(f"E4:h D4 | {last_bar}").notes, Key(0), Meter())
    bar, beat = m.meter.bar_ticks, m.meter.beat_ticks
    chords = (Chord(0, bar, "V", "", 7, MAJOR, ()),
              *(Chord(bar + i * beat, beat, "I", "", 0, MAJOR, ()) for i in range(4)))  # one chord per beat
    found = cadences(HarmonyResult(m, chords, "beat", "chorale"), m, [(0, 0, 2 * bar)])
    assert [c.kind for c in found] == [kind]


def test_a_phrase_ends_before_the_next_phrases_pickup():
    """`… | D5:h. G4 | C4 …` with a pickup G: the G leads into phrase 2, so phrase 1 ends on the held D, over V —
    a half cadence (it was read at the pickup's chord, an "imperfect authentic cadence" on I)."""
    tune = ("G4 | C4 E G C5 | D4 F A D5 | E4 G C5 E5 | D5:h. G4 | C4 E G C5 | D4 F A D5 | E4 G B D5 | C5:h.")
    parsed = parse_seed(tune, max_notes=256, meter=Meter())
    a = analyze(Melody(tuple(parsed.notes), Key(0), Meter(4, 4), pickup=parsed.pickup))
    assert [(c.bar, c.kind, c.chords[1]) for c in a.cadences] == [(4, "half", "V"), (8, "perfect authentic", "I")]
    spans = melody_spans(a.melody.on_downbeat(), a.melody.meter.beat_ticks, first_bar=48, lead_in=12)  # as /chords
    assert [k for k, span in enumerate(spans) if span.phrase_end] == [4 * 4 + 2, len(spans) - 1]  # bar 4, beat 3

# ---- line and rhythm ----------------------------------------------------------------------------------------
def test_range_tessitura_intervals_and_contour():
    m = melody("C4:q D E F | G:h A:q B | C5:w | B4:q A G F | E:w")
    r = pitch_range(m)
    assert (r.low, r.high, r.span) == (60, 72, 12) and "soprano" in r.voices
    i = intervals(m)
    assert i.steps == i.count and i.conjunct and abs(i.largest) == 2
    assert contour_shape([60, 64, 67, 72, 67, 64, 60], [k / 7 for k in range(7)]) == "arch"
    assert contour_shape([60, 62, 64, 65, 67], [k / 5 for k in range(5)]) == "rising"
    from studio.analysis.words import article, interval_name

    assert [article(interval_name(n)) for n in (7, 12, 26, 36)] == [  # "a range of a 3 octaves" read wrong
        "a perfect fifth", "an octave", "2 octaves and a major second", "3 octaves"]


def test_syncopation_dotted_notes_and_note_values():
    r = rhythm(melody("C4:e D:q E:e F:q. G:e | C:w"))
    assert r.syncopations == (1,) and r.dotted == 1
    assert dict(r.values)[6] == 3
    assert not rhythm(melody("C4:q D E F | G:w")).syncopated
    assert rhythm(melody("C4:q. D:q. E:q. F:q.", "6/8")).dotted == 0  # 6/8's dotted-quarter beat is no figure


# ---- the whole reading and its files ------------------------------------------------------------------------
def test_the_reading_names_every_topic_and_the_score_carries_its_marks():
    a = analyze(melody(A + A + B + A))
    titles = [s.title for s in sections(a)]
    assert titles == ["Key", "Scale and mode", "Range and tessitura", "Intervals", "Contour", "Phrases and form",
                      "Cadences", "Rhythm", "Harmonisation", "Mood"]
    text = plain_text(a)
    assert "C major" in text and "A A B A" in text and "cadence" in text and "**" not in text
    assert a.cadences[-1].kind in ("perfect authentic", "plagal")
    marks = score_marks(a)
    assert [m.text for m in marks if m.kind == "letter"] == ["A", "A", "B", "A"]
    assert sum(m.kind == "below" for m in marks) >= 4
    xml = annotated_musicxml(a).decode()
    assert xml.count("<rehearsal") == 4 and "<words" in xml and "cadence</words>" in xml


def test_the_range_names_the_voices_that_sing_it_with_their_article():
    low = plain_text(analyze(melody("A3 C4 D4 E4 | G4 E4 D4:h | C4 D4 E4 A3 | A3:w")))
    assert "Comfortable for an alto or tenor voice." in low  # was "a alto or tenor voice"
    high = plain_text(analyze(melody("C5 D5 E5 G5 | A5 G5 E5:h | D5 E5 C5:h | C5:w")))
    assert "Comfortable for a soprano voice." in high


def test_a_given_key_sets_the_numerals_and_the_reading_says_so():
    a = analyze(melody("G4:q A B G | C5 B A G | F#:q A D5 C | B4:h G:h"), Key.parse("E minor"))
    assert str(a.key) == "E minor" and "You set E minor" in sections(a)[0].text


def test_a_last_note_held_into_a_phrase_of_its_own_adds_no_phrase():
    melody = Melody(parse_seed("A3 D4 D4 F#4 A4 B4 A4 F#4:h").notes, Key.parse("D major"))  # 9 beats: 3 one-bar cuts
    a = analyze(melody)  # was: max() of no pitches, in the contour of a phrase where no note starts
    assert form(list(a.phrases)) == "AB" and len(a.phrase_shapes) == 2
    assert any(s.title == "Mood" for s in sections(a))


def test_a_pickup_counts_bars_and_beats_from_the_real_downbeats():
    seed = parse_seed("G | C E G C | F A C A | G B D B | C:w", max_notes=256, meter=Meter())
    tune = Melody(seed.notes, Key(0), Meter(), pickup=seed.pickup)
    a = analyze(tune)
    assert a.melody.pickup == seed.pickup == 12 and not a.rhythm.syncopations  # quarters on the beat
    assert [(p.start, p.first_bar, p.last_bar) for p in a.phrases] == [(0, 1, 2), (12 + 2 * 48, 3, 4)]
    assert [(c.bar, c.kind) for c in a.cadences][-1] == (4, "perfect authentic")
    assert a.contour.climax_bar == 3 and a.intervals.largest_at[0] == 1  # G → C over the first bar line
    text = plain_text(a)
    assert "No syncopation" in text and "2 phrases of 2 bars" in text
    marks = score_marks(a)
    assert min(m.tick for m in marks) == 0 and Mark(12 + 2 * 48, "B", "letter") in marks  # at bar 3's downbeat


def test_only_rests_is_a_friendly_error():
    with pytest.raises(MusicError):
        analyze(Melody((Note(None, 48),), Key(0), Meter()))


def test_marks_land_inside_notes_with_an_offset():
    m = Melody((Note(60, 48), Note(62, 48)), Key(0), Meter())
    xml = add_marks(melody_to_musicxml(m), [Mark(0, "A", "letter"), Mark(24, "V", "below"), Mark(48, "I")]).decode()
    assert xml.index("<rehearsal") < xml.index("<step>C</step>")
    assert "<offset>24</offset>" in xml and xml.index(">I</words>") < xml.index("<step>D</step>")


@pytest.mark.parametrize(("notes", "key"), [
    ("E D C D E E E:h D D D:h", "C major"),  # ends on D, but with no F or A it is not D minor (it was, 38%)
    ("A B C", "A minor"),  # A C of A minor's chord; C major's has only the C (it was C major, 40%)
    ("D F A", "D minor"), ("G A B G", "G major"), ("C D", "C major"),  # as before
])
def test_a_melody_of_few_notes_is_read_in_a_key_whose_chord_it_sounds(notes, key):
    from studio.analysis.key import infer_key

    melody = Melody(parse_seed(notes).notes, Key(0), Meter(), 100)
    assert str(read_key(melody).key) == key == str(infer_key(melody.notes))  # /analyze agrees with /chords' guess


@pytest.mark.parametrize(("notes", "meter", "key", "seed_key"), [
    ("D:e. D:s | E:q D:q G:q | F#:h D:e. D:s | E:q D:q A:q | G:h", "3/4", "G major", "D major"),  # Happy Birthday
    ("E D C D E E E:h D:q D D:h E:q G G:h", "4/4", "C major", "C major"),  # a first phrase, ending on the fifth
    ("G A B C5 D5 E5 F#5 D5 B4 G4 A4 B4 C5:e", "4/4", "G major", "G major"),  # ends on a short note: as a seed
])
def test_a_whole_melody_that_ends_long_counts_its_last_note(notes, meter, key, seed_key):
    """/chords, /arrange and /rewrite read the key of a whole melody: one that ends on a note of a beat or more
    counts its last note for the final (half as much as /analyze), where a seed to continue does not."""
    from studio.analysis.key import infer_key
    from studio.inputs import melody_from_notes

    typed = parse_seed(notes)
    assert str(melody_from_notes(notes, meter=meter).melody.key) == key
    assert str(infer_key(typed.notes)) == seed_key


@pytest.mark.parametrize(("notes", "key"), [("C D E F", "C major"), ("G A B C5", "G major"), ("E F G A", "C major"),
                                          ("G | C E G C5", "C major")])
def test_a_motif_of_one_bar_is_read_as_a_seed_is(notes, key):
    """`/chords C D E F` said F major (its last quarter counted as a final) where `/melody C D E F` said C major: a
    bar or less is a motif, and every command reads it as /melody reads a seed."""
    from studio.analysis.key import infer_key
    from studio.inputs import melody_from_notes

    assert str(melody_from_notes(notes).melody.key) == key == str(infer_key(parse_seed(notes).notes))


def test_cadences_are_told_in_bar_order():
    """Greensleeves' cadences read `Bar 4 ... Bar 8 ... Bar 15 ... Bar 12: VI → V, a half cadence again`: the
    repeats of a kind already explained came last. They now come where they fall."""
    import re

    from studio.analysis.report import cadence_text
    from studio.inputs import melody_from_notes

    tune = ("A:q | C5:h D5:q | E5:q. F5:e E5:q | D5:h B:q | G:q. A:e B:q | C5:h A:q | A:q. G#:e A:q | B:h G#:q | "
            "E:h A:q | C5:h D5:q | E5:q. F5:e E5:q | D5:h B:q | G:q. A:e B:q | C5:q. B:e A:q | G#:q. F#:e G#:q | A:h.")
    text = cadence_text(analyze(melody_from_notes(tune, meter="3/4").melody))
    bars = [int(b) for b in re.findall(r"Bars? (\d+)", text)]
    assert "again" in text and bars == sorted(bars) and len(bars) >= 4, text


def test_a_sequence_is_a_whole_phrase_transposed_not_one_note_changed():
    """Amazing Grace's third phrase changes one note of the first (`D5:h B:e G:e` for `G:h B:e G:e`), and /analyze
    said it "repeats phrase 1 a fifth higher (a sequence)": a transposed comparison also counted the unchanged
    notes. Now it varies phrase 1; a phrase written a step higher is still a sequence."""
    from studio.inputs import melody_from_notes

    grace = ("D:q | G:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | D5:h. | D5:h B:q | "
             "D5:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | G:h.")
    third = find_phrases(melody_from_notes(grace, "G major", "3/4").melody)[2]
    assert third.like == 0 and third.shift == 0 and third.letter.startswith("A")
    phrase = "C4:q D4 E4 C4 | E4 F4 G4:h | G4:e A4 G4 F4 E4:q C4 | C4 G3 C4:h"
    up = "D4:q E4 F#4 D4 | F#4 G4 A4:h | A4:e B4 A4 G4 F#4:q D4 | D4 A3 D4:h"
    sequence = find_phrases(melody_from_notes(f"{phrase} | {up}", "C major").melody)[1]
    assert sequence.like == 0 and sequence.shift == 2 and sequence.similarity >= 0.9


def test_a_phrase_a_line_though_cadence_names_run_past_their_bar():
    """Ode to Joy's score came out 3 bars and 5: the words "half cadence" over bar 4 made verovio widen it."""
    ode = parse_seed("E E F G | G F E D | C C D E | E:q. D:e D:h | E E F G | G F E D | C C D E | D:q. C:e C:h")
    a = analyze(Melody(tuple(ode.notes), Key(0), Meter(4, 4)))
    assert [c.label for c in a.cadences] == ["half cadence", "perfect authentic cadence"]
    svg = svg_pages(annotated_musicxml(a), breaks=SCORE_BREAKS)[0]
    assert [system.count('class="measure"') for system in svg.split('class="system"')[1:]] == [4, 4]
