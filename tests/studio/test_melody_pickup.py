"""`G | C E G C`: the continuation's downbeats, its bar lines, the files and stored results after a pickup."""

from dataclasses import asdict

import pytest

from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi, midi_notes
from data.notation import ARROW, parse_seed, split_stored
from studio.melody import Composer
from studio.midi_melody import midi_request
from studio.render import melody_files
from studio.requests import MelodyRequest


def bar_lines(text: str) -> list[int]:
    """Where each `|` of note text stands, in ticks from the first note."""
    seed = parse_seed(text.replace(ARROW, " "), max_notes=1000)
    notes, now, lines = iter(seed.notes), 0, []
    for token in seed.typed:
        if token == "|":
            lines.append(now)
        else:
            now += next(notes).ticks
    return lines


def check_downbeats(melody: Melody, bars: int) -> None:
    bar = melody.meter.bar_ticks
    assert melody.ticks == melody.pickup + bars * bar  # `bars` full bars after the pickup
    onsets = melody.onsets()
    for onset, note in zip(onsets[melody.seed_len:], melody.notes[melody.seed_len:], strict=True):
        start = melody.start + onset
        assert start // bar == (start + note.ticks - 1) // bar  # no continuation note crosses a bar line
    final = melody.start + onsets[-1]
    assert final % bar in melody.meter.strong_ticks and final // bar == bars  # the final, on a strong beat of the last
    assert melody.notes[-1].pitch % 12 == melody.key.tonic


async def test_a_pickup_puts_the_continuations_downbeats_after_it(composer):
    result = await composer.melody(MelodyRequest("G | C E G C", seed=4, key="C major", bars=8))
    melody = result.melody
    assert (melody.pickup, melody.start, melody.bars) == (12, 36, 8)
    check_downbeats(melody, 8)
    assert result.text.startswith("G | C E G C ➜ | ")  # bar 1 is full: the continuation starts bar 2
    assert bar_lines(result.text) == [12 + 48 * k for k in range(9)]  # a musician's bar lines: after the pickup


@pytest.mark.parametrize(("notes", "meter", "pickup"), [("D:e | G:q B:e A:q G:e", "6/8", 6),
                                                        ("E:q | A A B | C", "3/4", 12)])
async def test_pickups_in_other_meters_and_a_last_bar_left_to_fill(composer, notes, meter, pickup):
    result = await composer.melody(MelodyRequest(notes, seed=2, meter=meter, bars=6, key="G major"))
    assert result.melody.pickup == pickup
    check_downbeats(result.melody, 6)
    bar = Meter.parse(meter).bar_ticks
    assert all((line - pickup) % bar == 0 for line in bar_lines(result.text))


async def test_without_bar_lines_a_seed_still_starts_on_a_downbeat(composer):
    result = await composer.melody(MelodyRequest("G C E G C", seed=4, key="C major", bars=8))
    assert result.melody.pickup == 0 and result.melody.ticks == 8 * 48


async def test_a_stored_pickup_result_restores_and_varies_with_its_pickup(composer):
    result = await composer.melody(MelodyRequest("G | C E G C", seed=5, key="C major", bars=6))
    back = Composer.restore(asdict(result.request), result.text)
    assert back.melody == result.melody and back.text == result.text and back.seed.pickup == 12
    more = Composer.variation_request(result)
    assert more.notes.startswith("G | C E G C | ")
    seed = composer.validate(more)
    assert seed.pickup == 12 and seed.notes[:5] == result.melody.notes[:5]
    again = await composer.melody(more)
    check_downbeats(again.melody, 6)


async def test_more_like_an_unbarred_seed_shows_the_bars_it_keeps(composer):
    """More like under `/melody notes:do mi sol la sol` showed one unbarred run of 19 notes as its seed (`do mi sol
    la sol Mi4:q Do4:q R:q Mi4:q …`): bar lines after an unbarred seed would have made its first bar over-full.
    The seed is barred as typed first, so the notes kept after it are barred too, and they read the same."""
    for notes, meter in (("do mi sol la sol", "4/4"), ("A B C5 D5 E5 F5 G5", "3/4")):
        result = await composer.melody(MelodyRequest(notes, seed=3, key="C major", meter=meter, bars=8))
        more = Composer.variation_request(result)
        first = notes.split()[: Meter.parse(meter).beats]
        assert more.notes.startswith(" ".join(first) + " | ") and more.notes.count("|") >= 3
        seed = composer.validate(more)
        assert seed.notes == result.melody.notes[: len(seed.notes)] and seed.pickup == 0


def test_old_stored_text_with_bars_that_no_longer_pass_still_restores():
    params = asdict(MelodyRequest("C D E F G | A", key="C major", seed=1))
    back = Composer.restore(params, "C D E F G | A ➜ B4:q C5:q | D5:w |")
    assert back.melody.pickup == 0 and len(back.melody.notes) == 9


@pytest.mark.parametrize(("notes", "needle"), [
    ("G | C D E F G", "Bar 2 has 5 beats in 4/4: `C D E F G`"),
    ("G | C D | E F G A", "Bar 2 has 2 beats in 4/4"),
])
async def test_bad_bars_are_refused_before_any_work(composer, notes, needle):
    with pytest.raises(MusicError) as info:
        composer.validate(MelodyRequest(notes))
    assert needle in str(info.value) and info.value.option == "notes"
    assert "e.g. `C D E F | G`" in str(info.value) or "looks like `G | C E G C | D`" in str(info.value)


def test_bars_count_the_full_bars_after_the_pickup(composer):
    assert composer.validate(MelodyRequest("G | C E G C | D E F G", bars=3)).pickup == 12
    with pytest.raises(MusicError, match="already fills 2 bars"):
        composer.validate(MelodyRequest("G | C E G C | D E F G", bars=2))


async def test_a_midi_file_with_a_pickup_continues_in_phase(composer):
    upbeat = Melody((Note(67, 12), Note(72, 12), Note(76, 12), Note(79, 12), Note(72, 12)), Key(0), Meter(4, 4),
                    tempo=100, pickup=12)
    request, _, _ = midi_request(melody_to_midi(upbeat), seed=3, bars=4, key="C major")
    assert request.notes == "G4:q | C5:q E5:q G5:q C5:q |"
    result = await composer.melody(request)
    assert result.melody.pickup == 12 and result.melody.notes[:5] == upbeat.notes
    check_downbeats(result.melody, 4)


async def test_the_files_show_the_pickup(composer):
    result = await composer.melody(MelodyRequest("G | C E G C", seed=4, key="C major", bars=4, tempo=120))
    files = {f.filename: f.data for f in melody_files(result.melody, "m")}
    assert midi_notes(files["m.mid"])[0][1] == pytest.approx(1.5)  # beat 4 of a full first bar
    assert b'<measure number="0" implicit="yes">' in files["m.musicxml"]
    assert files["m-pianoroll.png"][:4] == b"\x89PNG" and files["m-score.png"][:4] == b"\x89PNG"
    seed, continuation = split_stored(result.text)
    assert seed == "G | C E G C" and continuation.startswith("| ")


@pytest.mark.parametrize(("key", "shown"), [(None, "Bb4"), ("D minor", "Bb4"), ("G minor", "Bb4")])
def test_a_midi_seed_is_spelled_for_its_key(key, shown):
    """A MIDI file's notes become the seed text the reply shows before its continuation: Bb in F major, not A#."""
    tune = Melody(tuple(Note(p, 12) for p in (65, 67, 69, 70, 72, 70, 69, 67, 65, 65, 70, 69)), Key(5), Meter(), 100)
    text = midi_request(melody_to_midi(tune), key=key)[0].notes
    assert shown in text and "A#" not in text
    assert [n.pitch for n in parse_seed(text).notes] == [n.pitch for n in tune.notes]
