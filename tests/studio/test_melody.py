import io

import pytest
from PIL import Image

from data.errors import MusicError, render
from data.events import Key
from data.midi import midi_notes
from data.notation import parse_seed
from studio.cli.main import cli_syntax
from studio.render import melody_files
from studio.requests import MelodyRequest


async def test_the_seed_comes_first_exactly_as_typed(composer):
    result = await composer.melody(MelodyRequest("C E G", seed=1))
    assert result.text.startswith("C E G ➜ ")
    assert result.melody.notes[:3] == parse_seed("C E G").notes
    assert result.melody.seed_len == 3
    assert len(result.continuation) > 4


@pytest.mark.parametrize(("meter", "key", "bars"), [("4/4", "C major", 8), ("6/8", "D dorian", 6),
                                                    ("3/4", "F# minor", 12), ("2/4", "Bb major", 4)])
async def test_every_bar_is_full_and_the_melody_ends_at_home(composer, meter, key, bars):
    result = await composer.melody(MelodyRequest("A B C", seed=3, meter=meter, key=key, bars=bars))
    melody = result.melody
    assert melody.ticks == bars * melody.meter.bar_ticks
    assert melody.notes[-1].pitch % 12 in Key.parse(key).stable
    in_scale = [n.pitch % 12 in Key.parse(key).scale for n in result.continuation if n.pitch is not None]
    assert sum(in_scale) / len(in_scale) >= 0.8


async def test_same_rng_seed_same_melody_and_another_seed_differs(composer):
    a = await composer.melody(MelodyRequest("C4:q D4:e E4:e G4:h", seed=11, key="C major"))
    b = await composer.melody(MelodyRequest("C4:q D4:e E4:e G4:h", seed=11, key="C major"))
    c = await composer.melody(MelodyRequest("C4:q D4:e E4:e G4:h", seed=12, key="C major"))
    assert a.melody == b.melody
    assert a.melody != c.melody


async def test_key_is_inferred_from_the_seed_and_reported(composer):
    result = await composer.melody(MelodyRequest("E G B E5 D5 B", seed=5))
    assert result.key_inferred
    assert result.melody.key == Key.parse("E minor")
    again = render(result.reproduce, cli_syntax("melody"))
    assert again.startswith("`musicgenius melody") and '--key "E minor"' in again and "--seed 5" in again


async def test_files_parse_back_as_midi_and_png(composer):
    result = await composer.melody(MelodyRequest("C E G", seed=2, tempo=120))
    files = {f.filename: f.data for f in melody_files(result.melody, "m")}
    midi = midi_notes(files["m.mid"])
    assert [p for p, _, _ in midi[:3]] == [60, 64, 67]  # the seed notes come first
    assert midi[1][1] == pytest.approx(0.5)  # a quarter at 120 bpm
    assert len(midi) == sum(n.pitch is not None for n in result.melody.notes)
    image = Image.open(io.BytesIO(files["m-pianoroll.png"]))
    assert image.format == "PNG" and image.width >= 800


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [({"notes": ""}, "empty"), ({"notes": "C H G"}, "`H`"), ({"notes": " ".join(["C"] * 500)}, "more than"),
     ({"notes": "C E G", "bars": 10000}, "bars"), ({"notes": "C E G", "temperature": -1}, "temperature"),
     ({"notes": "C9 E G"}, "piano"), ({"notes": "C E G", "key": "J major"}, "key"),
     ({"notes": "C:w D:w E:w", "bars": 2}, "bars=7"), ({"notes": "R R"}, "rests"),
     ({"notes": "C E G", "meter": "5/3"}, "meter")],
)
async def test_bad_input_gets_a_clear_error_with_an_example(composer, kwargs, needle):
    with pytest.raises(MusicError) as info:
        await composer.melody(MelodyRequest(**kwargs))
    assert needle in str(info.value)
    assert "`" in str(info.value)


@pytest.mark.parametrize(("seed", "key"), [
    ("C", "C major"), ("Bb", "Bb major"),  # one note: its major key (the profile said F major for `C`)
    ("C D E", "C major"), ("do re mi", "C major"),  # the profile said A minor
    ("G A B", "G major"), ("E C", "C major"), ("G C", "C major"), ("A B C", "A minor"), ("E G B", "E minor"),
    ("C.. D", "C major"), ("D A", "D major"), ("D F", "D minor"),  # no third typed: major; a minor third: minor
    ("C E G", "C major"), ("D F# A G F# E D", "D major"),  # longer seeds: the profile, as before
    ("E D C D E E E:h D D D:h", "C major"), ("B A G A B B B:h A A A:h", "G major"),  # Mary had a little lamb: the
    # long Ds made it D major, which has no C natural: the major key on a typed note that holds every note typed
])
def test_a_short_seeds_key_is_one_a_musician_would_hear(seed, key):
    from studio.analysis.key import infer_key

    assert str(infer_key(parse_seed(seed).notes)) == key


@pytest.mark.parametrize(("notes", "key"), [("C2 E2 G2 C3", "C major"), ("G2 B2 D3 G2", "G major"),
                                            ("C7 E7 G7 C7", "C major")])
async def test_a_seed_far_from_the_middle_goes_on_in_its_own_register(composer, notes, key):
    """A bass line went on two octaves up (`C2 E2 G2 C3 ➜ C4:q F4:q …`) and `C7 E7 G7` was folded note by note into
    `C7 E6 G6`, so the model answered `R:e E3:e | C6:q …`. The seed is now written whole octaves nearer the
    corpus's register and the notes moved back: the continuation stays near the seed."""
    from studio.restate import register_octaves

    result = await composer.melody(MelodyRequest(notes, bars=4, seed=5, key=key, count=1))
    seed = sorted(n.pitch for n in result.seed.notes)
    going = sorted(n.pitch for n in result.continuation if n.pitch is not None)
    assert abs(going[len(going) // 2] - seed[len(seed) // 2]) <= 7
    assert max(going) - min(going) <= 19 and min(going) >= seed[0] - 12
    assert register_octaves(parse_seed("C4 E4 G4 C5").notes, Key(0)) == 0  # the usual seed is untouched
