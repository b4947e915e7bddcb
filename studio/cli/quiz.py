"""``musicgenius quiz``: the `/quiz` questions in a terminal — each one's audio written to ``--out``, answers read
from standard input (a number, a letter or the answer's name), the verdict and a running score printed. The score
is kept for the session only: nothing is stored."""

from __future__ import annotations

import argparse
import random
import sys
from typing import TextIO

from studio.cli.commands import again
from studio.options import SEED_MAX
from studio.quiz import Question, check, make_question, pick_kind
from studio.quiz.audio import question_audio
from studio.quiz.scores import score_line
from studio.store.base import QuizScore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that are not in the option table."""
    parser.add_argument("--count", type=int, default=5, help="how many questions (default 5)")


def read_choice(question: Question, text: str) -> int | None:
    """The choice an answer names: its number (1-based), its letter, or its name; None when it names none."""
    said = text.strip().lower().rstrip(".)")
    if said.isdigit() and 1 <= int(said) <= len(question.choices):
        return int(said) - 1
    for i, (label, choice) in enumerate(zip(question.labels, question.choices, strict=True)):
        if said in (label.lower(), choice.lower()):
            return i
    return None


def _scored(score: QuizScore, right: bool) -> QuizScore:
    streak = score.streak + 1 if right else 0
    return QuizScore(score.answered + 1, score.correct + right, streak, max(score.best_streak, streak))


async def run_quiz(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    first = random.randrange(SEED_MAX) if args.seed is None else args.seed
    score = QuizScore()
    args.out.mkdir(parents=True, exist_ok=True)
    for n in range(max(1, args.count)):
        seed = (first + n) % (SEED_MAX + 1)
        question = make_question(args.kind or pick_kind(seed), args.level, seed)
        audio = question_audio(question)
        path = args.out / audio.filename
        path.write_bytes(audio.data)
        print(f"Question {n + 1} of {args.count} · {question.title} (RNG seed {seed})")
        print(question.prompt)
        print(f"Listen: {path}")
        for i, (label, choice) in enumerate(zip(question.labels, question.choices, strict=True), start=1):
            print(f"  {label if question.lettered else i}) {choice}")
        span = f"A-{question.labels[-1]}" if question.lettered else f"1-{len(question.choices)}"
        choice = None
        while choice is None:
            print(f"Your answer ({span}): ", end="", flush=True)
            line = stdin.readline()
            if not line:  # end of input: stop asking
                print()
                return _finish(score, args, first)
            choice = read_choice(question, line)
            if choice is None:
                print(f"Type the number, letter or name of one of the {len(question.choices)} answers.")
        verdict = check(question, choice)
        score = _scored(score, verdict.correct)
        print(verdict.text)
        print(score_line(score))
        print()
    return _finish(score, args, first)


def _finish(score: QuizScore, args: argparse.Namespace, first: int) -> int:
    if score.answered:
        print(f"Done: {score.correct} of {score.answered} right, best streak {score.best_streak}.")
    words: list[object] = ["quiz", "--level", args.level]
    if args.kind:
        words += ["--kind", args.kind]
    print(f"The same questions again: {again(*words, '--seed', first, '--count', args.count)}")
    return 0
