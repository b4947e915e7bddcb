"""What a quiz question plays, as a MIDI file and an OGG preview (CPU work: run it in the render pool)."""

from __future__ import annotations

from dataclasses import dataclass

from data.audio import midi_to_ogg
from data.events import Key, Meter
from data.midi import PROGRAM_PIANO, arrangement_to_midi
from studio.quiz.questions import Question
from studio.render import Attachment

VELOCITY = 90


@dataclass(frozen=True)
class _Track:
    """One piano track, as ``arrangement_to_midi`` reads it."""

    notes: tuple[tuple[int, int, int, int], ...]  # (start tick, ticks, pitch, velocity)
    name: str = "Piano"
    program: int = PROGRAM_PIANO
    is_drum: bool = False


def question_midi(question: Question) -> bytes:
    """The question's sound as a one-track piano MIDI file."""
    sound = question.sound
    notes = tuple((start, ticks, pitch, VELOCITY) for start, ticks, pitches in sound.events for pitch in pitches)
    return arrangement_to_midi([_Track(notes)], sound.tempo, Meter.parse(sound.meter), Key.parse(sound.key))


def question_audio(question: Question) -> Attachment:
    """The question's sound as an OGG file (named after the question, not its answer)."""
    return Attachment(f"quiz-{question.kind}-{question.seed}.ogg", midi_to_ogg(question_midi(question)),
                      "Listen, then answer")
