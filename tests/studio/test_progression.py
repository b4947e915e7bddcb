"""Chords read back as a student reads them (`/chords notes:"Am F C G"`): their key and roman numerals."""

import pytest

from studio.progression import read_progression


@pytest.mark.parametrize(("typed", "key", "numerals"), [
    ("Am F C G", "A minor", ("i", "VI", "III", "VII")),
    ("C G Am F", "C major", ("I", "V", "vi", "IV")),
    ("| Dm7 G7 | Cmaj7 |", "C major", ("ii7 V7", "Imaj7")),
    ("C/E F G7 C", "C major", ("I/3", "IV", "V7", "I")),
    ("Cmaj9 Am9 Dm11 G13", "C major", ("Imaj9", "vi9", "ii11", "V13")),
    ("G Gsus4 C/G D7sus4", "G major", ("I", "Isus4", "IV/5", "V7sus4")),
    ("Am Dm E7 Am", "A minor", ("i", "iv", "V7", "i")),  # the leading tone's V in a minor key
    ("C E7 Am A7 Dm Fm C", "C major", ("I", "III7", "vi", "VI7", "ii", "iv", "I")),  # borrowed and secondary
])
def test_a_progression_reads_as_its_key_and_numerals(typed, key, numerals):
    progression = read_progression(typed)
    assert str(progression.key) == key and progression.numerals == numerals


def test_a_key_given_wins_and_the_table_lines_up():
    progression = read_progression("C G Am F", "A minor")
    assert progression.numerals == ("III", "VII", "i", "VI")
    top, bottom = progression.table.splitlines()
    assert top == "| C   | G   | Am | F  |" and bottom == "| III | VII | i  | VI |"
