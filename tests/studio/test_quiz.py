"""Ear-training questions: right answers, distinct distractors, what each level asks, checking and the sound."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from data.errors import MusicError
from data.events import Key
from data.midi import midi_notes
from data.notation import parse_seed
from data.tunes import CorpusTune, load_index
from studio.options import QUIZ, QUIZ_KINDS, QUIZ_LEVELS
from studio.quiz import KINDS, LEVELS, check, make_question, pick_kind
from studio.quiz.audio import question_audio, question_midi
from studio.quiz.questions import (
    CHORD_LEVELS,
    CHORDS,
    DICTATION_LEVELS,
    INTERVAL_LEVELS,
    INTERVALS,
    LETTER_STEPS,
    SCALE_LEVELS,
    SCALES,
    _spelled_pair,
    opening_bars,
    step_pattern,
)
from studio.quiz.scores import score_line, score_text
from studio.store.base import QuizScore

SEEDS = range(60)
CHOICES = {"interval": {"beginner": 3, "intermediate": 4, "advanced": 4},
           "scale": {"beginner": 2, "intermediate": 4, "advanced": 4},
           "chord": {"beginner": 2, "intermediate": 4, "advanced": 4},
           "dictation": {"beginner": 3, "intermediate": 4, "advanced": 4}}


def pitches(question) -> list[tuple[int, ...]]:
    return [p for _, _, p in question.sound.events]


def test_the_option_table_offers_exactly_what_the_quiz_asks():
    assert KINDS == QUIZ_KINDS == QUIZ["kind"].choices and LEVELS == QUIZ_LEVELS == QUIZ["level"].choices
    assert QUIZ["level"].default == "beginner" and QUIZ["kind"].default is None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("level", LEVELS)
def test_every_question_has_one_right_answer_among_distinct_choices(kind, level):
    answers = Counter()
    for seed in SEEDS:
        q = make_question(kind, level, seed)
        assert (q.kind, q.level, q.seed) == (kind, level, seed)
        assert len(q.choices) == CHOICES[kind][level] and len(set(q.choices)) == len(q.choices)
        assert len(q.labels) == len(q.about) == len(q.choices) and all(0 < len(label) <= 80 for label in q.labels)
        assert 0 <= q.answer < len(q.choices) and q.correct == q.choices[q.answer]
        assert q.sound.events and q.explanation and q.prompt.endswith("?")
        assert check(q, q.answer).correct and not any(check(q, i).correct for i in range(len(q.choices))
                                                      if i != q.answer)
        answers[q.answer] += 1
        assert make_question(kind, level, seed) == q  # the same seed asks the same question
    assert len(answers) == len(q.choices)  # the right answer is not always in the same place
    assert len({make_question(kind, level, s).sound for s in SEEDS}) >= 15  # many sounds, not a few


def test_intervals_sound_as_named_and_levels_widen_what_is_asked():
    seen: dict[str, set] = {level: set() for level in LEVELS}
    directions: dict[str, set] = {level: set() for level in LEVELS}
    for level in LEVELS:
        pool = set(INTERVAL_LEVELS[level][0])
        for seed in range(200):
            q = make_question("interval", level, seed)
            assert set(q.choices) <= pool
            notes = pitches(q)
            if len(notes) == 1:  # together
                low, high = notes[0]
                directions[level].add("together")
            else:
                (first,), (second,) = notes
                low, high = sorted((first, second))
                directions[level].add("up" if second > first else "down" if second < first else "same")
            assert high - low == INTERVALS[q.correct].semitones
            assert q.about[q.answer] == f"{high - low} semitone{'' if high - low == 1 else 's'}"
            seen[level].add(q.correct)
    assert seen["beginner"] == {"unison", "minor third", "major third", "perfect fifth", "octave"}
    assert seen["advanced"] == set(INTERVALS) and len(INTERVALS) == 13
    assert directions["beginner"] <= {"up", "same"} and {"up", "down"} <= directions["intermediate"]
    assert "together" not in directions["intermediate"] and "together" in directions["advanced"]


def test_explanations_take_an_before_a_vowel():
    """'That was a augmented chord on F#', 'a octave': the article follows the name."""
    seen = {}
    for seed in range(200):
        for kind, level in (("chord", "intermediate"), ("interval", "beginner")):
            q = make_question(kind, level, seed)
            seen[q.correct] = q.explanation
    assert seen["augmented"].startswith("an augmented chord on ") and seen["octave"].startswith("an octave")
    assert seen["major"].startswith("a major chord on ") and seen["minor third"].startswith("a minor third")


def test_the_explanation_names_the_interval_its_size_and_a_tune_that_opens_with_it():
    q = next(q for s in range(500) if (q := make_question("interval", "beginner", s)).correct == "minor third")
    text = check(q, q.answer).text
    assert text.startswith("✅ Right! That was a minor third: 3 semitones, the opening of Greensleeves")
    wrong = next(i for i in range(len(q.choices)) if i != q.answer)
    text = check(q, wrong).text
    assert text.startswith(f"❌ Not quite: you picked {q.choices[wrong]} ({q.about[wrong]}).")
    assert "That was a minor third: 3 semitones, the opening of Greensleeves" in text


@pytest.mark.parametrize(("low", "semitones", "pair"), [
    (60, 3, ("C4", "Eb4")), (60, 1, ("C4", "Db4")), (60, 8, ("C4", "Ab4")), (58, 3, ("Bb3", "Db4")),
    (64, 8, ("E4", "C5")), (59, 6, ("B3", "F4")), (60, 6, ("C4", "F#4")), (56, 4, ("Ab3", "C4")),
    (61, 9, ("C#4", "A#4")), (62, 12, ("D4", "D5")),
])
def test_an_intervals_notes_are_named_as_the_interval_is(low, semitones, pair):
    """A minor third above C is Eb, not D#: the upper note is as many letters up as the interval's number."""
    assert _spelled_pair(low, semitones) == pair


def test_every_interval_asked_is_spelled_with_its_own_letters():
    for seed in range(300):
        q = make_question("interval", "advanced", seed)
        names = re.findall(r"\b([A-G][#b]?)(-?\d)\b", q.explanation)
        if len(names) == 2 and INTERVALS[q.correct].semitones not in (0, 6, 12):
            (a, _), (b, _) = sorted(names, key=lambda n: (int(n[1]), "CDEFGAB".index(n[0][0])))
            letters = ("CDEFGAB".index(b[0]) - "CDEFGAB".index(a[0])) % 7
            assert letters == LETTER_STEPS[INTERVALS[q.correct].semitones], q.explanation


def test_scales_play_the_answers_steps_up_and_back_down():
    for level in LEVELS:
        for seed in range(40):
            q = make_question("scale", level, seed)
            assert set(q.choices) <= set(SCALE_LEVELS[level][0])
            up = [p for (p,) in pitches(q)[:8]]
            scale = SCALES[q.correct]
            assert [p - up[0] for p in up] == [*scale.steps, 12]
            down = [p - up[0] for (p,) in pitches(q)[8:]]
            assert down == list(reversed(scale.down or scale.steps))
    assert step_pattern(SCALES["major"].steps) == "W W H W W W H"
    assert step_pattern(SCALES["harmonic minor"].steps) == "W H W W H W+H H"
    assert {make_question("scale", "beginner", s).correct for s in range(40)} == {"major", "natural minor"}


def test_chords_are_arpeggiated_then_held_with_the_answers_intervals():
    for level in LEVELS:
        kinds = set()
        for seed in range(60):
            q = make_question("chord", level, seed)
            assert set(q.choices) <= set(CHORD_LEVELS[level][0])
            block = pitches(q)[-1]
            assert tuple(p - block[0] for p in block) == CHORDS[q.correct].steps
            assert [p for (p,) in pitches(q)[:-1]] == list(block)
            kinds.add(q.correct)
        assert kinds == set(CHORD_LEVELS[level][0])
    assert all(len(CHORDS[c].steps) == 4 for c in CHORD_LEVELS["advanced"][0])  # sevenths


def tune(seed: str, title: str = "The Test Reel", meter: str = "4/4", mode: str = "major") -> CorpusTune:
    return CorpusTune(0, f"test/{title}", "oneills1850", title, "irish", mode, meter, seed, "")


def test_dictation_asks_a_real_tunes_opening_against_versions_with_notes_moved():
    tunes = [tune("G4:e A4:e B4:e G4:e D5:q B4:q | C5:e B4:e A4:e G4:e A4:h")]
    for level in LEVELS:
        bars, count, moved, _ = DICTATION_LEVELS[level]
        real = opening_bars(tunes[0], bars)
        for seed in range(30):
            q = make_question("dictation", level, seed, tunes)
            assert q.lettered and q.labels == tuple("ABCD"[:count])
            assert parse_seed(q.correct).notes == real  # the tune's own notes
            assert q.correct.count("|") == bars - 1 and "The Test Reel" in q.explanation
            for choice in q.choices:
                notes = parse_seed(choice).notes
                assert [n.ticks for n in notes] == [n.ticks for n in real]  # same rhythm
                assert notes[0] == real[0]  # same first note, named in the prompt
                changed = [i for i, (a, b) in enumerate(zip(notes, real, strict=True)) if a != b]
                assert len(changed) <= moved and (changed or choice == q.correct)
                assert all(n.pitch % 12 in Key.parse("C major").scale for n in notes)
            assert "starting on G4" in q.prompt and "C major, 4/4" in q.prompt
            wrong = (q.answer + 1) % count
            assert re.search(r"note \d+ is [A-G]", check(q, wrong).text)


def test_dictation_skips_openings_that_make_no_fair_question():
    assert opening_bars(tune("C5:w"), 1) is None  # one note
    assert opening_bars(tune("C5:q C#5:q D5:q E5:q"), 1) is None  # chromatic
    assert opening_bars(tune("C5:q D5:q E5:h"), 2) is None  # not two full bars
    assert opening_bars(tune("C5:h D5:h E5:h"), 1) is None  # a note held over the bar line
    assert opening_bars(tune("C5:q D5:q E5:q F5:q"), 1) is not None
    with pytest.raises(MusicError):
        make_question("dictation", "beginner", 1, [tune("C5:w")])


def test_dictation_from_the_shipped_index_and_every_level():
    index = load_index()
    for level in LEVELS:
        for seed in range(10):
            q = make_question("dictation", level, seed, index)
            assert len(q.choices) == CHOICES["dictation"][level] and "“" in q.explanation


def test_bad_kinds_levels_and_choices_are_said_to_the_user():
    with pytest.raises(MusicError, match="kind"):
        make_question("melody", "beginner", 1)
    with pytest.raises(MusicError, match="level"):
        make_question("interval", "expert", 1)
    with pytest.raises(MusicError):
        check(make_question("interval", "beginner", 1), 7)


def test_any_kind_draws_every_kind():
    assert {pick_kind(s) for s in range(100)} == set(KINDS) and pick_kind(5) == pick_kind(5)


def test_the_sound_is_what_the_question_plays():
    q = make_question("chord", "advanced", 3)
    notes = midi_notes(question_midi(q))
    assert sorted(p for p, *_ in notes) == sorted(p for _, _, ps in q.sound.events for p in ps)
    audio = question_audio(make_question("interval", "beginner", 3))
    assert audio.filename == "quiz-interval-3.ogg" and audio.data[:4] == b"OggS"
    assert "third" not in audio.filename and "fifth" not in audio.description  # no answer in the file


def test_scores_in_words():
    assert score_line(QuizScore()) == "📊 No quiz answers yet."
    assert score_line(QuizScore(9, 7, 3, 5)) == "📊 Your score: 7/9 right (78%) · streak 3 🔥 · best 5"
    assert score_text(QuizScore(3, 1, 0, 1, (("chord", 1, 0), ("interval", 2, 1)))).splitlines()[1:] == [
        "• chord: 0/1 right", "• interval: 1/2 right"]
