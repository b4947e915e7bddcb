"""Arrangements with the shipped melody model and harmony tables: form, chords, bass, drums, files."""

from __future__ import annotations

import io
import itertools
import time
import xml.etree.ElementTree as ET

import mido
import pretty_midi
import pytest
from PIL import Image

from data.audio import TARGET_LUFS, audio_loudness, audio_stats
from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.notation import parse_seed
from studio.arrange.arranger import Arrangement, ArrangeRequest, arrange, outside_key
from studio.arrange.chord_symbols import parse_chord_symbol, parse_progression
from studio.arrange.files import arrangement_files, arrangement_midi, arrangement_musicxml, chord_labels, describe
from studio.arrange.parts import CRASH, HIGH_TOM, KICK, LOW_TOM, MID_TOM, SNARE, pulse
from studio.arrange.sections import fit_bars, ornament

TUNE = "E D C D E E E:h D:q D D:h E:q G G:h"  # Mary had a little lamb: 4 bars of 4/4 in C
DRUM_SOUNDS = {36, 37, 38, 42, 44, 45, 46, 47, 49, 50, 51}


def tune(text: str = TUNE, meter: str = "4/4", key: str = "C major") -> Melody:
    notes = parse_seed(text, max_notes=2000).notes
    return Melody(notes, Key.parse(key), Meter.parse(meter), 100)


def melody_in(meter: Meter) -> Melody:
    """Four bars of a stepwise C major tune in any meter: the scale up and down, a beat (unit) per note."""
    unit = meter.bar_ticks // meter.numerator
    steps = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62]
    count = 4 * meter.numerator
    notes = [Note(steps[i % len(steps)], unit) for i in range(count - 1)] + [Note(60, unit)]
    return Melody(tuple(notes), Key(0), meter, 96)


def track(arrangement: Arrangement, word: str):
    return next(t for t in arrangement.tracks if word in t.name)


def check_grid(a: Arrangement) -> None:
    """Sections tile whole bars; nothing sounds past the last bar; accompaniment never crosses a bar line."""
    bar = a.bar_ticks
    assert a.sections[0].start == 0
    for before, after in zip(a.sections, a.sections[1:], strict=False):
        assert after.start == before.start + before.bars * bar
    for t in a.tracks:
        for n in t.notes:
            assert n.start >= 0 and n.ticks > 0 and n.start + n.ticks <= a.total_ticks, (t.name, n)
            if t is not a.tracks[0]:
                assert n.start // bar == (n.start + n.ticks - 1) // bar, (t.name, n)


@pytest.mark.parametrize(("form", "style", "meter"), [
    ("AABA", "folk band", "4/4"), ("verse-chorus", "rock", "4/4"), ("ABA", "piano ballad", "3/4"),
    ("AB", "chorale", "4/4"), ("ABAB", "folk band", "6/8"), ("AAB", "rock", "5/4"), ("AB", "piano ballad", "7/8"),
    ("AABA", "rock", "2/4"), ("AB", "folk band", "7/4"), ("ABA", "chorale", "12/8"),
])
async def test_every_note_in_bars_and_in_key(composer, form, style, meter):
    a = await arrange(composer, ArrangeRequest(form=form, style=style, seed=3), melody_in(Meter.parse(meter)))
    check_grid(a)
    assert outside_key(a, include_given=True) == []
    letters = [s.letter for s in a.sections]
    assert letters[0] == "intro" and letters[-1] == "outro" and len(letters) == len(form.replace("verse-chorus",
                                                                                                 "ABAB")) + 2
    assert a.total_bars == 2 + 4 * (len(letters) - 2) + 2
    chords = a.chords
    pad_or_chords = [t for t in a.tracks[1:] if not t.is_drum and "bass" not in t.name.lower()
                     and "Cello" not in t.name]
    for t in pad_or_chords:  # the chord instruments play only the chord sounding
        for n in t.notes:
            chord = next(c for c in chords if c.start <= n.start < c.end)
            assert n.pitch % 12 in chord.pitch_classes, (t.name, n, chord.symbol)
    bass = a.tracks[-2] if a.tracks[-1].is_drum else a.tracks[-1]
    for chord in chords:  # the bass plays the root whenever the chord changes
        first = [n for n in bass.notes if n.start == chord.start]
        assert first and first[0].pitch % 12 == chord.root, (chord.symbol, first)
    drums = [t for t in a.tracks if t.is_drum]
    assert (style == "chorale") == (not drums)


@pytest.mark.parametrize("style", ["folk band", "rock", "piano ballad", "chorale"])
@pytest.mark.parametrize(("key", "notes"), [("A minor", "A:q B C5 D E:h D:q C B:h A:w"),
                                            ("D dorian", "D:q E F G A:h G:q F E:h D:w"),
                                            ("Bb major", "Bb:q C5 D Eb F:h Eb:q D C:h Bb4:w")])
async def test_minor_keys_and_modes_stay_in_key(composer, style, key, notes):
    a = await arrange(composer, ArrangeRequest(form="AABA", style=style, seed=2), tune(notes, key=key))
    assert outside_key(a, include_given=True) == []
    assert a.sections[-1].chords[-1].root == Key.parse(key).tonic  # the outro ends on the tonic
    check_grid(a)


def test_meters_divide_into_accented_groups():
    assert pulse(Meter(7, 8)).groups == (2, 2, 3)
    assert pulse(Meter(5, 4)).groups == (3, 2)
    assert pulse(Meter(6, 8)).groups == (3, 3)
    assert pulse(Meter(4, 4)).groups == (1, 1, 1, 1)


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8", "5/4", "7/8"])
async def test_drum_pattern_fills_and_crashes(composer, meter):
    a = await arrange(composer, ArrangeRequest(form="AABA", style="rock", seed=1), melody_in(Meter.parse(meter)))
    drums = next(t for t in a.tracks if t.is_drum)
    bar = a.bar_ticks
    assert {n.pitch for n in drums.notes} <= DRUM_SOUNDS
    starts = pulse(a.meter).group_starts()
    for section in a.sections:
        first, last = section.start // bar, section.start // bar + section.bars - 1
        hits = {b: {(n.start % bar, n.pitch) for n in drums.notes if n.start // bar == b} for b in (first, last)}
        assert (0, KICK) in hits[first]
        if section.letter != "intro":
            assert (0, CRASH) in hits[first]
        if section.letter != "outro":
            toms = {p for _, p in hits[last]} & {HIGH_TOM, MID_TOM, LOW_TOM}
            assert len(toms) >= 2, (section.label, hits[last])
        middle = first + 1
        if middle < last:
            bar_hits = {(n.start % bar, n.pitch) for n in drums.notes if n.start // bar == middle}
            assert (starts[-1], SNARE) in bar_hits  # the backbeat on the meter's last accent
    end = [n for n in drums.notes if n.start >= a.total_ticks - bar]
    assert {n.pitch for n in end} == {KICK, CRASH} and all(n.start == a.total_ticks - bar for n in end)


async def test_b_comes_from_the_model_and_the_same_seed_repeats(composer):
    first = await arrange(composer, ArrangeRequest(form="AABA", seed=11), tune())
    again = await arrange(composer, ArrangeRequest(form="AABA", seed=11), tune())
    b = next(s for s in first.sections if s.letter == "B")
    a = next(s for s in first.sections if s.letter == "A")
    assert "model" in b.how and b.bars == a.bars == 4
    assert [n.pitch for n in b.melody] != [n.pitch for n in a.melody]
    assert first.tracks == again.tracks and first.seed == 11
    a2 = [s for s in first.sections if s.letter == "A"][1]
    assert a2.melody != a.melody and a2.chords == tuple(
        type(c)(c.start + a2.start - a.start, c.ticks, c.symbol, c.root, c.intervals, c.bass) for c in a.chords)


async def test_a_bridge_leads_back_on_the_dominant_and_a_last_b_closes(composer):
    """AABA and ABA: B returns to A, so it ends on the 5th over V (a half cadence); AB and verse/chorus: the last B
    ends the tune on the tonic."""
    minor = tune("A B C5 B A E A:h | C5 B A G# A:w", key="A minor")
    aeolian = tune("A B C5 B A E A:h | C5 B A G A:w", key="A minor")  # pop in minor has no v: added for the end
    for seed in range(3):
        for form, final in (("AABA", 7), ("ABA", 7), ("AB", 0), ("verse-chorus", 0)):
            for melody in (tune(), minor, aeolian):
                a = await arrange(composer, ArrangeRequest(form=form, seed=seed), melody)
                b = [s for s in a.sections if s.letter == "B"][-1]
                assert "model" in b.how
                tonic = a.key.tonic
                assert ([n.pitch for n in b.melody if n.pitch is not None][-1] - tonic) % 12 == final, (form, seed)
                assert (b.chords[-1].root - tonic) % 12 == final, (form, seed, b.chords[-1])
                assert b.chords[-1].intervals in ((0, 4, 7), (0, 3, 7))  # V or v (no G# in the tune: Em)


async def test_b_is_a_bridge_that_leaves_home_and_sings_over_its_chords(composer):
    """B's chords leave A's tonic (IV, vi, the relative major's) and come back; the model's melody is written over
    them (most strong beats on a chord tone), and over a minor key's major V it sings the leading tone (G#), never
    the G that clashes with it."""
    fits, minor = [], tune("A B C5 B A E A:h | C5 B A G A:w", key="A minor")
    for seed in range(3):
        for melody in (tune(), minor):
            a = await arrange(composer, ArrangeRequest(form="AABA", seed=seed), melody)
            b, bar, tonic = next(s for s in a.sections if s.letter == "B"), a.bar_ticks, a.key.tonic
            firsts = [next(c for c in b.chords if c.start <= b.start + k * bar < c.end) for k in range(b.bars)]
            assert firsts[0].root != tonic and sum(c.root == tonic for c in firsts) <= 1, (seed, firsts)
            before = [s for s in a.sections if s.letter == "A"][-2].chords[-1]  # A2's last chord: B moves on from it
            assert firsts[0].root != before.root, (seed, before, firsts)
            assert len({c.symbol for c in b.chords}) >= 3
            strong = {s for s, k in zip(pulse(a.meter).group_starts(), pulse(a.meter).strong(), strict=True) if k}
            now, over_v = b.start, []
            for note in b.melody:
                chord = next(c for c in b.chords if c.start <= now < c.end)
                if note.pitch is not None and now % bar in strong:
                    fits.append(note.pitch % 12 in chord.pitch_classes)
                if note.pitch is not None and chord.root == (tonic + 7) % 12:
                    over_v.append(note.pitch % 12)
                now += note.ticks
            if a.key.mode == "minor":
                assert over_v and (tonic + 10) % 12 not in over_v, (seed, over_v)
    assert sum(fits) / len(fits) >= 0.8
    chorus = await arrange(composer, ArrangeRequest(form="verse-chorus", chords="C G Am F", seed=1398150513), tune(
        "E G A G | E D C:h | D E G E | D:w"))
    b = next(s for s in chorus.sections if s.letter == "B")
    assert b.chords[0].symbol != "F" and b.chords[-1].symbol == "C"  # not the verse's last chord again; it closes
    assert b.how == "new melody from the model over vi IV V I"  # the reply names the progression, as numerals


async def test_b_moves_in_a_s_rhythm_and_a_busy_a_still_gets_a_new_b(composer):
    """The model reads all of A before it writes B (it read only A's last bar, here a whole note): a tune in steady
    quarters gets a bridge mostly in quarters (84% over 8 seeds; 33% when it saw the whole note alone). A reel of
    sixteenths is more than a seed holds: B continues its last four bars."""
    steady = tune("C E G E | F A G E | D F E C | D E D G3 | C E G E | F A G E | D F E D | C:w")
    quarters = []
    for seed in range(1, 5):
        a = await arrange(composer, ArrangeRequest(form="AABA", seed=seed), steady)
        b = next(s for s in a.sections if s.letter == "B")
        quarters.append(sum(n.ticks == a.meter.beat_ticks for n in b.melody) / len(b.melody))
    assert sum(quarters) / len(quarters) >= 0.6, quarters
    run = "C5:s D5:s E5:s F5:s G5:s A5:s G5:s F5:s E5:s D5:s C5:s B4:s C5:s E5:s G5:s E5:s"
    busy = Melody(parse_seed(" | ".join([run] * 7 + ["C5:w"]), max_notes=256).notes, Key(0), Meter(), 100)
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=3), busy)
    assert next(s for s in a.sections if s.letter == "B").how.startswith("new melody from the model")


async def test_an_unlearned_meter_varies_a_by_rule_in_key(composer):
    a = await arrange(composer, ArrangeRequest(form="AB", style="folk band", seed=2), melody_in(Meter(7, 4)))
    b = next(s for s in a.sections if s.letter == "B")
    given = next(s for s in a.sections if s.letter == "A")
    assert "sequence and inversion" in b.how
    assert any("7/4" in r for r in a.remarks)
    assert [n.ticks for n in b.melody] == [n.ticks for n in given.melody]
    assert all(n.pitch is None or n.pitch % 12 in a.key.scale for n in b.melody)
    assert b.melody[-1].pitch is not None and b.melody[-1].pitch % 12 == a.key.tonic
    bridge = await arrange(composer, ArrangeRequest(form="AABA", style="folk band", seed=2), melody_in(Meter(7, 4)))
    b = next(s for s in bridge.sections if s.letter == "B")
    assert "sequence and inversion" in b.how and b.melody[-1].pitch % 12 == 7  # G: it leads back to A
    assert b.chords[-1].root == 7 and b.chords[-1].intervals == (0, 4, 7)


async def test_a_short_tune_is_continued_to_a_four_bar_a_section(composer):
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=3), tune("C E G"))
    first = next(s for s in a.sections if s.letter == "A")
    assert first.bars == 4 and [n.pitch for n in first.melody[:3]] == [60, 64, 67]
    assert any("1 bar:" in r and "4 bars" in r for r in a.remarks)
    check_grid(a)
    odd = await arrange(composer, ArrangeRequest(form="AB", seed=3), tune("C D E F G A B", meter="7/4"))
    assert not any("continued" in r for r in odd.remarks)  # the model hasn't learned 7/4: A stays one bar
    assert any("(1 bar —" in line for line in describe(odd)) and not any("1 bars" in line for line in describe(odd))


async def test_a_pickup_leads_into_each_section_instead_of_a_bar_of_rests(composer):
    jig = "A4:e | D5:e F#5:e A5:e A5:e F#5:e D5:e | E5:q F#5:e G5:q E5:e | F#5:e E5:e D5:e C#5:e B4:e A4:e | D5:q. D5:q"
    melody = tune(jig, "6/8", "D major")
    melody = Melody(melody.notes, melody.key, melody.meter, 100, pickup=6)
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=5), melody)
    check_grid(a)
    bar = a.bar_ticks
    assert all(s.bars == 4 for s in a.sections if s.letter in "AB")  # not 5 with a bar of waiting
    fiddle = track(a, "melody").notes
    assert (fiddle[0].start, fiddle[0].pitch) == (2 * bar - 6, 69)  # the pickup ends the intro
    a_sections = [s for s in a.sections if s.letter == "A"]
    assert [n.pitch for n in a_sections[0].melody[:3]] == [74, 78, 81]  # A starts on the downbeat with D F# A
    assert a_sections[0].melody[-1] == Note(69, 6)  # and leads into A2 with the pickup
    assert a_sections[-1].melody[-1] == Note(None, 6)  # the last A leads into nothing
    given = [fiddle[i].pitch for i in sorted(a.given)][:5]
    assert given == [69, 74, 78, 81, 81]  # the pickup is the user's note too


async def test_a_pickup_before_a_full_last_bar_shortens_the_last_note_to_lead_in(composer):
    """`G | C E G C | B:h A:h | G:q E C E | D:w`, as users type a tune with a pickup: A was five bars, the first a
    bar of rests and the G. Now the D is held three beats and the G leads in again, as a player would."""
    melody = tune("G4 C5 E5 G5 C6 B5:h A5:h G5:q E5 C5 E5 D5:w")
    melody = Melody(melody.notes, melody.key, melody.meter, 100, pickup=12)
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=5), melody)
    check_grid(a)
    bar = a.bar_ticks
    assert all(s.bars == 4 for s in a.sections if s.letter in "AB")
    fiddle = track(a, "melody").notes
    assert (fiddle[0].start, fiddle[0].pitch) == (2 * bar - 12, 67)  # the pickup ends the intro
    first = next(s for s in a.sections if s.letter == "A")
    assert first.melody[-2:] == (Note(74, 36), Note(67, 12))  # D for three beats, then the G again


async def test_long_melodies_are_trimmed_and_said_so(composer):
    long = tune(" ".join(["C:w"] * 1000))  # a thousand bars
    started = time.perf_counter()
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=1), long)
    assert time.perf_counter() - started < 20
    assert all(s.bars == 8 for s in a.sections if s.letter in "AB")
    assert any("first 8 bars" in r and "1000" in r for r in a.remarks)
    check_grid(a)


async def test_typed_chords_are_played(composer):
    a = await arrange(composer, ArrangeRequest(form="AB", chords="| C | Am | F G7 | C/E |", seed=4), tune())
    section = next(s for s in a.sections if s.letter == "A")
    assert [c.symbol for c in section.chords] == ["C", "Am", "F", "G7", "C/E"]
    g7 = section.chords[3]
    guitar = track(a, "guitar")
    assert {n.pitch % 12 for n in guitar.notes if g7.start <= n.start < g7.end} == {7, 11, 2, 5}
    bass = track(a, "bass")
    assert next(n for n in bass.notes if n.start == section.chords[4].start).pitch % 12 == 4  # E under C/E
    assert "C/E" in " ".join(describe(a))


async def test_typed_chords_are_written_back_as_a_lead_sheet(composer):
    """A chord held with slashes over a bar is named once; an uneven bar keeps its slashes (it read `G7 G7`)."""
    a = await arrange(composer, ArrangeRequest(form="A", chords="| C | C | G7 / / / | G7 / / C |", seed=4), tune())
    line = next(line for line in describe(a) if line.startswith("**A**"))
    assert line.endswith("`C | C | G7 | G7 / / C`"), line


async def test_chromatic_runs_keep_the_users_notes_and_the_band_in_key(composer):
    run = "C4:e C# D D# E F F# G G# A A# B C5 B4 Bb A Ab G Gb F E Eb D Db C:h"
    a = await arrange(composer, ArrangeRequest(form="ABA", style="rock", seed=5), tune(run))
    assert outside_key(a) == []  # everything added stays in key
    assert len(outside_key(a, include_given=True)) > 0  # the user's chromatic notes are kept
    assert any("of your notes are outside" in r for r in a.remarks)
    check_grid(a)
    minor = await arrange(composer, ArrangeRequest(form="AB", seed=5), tune("A B C5 B | A E A:h | C5 B A G# | A:w",
                                                                          key="A minor"))
    assert not any("outside" in r for r in minor.remarks)  # G#, the leading tone, is A minor's own
    one = await arrange(composer, ArrangeRequest(form="AB", seed=5), tune("C D Eb D | C G C:h | E F G E | C:w"))
    assert any("🎯 1 of your notes is outside C major: I kept it as written" in r for r in one.remarks), one.remarks


async def test_a_held_chord_is_labelled_once_but_each_section_names_its_first(composer):
    """The overview and the score wrote `Am Am` where one chord ran over a bar line."""
    a = await arrange(composer, ArrangeRequest(form="AB", chords="| C | C | G7 | C |", seed=4), tune())
    labels = chord_labels(a)
    starts = {s.start for s in a.sections}
    assert all(b[1] != c[1] or c[0] in starts for b, c in itertools.pairwise(labels))
    assert len(labels) < len(a.chords) and all(any(t == s for t, _ in labels) for s in starts if s < a.total_ticks)


async def test_melody_without_notes_is_refused(composer):
    with pytest.raises(MusicError, match="no notes"):
        await arrange(composer, ArrangeRequest(), Melody((Note(None, 48),), Key(0), Meter(), 100))


@pytest.mark.parametrize(("options", "needle"), [
    ({"form": "ABC"}, "form"), ({"style": "polka"}, "style"), ({"instruments": "kazoo"}, "instrument"),
    ({"tempo": 500}, "tempo"), ({"chords": "C H7"}, "H7"), ({"chords": "| C | | G |"}, "empty"),
])
def test_bad_options_say_what_to_type(options, needle):
    with pytest.raises(MusicError, match=needle) as info:
        ArrangeRequest(**options)
    assert "`" in str(info.value)


async def test_too_many_chords_in_a_bar_of_three(composer):
    with pytest.raises(MusicError, match="3 beats"):
        await arrange(composer, ArrangeRequest(chords="| C F G Am |"), tune("C D E", meter="3/4"))


def test_chord_symbols():
    assert parse_chord_symbol("CM7").pitch_classes == parse_chord_symbol("Cmaj7").pitch_classes == {0, 4, 7, 11}
    assert parse_chord_symbol("F#m7b5").pitch_classes == {6, 9, 0, 4}
    slash = parse_chord_symbol("Bb/D")
    assert (slash.root, slash.bass, slash.text) == (10, 2, "Bb/D")
    bars = parse_progression("| C | Am | F G7 | % |")
    assert [[c.text for c in bar] for bar in bars] == [["C"], ["Am"], ["F", "G7"], ["F", "G7"]]
    assert [[c.text for c in bar] for bar in parse_progression("C Am, F G7")] == [["C"], ["Am"], ["F"], ["G7"]]
    assert [[c.text for c in bar] for bar in parse_progression("| C | Dm7 G / / | / |")] == [
        ["C"], ["Dm7", "G", "G", "G"], ["G"]]
    with pytest.raises(MusicError, match="Begin with a chord"):
        parse_progression("| / | C |")


def test_chord_charts_x2_repeats_the_bars_before_it():
    """`Am F C G x2` (how chord charts write a repeat) was "I can't read the chord `x2`"."""
    def texts(progression: str) -> list[str]:
        return [" ".join(c.text for c in bar) for bar in parse_progression(progression)]

    assert texts("Am F C G x2") == ["Am", "F", "C", "G"] * 2
    assert texts("| C | F G | x2 | G7 | C |") == ["C", "F G", "C", "F G", "G7", "C"]
    assert texts("C x2 F ×3") == ["C", "C", "F", "F", "F"]  # each x repeats the bars since the one before
    with pytest.raises(MusicError, match="repeats the chords before it, and there are none"):
        parse_progression("x2 C F")


def test_chords_written_by_chords_can_be_typed_into_arrange():
    """What /chords prints (`| C G C G | C | Dm7 G / / | C |`) read back as /arrange's `chords:` sounds the same
    chord on every beat."""
    from studio.harmony.harmonizer import harmonize_melody

    result = harmonize_melody(tune(), "beat", "chorale")
    assert "/" in result.chord_text
    bars = parse_progression(result.chord_text)
    beat = Meter().beat_ticks
    for tick in range(0, tune().ticks, beat):
        bar = bars[tick // Meter().bar_ticks]
        typed = bar[(tick % Meter().bar_ticks) * len(bar) // Meter().bar_ticks]
        assert typed.text == result.chord_at(tick).symbol, (tick, result.chord_text)


@pytest.mark.parametrize(("style", "instruments", "programs"), [
    ("folk band", None, [40, 25, 33]), ("rock", None, [30, 29, 34]), ("piano ballad", None, [73, 0, 49, 32]),
    ("chorale", None, [40, 48, 42]), ("chorale", "organ", [40, 19, 42]), ("rock", "piano", [30, 0, 34]),
])
async def test_midi_tracks_programs_and_drum_channel(composer, style, instruments, programs):
    a = await arrange(composer, ArrangeRequest(form="AB", style=style, instruments=instruments, seed=1), tune())
    data = arrangement_midi(a)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    pitched = [i for i in pm.instruments if not i.is_drum]
    assert [i.program for i in pitched] == programs
    assert [i.name for i in pm.instruments] == [t.name for t in a.tracks]
    assert len(pm.instruments) == len(programs) + (style != "chorale")
    channels = {name: {m.channel for m in t if m.type == "note_on"} for t in mido.MidiFile(file=io.BytesIO(data)).tracks
                for name in [next((m.name for m in t if m.type == "track_name"), "")] if name}
    assert (channels.get("Drums") == {9}) == (style != "chorale")
    assert all(9 not in found for name, found in channels.items() if name != "Drums")
    seconds_per_bar = 60 / a.tempo * 4
    end = pm.get_end_time()
    assert end <= a.total_bars * seconds_per_bar + 1e-6
    assert pm.time_signature_changes[0].numerator == 4
    assert pretty_midi.key_number_to_key_name(pm.key_signature_changes[0].key_number) == "C Major"


async def test_files_score_overview_and_audio_mix(composer):
    a = await arrange(composer, ArrangeRequest(form="AABA", style="folk band", seed=1), tune())
    files = {f.filename: f for f in arrangement_files(a, "arr")}
    score = Image.open(io.BytesIO(files["arr-score.png"].data))
    overview = Image.open(io.BytesIO(files["arr-overview.png"].data))
    assert score.width == 1600 and overview.width > 1000 and overview.height > 400
    xml = files["arr.musicxml"].data
    assert xml.count(b"<part id") == 3 and b"<rehearsal" in xml and b"<harmony" in xml
    seconds, peak = audio_stats(files["arr.ogg"].data)
    assert abs(seconds - (a.total_bars * 4 * 60 / a.tempo + 1)) < 1.0
    assert audio_loudness(files["arr.ogg"].data) == pytest.approx(TARGET_LUFS, abs=1.0)  # normalised ...
    assert peak < -0.1  # ... never clipping



async def test_guitar_staves_read_an_octave_up_as_guitarists_expect(composer):
    """A rock score's lead guitar was in a plain treble clef beside a rhythm guitar in the octave treble clef: both
    guitars now read an octave above how they sound, the bass likewise in its clef."""
    a = await arrange(composer, ArrangeRequest(form="AABA", style="rock", seed=1), tune())
    part = ET.fromstring(arrangement_musicxml(a)[0]).findall("part")
    clefs = [(p.find(".//clef/sign").text, p.findtext(".//clef/clef-octave-change")) for p in part]
    assert clefs == [("G", "-1"), ("G", "-1"), ("F", "-1")]

async def test_long_arrangements_get_a_lead_sheet(composer):
    a = await arrange(composer, ArrangeRequest(form="AABA", seed=1), tune(" ".join(["C D E F"] * 8)))
    files = {f.filename: f for f in arrangement_files(a, "arr")}
    assert a.total_bars == 36
    xml = files["arr.musicxml"].data
    assert xml.count(b"<part id") == 1 and b"<harmony" in xml and xml.count(b"<rehearsal") == 6
    assert "Lead sheet" in files["arr-score.png"].description


def test_fit_bars_cuts_pads_and_says_when_it_cut():
    notes, cut = fit_bars(parse_seed("C:w D:w E:h. F:h G:w").notes, 3, 48)  # F crosses into bar 4
    assert [n.ticks for n in notes] == [48, 48, 36, 12] and cut
    notes, cut = fit_bars(parse_seed("C:q D E R:w R:w").notes, 8, 48)  # trailing rests dropped, the bar padded
    assert [n.pitch for n in notes] == [60, 62, 64, None] and sum(n.ticks for n in notes) == 48 and not cut


def test_ornaments_are_passing_notes_in_key():
    notes = parse_seed("C:q E G:h E:q C:h.").notes
    varied, added = ornament(notes, Key(0))
    assert added and sum(n.ticks for n in varied) == sum(n.ticks for n in notes)
    assert all(n.pitch % 12 in Key(0).scale for n in varied if n.pitch is not None)
    assert [varied[i].pitch for i in sorted(added)] == [62, 65][: len(added)]
    same, added = ornament(parse_seed("C D E F G:h").notes, Key(0))  # steps only: the line moves an octave
    assert not added and [n.pitch for n in same] == [72, 74, 76, 77, 79]
