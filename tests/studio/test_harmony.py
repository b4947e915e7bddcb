"""Harmonisation with the committed chorale tables (no training here, except a 3-chorale smoke test)."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest

from data.events import Key, Melody, Meter
from data.notation import parse_seed
from model.harmony import CHECKPOINT, HarmonyModel, train
from studio.harmony.harmonizer import Harmonizer, chord_tone_share, default_harmonizer, span_ticks, symbol
from studio.options import CHORDS

SCALE = "C D E F G A B C5 B4 A G F E D C:h"  # 16 beats of 4/4, ends on the tonic


def melody(text: str = SCALE, key: Key | None = None, meter: Meter | None = None) -> Melody:
    return Melody(parse_seed(text, max_notes=256).notes, key or Key(0), meter or Meter())


@pytest.fixture(scope="module")
def harmonizer() -> Harmonizer:
    return default_harmonizer()


@pytest.mark.parametrize(("rhythm", "count"), [("beat", 16), ("half-bar", 8), ("bar", 4)])
def test_one_chord_per_span(harmonizer, rhythm, count):
    result = harmonizer.harmonize(melody(), rhythm)
    assert len(result.chords) == count
    assert result.chord_text.count("|") == 5  # four bars
    cells = [cell.split() for cell in result.chord_text.strip("| ").split(" | ")]
    assert [len(c) for c in cells] == [len(c.split()) for c in result.roman_text.strip("| ").split(" | ")]
    assert sum(1 if name == "/" else 0 for cell in cells for name in cell) <= count


def test_chords_read_as_a_lead_sheet():
    """Mary had a little lamb: a chord held over a bar is named once, uneven chords in a bar hold with slashes,
    and the default lets the chord change at most every half bar (`C G C G` under `E D C D` read as a chorale); the
    tonic arrives with bar 4, so bar 3 is the cadence's ii-V."""
    mary = Melody(parse_seed("E D C D E E E:h D:q D D:h E:q G G:h", max_notes=256).notes, Key(0), Meter())
    harmonizer = default_harmonizer()
    by_beat = harmonizer.harmonize(mary, "beat")
    assert by_beat.chord_text == "| C G C G | C | Dm7 G / / | C |"
    assert by_beat.roman_text == "| I V I V | I | ii7 V / / | I |"
    assert harmonizer.harmonize(mary, CHORDS["rhythm"].default).chord_text == "| C | C | Dm G | C |"


def test_three_four_and_six_eight_spans():
    assert span_ticks(Meter(3, 4), "beat") == (12, "beat")
    assert span_ticks(Meter(3, 4), "half-bar") == (36, "bar")
    assert span_ticks(Meter(6, 8), "beat") == (18, "beat")


def test_chorale_chords_come_from_the_learned_vocabulary(harmonizer):
    vocab = set(json.loads(CHECKPOINT.read_text())["tables"]["major"]["vocab"])
    assert 15 <= len(vocab) <= 30
    result = harmonizer.harmonize(melody(), "beat")
    assert {c.roman for c in result.chords} <= vocab


def test_a_melody_ending_on_the_tonic_ends_on_i(harmonizer):
    for rhythm in ("beat", "half-bar", "bar"):
        result = harmonizer.harmonize(melody(), rhythm)
        assert result.chords[-1].roman == "I" and result.chords[-1].symbol == "C"
        before = [c.roman for c in result.chords if c.roman != "I"][-1]  # the chord the final tonic resolves
        assert before in ("V", "V7", "IV", "vii°", "ii", "ii7", "vi")


def test_strong_beat_melody_notes_are_mostly_chord_tones(harmonizer):
    for rhythm in ("beat", "half-bar"):
        assert chord_tone_share(harmonizer.harmonize(melody(), rhythm)) >= 0.7


def test_a_bar_that_spells_a_chord_gets_that_chord(harmonizer):
    """One chord per bar: arpeggios of C, Am, F and G get C Am F G in pop style (A C E A used to get F, with E
    against it, because a chorale soprano rarely sits on the root of vi), and a last bar of G B D G ends on G
    rather than being forced to the tonic."""
    result = harmonizer.harmonize(melody("C E G E A C E A F A C A G B D G"), "bar", "pop")
    assert result.chord_text == "| C | Am | F | G |"
    for style in ("chorale", "pop"):
        assert harmonizer.harmonize(melody("C E G E A C E A F A C A G B D G"), "bar", style).chords[1].symbol == "Am"
    # a two-bar tune in pop style: the chorale's cadence moves (IV-I, rarely vi-I) no longer outvote the notes
    assert harmonizer.harmonize(melody("A C E A G E D C"), "bar", "pop").chord_text == "| Am | C |"
    ends = harmonizer.harmonize(melody("C E G C F A C A G B D G"), "bar", "chorale")
    assert ends.chords[-1].symbol == "G"
    assert harmonizer.harmonize(melody("C E G C F A C A G B D G C:w"), "bar").chords[-1].symbol == "C"


def test_pop_uses_only_i_iv_v_vi(harmonizer):
    result = harmonizer.harmonize(melody("C E G A G E D C D E F E D C D C:h"), "half-bar", "pop")
    assert {c.roman for c in result.chords} <= {"I", "IV", "V", "vi"}
    assert result.chords[-1].roman == "I"


def test_jazz_uses_sevenths(harmonizer):
    result = harmonizer.harmonize(melody(), "half-bar", "jazz")
    assert all(len(c.intervals) == 4 for c in result.chords)
    assert result.chords[-1].roman == "Imaj7" and result.chords[-1].symbol == "Cmaj7"
    assert any(c.symbol.endswith("7") and c.roman == "V7" for c in result.chords)


def test_minor_key(harmonizer):
    result = harmonizer.harmonize(melody("A B C5 D E D C B A G# A:h", Key(9, "minor"), Meter(3, 4)), "beat")
    assert result.chords[-1].roman == "i" and result.chords[-1].symbol == "Am"
    assert chord_tone_share(result) >= 0.6
    assert any(c.roman in ("V", "V7", "vii°", "vii°7") for c in result.chords)


def test_chord_roots_are_spelled_as_the_key_spells_its_notes(harmonizer):
    """D minor's leading-tone chord is C#dim (it was Dbdim: D minor writes flats), F# major's is E#dim."""
    result = harmonizer.harmonize(melody("D F E G C#:h E:h D:w", Key.parse("D minor")), "half-bar", "chorale")
    leading = [c.symbol for c in result.chords if c.roman.startswith("vii")]
    assert leading and all(s.startswith("C#") for s in leading), [c.symbol for c in result.chords]
    assert symbol(Key.parse("F# major"), 11, (0, 3, 6)) == "E#dim"
    assert symbol(Key.parse("C major"), 1, (0, 4, 7), "bII") == "Db"  # the numeral's flat, not the speller's C#
    assert symbol(Key.parse("A minor"), 11, (0, 3, 6)) == "G#dim"


def test_modal_key_uses_the_parent_scale(harmonizer):
    key = Key(2, "dorian")
    result = harmonizer.harmonize(melody("D E F G A B C5 A G F E D:h", key), "half-bar")
    assert result.chords[-1].symbol == "Dm"
    for chord in result.chords:
        assert chord.pitch_classes <= key.scale


def test_voicing_sits_below_the_melody_with_a_bass(harmonizer):
    result = harmonizer.harmonize(melody(), "bar")
    lowest = [min(n.pitch for n in result.melody.notes[i:i + 4]) for i in (0, 4, 8, 12)]  # 4 notes per bar
    for chord, low in zip(result.chords, lowest, strict=True):
        assert len(chord.voicing) >= 4 and chord.voicing[0] < 52 and list(chord.voicing) == sorted(chord.voicing)
        assert max(chord.voicing) < low
        assert {p % 12 for p in chord.voicing} == set(chord.pitch_classes)


def test_training_smoke_on_three_chorales(tmp_path):
    from data.chorales import extract_corpus

    chorales = extract_corpus(3, tmp_path / "c.json")
    tables = train(chorales)
    assert tables["tables"]["major"]["vocab"] and "trans" in tables["tables"]["minor"]
    result = Harmonizer(HarmonyModel(tables)).harmonize(melody(), "bar")
    assert len(result.chords) == 4


def test_shipped_tables_are_small():
    assert CHECKPOINT.stat().st_size < 2_000_000


def test_a_chord_held_over_a_bar_sounds_once_in_the_midi():
    """Half-bar spans that keep the chord (Mary: `| C | C | Dm G | C |`) are one chord a bar in the MIDI, not the
    strings struck again at the half bar."""
    import io

    import pretty_midi

    from studio.harmony.files import harmony_files

    mary = Melody(parse_seed("E D C D E E E:h D:q D D:h E:q G G:h", max_notes=256).notes, Key(0), Meter(), 120)
    result = default_harmonizer().harmonize(mary, "half-bar")
    assert result.chord_text == "| C | C | Dm G | C |" and len(result.chords) == 8
    midi = next(f.data for f in harmony_files(result, "mary") if f.filename.endswith(".mid"))
    chords = pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[1]
    onsets = sorted({round(n.start, 3) for n in chords.notes})
    assert onsets == [0.0, 2.0, 4.0, 5.0, 6.0]  # a bar of 4/4 at 120 bpm is 2 s
    assert sorted({round(n.end - n.start, 3) for n in chords.notes}) == [1.0, 2.0]


def test_the_abc_file_carries_the_melody_and_its_chords(harmonizer):
    """The /chords files include an ABC tune with the chords in quotes over the notes, as folk players share
    them: it reads back as the same melody, and a chord that changes under a held note ties the note."""
    from data.abc import read_abc
    from data.abc_write import melody_abc
    from studio.harmony.files import harmony_files

    mary = Melody(parse_seed("E D C D E E E:h D:q D D:h E:q G G:h", max_notes=256).notes, Key(0), Meter(), 120)
    result = harmonizer.harmonize(mary, "half-bar", "pop")
    abc = next(f.data for f in harmony_files(result, "mary") if f.filename.endswith(".abc")).decode()
    assert [n.pitch for n in parse_seed(read_abc(abc).notes).notes] == [n.pitch for n in mary.notes]
    written = re.findall(r'"([^"^]+)"', abc)
    assert "".join(written) == "".join(result.chord_text.replace("|", " ").split())  # every chord, in order
    held = Melody(parse_seed("C:w | G:h C:h", max_notes=16).notes, Key(0), Meter(), 120)
    assert melody_abc(held, chords=[(0, "C"), (24, "F"), (48, "G"), (72, "C")]).endswith(
        '"C"C4- "F"C4 | "G"G,4 "C"C4 |]')


@pytest.mark.parametrize("style", ["chorale", "pop", "jazz"])
@pytest.mark.parametrize("rhythm", ["beat", "half-bar"])
def test_a_long_last_note_holds_one_chord(harmonizer, style, rhythm):
    """Mary's last bar is a whole-note C: pop put `F C` under it (a plagal step inside a held tonic), and per beat
    the chord could still move under it. Every span the last note sounds in gets the final chord."""
    mary = Melody(parse_seed("E D C D E E E:h D:q D D:h E:q G G:h E:q D C D E E E E D D E D C:w", max_notes=256).notes,
                  Key(0), Meter())
    result = harmonizer.harmonize(mary, rhythm, style)
    last_bar = result.chord_text.strip("| ").split(" | ")[-1]
    assert last_bar in ("C", "Cmaj7"), result.chord_text


@pytest.mark.parametrize("rhythm", ["beat", "half-bar"])
def test_a_held_last_note_off_the_tonic_holds_one_chord_too(harmonizer, rhythm):
    """A phrase ending on a whole-note D (a half cadence) got `G Dm` under it: the chord moved back to ii while the
    last note was held. The spans the last note holds keep one chord whether it is the tonic or not."""
    half = harmonizer.harmonize(melody("C E G C5 B4:h A:h G:q E C E D:w"), rhythm)
    assert half.chord_text.strip("| ").split(" | ")[-1] in ("G", "G7"), half.chord_text


def test_a_one_beat_pickup_leads_into_the_first_chord():
    """`G | C E G C ...`: lead sheets write no chord over a one-beat pickup; the first chord comes on the first
    downbeat, the chord line has one cell per full bar, and the score and the ABC show the pickup as a short bar."""
    from data.abc import read_abc
    from studio.harmony.files import harmony_files
    from studio.inputs import melody_from_notes

    given = melody_from_notes("G | C E G C | B:h A:h | G:q E C E | C:w", key="C major")
    result = default_harmonizer().harmonize(given.melody, "half-bar")
    bar = result.melody.meter.bar_ticks
    assert result.chords[0].start == bar and result.chord_at(bar - 12) is None
    assert result.chord_text.count("|") == 5  # four full bars, no cell for the pickup
    files = {f.filename.rsplit(".", 1)[-1]: f.data for f in harmony_files(result, "pickup")}
    assert 'implicit="yes"' in files["musicxml"].decode()  # a short first bar, not a rest filling a full one
    abc = files["abc"].decode()
    assert re.search(r"\nG,?2 \| \"C\"", abc), abc  # the pickup G, then the C chord on the downbeat
    assert [n.pitch for n in parse_seed(read_abc(abc).notes).notes] == [n.pitch for n in given.melody.notes]
    longer = default_harmonizer().harmonize(melody_from_notes("E F G | C E G C | C:w", key="C major").melody)
    assert longer.chords[0].start < bar  # a pickup of three beats is harmonised


def test_a_pickup_under_no_chord_does_not_choose_the_first_one(harmonizer):
    """Amazing Grace: the one-beat pickup D had a hidden chord of its own, and pop's I -> IV move then put C under
    `G:h B:e G:e`. The pickup chooses no chord now: the first bar has the tonic chord in every style, and pop (whose
    moves carried the hidden chord into the next) gives the bars the chords they get without the pickup."""
    from studio.inputs import melody_from_notes

    tune = "G:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | D5:h."
    for style in ("chorale", "pop", "jazz"):
        plain = harmonizer.harmonize(melody_from_notes(tune, "G major", "3/4").melody, "bar", style)
        with_pickup = harmonizer.harmonize(melody_from_notes(f"D | {tune}", "G major", "3/4").melody, "bar", style)
        assert with_pickup.chord_text == plain.chord_text or style != "pop"
        assert with_pickup.chords[0].roman in ("I", "Imaj7"), (style, with_pickup.chord_text)



@pytest.mark.parametrize(("pickup", "chords"), [("G A B", {"V"}), ("E F G", {"I", "V"}),
                                                ("E:e F:e G:e A:e", {"I", "V"})])
def test_a_longer_pickup_has_the_tonic_or_the_dominant(harmonizer, pickup, chords):
    """`G A B | C ...` in pop put F under the pickup (its strong-beat A, and the IV -> I move) and the chorale
    style C (the chorales' opening chord). A pickup leads into the first bar: it gets the tonic or the dominant,
    and the opening-chord preference belongs to the first full bar."""
    from studio.inputs import melody_from_notes

    given = melody_from_notes(f"{pickup} | C5:w | D5:h B:h | C5:w", "C major")
    for style in ("chorale", "pop", "jazz"):
        first = harmonizer.harmonize(given.melody, "half-bar", style).chords[0]
        assert first.start < 48 and first.roman.rstrip("7").replace("maj", "") in chords, (style, first.roman)


def test_pop_in_minor_has_the_major_dominant_a_raised_seventh_asks_for(harmonizer):
    """Pop's minor chords were i III iv VI VII: `B:h G#:h` in A minor got `G Am` (G# against A). The major V is there
    now, and a tune that keeps G natural never gets it."""
    raised = harmonizer.harmonize(melody("A4:q B4 C5 D5 E5:h E5:h F5:q E5 D5 C5 B4:h G#4:h A4:w", Key(9, "minor")),
                                  "bar", "pop")
    assert raised.roman_text == "| i | i | iv | V | i |"
    natural = harmonizer.harmonize(melody("A C5 E5 A5 G5 F5 E5 D5 C5 B4 A4 G4 A4:w", Key(9, "minor")), "bar", "pop")
    assert "V" not in natural.roman_text.replace("VI", "")

def test_a_tune_that_ends_on_the_tonic_is_approached_from_the_dominant(harmonizer):
    """The scale typed to try /chords got `| C | C |`: G, A and B over C. Half-bar spans now learn their own moves
    into a cadence (the half bar before a fermata moves to V), and the final tonic comes with the final note."""
    scale = harmonizer.harmonize(melody("C D E F G A B C5"), "half-bar")
    onsets = scale.melody.onsets()
    assert scale.chord_at(onsets[6]).roman == "V" and scale.chords[-1].roman == "I"  # B has its G chord
    assert scale.chord_text == "| C | C / G C |"  # the slashes say the G takes one beat
    a_major = harmonizer.harmonize(melody("A3 B C#4 D E F# G# A", Key.parse("A major")), "bar", "jazz")
    assert a_major.chord_text == "| Amaj7 | E7 / / Amaj7 |"  # was `| Amaj7 | Amaj7 |`: G# under the tonic
    passing = harmonizer.harmonize(melody("C D E F G A B C5 B4 A G F E D C:h"), "bar")
    assert passing.chord_text.endswith("| C |")  # `E D C:h`: the D passes, the bar keeps one chord
    twinkle = harmonizer.harmonize(melody("C C G G A A G:h F F E E D D C:h"), "half-bar")
    assert twinkle.chords[-2].roman in ("V", "V7") and twinkle.chords[-1].roman == "I"
    late = harmonizer.harmonize(melody("G5 F5 E5 D5:h C6:q", meter=Meter(3, 4)), "bar")
    assert late.chord_text == "| C | G / C |"


@pytest.mark.parametrize(("text", "key", "wrong"), [("E G B E D B G E", Key(4, "minor"), "B"),
                                                    ("A C E A G E C A", Key(9, "minor"), "E")])
def test_no_chord_alters_a_note_the_melody_holds(harmonizer, text, key, wrong):
    """The minor-key dominant's leading tone against the melody's own seventh (B major under a D natural) is a
    clash no player would write, however much the learned cadence wants a dominant there."""
    for rhythm in ("half-bar", "bar"):
        result = harmonizer.harmonize(melody(text, key), rhythm)
        assert wrong not in [c.symbol for c in result.chords]
        assert result.chords[-1].roman == "i"


def test_a_triad_and_its_seventh_in_one_bar_are_one_chord(harmonizer):
    """`| G | Am Am7 | G C |` read as fuss on a lead sheet: a guitarist plays one chord. The seventh holds the bar."""
    tune = melody("G A B G A B C5 A G:h E:h D:h G:h", Key(7))
    result = harmonizer.harmonize(tune, "half-bar")
    assert "Am7" in result.chord_text and "Am " not in result.chord_text.replace("Am7", "")
    for text in ("C C G G A A G:h F F E E D D C:h", SCALE, "E D C D E E E:h D:q D D:h E:q G G:h"):
        for cell in harmonizer.harmonize(melody(text), "half-bar").chord_text.strip("| ").split(" | "):
            names = cell.split()
            assert not any(a + "7" == b or a + "maj7" == b for a, b in pairwise(names)), cell


def test_a_minor_folk_tune_gets_no_chromatic_chords_it_does_not_ask_for(harmonizer):
    """/analyze harmonised `A B C5 D5 | E5:h A | G F E D | …` (A natural minor) as `| Am E Am Dm | A | A7 Dm A Dm
    | …`: Bach's secondary dominants, C# in the chords where the tune never sounds one. A chord with a note outside
    the mode (the leading tone aside) now costs something unless the melody sounds that note."""
    tune = melody("A B C5 D5 | E5:h A:h | G:q F E D | E:h. A:q | B C5 D5 E5 | A:w", Key(9, "minor"))
    for rhythm in ("beat", "half-bar", "bar"):
        chords = harmonizer.harmonize(tune, rhythm).chords
        assert all(1 not in c.pitch_classes for c in chords), [c.symbol for c in chords]  # no C#
    sharp = harmonizer.harmonize(melody("A C#5 E5 A5 | G#5 E5 C#5 A:h", Key(9, "minor")), "beat")
    assert any(1 in c.pitch_classes for c in sharp.chords)  # a melody that sounds C# may have it in its chords


def test_phrases_after_a_pickup_end_where_its_bars_do(harmonizer):
    """Amazing Grace (`D | G:h B:e G:e | …`) got G under all 15 bars in the chorale style: its 4-bar phrases were
    counted from the pickup's bar, so bar 3 (`G:h E:q`) took the learned move into a phrase end (the tonic). They
    count from the first full bar now, and bar 3 has the C of every lead sheet."""
    from studio.inputs import melody_from_notes

    tune = ("D:q | G:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | D5:h. | D5:h B:q | "
            "D5:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | G:h.")
    result = harmonizer.harmonize(melody_from_notes(tune, "G major", "3/4").melody, "half-bar", "chorale")
    cells = result.chord_text.strip("| ").split(" | ")
    assert cells[2] == "C" and cells[10] == "C" and cells[6] == "D", result.chord_text


@pytest.mark.parametrize(("tune", "key", "meter", "bars"), [
    # bench.leadsheets' songs: (bar number from 1, the lead sheet's cell) where pop's moves overruled the melody
    ("C:q C G G | A A G:h | F:q F E E | D D C:h | G:q G F F | E E D:h", "C major", "4/4", {4: "G C"}),
    ("E:q E E:h | E:q E E:h | E:q G C:q. D:e | E:w | F:q F F:q. F:e | F:q E E E:e E:e | E:q D D E | D:h G:h",
     "C major", "4/4", {3: "C"}),
    ("C:e D:e | E:q G G:q. A:e | G:q E C:q. D:e | E:q E D C | D:h. C:e D:e | E:q G G:q. A:e | G:q E C:q. D:e | "
     "E:q E D D | C:h.", "C major", "4/4", {2: "C", 6: "C"}),
    ("D:q | G:h B:e G:e | B:h A:q | G:h E:q | D:h D:q | G:h B:e G:e | B:h A:q | D5:h.", "G major", "3/4",
     {3: "C", 5: "G"}),
])
def test_pop_changes_chord_where_the_song_does(harmonizer, tune, key, meter, bars):
    """Pop's favourite moves (I -> IV, IV -> I ...) were bonuses on every half bar, so two of them (I IV | I) paid
    for a change the melody did not ask for: Jingle Bells' `E G C:q. D:e` got `C F`, Oh! Susanna's `G E C:q. D:e`
    got `C F`, Twinkle's `D D C:h` got `G F`, Amazing Grace's `G:h B:e G:e` got C. Those moves now pay at the bar
    line only, and half as much: these bars have their lead sheets' chords."""
    from studio.inputs import melody_from_notes

    result = harmonizer.harmonize(melody_from_notes(tune, key, meter).melody, "half-bar", "pop")
    cells = result.chord_text.strip("| ").split(" | ")
    if result.pickup and result.pickup <= result.melody.meter.beat_ticks:
        cells = cells[1:] if cells[0] in ("N.C.", "") else cells
    assert {bar: cells[bar - 1] for bar in bars} == bars, result.chord_text


@pytest.mark.parametrize("style", ["pop", "jazz"])
def test_a_song_chord_holds_through_its_bar_so_the_tune_leaves_the_tonic(harmonizer, style):
    """The chorales' half-bar moves kept V for half a bar at most, so this tune (the bot's own continuation of
    `G E D C | D E G:h`) sat on C for all eight bars; a song's chord holds through its bar, and `D E G:h` and
    `D:q E G:h` get G as a guitarist plays them, while the phrase that ends on a held tonic at bar 4 rests on I."""
    tune = ("G4 E4 D4 C4 | D4 E4 G4:h | A4 G4 E4 D4 | C4:w | G4:q E4:q D4:q C4:q | D4:q E4:q G4:h | "
            "G4:e F4:e E4:e F4:e G4:q G4:e F4:e | E4:e E4:e D4:e C4:e C4:h")
    melody = Melody(parse_seed(tune).notes, Key(0), Meter())
    cells = harmonizer.harmonize(melody, "half-bar", style).chord_text.strip("| ").split(" | ")
    assert cells[1] in ("G", "G7") and cells[5] in ("G", "G7"), cells  # the whole bar
    assert cells[3] in ("C", "Cmaj7"), cells  # the first phrase rests on its held C: I, not IV


def test_pop_keeps_to_major_and_minor_chords_a_folk_player_uses(harmonizer):
    """Scarborough Fair in A dorian got F#dim (dorian's sixth degree) and E major (G# against the tune's own G) in
    the pop style. Pop now has major and minor triads only, a dominant with the raised seventh only where the tune
    sounds it, and i -> VII among its moves: Greensleeves' `D5:h B:q` is G, not Dm with B against it."""
    from studio.inputs import melody_from_notes

    scarborough = ("A:h A:q | E5:h E5:q | B:q. C5:e B:q | A:h. | R:h E5:q | G5:h A5:q | E5:q D5:q B:q | D5:h. | "
                   "R:h A5:q | A5:h A5:q | G5:h E5:q | E5:q D5:q B:q | A:q G:q F#:q | E:h D:q | E:h. | A:h.")
    result = harmonizer.harmonize(melody_from_notes(scarborough, "A dorian", "3/4").melody, "half-bar", "pop")
    assert not {c.symbol for c in result.chords} & {"F#dim", "E", "E7"}, result.chord_text
    greensleeves = ("A:q | C5:h D5:q | E5:q. F5:e E5:q | D5:h B:q | G:q. A:e B:q | C5:h A:q | A:q. G#:e A:q | "
                    "B:h G#:q | E:h A:q")
    result = harmonizer.harmonize(melody_from_notes(greensleeves, "A minor", "3/4").melody, "half-bar", "pop")
    cells = result.chord_text.strip("| ").split(" | ")
    assert cells[2] == "G" and cells[6] == "E" and cells[-1] == "Am", result.chord_text
    for mode in ("lydian", "mixolydian", "dorian", "phrygian"):  # triads, and V7 beside a major V
        chords = harmonizer.states(Key(0, mode), "pop")
        assert all(sorted((p - s.root) % 12 for p in s.pcs) in ([0, 4, 7], [0, 3, 7])
                   or (s.label == "V7" and any(t.label == "V" for t in chords)) for s in chords), mode
    assert "V7" not in {s.label for s in harmonizer.states(Key(0, "lydian"), "pop")}  # F is no note of C lydian
    assert {s.label for s in harmonizer.states(Key(0), "pop")} >= {"I", "IV", "V", "vi", "V7"}


def test_pop_ends_on_a_dominant_where_the_melody_steps_down_to_the_tonic(harmonizer):
    """`G E F D | C:w` ended F -> C in the pop style (its bonus for IV -> I beat V -> I): F and D are G7's, and a
    song's last cadence is mostly V -> I (bench.harmony: pop's dominant before the final tonic 27% -> 47%)."""
    from studio.inputs import melody_from_notes

    result = harmonizer.harmonize(melody_from_notes("G A B G | C5 B A:h | G E F D | C:w", "C major").melody,
                                  "half-bar", "pop")
    assert result.chord_text.endswith("| C G7 | C |"), result.chord_text


@pytest.mark.parametrize(("tune", "meter", "ending"), [
    ("E:q D C D | E E E:h | D:q D D:h | E:q G G:h | E:q D C D | E E E E | D D E D | C:w", "4/4", "| G | C |"),
    ("C:q. C:q. | C:q D:e E:q. | E:q D:e E:q F:e | G:h. | C5:e C5:e C5:e G:e G:e G:e | E:e E:e E:e C:e C:e C:e | "
     "G:q F:e E:q D:e | C:h.", "6/8", "| C G | C |"),
])
def test_the_final_tonic_arrives_with_the_last_note_not_before(harmonizer, tune, meter, ending):
    """Mary had a little lamb's `D D E D | C:w` ended `G C | C` in the pop style (E on beat 3 fits C), the tonic half
    a bar early; Row, row, row your boat's `G F E D | C` had no dominant at all. The final chord costs a little in the
    span before it (``EARLY_TONIC``): the lead sheets' `G | C` and `C G | C` (bench.leadsheets 89.4% -> 90.4%)."""
    from studio.inputs import melody_from_notes

    result = harmonizer.harmonize(melody_from_notes(tune, "C major", meter).melody, "half-bar", "pop")
    assert result.chord_text.endswith(ending), result.chord_text


@pytest.mark.parametrize(("style", "tune", "meter", "chords"), [
    ("pop", "C C D E | C E D G3 | C C D E | C:h B3:h | C C D E | F E D C | B3 G3 A3 B3 | C:h C:h", "4/4",
     "| C | C G | C | C G | C | F | G | C |"),  # Yankee Doodle: its D on beat 3 passes (was `C G` every bar); bar 6
    # `F E D C` is F (its lead sheet: F or C, then F, C or G)
    ("chorale", "C C D E | C E D G3 | C C D E | C:h B3:h | C C D E | F E D C | B3 G3 A3 B3 | C:h C:h", "4/4",
     "| C | C G | C | C G | C | F Dm | G | C |"),  # was `C Dm7 | C G | C Dm7 | ...`
    ("pop", "G:e E F A G C5 R C5 | G F D B3 C E G C5 | C5:w", "4/4", "| C | G C | C |"),  # `G F D B`: a G arpeggio
])
def test_passing_notes_keep_the_chord_and_leaps_spell_it(harmonizer, style, tune, meter, chords):
    """A note reached and left by step off the bar's first beat counts half in a half-bar span, one reached or
    left by leap double (``note_roles``): lead sheets hold C under `C C D E` and put G under `G F D B`."""
    from studio.inputs import melody_from_notes

    result = harmonizer.harmonize(melody_from_notes(tune, "C major", meter).melody, "half-bar", style)
    assert result.chord_text == chords


@pytest.mark.parametrize(("notes", "key", "said"), [
    ("D F A d:q", "D major", "Your F is a natural, outside D major (F#)"),
    ("F A C5 B", "F major", "Your B is a natural, outside F major (Bb)"),
    ("F C G", "A major", "Your F, C and G are naturals, outside A major (F#, C#, G#): I kept them as typed. Write "
                         "`F#`, `C#` and `G#` for the key's notes."),
    ("D F# A", "D major", ""), ("Bb D F", "Bb major", ""), ("re fa la", "D major", ""),  # typed as meant
    ("C E G Bb", "C major", ""),  # a flat seventh typed with its flat is meant
    ("1=D 1 3 5", "D major", ""),  # jianpu reads the key itself
])
def test_a_letter_the_key_signature_would_alter_is_named(notes, key, said):
    from studio.inputs import typed_slips

    text = typed_slips(notes, key)
    assert (said in text) if said else text == ""
