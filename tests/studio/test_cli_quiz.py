"""`musicgenius quiz`: questions in the terminal, answers from standard input, the audio written to --out."""

from __future__ import annotations

import io

from studio.cli.main import main
from studio.cli.quiz import read_choice
from studio.quiz import make_question


def run(monkeypatch, capsys, typed: str, *argv: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    code = main(["quiz", *argv])
    return code, capsys.readouterr().out


def test_the_terminal_quiz_asks_checks_and_scores(tmp_path, monkeypatch, capsys):
    first, second = make_question("chord", "intermediate", 40), make_question("chord", "intermediate", 41)
    wrong = (second.answer + 1) % len(second.choices)
    typed = f"{first.answer + 1}\nnonsense\n{second.choices[wrong].upper()}\n"
    code, out = run(monkeypatch, capsys, typed, "--level", "intermediate", "--kind", "chord", "--seed", "40",
                    "--count", "2", "--out", str(tmp_path))
    assert code == 0
    assert "Question 1 of 2 · Chord · intermediate (RNG seed 40)" in out and first.prompt in out
    assert f"✅ Right! That was {first.explanation}." in out
    assert "Type the number, letter or name of one of the 4 answers." in out
    assert f"❌ Not quite: you picked {second.choices[wrong]}" in out
    assert "📊 Your score: 1/2 right (50%) · streak 0 · best 1" in out and "Done: 1 of 2 right" in out
    assert "musicgenius quiz --level intermediate --kind chord --seed 40 --count 2" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiz-chord-40.ogg", "quiz-chord-41.ogg"]
    assert (tmp_path / "quiz-chord-40.ogg").read_bytes()[:4] == b"OggS"


def test_end_of_input_stops_the_quiz(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, "", "--kind", "dictation", "--seed", "3", "--out", str(tmp_path))
    assert code == 0 and "Question 1 of 5 · Dictation · beginner" in out and "Done:" not in out
    assert "  A) " in out and "Your answer (A-C)" in out


def test_answers_by_number_letter_or_name():
    q = make_question("dictation", "advanced", 3)
    assert [read_choice(q, t) for t in ("2", "b", "B.", q.choices[2], "5", "x", "")] == [1, 1, 1, 2, None, None, None]
    q = make_question("interval", "beginner", 7)
    assert read_choice(q, f"  {q.choices[1].upper()} ") == 1 and read_choice(q, "a") is None
