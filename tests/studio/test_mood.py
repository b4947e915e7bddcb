"""Moods: the controls a mood sets, the estimator on clear cases, a mood through the real Composer and the CLI."""

from __future__ import annotations

import io
import itertools
from statistics import mean

import pretty_midi
import pytest

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from studio.cli.main import cli_syntax, main
from studio.errors import render
from studio.melody import Composer
from studio.mood import (
    MOODS,
    NOTE_FEATURES,
    TABLE,
    estimate,
    measure,
    monotony,
    mood_defaults,
    named,
    nearest,
    notes_melody,
    opening,
    prototype,
    settings_line,
    valence_arousal,
)
from studio.requests import MelodyRequest


def test_a_slow_low_falling_minor_tune_reads_melancholic():
    tune = notes_melody("A3:q C4 B3 A3 G3:h E3:h F3:q E3 D3 C3 B2:h A2:h", "A minor", 60)
    e = estimate(tune)
    assert e.mood == "melancholic"
    assert e.valence < -0.3 and e.arousal < -0.3
    assert e.line.startswith("mood: melancholic (valence -")


def test_a_fast_high_busy_rising_major_tune_reads_happy_and_excited():
    tune = notes_melody("C5:e D5 E5 C5 D5 E5 F5 D5 E5 F5 G5 E5 F5 G5 A5 F5 G5 A5 B5 G5 A5 B5 C6:q", "C major", 150)
    e = estimate(tune, gate=0.45)
    assert e.valence > 0.3 and e.arousal > 0.3
    assert e.mood in ("joyful", "playful")


def test_tempo_alone_moves_arousal_and_the_third_alone_moves_valence():
    tune = "C4:q E4 G4 E4 D4 F4 E4:h"
    slow, fast = (valence_arousal(measure(notes_melody(tune, "C major", bpm))) for bpm in (60, 160))
    assert fast[1] > slow[1] + 0.5
    major = valence_arousal(measure(notes_melody(tune, "C major", 100)))
    minor = valence_arousal(measure(notes_melody(tune.replace("E4", "Eb4"), "C minor", 100)))
    assert major[0] > minor[0] + 0.5 and abs(major[1] - minor[1]) < 0.05


def test_every_mood_prototype_is_its_own_nearest_mood_and_sits_in_its_quadrant():
    for name in MOODS:
        mood, features = TABLE[name], prototype(name)
        assert nearest(features) == name and nearest(features, NOTE_FEATURES) == name
        valence, arousal = valence_arousal(features)
        for target, value in ((mood.valence, valence), (mood.arousal, arousal)):
            if abs(target) >= 0.3:
                assert target * value > 0, (name, valence, arousal)


def test_the_mood_named_never_contradicts_the_valence_and_arousal_shown():
    tune = notes_melody("D4:q E4 F#4 E4 D4:h A3:h D4:q E4 F#4 A4 F#4:h D4:h", "D major", 110)
    e = estimate(tune)  # an unremarkable major tune: its nearest prototype is triumphant, its arousal negative
    assert nearest(e.features) == "triumphant" and e.arousal < 0
    assert e.mood == "calm" and e.summary.startswith("calm (valence +")
    for name in MOODS:  # a mood's own prototype is still its own
        assert named(prototype(name)) == name
    for bpm in (60, 90, 110, 130, 160):
        for text in ("C4:q E4 G4 E4 D4 F4 E4:h", "C4:e D4 E4 F4 G4 A4 B4 C5 C5:h", "A4:h G4:q F4 E4:h D4:q C4 B3:h"):
            for key in ("C major", "A minor"):
                e = estimate(notes_melody(text, key, bpm))
                mood = TABLE[e.mood]
                assert all(abs(t) < 0.3 or t * v > 0 for t, v in ((mood.valence, e.valence), (mood.arousal, e.arousal)))


def test_a_mood_fills_only_what_was_not_typed():
    assert mood_defaults({"mood": "melancholic"}, None) == {"tempo": 66, "density": "sparse", "key": "A minor"}
    assert mood_defaults({"mood": "melancholic", "tempo": 90, "key": "G major"}, None) == {"density": "sparse"}
    assert mood_defaults({"mood": "melancholic"}, "E G B")["key"] == "E minor"  # in the mood's mode, fitting the notes
    assert mood_defaults({}, "C E G") == {}


def test_a_bad_mood_is_an_error_that_lists_the_moods():
    with pytest.raises(MusicError) as err:
        MelodyRequest(notes="C E G", mood="grumpy")
    assert "grumpy" in str(err.value) and all(name in str(err.value) for name in MOODS)
    assert err.value.option == "mood"


def test_the_opening_sits_in_the_mood_register():
    assert opening("melancholic", "A minor") == "A3"  # the tonic, low: a falling line started high ends high
    assert opening("dreamy", "D dorian") == "D5"  # 74: high
    assert opening("joyful", "Bb major") == "Bb4"  # 70: below the high register, for a line that rises


def test_the_settings_line_says_what_the_mood_set_and_what_was_yours():
    request = MelodyRequest(notes="A3", mood="melancholic", key="A minor", tempo=66, density="sparse")
    assert settings_line(request) == ("melancholic: minor, 66 bpm, low register, sparse rhythm, legato, "
                                      "falling contour")
    typed = MelodyRequest(notes="A3", mood="melancholic", key="A minor", tempo=90, density="sparse")
    assert "90 bpm (yours)" in settings_line(typed)


def test_midi_honours_the_articulation():
    notes = (Note(60, 12), Note(62, 12), Note(64, 24))
    lengths = {}
    for gate in (1.0, 0.45):
        pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_to_midi(Melody(notes, tempo=120, gate=gate))))
        lengths[gate] = [n.end - n.start for n in pm.instruments[0].notes]
    assert lengths[1.0][0] == pytest.approx(0.5, abs=0.01)
    assert lengths[0.45][0] == pytest.approx(0.225, abs=0.01) and lengths[0.45][2] == pytest.approx(0.45, abs=0.01)


async def test_a_mood_through_the_real_composer(composer: Composer):
    def request(name: str, seed: int) -> MelodyRequest:
        filled = mood_defaults({"mood": name}, None)
        return MelodyRequest(notes=opening(name, filled["key"]), mood=name, seed=seed, count=1, **filled)

    first, again = await composer.melody(request("melancholic", 11)), await composer.melody(request("melancholic", 11))
    assert first.melody.notes == again.melody.notes  # the chosen take is reproducible from the seed
    assert first.request.seed == 11 and first.request.mood == "melancholic"
    assert "--mood melancholic" in render(first.reproduce, cli_syntax("melody"))
    assert (first.melody.key.mode, first.melody.tempo, first.melody.gate) == ("minor", 66, 1.0)
    sad = [measure(r.melody) for r in await composer.write([request("melancholic", s) for s in range(8)])]
    gay = [r.melody for r in await composer.write([request("playful", s) for s in range(8)])]
    assert all(m.gate == 0.45 and m.key.mode == "major" and m.tempo == 152 for m in gay)
    bright = [measure(m) for m in gay]
    assert mean(f.register for f in sad) + 6 < mean(f.register for f in bright)  # low against high register
    assert mean(f.density for f in sad) * 1.5 < mean(f.density for f in bright)  # sparse against busy
    assert mean(f.slope for f in sad) < 0  # a falling line, on average
    stored = Composer.restore(request("playful", 0).__dict__, "C5 ➜ D5:e E5:e")  # from the store: still staccato
    assert stored.melody.gate == 0.45


async def test_a_low_falling_mood_does_not_drone_on_its_opening_note(composer: Composer):
    """`/melody mood:melancholic bars:4` without notes wrote `A3 ➜ B3:q A3:q A3:q | G3:h. A3:q | A3:w | ...` for
    seeds 1-3: the takes that sat on the low opening note fitted the low, falling mood best."""
    filled = mood_defaults({"mood": "melancholic"}, None)
    results = await composer.write([MelodyRequest(notes=opening("melancholic", filled["key"]), mood="melancholic",
                                                  seed=s, count=1, bars=4, **filled) for s in range(1, 7)])
    for r in results:
        pitches = [n.pitch for n in r.continuation if n.pitch is not None]
        repeats = sum(a == b for a, b in itertools.pairwise(pitches)) / (len(pitches) - 1)
        assert repeats <= 0.35 and max(pitches) - min(pitches) >= 5, r.continuation
    drone = notes_melody("A3 B3 A3 A3 G3:h. A3 A3:w A3 A3:h", "A minor", 66)
    assert monotony(drone) > 1 and monotony(notes_melody("A3 C4 E4 D4 C4 B3 A3 G3 A3:h", "A minor", 66)) == 0


def test_cli_mood_without_notes(tmp_path, capsys):
    assert main(["melody", "--mood", "melancholic", "--tempo", "80", "--seed", "5", "--bars", "4",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Mood: melancholic: minor, 80 bpm (yours), low register" in out
    assert "Estimated mood: " in out and "--mood melancholic" in out
    midi = pretty_midi.PrettyMIDI(str(next(tmp_path.glob("*.mid"))))
    assert round(midi.get_tempo_changes()[1][0]) == 80
    with pytest.raises(SystemExit) as bad:  # argparse's choices, as for --style and --density
        main(["melody", "--mood", "grumpy", "--out", str(tmp_path)])
    assert bad.value.code == 2 and "melancholic" in capsys.readouterr().err


def test_meter_counts_felt_beats_for_density():
    six_eight = Melody(tuple(Note(67, 6) for _ in range(12)), Key(0), Meter(6, 8), 100)
    assert measure(six_eight).density == pytest.approx(3.0)


async def test_busy_is_busy_and_sparse_is_sparse_whatever_the_seed(composer: Composer):
    """density:busy keeps the busiest-fitting of a few takes: the lean alone left some busy melodies sparser than
    natural ones (a 3/4 seed of quarter notes). The chosen take comes back from its seed."""
    def rates(density: str) -> list[float]:
        return [measure(r.melody).density for r in results[density]]

    seeds = ["C E G", "C D E F G A B C5", "D F A"]
    requests = {d: [MelodyRequest(notes=n, meter=m, density=d, seed=s, count=1, bars=8)
                    for n in seeds for m in ("3/4", "4/4") for s in (0, 1)] for d in ("sparse", "natural", "busy")}
    results = {d: await composer.write(reqs) for d, reqs in requests.items()}
    assert min(rates("busy")) > 1.1 and max(rates("sparse")) < 1.1  # natural writes about 1.1 notes a beat
    assert mean(rates("sparse")) < mean(rates("natural")) < mean(rates("busy"))
    again = await composer.melody(requests["busy"][0])
    assert again.melody.notes == results["busy"][0].melody.notes and again.request.seed == 0


def test_the_mean_pitch_is_named_as_a_note_of_the_key():
    """A C major tune whose mean lay between D4 and E4 read "mean pitch Eb4": a note it may never play."""
    from studio.mood import _pitch_name

    assert _pitch_name(63.4, Key(0)) == "about E4" and _pitch_name(62.9, Key(0)) == "about D4"
    assert _pitch_name(67.8, Key(9, "minor")) == "about G4"  # A natural minor: G, not G#
    assert _pitch_name(66.0, Key(7)) == "about F#4"  # spelled in the key
