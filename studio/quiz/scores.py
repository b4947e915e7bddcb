"""A `/quiz` score in words, for the private answers and the score button."""

from __future__ import annotations

from studio.store.base import QuizScore

HOT_STREAK = 3  # right answers in a row that earn a 🔥


def score_line(score: QuizScore) -> str:
    """``📊 Your score: 7/9 right (78%) · streak 3 🔥 · best 5``."""
    if not score.answered:
        return "📊 No quiz answers yet."
    fire = " 🔥" if score.streak >= HOT_STREAK else ""
    return (f"📊 Your score: {score.correct}/{score.answered} right ({score.correct / score.answered:.0%}) · "
            f"streak {score.streak}{fire} · best {score.best_streak}")


def score_text(score: QuizScore) -> str:
    """The score line, then right answers per kind of question."""
    lines = [score_line(score)]
    for kind, answered, correct in score.by_kind:
        lines.append(f"• {kind}: {correct}/{answered} right")
    return "\n".join(lines)
