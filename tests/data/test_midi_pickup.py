"""Pickups in MIDI: written at the end of a full first bar, read back from a first note after the downbeat."""

import io

import mido
import pretty_midi
import pytest

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi, melody_with_chords_to_midi, seed_from_midi
from data.notation import format_notes, parse_seed

TUNE = (Note(67, 12), Note(72, 12), Note(76, 12), Note(79, 12), Note(72, 12), Note(74, 24), Note(72, 24))


def starts(data: bytes, track: int = 0) -> list[float]:
    return [round(n.start, 6) for n in pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments[track].notes]


def test_a_pickup_ends_a_full_first_bar_so_downbeats_fall_on_the_daw_grid():
    melody = Melody(TUNE, Key(0), Meter(4, 4), tempo=120, pickup=12)  # G | C E G C | D:h C:h
    data = melody_to_midi(melody)
    assert starts(data)[:3] == [1.5, 2.0, 2.5]  # beat 4 of bar 1, then bar 2's downbeat at 2 s
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert [(ts.numerator, ts.denominator, ts.time) for ts in pm.time_signature_changes] == [(4, 4, 0.0)]
    assert starts(melody_to_midi(melody, full_first_bar=False))[:2] == [0.0, 0.5]  # the audio preview's MIDI
    assert starts(melody_to_midi(Melody(TUNE, Key(0), Meter(4, 4), tempo=120)))[:2] == [0.0, 0.5]  # no pickup


def test_chords_move_with_the_melody():
    melody = Melody(TUNE, Key(0), Meter(4, 4), tempo=120, pickup=12)
    data = melody_with_chords_to_midi(melody, [(12, 48, (48, 52, 55))])
    assert starts(data, 1) == [2.0] * 3 and starts(data)[1] == 2.0


@pytest.mark.parametrize(("meter", "pickup"), [(Meter(4, 4), 12), (Meter(6, 8), 12), (Meter(3, 4), 24)])
def test_a_pickup_survives_a_round_trip_through_a_midi_file(meter, pickup):
    melody = Melody(TUNE, Key(0), meter, tempo=100, pickup=pickup)
    seed = seed_from_midi(melody_to_midi(melody))
    assert seed.start == meter.bar_ticks - pickup and seed.meter == meter
    notes, found = seed.opening(meter)
    assert (notes, found) == (TUNE, pickup)
    text = format_notes(notes, meter.bar_ticks, start=meter.bar_ticks - found)
    assert parse_seed(text, meter=meter).pickup == pickup


def test_a_file_starting_on_a_downbeat_has_no_pickup():
    seed = seed_from_midi(melody_to_midi(Melody(TUNE, Key(0), Meter(4, 4))))
    assert seed.start == 0 and seed.opening(Meter(4, 4)) == (TUNE, 0)


def test_a_note_held_over_the_first_bar_line_puts_rests_first_instead():
    """Beat 4 of the first bar, held for a half note: no bar line can be typed inside it, so the first bar is filled
    with rests and the downbeats stay where the file has them."""
    held = (Note(67, 24), Note(72, 12), Note(76, 12))
    seed = seed_from_midi(melody_to_midi(Melody(held, Key(0), Meter(4, 4), pickup=12)))
    notes, pickup = seed.opening(Meter(4, 4))
    assert pickup == 0 and notes == (Note(None, 36), *held)
    text = format_notes(notes, 48)
    assert text == "R:h. G4:h | C5:q E5:q" and parse_seed(text, meter=Meter(4, 4)).notes == notes


def test_a_short_first_bar_in_its_own_time_signature_is_a_pickup():
    """Notation programs export an anacrusis as one bar of 2/8 before the 6/8: that bar is the pickup and 6/8 the
    meter (the reply said "I can't write in 2/8")."""
    out = mido.MidiFile(ticks_per_beat=480)
    meta, line = mido.MidiTrack(), mido.MidiTrack()
    out.tracks += [meta, line]
    meta.append(mido.MetaMessage("time_signature", numerator=2, denominator=8))
    meta.append(mido.MetaMessage("time_signature", numerator=6, denominator=8, time=480))
    jig = [(69, 240), (71, 240), (74, 480), (73, 240), (71, 480), (69, 240), (66, 720), (62, 720)]
    for pitch, length in jig:
        line.append(mido.Message("note_on", note=pitch, velocity=90))
        line.append(mido.Message("note_off", note=pitch, time=length))
    data = io.BytesIO()
    out.save(file=data)
    seed = seed_from_midi(data.getvalue())
    assert seed.meter == Meter(6, 8)
    notes, pickup = seed.opening(seed.meter)
    assert pickup == 12
    assert format_notes(notes, 36, start=36 - pickup) == "A4:e B4:e | D5:q C#5:e B4:q A4:e | F#4:q. D4:q. |"
