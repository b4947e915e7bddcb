"""Jianpu (numbered notation, 简谱) <-> notes.

Reading (``parse_seed`` hands a seed here when ``is_jianpu`` says so):

- ``1 2 3 4 5 6 7`` are the degrees of the major scale of ``1=``: ``1=D 1 2 3`` is D E F#. Without ``1=`` the key
  given with the seed decides (``key:``; C when none). In a minor key (or any mode) ``1`` is the tonic of the major
  scale with the same signature, as Chinese songbooks write it: A minor is ``1=C`` with ``6`` as its tonic, D dorian
  ``1=C`` with ``2``. Plain numbers lie from the ``1`` in octave 4 up (``1=C``: C4-B4; ``1=G``: G4-F#5).
- ``0`` is a rest; ``#4`` and ``b7`` (``♯ ♭`` too) are sharp and flat.
- Octaves: ``1'`` (or ``1·``, ``1˙``, a combining dot above) is an octave up; ``1,`` or ``.1`` (or a combining dot
  below) an octave down; marks stack (``1''``, ``5,,``).
- Durations: a plain number is a quarter note in every meter; each ``_`` after it (or a combining underline) halves it
  (``1_`` an eighth, ``1__`` a sixteenth); a ``.`` after it dots it (``1.`` a dotted quarter, ``1_.`` a dotted
  eighth); each ``-``, alone or attached (``1 - -``, ``1 --``, ``1--``), holds it a beat longer, over a bar line too. A
  ``:`` duration as in letter notation sets the length outright (``1:et``, a triplet eighth; ``1:5/2``).
- ``1=G 6/8``: a time signature beside the key line, as songbooks print it, is the tune's meter where the user gave
  none (``written_meter``).
- ``|`` bar lines as in letter notation (they may touch the notes: ``3 4|5 - - -``); ``1=G`` may appear again later
  (a change of key). Letter notes after ``1=`` (``1=D 1 2 3 E4:q``) are read as letter notation, so a reply's note
  text reads back. Full-width forms a Chinese input method types (``１ ２ ３ ５``, ``５，``, ``｜``) read as ASCII.
- A key guessed for a jianpu seed keeps the signature of its ``1=`` (``ParsedSeed.do``): ``1=C`` is C major or A
  minor, so the reply writes the seed with the numbers it was typed in.

Which seeds are jianpu (``is_jianpu``): those with a ``1=`` token, and those whose notes all start like jianpu (one
digit, after any ``# b .``). MIDI numbers 0-9 are below the piano, so ``60 64 67`` stays MIDI and ``1 2 3`` is
jianpu; a seed of only ``b3``-like tokens reads as letter notes (B3): write ``1=C b3`` for a flat mi.

Writing (``jianpu_notes``, ``melody_jianpu``): the same forms, with ``'`` and ``,`` for octaves, ``#1 b3 #4 #5 b7``
for the notes outside the scale and ``1=D`` first.
"""

from __future__ import annotations

import re
from fractions import Fraction

from data.errors import MusicError
from data.events import FLAT_NAMES, LETTER_PC, PIANO_HIGH, PIANO_LOW, SHARP_NAMES, TPQ, Key, Melody, Meter, Note
from data.notation import _NOTE as LETTER_NOTE
from data.notation import MARKS, ParsedSeed, _parse_duration, duration_name, half_width, join_stored, parse_seed
from data.repeats import repeated

EXAMPLE = "1 2 3 5 | 6 5_ 3_ 1 -"
MAJOR = (0, 2, 4, 5, 7, 9, 11)
REFERENCE = 60  # the plain ``1`` of ``1=C`` is C4; of ``1=G``, G4
SPELLING = ("1", "#1", "2", "b3", "3", "4", "#4", "5", "#5", "6", "b7", "7")  # semitones above 1, as written
UP = "'’‘·˙\u0307"  # after the number: an octave up each
DOWN = ",\u0323"  # after the number (``.`` before it): an octave down each
UNDER = "_\u0332"  # after the number: half as long each (U+0333, a double underline, quarters it)
_MARKS = UP + DOWN + UNDER + "\u0333"
_TOKEN = re.compile(rf"(?P<pre>[#♯b♭.]*)(?P<digit>[0-9])(?P<post>[{_MARKS}.]*)(?P<dashes>-*)(?::(?P<dur>\S+))?")
_DO = re.compile(r"1=(?P<pre>[#♯b♭])?(?P<letter>[A-Ga-g])(?P<post>[#♯b♭])?")
_BAR = re.compile(r"\|\|?")
_HOLDS = re.compile(r"-+")  # each ``-`` holds the note before one beat longer
_STARTS = re.compile(r"[#♯b♭.]*[0-9](?![0-9])")  # how a jianpu note starts (a second digit makes a MIDI number)
HOLD = "-"


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, bar lines split off the notes they touch (``4|5``); commas stay (``5,``); ``x2``
    repeats (``data.repeats``)."""
    return repeated([t for t in re.split(r"[\s;]+", _BAR.sub(lambda m: f" {m[0]} ", half_width(text or ""))) if t],
                    MARKS)


def _letter_like(token: str) -> bool:
    """Whether a token also reads as a letter note (``b3`` is B3)."""
    head = token.split(":", 1)[0].rstrip(".")
    return bool(LETTER_NOTE.fullmatch(head) or LETTER_NOTE.fullmatch(head.lower()))


def is_jianpu(text: str) -> bool:
    """Whether typed notes are jianpu: a ``1=`` token, or every note written as jianpu (see the module's doc)."""
    tokens = _tokens(text)
    if any(t.startswith("1=") for t in tokens):
        return True
    notes = [t for t in tokens if t not in MARKS and not _HOLDS.fullmatch(t)]
    return bool(notes) and all(_STARTS.match(t) for t in notes) and not all(_letter_like(t) for t in notes)


def written_meter(text: str) -> tuple[str, str | None]:
    """A jianpu tune's key line as Chinese songbooks print it, ``1=G 6/8`` (or ``6/8 1=G``): the text without the
    time signature, and the time signature (None when there is none, or the text is not jianpu)."""
    tokens = half_width(text or "").split()  # `１＝Ｇ　６／８` typed with a Chinese keyboard
    for i, token in enumerate(tokens):
        beside = tokens[i + 1:i + 2] + tokens[max(i - 1, 0):i]
        if re.fullmatch(r"\d{1,2}/\d{1,2}", token) and any(_DO.fullmatch(t) for t in beside):
            return " ".join(tokens[:i] + tokens[i + 1:]), token
    return text, None


def misread(text: str) -> MusicError | None:
    """For a seed that is not all jianpu though most of its notes are (``1 2 x``, ``1 2 3 60``): the jianpu error
    naming the first token that is not (None when the seed reads better as letter notation)."""
    notes = [t for t in _tokens(text) if t not in MARKS and not _HOLDS.fullmatch(t)]
    numbered = [t for t in notes if _TOKEN.fullmatch(t) and not _letter_like(t)]
    if not numbered or 2 * len(numbered) < len(notes):
        return None
    bad = next((t for t in notes if not _TOKEN.fullmatch(t) and not _DO.fullmatch(t)), None)
    return None if bad is None else _unknown(bad)


def do_of(key: Key | None) -> int:
    """The pitch class ``1`` stands for in ``key``: the tonic of its signature's major scale (C without a key)."""
    return 0 if key is None else key.parent_major


def do_token(key: Key | None) -> str:
    """``1=D``, ``1=Bb``: the key line written before jianpu."""
    if key is None:
        return "1=C"
    return f"1={(FLAT_NAMES if key.uses_flats else SHARP_NAMES)[key.parent_major]}"


def pin(text: str, key: Key | None) -> str:
    """Jianpu typed without ``1=`` gets the key's (``1=C`` without one), so it reads the same whatever key is chosen
    later; anything else is returned as it is."""
    if not text or not is_jianpu(text) or any(_DO.fullmatch(t) for t in _tokens(text)):
        return text
    return f"{do_token(key)} {text.strip()}"


def _error(message: str) -> MusicError:
    return MusicError(f"{message} — e.g. `{EXAMPLE}` or `1=D .5 .6 1 2 | 3 - - -`.", "notes", EXAMPLE)


def _unknown(token: str) -> MusicError:
    return _error(f"I can't read `{token}` as numbered notation (jianpu). Write degrees 1-7 and 0 for a rest, `'` "
                  "after a number for an octave up and `,` after it (or `.` before) for down, `_` after it to halve "
                  "it, `.` to dot it, `-` for one more beat and `#` or `b` before it for sharp or flat")


def _read_do(match: re.Match[str], token: str) -> int:
    if match["pre"] and match["post"]:
        raise _error(f"`{token}` has two accidentals: write the key of `1` like `1=D`, `1=Bb` or `1=F#`")
    sign = match["pre"] or match["post"] or ""
    return (LETTER_PC[match["letter"].upper()] + {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(sign, 0)) % 12


def _read_note(match: re.Match[str], token: str, do: int) -> Note:
    """One jianpu note or rest from its token (see the module's doc)."""
    pre, post, digit = match["pre"], match["post"], int(match["digit"])
    if digit > 7:
        raise _error(f"`{token}`: jianpu has the degrees 1 to 7 (and 0 for a rest), not {digit}")
    sharps, flats = sum(pre.count(c) for c in "#♯"), sum(pre.count(c) for c in "b♭")
    up, down = sum(post.count(c) for c in UP), pre.count(".") + sum(post.count(c) for c in DOWN)
    if sharps and flats:
        raise _error(f"`{token}` is both sharp and flat: keep one of `#` and `b`")
    if up and down:
        raise _error(f"`{token}` has marks for an octave up and an octave down: keep one kind")
    halves = sum(post.count(c) for c in UNDER) + 2 * post.count("\u0333")
    ticks = Fraction(_parse_duration(match["dur"], token) if match["dur"] else TPQ, 2**halves)
    added = ticks
    for _ in range(post.count(".")):
        added /= 2
        ticks += added
    ticks += TPQ * len(match["dashes"])
    if ticks.denominator != 1:
        raise _error(f"`{token}` is shorter than I can write: the shortest is a sixteenth, `1__`, or a dotted "
                     "eighth, `1_.`")
    if digit == 0:
        if sharps or flats or up or down:
            raise _error(f"`{token}`: `0` is a rest, so it takes no sharp, flat or octave marks")
        return Note(None, int(ticks))
    pitch = REFERENCE + do + MAJOR[digit - 1] + sharps - flats + 12 * (up - down)
    if not PIANO_LOW <= pitch <= PIANO_HIGH:
        raise MusicError(f"`{token}` is outside the piano's range (A0 to C8): take off an octave mark, e.g. `1'`.",
                         "notes", EXAMPLE)
    return Note(pitch, int(ticks))


def parse_jianpu(text: str, max_notes: int, key: Key | None = None) -> ParsedSeed:
    """Jianpu as typed -> the seed (``1`` from a ``1=`` token, else from ``key``, else C); MusicError naming the bad
    token with an example. ``-`` and ``1=`` are kept in ``typed`` (``ParsedSeed.is_mark`` skips them)."""
    do = do_of(key)
    notes: list[Note] = []
    typed: list[str] = []
    letters: list[str] = []  # letter notes after ``1=`` (a reply's continuation), read together as letter notation

    def flush() -> None:
        if any(t not in MARKS for t in letters):
            seed = parse_seed(" ".join(letters), max_notes=max_notes, numbered=False)
            notes.extend(seed.notes)
            typed.extend(seed.typed)
        else:
            typed.extend(letters)
        letters.clear()

    for token in _tokens(text):
        if token in MARKS:
            (letters if letters else typed).append(token)
            continue
        if token[0].isalpha() and not _TOKEN.fullmatch(token) and not _DO.fullmatch(token):
            letters.append(token)
            continue
        flush()
        if (do_match := _DO.fullmatch(token)) is not None:
            do = _read_do(do_match, token)
        elif _HOLDS.fullmatch(token):
            if not notes:
                raise _error(f"`{token}` holds the note before it longer (a beat a dash), so it comes after a note: "
                             "`1 - 2 - -`")
            notes[-1] = Note(notes[-1].pitch, notes[-1].ticks + TPQ * len(token))
        elif (match := _TOKEN.fullmatch(token)) is not None:
            notes.append(_read_note(match, token, do))
        elif token.startswith("1="):
            raise _error(f"I can't read the key in `{token}`: after `1=` write the note `1` stands for, like `1=D`, "
                         "`1=Bb` or `1=F#`")
        else:
            raise _unknown(token)
        typed.append(token)
    flush()
    if len(notes) > max_notes:
        raise _error(f"That seed has more than {max_notes} notes. Give me a short motif (2-16 notes works best)")
    if not notes:
        raise _error("Your seed has no notes yet. Type a few after the key")
    return ParsedSeed(tuple(notes), tuple(typed), jianpu=True, do=do)


def _pieces(note: Note, do: int) -> list[tuple[str, int]]:
    """A note as jianpu tokens with their lengths: ``[('5', 12), ('-', 12)]`` for a half note."""
    if note.pitch is None:
        head = "0"
    else:
        octave, within = divmod(note.pitch - REFERENCE - do, 12)
        head = SPELLING[within] + ("'" * octave if octave > 0 else "," * -octave)
    ticks = note.ticks
    if ticks % TPQ == 0:
        return [(head, TPQ)] + [(HOLD, TPQ)] * (ticks // TPQ - 1)
    if ticks % TPQ == TPQ // 2 and ticks > TPQ:  # a dotted quarter held on: ``1. -`` is two and a half beats
        return [(f"{head}.", TPQ * 3 // 2)] + [(HOLD, TPQ)] * ((ticks - TPQ * 3 // 2) // TPQ)
    suffix = {TPQ // 4: "__", TPQ // 2: "_", TPQ * 3 // 4: "_.", TPQ * 3 // 2: ".", TPQ * 7 // 4: ".."}.get(ticks)
    return [(head + suffix if suffix else f"{head}:{duration_name(ticks)}", ticks)]


def _written(notes: tuple[Note, ...] | list[Note], bar_ticks: int, start: int, do: int) -> list[list[str]]:
    """Per note, its jianpu tokens and a ``|`` after each token that ends on or is held over a bar line."""
    out: list[list[str]] = []
    now = start
    for note in notes:
        tokens: list[str] = []
        for text, ticks in _pieces(note, do):
            tokens.append(text)
            before = now // bar_ticks
            now += ticks
            if now // bar_ticks > before:
                tokens.append("|")
        out.append(tokens)
    return out


def jianpu_notes(notes: tuple[Note, ...] | list[Note], bar_ticks: int, start: int = 0, key: Key | None = None) -> str:
    """Notes as jianpu in ``key`` (no ``1=`` line), with bar lines as ``format_notes`` writes them (``start``: where
    in its bar the first note starts)."""
    return " ".join(t for tokens in _written(notes, bar_ticks, start, do_of(key)) for t in tokens)


def melody_jianpu(melody: Melody) -> str:
    """A melody as jianpu after its key line, the seed first: ``1=D 1 2 3 5 ➜ 6 5_ 3_ 2 | 1 - - - |``; the key line
    has the time signature too where it is not 4/4 (``1=G 6/8``, as songbooks print it and ``written_meter`` reads
    it back)."""
    written = _written(melody.notes, melody.meter.bar_ticks, melody.start, melody.key.parent_major)
    line = do_token(melody.key) + ("" if melody.meter == Meter() else f" {melody.meter}")
    seed = " ".join([line, *(t for tokens in written[:melody.seed_len] for t in tokens)])
    rest = " ".join(t for tokens in written[melody.seed_len:] for t in tokens)
    return join_stored(seed, rest) if melody.seed_len and rest else f"{seed} {rest}".strip()
