"""O'Neill's tunes are cited by their number in the book, read from music21's bundled ABC files."""

from __future__ import annotations

from data.book_numbers import book_number, cited
from data.corpus_notes import read_notes


def test_oneills_tunes_have_their_book_numbers():
    tunes = [t for t in read_notes().tunes if t.source == "oneills1850"]
    numbers = [t.number for t in tunes]
    assert sum(n is None for n in numbers) <= len(tunes) // 100  # told for all but a handful
    lady_day = [t for t in tunes if t.title == "Lady Day"]
    assert [t.number for t in lady_day] == [1584, 1584]  # two transcriptions of one tune (files 1556- and 1577-)
    assert book_number("oneills1850/0550-0625.abc#0", "The Bashful Lover.") == 550  # "Bashful Lover., The"
    assert book_number("oneills1850/0550-0625.abc#0", "Some Other Tune") is None  # a title that doesn't match


def test_other_books_are_cited_by_name_alone():
    essen = next(t for t in read_notes().tunes if t.source == "essenFolksong")
    assert essen.number is None and essen.cited == "Essen folk songs"
    assert cited("O'Neill's Music of Ireland (1850)", "oneills1850/1556-1624.abc#28", "Lady Day") == (
        "O'Neill's Music of Ireland (1850), no. 1584")
