"""What the store hands back: plain, frozen records of generations, feedback, statistics and quiz results."""

from __future__ import annotations

from dataclasses import dataclass

from data.notation import ARROW

SEED_SHOWN = 20  # characters: a longer seed (More like's: the seed and half a melody) is left out of ``new_part``


def new_part(notes: str) -> str:
    """Note text from where the melody is new: bars written again or added (in ``[ ]``) from the first of them, the
    continuation after a long seed, else all of it."""
    if "[" in notes:
        return "… " + notes[notes.index("["):]
    seed, arrow, continuation = notes.partition(ARROW)
    return f"…{ARROW}{continuation}" if arrow and len(seed) > SEED_SHOWN else notes


@dataclass(frozen=True)
class Forgotten:
    """What `forget_user` deleted, table by table, and what it left because it belongs to someone else."""

    generations: int = 0
    feedback_given: int = 0  # by the user, on anyone's melodies
    feedback_received: int = 0  # by others, on the user's melodies
    preferences: int = 0
    more_like_kept: int = 0  # "More like" replies others made from the user's melodies: theirs, so they stay
    quiz_answers: int = 0
    quiz_scores: int = 0  # 1 when they had a `/quiz` score

    @property
    def rows(self) -> int:
        return (self.generations + self.feedback_given + self.feedback_received + self.preferences
                + self.quiz_answers + self.quiz_scores)


@dataclass(frozen=True)
class QuizScore:
    """A user's `/quiz` record: answers, right answers, the current run of right answers and the longest;
    ``by_kind`` is (kind, answered, right) per kind of question, by kind."""

    answered: int = 0
    correct: int = 0
    streak: int = 0
    best_streak: int = 0
    by_kind: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class QuizAnswer:
    """What `record_quiz_answer` recorded: ``first`` is False when the user had answered that question before (then
    ``chosen`` and ``correct`` are their first answer, and nothing changed); ``answered_by`` counts everyone who
    answered the question so far."""

    first: bool
    chosen: str
    correct: bool
    score: QuizScore
    answered_by: int


@dataclass(frozen=True)
class Generation:
    id: int
    user_id: int
    message_id: int | None
    candidate: int
    command: str
    params: dict
    rng_seed: int | None
    notes: str
    guild_id: int | None = None
    channel_id: int | None = None
    created_at: float = 0.0  # Unix time

    @property
    def new_part(self) -> str:
        """``new_part`` of its stored note text (letters)."""
        return new_part(self.notes)


@dataclass(frozen=True)
class FeedbackRow:
    """One piece of feedback a user gave, with what it was about."""

    generation_id: int
    user_id: int  # who gave it
    kind: str
    value: int
    created_at: float
    message_id: int | None
    candidate: int
    command: str
    params: dict
    notes: str


@dataclass(frozen=True)
class Stats:
    """Anonymous activity of one guild over the last ``days`` UTC days (today included)."""

    guild_id: int
    days: int
    per_day: list[tuple[str, int]]  # ("YYYY-MM-DD", generations), oldest first, zero days included
    liked_styles: list[tuple[str, int]]  # (params["style"], sum of positive feedback), best first
    total_generations: int
    distinct_users: int


@dataclass(frozen=True)
class Acceptance:
    """How many melody candidates people were shown and how many they took (a pick, "More like", or a 👍 on the
    reply, which takes one candidate of it)."""

    shown: int = 0
    accepted: int = 0

    @property
    def rate(self) -> float | None:
        return self.accepted / self.shown if self.shown else None

    def __add__(self, other: Acceptance) -> Acceptance:
        return Acceptance(self.shown + other.shown, self.accepted + other.accepted)
