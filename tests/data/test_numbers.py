"""Numbers said as a singer says them (data.numbers), so words with digits can be set to music."""

import pytest

from data.numbers import number_words, spell_numbers


@pytest.mark.parametrize(("digits", "said"), [
    ("0", "zero"), ("7", "seven"), ("13", "thirteen"), ("40", "forty"), ("99", "ninety-nine"),
    ("100", "one hundred"), ("105", "one hundred and five"), ("1000", "one thousand"),
    ("1005", "one thousand and five"),
    ("1850", "eighteen fifty"), ("1900", "nineteen hundred"), ("1999", "nineteen ninety-nine"),
    ("1905", "nineteen oh five"), ("2005", "two thousand and five"), ("2024", "twenty twenty-four"),
    ("3000", "three thousand"), ("250000", "two hundred and fifty thousand"), ("007", "zero zero seven"),
    ("1000000", "one zero zero zero zero zero zero"),
])
def test_number_words(digits, said):
    assert number_words(digits) == said


@pytest.mark.parametrize(("text", "said"), [
    ("I love 2 dance", "I love two dance"), ("my 1st love", "my first love"), ("21st century", "twenty-first century"),
    ("the 12th of never", "the twelfth of never"), ("the 90s", "the nineties"), ("6s and 7s", "sixes and sevens"),
    ("3.14", "three point one four"), ("1,000 times", "one thousand times"), ("2:30", "two : thirty"),
    ("no numbers here", "no numbers here"),
])
def test_spell_numbers(text, said):
    assert " ".join(spell_numbers(text).split()) == said
