"""Ear training: the questions `/quiz` and `musicgenius quiz` ask, and the sound each plays.

``questions`` makes a question from (kind, level, RNG seed) — an interval, a scale or mode, a chord quality, or the
first bar(s) of a real corpus tune to take down — and checks an answer; the same three values always give the same
question, so a button needs only them (and the choice) to be checked after a restart. ``audio`` renders what a
question plays as MIDI and an OGG preview (CPU work: run it off the event loop).
"""

from studio.quiz.questions import KINDS, LEVELS, VERSION, Question, Sound, Verdict, check, make_question, pick_kind

__all__ = ["KINDS", "LEVELS", "VERSION", "Question", "Sound", "Verdict", "check", "make_question", "pick_kind"]
