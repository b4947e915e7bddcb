"""A MIDI file as a /melody request: its melody line as note text (so it reproduces like typed notes), with its
meter, tempo and pickup, and sentences saying which track it came from and what was left out."""

from __future__ import annotations

from typing import Any

from data.errors import MusicError, opt
from data.events import Key, Meter
from data.midi import MidiSeed, seed_from_midi
from data.notation import MAX_SEED_NOTES, format_notes
from studio.analysis.key import infer_key
from studio.requests import MelodyRequest


def midi_request(data: bytes, track: int | None = None, max_notes: int = MAX_SEED_NOTES, name: str = "the file",
                 choose: bool = True, **options: Any) -> tuple[MelodyRequest, str, str]:
    """A request whose notes are a MIDI file's melody as text (so it reproduces like typed notes), a sentence saying
    which part of the file ``name`` it is (``midi_origin``), and one saying how much of it was left out past its
    first ``max_notes`` notes ("" when none).

    ``track`` counts from 1 (None: the melody track); the file's meter and tempo fill options left None (the file's
    speed counted in the beats of the meter used: dotted quarters in 6/8).
    """
    seed = seed_from_midi(data, None if track is None else track - 1, max_notes)
    meter = options.pop("meter", None) or (str(seed.meter) if seed.meter else "4/4")
    tempo = options.pop("tempo", None) or seed.tempo_in(Meter.parse(meter))
    bar_ticks = Meter.parse(meter).bar_ticks
    notes, pickup = seed.opening(Meter.parse(meter), max_notes)  # a first note after the file's downbeat: a pickup
    try:  # spelled as the reply will be (Bb in F major, not A#)
        key: Key | bool = Key.parse(options["key"]) if options.get("key") else infer_key(tuple(notes))
    except MusicError:  # an unreadable key, or no pitched notes: their own checks say so later
        key = False
    text = format_notes(notes, bar_ticks, start=(bar_ticks - pickup) % bar_ticks, spelling=key)  # `G | C E G C`
    read = sum(not n.is_rest for n in notes)
    cut = (f"The file's melody has {read + seed.dropped} notes and I read the first {read}: to work on a later "
           f"part, upload just that part." if seed.dropped else "")
    return MelodyRequest(notes=text, meter=meter, tempo=tempo, **options), midi_origin(seed, track, name, choose), cut


def midi_origin(seed: MidiSeed, track: int | None, name: str, choose: bool = True) -> str:
    """Which part of the file ``name`` the melody was read from, and (``choose``: where the command takes a track)
    how to take another."""
    number = seed.track_index + 1
    if track is not None:
        return f"I used track {number} of {name}, {seed.track_name}."
    if len(seed.tracks) == 1:
        return f"I used the top voice of {name}."
    used = (f"I used track {number} of {name}, {seed.track_name}, as the melody (the highest of its "
            f"{len(seed.tracks)} tracks)")
    if not choose:
        return f"{used}."
    return f"{used}: to take another, set e.g. {opt('track', 2 if number == 1 else 1)}."
