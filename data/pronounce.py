"""The only module that imports ``pronouncing`` (CMU dict) and ``pyphen``: words, syllables, stress, rhymes.

Every function takes any text (emoji, digits, other scripts, very long input) and never raises:
words the CMU dict does not know get syllables and stress guessed from their spelling.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

import pronouncing
import pyphen

from data.numbers import spell_numbers

_HYPHENATOR = pyphen.Pyphen(lang="en_US", left=1, right=1)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_VOWELS = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœаеёиоуыэюяαεηιουωάέήίόύώ"
_VOWEL_GROUP = re.compile(f"[{_VOWELS}]+")
# One-syllable words that are sung unstressed in ordinary speech rhythm.
_FUNCTION_TEXT = """a an the of to and or but nor if so as at by for from in into on onto with than that then
is am are was were be been it its i me my you your he him his she her we us our they them their
can could will would shall should do does did has have had may might must not no"""
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
_SYLLABIC_LED = re.compile(f"[^{_VOWELS}l]led$|[^{_VOWELS}]led$")
_SPELLING_RHYME = re.compile(f"[{_VOWELS}]+[^{_VOWELS}]*$")
_GLIDE_PHONES = re.compile(r"(?:AY|AW|OY)\d ER0")  # fire, hour, choir
_GLIDE_SPELLING = re.compile(r"(?:ire|yre|oir|our|owr)(?:e?[sd])?$")
_SILENT_E = re.compile(f"[^{_VOWELS}]e[sd]?$")
_SUNG_E = re.compile(f"[^{_VOWELS}]le$|[td]ed$|[cgsxz]es$|[cs]hes$")  # a final e that is a syllable after all


def words(text: str) -> list[str]:
    """Lowercase word tokens with inner apostrophes kept: "Don't stop!" -> ['don't', 'stop']."""
    return _WORD.findall(_normal(text or ""))


def tokens(text: str) -> list[str]:
    """Word tokens as written (case kept, curly apostrophes straightened, numbers said in words): "Don’t stop!" ->
    ["Don't", 'stop'], "2 hearts" -> ['two', 'hearts']."""
    return _WORD.findall(spell_numbers(text or "").replace("\u2019", "'").replace("\u2018", "'"))


def _normal(text: str) -> str:
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def _key(word: str) -> str:
    """The form looked up in the CMU dict: lowercase, straight apostrophes, no outer apostrophes."""
    return _normal(word).strip("'")


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


@lru_cache(maxsize=8192)
def _phones(word: str) -> str | None:
    """The CMU dict's first pronunciation of ``word`` (already normalised), or None."""
    found = pronouncing.phones_for_word(word) if word.isascii() else []
    return found[0] if found else None


def vowel_sound_first(word: str) -> bool | None:
    """Whether ``word`` is said starting with a vowel ("an hour", "a union"), None if the dictionary lacks it."""
    phones = _phones(_key(word))
    return None if phones is None else phones[0] in "AEIOU"


@lru_cache(maxsize=8192)
def syllable_count(word: str) -> int:
    """Syllables in ``word``: the CMU dict's first pronunciation, else a spelling guess; 0 without letters."""
    key = _key(word)
    letters = _letters(key)
    if not letters:
        return 0
    phones = _phones(key)
    count = pronouncing.syllable_count(phones) if phones else _guess_syllables(key)
    return max(1, min(count, letters))


def _is_syllabic_char(ch: str) -> bool:
    """CJK, kana and hangul characters are one syllable each."""
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def _guess_syllables(word: str) -> int:
    """Vowel groups, less a silent final 'e' (but not '-le'), checked against pyphen's hyphenation points."""
    syllabic = sum(_is_syllabic_char(ch) for ch in word)
    if syllabic:
        return syllabic
    plain = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    groups = _VOWEL_GROUP.findall(plain)
    count = len(groups)
    if count > 1 and plain.endswith("e") and not plain.endswith(("le", "ee", "ye")) and plain[-2:-1] not in _VOWELS:
        count -= 1  # silent e: "glade"
    if count > 1 and plain.endswith("es") and plain[-3:-2] not in "sxzhcg" + _VOWELS:
        count -= 1  # "glades"
    if count > 1 and plain.endswith("ed") and plain[-3:-2] not in "td" + _VOWELS and not _SYLLABIC_LED.search(plain):
        count -= 1  # "glared" but not "troubled"
    pieces = len(_cut(word, _HYPHENATOR.positions(word))) if word.isascii() else 1
    return max(count, pieces, 1)


@lru_cache(maxsize=8192)
def stresses(word: str) -> str:
    """One character per syllable: '1' stressed (CMU primary or secondary), '0' unstressed; '' without letters."""
    count = syllable_count(word)
    if count == 0:
        return ""
    key = _key(word)
    if count == 1:
        return "0" if key in FUNCTION_WORDS else "1"
    phones = _phones(key)
    if phones:
        marks = pronouncing.stresses(phones).replace("2", "1")
        if len(marks) == count:
            return marks
    return _guess_stresses(key, count)


_UNSTRESSED_PREFIXES = ("a", "be", "de", "re", "un", "in", "im", "en", "em", "ex", "con", "com", "pre", "dis", "mis")


def _guess_stresses(word: str, count: int) -> str:
    """English leans on the first syllable, except after a light prefix; longer words alternate."""
    first = 1 if count == 2 and word.startswith(_UNSTRESSED_PREFIXES) and len(word) > 5 else 0
    return "".join("1" if (i - first) % 2 == 0 else "0" for i in range(count))


@lru_cache(maxsize=8192)
def rhyme_part(word: str) -> str | None:
    """The sound a rhyme must share: CMU phones from the last stressed vowel (digits dropped), else spelling."""
    key = _key(word)
    if not _letters(key):
        return None
    phones = _phones(key)
    if phones:
        return re.sub(r"\d", "", pronouncing.rhyming_part(phones))
    return _spelling_rhyme(key)


def _spelling_rhyme(word: str) -> str | None:
    match = _SPELLING_RHYME.search(word)
    return f"~{match.group()}" if match else None  # '~' keeps spellings apart from CMU phones


def _onset(word: str, spelling: bool = False) -> str:
    """What comes just before the rhyming part: a phone, or a letter for unknown words (or with ``spelling``)."""
    phones = None if spelling else _phones(word)
    if phones:
        tail = pronouncing.rhyming_part(phones)
        before = phones[: len(phones) - len(tail)].split()
        return before[-1] if before else ""
    match = _SPELLING_RHYME.search(word)
    return word[: match.start()][-1:] if match else ""


def rhymes(a: str, b: str) -> bool:
    """True rhyme: two different words sharing the rhyming sound but not the consonant before it."""
    ka, kb = _key(a), _key(b)
    if not _letters(ka) or not _letters(kb) or ka == kb:
        return False
    pa, pb = rhyme_part(ka), rhyme_part(kb)
    if pa is None or pb is None:
        return False
    if pa.startswith("~") != pb.startswith("~"):  # one word unknown: compare both by spelling
        return _spelling_rhyme(ka) == _spelling_rhyme(kb) and _onset(ka, True) != _onset(kb, True)
    return pa == pb and _onset(ka) != _onset(kb)


@lru_cache(maxsize=1024)
def _candidates(key: str) -> tuple[str, ...]:
    if not key.isascii() or not _phones(key):
        return ()
    found = (w for w in pronouncing.rhymes(key) if w.isalpha())
    return tuple(w for w in found if rhymes(w, key))  # by first pronunciations, as ``rhymes`` judges


def rhyme_candidates(word: str) -> list[str]:
    """CMU dict words (letters only) that truly rhyme with ``word``; [] for words it does not know."""
    return list(_candidates(_key(word)))


@lru_cache(maxsize=8192)
def hyphenate(word: str) -> list[str]:
    """The word's text cut into ``syllable_count(word)`` pieces: 'together' -> ['to', 'geth', 'er'].

    A syllable the spelling has no vowel for, the glide of "fire" (F AY1 ER0) or "hour", is an empty piece at
    the end: the word is sung across two notes, printed once (['fire', '']), never 'fi-re' or 'ho-ur'.
    """
    count = syllable_count(word)
    if count <= 1 or len(word) < count:
        return [word] if word else []
    glides = _glides(word, count)
    pieces = _pieces(word, count - glides)
    return pieces + [""] * glides


def _glides(word: str, count: int) -> int:
    """1 when the CMU dict sings an r-glide ('fire', 'hours', 'desired') that the spelling writes in one syllable."""
    phones = _phones(_key(word))
    if not phones or not _GLIDE_PHONES.search(phones) or not _GLIDE_SPELLING.search(word.lower()):
        return 0
    spelled = len(_VOWEL_GROUP.findall(word.lower())) - bool(_SILENT_E.search(word.lower()))
    return 1 if spelled < count else 0


def _pieces(word: str, count: int) -> list[str]:
    """``word`` in ``count`` pieces: pyphen's points, merged or split to the count."""
    if count <= 1:
        return [word]
    cuts = sorted(set(_HYPHENATOR.positions(word))) if word.isascii() else []
    pieces = _cut(word, cuts)
    while len(pieces) > count:  # merge the shortest neighbouring pair
        i = min(range(len(pieces) - 1), key=lambda j: len(pieces[j]) + len(pieces[j + 1]))
        pieces[i : i + 2] = [pieces[i] + pieces[i + 1]]
    while len(pieces) < count:  # split a piece that sings two vowels if any ("any" of "any-more", not "more"), else
        # the one with the most vowel groups (longest on ties)
        i = max(range(len(pieces)), key=lambda j: (_sung_vowels(pieces[j]) >= 2,
                                                    len(_VOWEL_GROUP.findall(pieces[j].lower())), len(pieces[j])))
        if len(pieces[i]) < 2:
            i = max(range(len(pieces)), key=lambda j: len(pieces[j]))
        # more vowels than syllables left to find: the middle one is elided ("ev'ning"), cut before the last
        elided = len(_VOWEL_GROUP.findall(pieces[i].lower())) > count - len(pieces) + 1
        pieces[i : i + 1] = _split(pieces[i], elided)
    return pieces


def _sung_vowels(piece: str) -> int:
    """Vowel groups a piece of a word sings: a silent final e ("more", "fire") is none; "-le", "-ted", "-ges"
    ("able", "ages") sing theirs."""
    low = piece.lower()
    silent = _SILENT_E.search(low) and not _SUNG_E.search(low)
    return len(_VOWEL_GROUP.findall(low)) - bool(silent)


def _cut(word: str, cuts: list[int]) -> list[str]:
    """The word cut at pyphen's points, each vowel-less piece ('glo-rb-ify') merged into its neighbour."""
    bounds = [0, *cuts, len(word)]
    pieces: list[str] = []
    for a, b in itertools.pairwise(bounds):
        piece = word[a:b]
        if pieces and (not _VOWEL_GROUP.search(piece.lower()) or not _VOWEL_GROUP.search(pieces[-1].lower())):
            pieces[-1] += piece
        elif piece:
            pieces.append(piece)
    return pieces


def _split(piece: str, elided: bool = False) -> list[str]:
    """Cut one piece in two before the consonant ahead of its second vowel group (VCV -> V-CV, VCCV -> VC-CV);
    ``elided``: ahead of its last vowel group instead ('eve-ning')."""
    lower = piece.lower()
    groups = list(_VOWEL_GROUP.finditer(lower))
    if len(groups) >= 2:
        first = len(groups) - 2 if elided else 0
        end, start = groups[first].end(), groups[first + 1].start()
        gap = start - end
        at = end + (gap + 1) // 2 if gap > 1 else (start - 1 if gap == 1 else start)
        at = min(max(at, 1), len(piece) - 1)
    elif len(groups) == 1 and len(groups[0].group()) >= 2:
        at = groups[0].start() + 1  # a vowel pair sung as two syllables: "po-em"
    else:
        at = len(piece) // 2
    at = min(max(at, 1), len(piece) - 1)
    return [piece[:at], piece[at:]]
