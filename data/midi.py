"""The only module that imports pretty_midi: Melody <-> Standard MIDI File bytes."""

from __future__ import annotations

import io

import pretty_midi

from data.events import TPQ, Melody

PROGRAM_PIANO = 0


def melody_to_midi(melody: Melody, program: int = PROGRAM_PIANO, name: str = "Melody") -> bytes:
    """A one-track MIDI file with tempo, time signature and key signature meta events."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=melody.tempo)
    seconds_per_tick = 60.0 / melody.tempo / TPQ
    instrument = pretty_midi.Instrument(program=program, name=name)
    now = 0
    for note in melody.notes:
        if note.pitch is not None:
            start, end = now * seconds_per_tick, (now + note.ticks) * seconds_per_tick
            instrument.notes.append(pretty_midi.Note(velocity=90, pitch=note.pitch, start=start, end=end))
        now += note.ticks
    pm.instruments.append(instrument)
    pm.time_signature_changes.append(pretty_midi.TimeSignature(melody.meter.numerator, melody.meter.denominator, 0))
    # MIDI key signatures know only major/minor: write the mode's parent major or its relative minor.
    parent = melody.key.parent_major
    minor_like = melody.key.mode in ("minor", "dorian", "phrygian", "locrian")
    key_number = (parent + 9) % 12 + 12 if minor_like else parent
    pm.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0))
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def midi_notes(data: bytes) -> list[tuple[int, float, float]]:
    """(pitch, start seconds, end seconds) of every note in a MIDI file, in time order."""
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    notes = [(n.pitch, n.start, n.end) for inst in pm.instruments for n in inst.notes]
    return sorted(notes, key=lambda n: (n[1], -n[0]))

