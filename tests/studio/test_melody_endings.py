"""/melody endings with the shipped model: the final on the tonic (or the 3rd/5th when asked), strong and long."""

import pytest

from data.errors import MusicError, plain_syntax, render
from data.events import Key, Meter
from studio.cli.main import build_parser, cli_syntax
from studio.requests import MelodyRequest


def last_note(result):
    melody = result.melody
    start = melody.onsets()[-1]
    return melody.notes[-1], start % melody.meter.bar_ticks


@pytest.mark.parametrize(("meter", "key", "bars"), [("4/4", "G major", 8), ("3/4", "E minor", 4),
                                                    ("6/8", "D dorian", 16), ("2/4", "Bb mixolydian", 8)])
async def test_replies_end_on_the_tonic_on_a_strong_beat_for_a_beat_or_more(composer, meter, key, bars):
    results = await composer.write([MelodyRequest("C D E", seed=s, meter=meter, key=key, bars=bars)
                                    for s in range(6)])
    m, k = Meter.parse(meter), Key.parse(key)
    for result in results:
        note, position = last_note(result)
        assert note.pitch % 12 == k.tonic
        assert position in m.strong_ticks and note.ticks >= m.beat_ticks
        assert result.melody.ticks == bars * m.bar_ticks
        assert result.melody.notes[:3] == result.seed.notes  # the typed notes are kept


async def test_an_open_ending_lands_on_the_third_or_fifth_and_reproduces(composer):
    results = await composer.write([MelodyRequest("A B C", seed=s, key="A minor", ending="open") for s in range(6)])
    assert {last_note(r)[0].pitch % 12 for r in results} <= {0, 4}  # C or E in A minor
    assert "ending=open" in render(results[0].reproduce, plain_syntax)
    assert "--ending open" in render(results[0].reproduce, cli_syntax("melody"))
    closed = await composer.melody(MelodyRequest("A B C", seed=1, key="A minor"))
    assert "ending" not in render(closed.reproduce, plain_syntax)


async def test_a_half_ending_lands_on_the_fifth_on_a_strong_beat(composer):
    results = await composer.write([MelodyRequest("A B C", seed=s, key="A minor", meter=m, ending="half")
                                    for s, m in enumerate(("4/4", "3/4", "6/8", "4/4"))])
    for result in results:
        note, position = last_note(result)
        meter = result.request.parsed_meter
        assert note.pitch % 12 == 4 and position in meter.strong_ticks and note.ticks >= meter.beat_ticks  # E
    assert "--ending half" in render(results[0].reproduce, cli_syntax("melody"))


async def test_words_set_to_music_end_on_the_tonic(composer):
    result = await composer.set_words(MelodyRequest("", seed=4, key="F major"), "Amazing grace, how sweet the sound")
    assert [n for n in result.melody.notes if n.pitch is not None][-1].pitch % 12 == Key.parse("F major").tonic


def test_the_ending_option_is_checked_and_reaches_the_command_line():
    with pytest.raises(MusicError) as error:
        MelodyRequest("C E G", ending="sideways")
    assert error.value.option == "ending"
    assert build_parser().parse_args(["melody", "C E G", "--ending", "open"]).ending == "open"
    assert MelodyRequest("C E G").ending == "closed"
