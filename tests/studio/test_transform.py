"""`/transform`'s core: each change on clear examples, the request round trip, and the model's style variations."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pretty_midi
import pytest

from data.errors import MusicError
from data.events import Key, Melody, Meter
from data.notation import parse_seed
from data.tunes import load_index
from studio.melody import Composer
from studio.transform import (
    RHYTHMS,
    Spec,
    TransformResult,
    apply,
    change_mode,
    change_register,
    change_rhythm,
    contour_correlation,
    melody_text,
    scale_adherence,
    transform_candidates,
    transform_request,
)
from studio.transform_targets import Targets, read_targets


def tune(text: str, key: str = "C major", meter: str = "4/4", tempo: int = 110) -> Melody:
    m = Meter.parse(meter)
    seed = parse_seed(text, max_notes=1000, meter=m)
    return Melody(seed.notes, Key.parse(key), m, tempo, pickup=seed.pickup)


def pitches(melody: Melody) -> list[int]:
    return [n.pitch for n in melody.notes if n.pitch is not None]


def steps(line: list[int]) -> list[int]:
    return [(b > a) - (b < a) for a, b in itertools.pairwise(line)]


SCALE = tune("C D E F | G A B C5 | B4 A G F | E D C:h")
REEL = tune("G:e A B G A B c A | B d c A B G E D | G A B G A B c A | B G A F# G:h", "G major")
JIG = tune("D:e | G:q B:e d:q B:e | c:q A:e F#:q A:e | G:q B:e d:q g:e | f#:e d c A:q. | G:q. G:q", "G major", "6/8")
WALTZ = tune("G:h B:q | d:h B:q | c:q B A | G:h. | A:h B:q | c:h d:q | B:q A F# | G:h.", "G major", "3/4")


# ---- mode -------------------------------------------------------------------------------------------------------
def test_c_major_scale_to_c_minor_keeps_the_contour_and_the_tonic():
    minor = change_mode(SCALE, "minor")
    assert str(minor.key) == "C minor"
    assert melody_text(minor) == "C4:q D4:q Eb4:q F4:q | G4:q Ab4:q Bb4:q C5:q | Bb4:q Ab4:q G4:q F4:q | " \
                                 "Eb4:q D4:q C4:h |"
    assert steps(pitches(minor)) == steps(pitches(SCALE))
    assert [n.ticks for n in minor.notes] == [n.ticks for n in SCALE.notes]
    assert scale_adherence(minor) == 1.0 and scale_adherence(minor, SCALE.key) < 0.7
    assert change_mode(minor, "major").notes == SCALE.notes  # and back, note for note


@pytest.mark.parametrize("mode", ["dorian", "mixolydian", "phrygian", "lydian", "locrian", "minor"])
def test_every_mode_keeps_each_step_and_every_note_in_the_new_scale(mode):
    moved = change_mode(REEL, mode)
    assert steps(pitches(moved)) == steps(pitches(REEL))
    assert scale_adherence(moved) == 1.0 and moved.key.tonic == REEL.key.tonic
    assert all(abs(a - b) <= 1 for a, b in zip(pitches(moved), pitches(REEL), strict=True))
    assert contour_correlation(REEL, moved) > 0.95


def test_a_minor_keys_raised_seventh_is_a_major_keys_seventh():
    harmonic = tune("A B C D | E F G# A:h", "A minor")
    assert melody_text(change_mode(harmonic, "major")) == "A4:q B4:q C#5:q D5:q | E5:q F#5:q G#5:q A5:h |"
    assert pitches(change_mode(tune("C D E F# G:h", "C major"), "minor")) == [60, 62, 63, 66, 67]  # raised 4th kept


def test_chromatic_notes_the_new_mode_has_stay_and_leading_tones_still_lead():
    melodic = tune("A B C D | E F# G# A:h", "A minor")  # melodic minor: its raised 6th is the major's 6th, not G
    assert melody_text(change_mode(melodic, "major")) == "A4:q B4:q C#5:q D5:q | E5:q F#5:q G#5:q A5:h |"
    flat_seven = tune("C D E F | G A Bb C5:h", "C major")  # a borrowed flat 7th is the minor's and mixolydian's own
    assert all(pitches(change_mode(flat_seven, mode))[6] == 70 for mode in ("minor", "mixolydian", "dorian"))
    assert pitches(change_mode(tune("F Ab C5 B4 C5:h", "C major"), "minor"))[1] == 68  # the borrowed iv's flat 6th
    assert pitches(change_mode(tune("E F G# A:h", "C major"), "minor"))[2:] == [67, 68]  # a leading tone leads
    assert pitches(change_mode(tune("C5 B4 Bb4 A4 G4:h", "C major"), "minor")) == [72, 70, 69, 68, 67]  # chromatic


# ---- rhythm -----------------------------------------------------------------------------------------------------
def full_bars_and_a_proper_end(melody: Melody) -> None:
    bar = melody.meter.bar_ticks
    assert (melody.ticks - melody.pickup) % bar == 0, melody_text(melody)
    assert all(n.ticks > 0 for n in melody.notes)
    last_onset = melody.onsets()[-1] - melody.pickup
    assert last_onset % bar in melody.meter.strong_ticks and melody.notes[-1].pitch is not None
    assert melody.notes[-1].ticks >= melody.meter.beat_ticks


def test_a_reel_becomes_a_jig_of_long_short_pairs_with_its_notes_in_order():
    jig = change_rhythm(REEL, RHYTHMS["jig"])
    assert str(jig.meter) == "6/8" and pitches(jig) == pitches(REEL)
    assert melody_text(jig).startswith("G4:q A4:e B4:q G4:e | A4:q B4:e C5:q A4:e | B4:q D5:e C5:q A4:e |")
    assert jig.bars == 2 * REEL.bars  # a reel's beat is a jig's beat: the tune takes as long
    full_bars_and_a_proper_end(jig)


def test_a_jig_becomes_a_reel_a_waltz_and_a_march_keeping_its_pickup():
    reel = change_rhythm(JIG, RHYTHMS["reel"])
    assert melody_text(reel).startswith("D4:q | G4:q B4:q D5:q B4:q | C5:q A4:q F#4:q A4:q |")  # long-short: even
    assert "F#5:q D5:e C5:e A4:h" in melody_text(reel)  # three quavers: a crotchet and two quavers
    waltz = change_rhythm(JIG, RHYTHMS["waltz"])
    assert melody_text(waltz).startswith("D4:e | G4:q B4:q D5:e B4:e |")  # a long first beat
    for melody in (reel, waltz, change_rhythm(JIG, RHYTHMS["march"])):
        assert pitches(melody) == pitches(JIG) and melody.pickup > 0
        full_bars_and_a_proper_end(melody)


def test_a_waltz_becomes_a_jig_and_a_reel():
    assert melody_text(change_rhythm(WALTZ, RHYTHMS["jig"])).startswith("G4:q. B4:q. | D5:q. B4:q. | C5:q B4:e A4:q. |")
    assert melody_text(change_rhythm(WALTZ, RHYTHMS["reel"])).startswith("G4:q B4:q D5:q B4:q | C5:e B4:e A4:q G4:h |")


def test_a_tune_in_crotchets_takes_two_to_a_jig_beat():
    mary = tune("E D C D | E E E:h | D:q D D:h | E:q G G:h")
    assert melody_text(change_rhythm(mary, RHYTHMS["jig"])) == \
        "E4:q D4:e C4:q D4:e | E4:q E4:e E4:q. | D4:q D4:e D4:q. | E4:q G4:e G4:q. |"
    assert melody_text(change_rhythm(REEL, RHYTHMS["hornpipe"])).startswith("G4:e. A4:s B4:e. G4:s")


def test_every_rhythm_keeps_the_notes_in_order_on_full_bars_for_corpus_tunes():
    tunes = [t for t in load_index()[:400:4] if t.meter in ("2/4", "4/4", "6/8", "3/4", "2/2", "9/8", "3/8")]
    assert len(tunes) > 60
    for t in tunes:
        melody = Melody(tuple(t.notes), Key.parse(t.key), Meter.parse(t.meter), 110)
        for rhythm in RHYTHMS.values():
            out = change_rhythm(melody, rhythm)
            sounding = [n.pitch for n in melody.notes]
            while sounding[-1] is None:
                sounding.pop()
            assert [n.pitch for n in out.notes] == sounding, (t.title, rhythm.name)
            assert min(n.ticks for n in out.notes) >= 3, (t.title, rhythm.name)  # a semiquaver: no 1/12 of a beat
            assert out.meter == rhythm.meter
            full_bars_and_a_proper_end(out)


def test_triplets_stay_where_a_beat_moves_whole_and_straighten_where_it_is_stretched_or_squeezed():
    """A waltz's third beat takes a reel's beat whole (its triplet stays); a beat stretched over the waltz's long
    first beat, or squeezed into half a reel's, has no triplet a score can write, so it goes straight."""
    waltz = change_rhythm(tune("G4:q A4:et B4:et C5:et D5:q C5:q | B4:qt A4:et G4:h"), RHYTHMS["waltz"])
    assert melody_text(waltz) == "G4:h A4:et B4:et C5:et | D5:h C5:q | B4:q A4:h | G4:h. |"
    reel = change_rhythm(tune("G4:q A4:et B4:et C5:et D5:q | B4:qt A4:et G4:h", meter="3/4"), RHYTHMS["reel"])
    assert melody_text(reel).startswith("G4:e A4:s B4:s C5:s D5:e. B4:s")  # four notes in a beat: semiquavers


def test_a_note_held_into_a_jig_beat_keeps_a_straight_figure_in_a_waltz():
    """A beat whose first note is held over from the beat before takes the figure it would have with a note on the
    beat (was a quarter tied to a semiquaver here; 6/8 to waltz: 114 of 1,146 corpus openings had a note mixing a
    triplet and a semiquaver, `D4:7/12`; 1 now)."""
    jig = tune("C5:s B4:s A4:e. G4:s E4:e D4:e. | E4:h.", meter="6/8")  # a pickup of five quavers and more
    assert melody_text(change_rhythm(jig, RHYTHMS["waltz"])) == "C5:e B4:e A4:e G4:e E4:s D4:s | E4:h. |"


def test_melodies_in_five_cannot_be_retimed():
    with pytest.raises(MusicError, match="uneven"):
        change_rhythm(tune("C D E F G", meter="5/4"), RHYTHMS["jig"])


# ---- register, targets, requests --------------------------------------------------------------------------------
def test_register_moves_by_octaves_and_stays_on_the_piano():
    assert pitches(change_register(SCALE, "up")) == [p + 12 for p in pitches(SCALE)]
    assert pitches(change_register(SCALE, "low")) == [p - 12 for p in pitches(SCALE)]
    assert pitches(change_register(SCALE, "middle")) == pitches(SCALE)
    with pytest.raises(MusicError, match="past the end of the piano") as error:
        change_register(tune("C7 E7 G7"), "up")
    assert error.value.option == "register"


def test_transpose_moves_the_tune_the_shorter_way_to_the_new_tonic_keeping_its_mode():
    up, _ = apply(SCALE, Targets(transpose="D"))
    assert str(up.key) == "D major" and pitches(up) == [p + 2 for p in pitches(SCALE)]
    down, said = apply(SCALE, Targets(transpose="G"))  # down a fourth, not up a fifth: it stays where it sings
    assert pitches(down) == [p - 5 for p in pitches(SCALE)] and said == ["C major → G major"]
    assert melody_text(down).startswith("G3:q A3:q B3:q C4:q | D4:q")  # spelled in the new key
    minor, said = apply(tune("A:e | A B c A | G E E D | A:h.", "A minor"), Targets(transpose="E", mode="dorian"))
    assert said == ["A minor → E dorian"] and melody_text(minor).startswith("E4:e | E4:q F#4:q G4:q E4:q | D4:q")
    flats, _ = apply(WALTZ, Targets(transpose="Bb"))
    assert str(flats.key) == "Bb major" and melody_text(flats).startswith("Bb4:h D5:q | F5:h")  # G up a third
    assert str(apply(SCALE, Targets(transpose="G#"))[0].key) == "Ab major"  # as musicians write the key
    with pytest.raises(MusicError, match="Nothing would change"):
        transform_request(SCALE, Targets(transpose="C"))
    with pytest.raises(MusicError, match="Moving it to D takes C8 past the end of the piano"):
        apply(tune("C8:q B7:q"), Targets(transpose="D"))


def test_targets_in_words_from_the_form():
    assert read_targets("dorian jig") == Targets(mode="dorian", rhythm="jig")
    assert read_targets("Minor, waltz, 90 bpm") == Targets(mode="minor", rhythm="waltz", tempo=90)
    assert read_targets("scottish style an octave up") == Targets(style="scottish", register="up")
    assert read_targets("slip jig in 9/8 aeolian") == Targets(mode="minor", rhythm="slip jig")
    assert read_targets("mode:lydian rhythm:waltz") == Targets(mode="lydian", rhythm="waltz")  # as options
    assert read_targets("a bit faster") == Targets(pace=1.25) and read_targets("sad") == Targets(mode="minor")
    assert read_targets("in D") == read_targets("transpose to d") == read_targets("key of D") == Targets(transpose="D")
    assert read_targets("in a minor, octave up") == Targets(transpose="A", mode="minor", register="up")
    assert read_targets("E-flat waltz") == Targets(transpose="Eb", rhythm="waltz")
    assert read_targets("f# dorian") == Targets(transpose="F#", mode="dorian")
    for bad, said in (("polka", "`polka`"), ("minor dorian", "two of one thing"), ("", "Tell me what to change"),
                      ("the", "Tell me what to change"), ("500 bpm", "between 30 and 300"),
                      ("faster 120", "not both"), ("in D and G", "two of one thing")):
        with pytest.raises(MusicError, match=said):
            read_targets(bad)


def test_intervals_in_words_move_the_tune_that_far_that_way():
    """"up a tone", "down a fifth", "2 half steps up": the key that far from the melody's, moved in that direction
    (a fifth down is a fourth down and an octave down, since a key change alone goes the shorter way)."""
    assert read_targets("up a tone") == read_targets("a whole step higher") == Targets(steps=2)
    for words, steps, key in (("up a tone", 2, "D major"), ("down a fifth", -7, "F major"),
                              ("a fifth higher", 7, "G major"), ("down 3 semitones", -3, "A major"),
                              ("up a tritone", 6, "F# major"), ("up 12 semitones", 12, "C major")):
        if steps % 12:
            assert transform_request(SCALE, read_targets(words)).key == key
        moved, _ = apply(SCALE, read_targets(words).relative(SCALE.tempo, SCALE.key))
        assert str(moved.key) == key and pitches(moved) == [p + steps for p in pitches(SCALE)], words
    assert transform_request(SCALE, read_targets("half step up")).key == "Db major"  # as the key is written
    assert read_targets("down a fifth, high register").relative(SCALE.tempo, SCALE.key) == Targets(
        transpose="F", register="high")  # the register asked for, not the fifth's octave down
    for bad, said in (("a tone", "Up or down"), ("up 13 semitones", "an octave at most"),
                      ("in D up a tone", "not both")):
        with pytest.raises(MusicError, match=said):
            read_targets(bad)


def test_faster_and_slower_go_from_the_melodys_own_tempo():
    assert transform_request(JIG, read_targets("faster")).tempo == 140  # 110 bpm, a quarter faster, to 5 bpm
    assert transform_request(JIG, read_targets("slower")).tempo == 90
    assert transform_request(replace(JIG, tempo=280), read_targets("faster")).tempo == 300  # the fastest there is


async def test_a_request_stores_where_it_came_from_and_restores_the_result():
    request = transform_request(JIG, Targets(mode="dorian", rhythm="reel", tempo=96)).with_seed()
    assert (request.key, request.meter, request.tempo, request.count) == ("G dorian", "4/4", 96, 1)
    spec = Spec.parse(request.transform)
    assert (spec.key, spec.meter, spec.tempo) == ("G major", "6/8", 110)
    assert spec.targets == Targets(mode="dorian", rhythm="reel", tempo=96) and Spec.parse(spec.text) == spec
    (result,) = await transform_candidates(None, request)
    assert result.before is not None and result.before.notes == JIG.notes and result.before.pickup == JIG.pickup
    assert result.what == "6/8 → 4/4 reel (even quavers), G major → G dorian, 110 → 96 bpm"
    restored = Composer.restore(request.__dict__, result.text)
    assert isinstance(restored, TransformResult) and restored.melody == result.melody
    assert restored.before == result.before and restored.what == result.what
    said = str(MusicError(result.reproduce))
    assert said.startswith("`transform(notes=D4:e | G4:q") and "mode=dorian, rhythm=reel, tempo=96" in said


def test_nothing_to_change_and_no_targets_are_told():
    with pytest.raises(MusicError, match="Nothing would change: your melody is already in C major"):
        transform_request(SCALE, Targets(mode="major", rhythm="reel", tempo=110, register="middle"))
    with pytest.raises(MusicError, match="Tell me what to change"):
        transform_request(SCALE, Targets())
    assert transform_request(REEL, Targets(rhythm="reel", mode="minor")).meter == "4/4"  # the reel part: nothing


# ---- style (the model) ------------------------------------------------------------------------------------------
async def test_a_style_variation_keeps_the_rhythm_the_contour_and_the_ends(composer):
    request = transform_request(REEL, Targets(style="scottish"), count=2, seed=5).with_seed()
    results = await transform_candidates(composer, request)
    again = await transform_candidates(composer, request)
    assert [r.melody for r in results] == [r.melody for r in again]  # the same seed, the same variations
    assert [r.request.seed for r in results] == [5, 6] and results[0].melody != results[1].melody
    for result in results:
        varied = result.melody
        assert [n.ticks for n in varied.notes] == [n.ticks for n in REEL.notes]
        assert steps(pitches(varied)) == steps(pitches(REEL))
        assert pitches(varied)[0] == pitches(REEL)[0] and pitches(varied)[-1] == pitches(REEL)[-1]
        assert all(abs(a - b) <= 4 for a, b in zip(pitches(varied), pitches(REEL), strict=True))
        assert contour_correlation(REEL, varied) > 0.7 and varied.key == REEL.key
        assert 0 < sum(a != b for a, b in zip(pitches(varied), pitches(REEL), strict=True)) < len(REEL.notes)


async def test_a_short_motif_the_model_would_keep_is_still_varied(composer):
    motif = tune("A3 | D4 D F# A | B A F#:h", "D major")  # `1=D 5, | 1 1 3 5 | 6 5 3 -`: first takes change nothing
    request = transform_request(motif, Targets(style="scottish"), count=3, seed=1).with_seed()
    results = await transform_candidates(composer, request)
    assert all(r.melody.notes != motif.notes for r in results)
    assert [r.melody for r in results] == [r.melody for r in await transform_candidates(composer, request)]
    for result in results:
        assert [n.ticks for n in result.melody.notes] == [n.ticks for n in motif.notes]
        assert steps(pitches(result.melody)) == steps(pitches(motif))


async def test_a_scale_the_model_would_keep_in_chorale_style_gets_distinct_variations(composer):
    """`C D E F G F E D C:h` in chorale style: some seeds' six takes all kept every note, and a reply listed the
    melody unchanged as a candidate "re-written in the chorale style". Those candidates are written from the next
    unused seeds; each candidate's seed still reproduces it."""
    scale = tune("C D E F G F E D C:h", "C major")
    request = transform_request(scale, Targets(style="chorale"), count=3, seed=530726272).with_seed()
    results = await transform_candidates(composer, request)
    notes = [r.melody.notes for r in results]
    assert scale.notes not in notes and len(set(notes)) == 3
    for result in results:
        alone = replace(result.request, count=1)
        assert (await transform_candidates(composer, alone))[0].melody.notes == result.melody.notes


async def test_a_fall_to_the_kept_final_from_a_step_above_stays_in_the_key(composer):
    """`… R B D5 F#5 | E5:h D5:h` in chorale style: where the model had moved the F#5 to E5, only a D#5 fell from it
    and still rose into the kept final D5, so every candidate ended `D#5:h D5:h` in D major. The contour bends
    instead (a repeated E5), and every note stays in the key."""
    melody = tune("D E F# A | D5 C#5 D5:h | R B4 D5 F#5 | E5:h D5:h", "D major")
    request = transform_request(melody, Targets(style="chorale"), count=3, seed=354725036).with_seed()
    for result in await transform_candidates(composer, request):
        assert {p % 12 for p in pitches(result.melody)} <= set(Key.parse("D major").scale)
        assert pitches(result.melody)[-1] == pitches(melody)[-1]


# ---- the command line -------------------------------------------------------------------------------------------
def test_cli_transform_prints_before_and_after_and_writes_the_files(tmp_path, capsys):
    from studio.cli.main import main

    mary = "E D C D | E E E:h | D:q D D:h | E:q G G:h"
    assert main(["transform", mary, "--key", "C major", "--mode", "minor", "--rhythm", "jig", "--tempo", "100",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Transformed: 4/4 → 6/8 jig (long-short pairs), C major → C minor, 110 → 100 bpm." in out
    assert "Before: E4:q D4:q C4:q D4:q | E4:q E4:q E4:h |" in out
    assert "Eb4:q D4:e C4:q D4:e | Eb4:q Eb4:e Eb4:q. |" in out
    assert 'musicgenius transform "E4:q D4:q' in out and "--mode minor --rhythm jig --tempo 100" in out
    (midi_path,) = tmp_path.glob("transform-*.mid")
    midi = pretty_midi.PrettyMIDI(str(midi_path))
    assert [n.pitch for n in midi.instruments[0].notes][:4] == [63, 62, 60, 62]
    assert midi.time_signature_changes[0].numerator == 6 and round(midi.get_tempo_changes()[1][0]) == 150
    names = {p.name.split("-", 2)[-1] for p in tmp_path.iterdir()}
    assert {"before-after.png", "score.png", "pianoroll.png"} <= names and any(n.endswith(".ogg") for n in names)


def test_cli_transform_of_a_jianpu_seed_answers_in_jianpu_without_a_seed_line(tmp_path, capsys):
    from studio.cli.main import main

    assert main(["transform", "1=D 5, | 1 1 3 5 | 6 5 3 -", "--rhythm", "waltz", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Before: 1=D 5, | 1 1 3 5 | 6 5 3 - |" in out
    assert "\n1=D 3/4 5, | 1 - 1 | 3 - 5 | 6 - 5 | 3 - - |\n" in out and "--notation jianpu" in out
    assert "RNG seed" not in out and "Temperature" not in out  # no model wrote it
    assert main(["transform", "C E G C5", "--key", "C major", "--mode", "minor", "--notation", "jianpu",
                 "--out", str(tmp_path)]) == 0
    assert "Before: 1=C 1 3 5 1' |" in capsys.readouterr().out


def test_cli_transform_errors_use_flags(tmp_path, capsys):
    from studio.cli.main import main

    assert main(["transform", "C D E", "--out", str(tmp_path)]) == 2
    assert "`--mode`" in capsys.readouterr().err
    assert main(["transform", "C D E F", "--key", "C major", "--mode", "major", "--out", str(tmp_path)]) == 2
    assert "Nothing would change" in capsys.readouterr().err and not any(tmp_path.iterdir())
