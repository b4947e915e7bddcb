"""Typed note text <-> notes.

Forgiving on input: ``C E G`` (letters typed before any octave get theirs by ``data.octaves``, then move by octaves
into F3-C6; after a typed octave each is the nearest pitch to the one before, as in LilyPond's
relative mode), ``C5``, ``Eb``, ``F#3``,
``Bb:h``, ``G.``, ``R``, ``do re mi``, ``60 64 67``, bar lines ``|`` (checked against a meter by ``data.bar_lines``: a
short first bar is a pickup), ``[ ]`` (which mark rewritten bars in /rewrite's replies) and ``➜`` (a reply pasted
back). Durations: ``w h q e s`` (dots allowed, ``t`` for triplets) or LilyPond numbers ``1 2 4 8 16``; a note
without one keeps the previous duration (a quarter to start). Jianpu (numbered notation: ``1=D 1 2 3 5 | 6 - - -``)
is read by ``data.jianpu``. Anything else raises ``MusicError`` naming the token and showing a valid example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from data.abc import is_abc, looks_like_abc_body, read_abc
from data.chords_typed import ChordTyped, chord_tones, progression_typed
from data.errors import MusicError, cmd, opt
from data.events import (
    LETTER_PC,
    PIANO_HIGH,
    PIANO_LOW,
    TPQ,
    Key,
    Meter,
    Note,
    duration_name,
)
from data.octaves import letter_octaves, nearest_pitch
from data.pitch_spelling import note_name
from data.repeats import repeated

EXAMPLE = "`C E G`, `C4:q D4:e E4:e G4:h`, `do re mi` or `60 64 67`"
MAX_SEED_NOTES = 64
ARROW = " ➜ "  # between the seed as typed and the continuation, in shown and stored note text
# read as nothing: bar lines, the brackets around rewritten bars (studio.rewrite) and the arrow, so a reply pasted
# back (`C E G ➜ A4:e B4:e | ...`) reads as the whole melody
MARKS = ("|", "||", "[", "]", ARROW.strip())
FIRST_REFERENCE = 65  # F4: the first note without an octave lands nearest to it (C -> C4, A -> A4)
COMFORT_LOW, COMFORT_HIGH = 53, 84  # F3, C6: notes typed without octaves are moved by octaves into this range
BAR_LINES = ("|", "||")
PICKUP_EXAMPLE = "G | C E G C | D"

SOLFEGE = {"do": 0, "ut": 0, "re": 2, "mi": 4, "fa": 5, "sol": 7, "so": 7, "la": 9, "ti": 11, "si": 11}
ACCIDENTALS = {"#": 1, "♯": 1, "s": 1, "is": 1, "b": -1, "♭": -1, "es": -1, "##": 2, "bb": -2, "x": 2, "♮": 0,
               "": 0}
LETTER_DURATIONS = {"w": 48, "h": 24, "q": 12, "e": 6, "s": 3}
NUMBER_DURATIONS = {"1": 48, "2": 24, "4": 12, "8": 6, "16": 3}

_RUN_NOTE = r"[A-Ga-g](?:#|♯|♭|(?<=[A-G])b)?[0-9]?"  # a note in notes typed without spaces (`b`: flat after A-G only)
_NOTE = re.compile(
    r"""(?P<name>[A-Ga-g]|do|ut|re|mi|fa|sol|so|la|ti|si)
        (?P<acc>\#\#|bb|\#|♯|b|♭|♮|x|is|es)?
        (?P<octave>-?[0-9])?
        (?P<marks>'*)""",
    re.X,
)
_REST = re.compile(r"(?:r|rest|-)", re.I)
_SYLLABLE = re.compile(r"(?:do|ut|re|mi|fa|sol|so|la|ti|si)(?![a-z])", re.I)
# Fixed-do names (do is always C), as French, Italian, Spanish and Japanese musicians read notes
SOLFEGE_NAMES = {"C": "Do", "D": "Re", "E": "Mi", "F": "Fa", "G": "Sol", "A": "La", "B": "Si"}
_LETTER_TOKEN = re.compile(r"([A-G])((?:#|b)*-?[0-9]*(?::\S+)?)")
_DURATION = re.compile(r"(?P<base>[whqes]|16|1|2|4|8)(?P<dots>\.{0,2})(?P<triplet>t?)")
# words of a key or scale typed among the notes (`C major scale`)
KEY_WORDS = frozenset(("major", "minor", "maj", "min", "scale", "key", "mode", "ionian", "dorian", "phrygian", "lydian",
                       "mixolydian", "aeolian", "locrian", "pentatonic", "blues", "chromatic"))


@dataclass(frozen=True)
class ParsedSeed:
    """The notes a user typed, with the tokens exactly as typed (for echoing back, bar lines included).

    ``pickup``: the ticks before the first typed bar line when that bar is short (an anacrusis, ``G | C E G C``);
    0 when the seed starts on a downbeat, or was parsed without a meter (see ``parse_seed``).
    """

    notes: tuple[Note, ...]
    typed: tuple[str, ...]
    pickup: int = 0
    jianpu: bool = False  # typed in numbered notation (data.jianpu): ``-`` holds a note, ``1=D`` sets the key
    do: int | None = None  # jianpu: the pitch class of ``1`` at the end of the seed (it fixes the key signature)
    abc: bool = False  # typed as an ABC tune (``data.abc``), read as the letter notes in ``typed``

    def is_mark(self, token: str) -> bool:
        """Whether a typed token is not a note: a bar line or bracket; in jianpu also ``-`` and ``1=D``."""
        return token in MARKS or (self.jianpu and (not token.strip("-") or token.startswith("1=")))

    @property
    def text(self) -> str:
        return " ".join(self.typed)

    @property
    def note_tokens(self) -> list[str]:
        """The typed tokens that are notes or rests (not bar lines or other marks), in order."""
        return [token for token in self.typed if not self.is_mark(token)]

    @property
    def written_in(self) -> str | None:
        """The notation replies answer a seed in when none is asked for: jianpu, or solfège for syllables typed
        (``do re mi``); None for letters (an ABC tune's answer is set with its other header options)."""
        if self.jianpu:
            return "jianpu"
        if not self.abc and any(_SYLLABLE.match(token) for token in self.note_tokens):
            return "solfege"
        return None

    @property
    def ticks(self) -> int:
        return sum(n.ticks for n in self.notes)

    @property
    def barred(self) -> bool:
        """Whether a bar line was typed after a note (one before the first note changes nothing)."""
        first = next((i for i, token in enumerate(self.typed) if not self.is_mark(token)), len(self.typed))
        return any(token in BAR_LINES for token in self.typed[first:])


# Full-width forms a Chinese or Japanese input method types (``１ ２ ３ ５ ｜``, ``５，``, ``＃４``, ``。５``) as ASCII
HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " ", 0x3002: "."}


# Japanese solfège in katakana (ド レ ミ ファ ソ ラ シ) and hiragana, as the syllables the parser reads
KANA = {"ド": "do", "レ": "re", "ミ": "mi", "ファ": "fa", "ソ": "so", "ラ": "la", "シ": "si",
        "ど": "do", "れ": "re", "み": "mi", "ふぁ": "fa", "そ": "so", "ら": "la", "し": "si"}
_KANA = re.compile("|".join(sorted(KANA, key=len, reverse=True)))
ACCENTED = str.maketrans("áàâéèêíìîóòôúùûÁÀÂÉÈÊÍÌÎÓÒÔÚÙÛ", "aaaeeeiiiooouuuAAAEEEIIIOOOUUU")  # Ré, Mí, Sól
# (letters only: jianpu's octave dots and underlines are combining marks and must stay)


def half_width(text: str) -> str:
    """``text`` with full-width letters, digits and punctuation (and the ideographic space and full stop) as ASCII,
    kana solfège as syllables (``ド レ ミ`` -> ``do re mi``) and accents dropped (``Ré`` -> ``Re``)."""
    return _KANA.sub(lambda m: f" {KANA[m[0]]} ", text.translate(HALF_WIDTH)).translate(ACCENTED)


def _split(text: str) -> list[str]:
    """Tokens: split at spaces, commas and semicolons, with bar lines split off the notes they touch (``C|D``); a
    repeat sign (``|:`` ``:|`` ``:|:``) is a bar line, the music read as written; ``x2`` repeats (``data.repeats``)."""
    tokens = []
    # parentheses (a slur in ABC) read as nothing; a comma right before a length stays (`B,:h`, see _ABC_LOW)
    for part in re.split(r"(?:[\s;()]|,(?!,*:[whqes\d]))+", text.strip()):
        part = re.sub(r"(?:\.{3,}|…)$", "", part)  # `C E G ...`: "and go on", which every seed asks
        for bit in re.findall(r":*\|+:*|[^|]+", part):
            bars = bit.strip(":")
            tokens.append(bit if not bars.startswith("|") else "||" if len(bars) > 1 else "|")
    return repeated(tokens, MARKS)


def _parse_duration(text: str, token: str) -> int:
    if "+" in text:  # lengths added, a tie: `G:h.+h` is five quarters
        parts = text.split("+")
        if all(parts) and len(parts) <= 4:
            return sum(_parse_duration(part, token) for part in parts)
    fraction = re.fullmatch(r"([0-9]{1,2})/([1-9][0-9]?)", text)
    if fraction:  # quarters as a fraction: `5/4` is a quarter tied to a sixteenth
        ticks = Fraction(int(fraction[1]), int(fraction[2])) * TPQ
        if ticks.denominator == 1 and 0 < ticks <= 16 * TPQ:
            return int(ticks)
    match = _DURATION.fullmatch(text.lower())
    if not match:
        raise MusicError(
            f"I don't understand the duration in `{token}`. Use `:w :h :q :e :s` (or `:1 :2 :4 :8 :16`), "
            f"with `.` for dotted, `+` to add lengths (`:h.+h`), or quarters as a fraction like `:5/4` — e.g. "
            f"`C:q D:e. E:s G:h`."
        )
    base = match["base"]
    ticks = LETTER_DURATIONS.get(base) if base.isalpha() else NUMBER_DURATIONS[base]
    assert ticks is not None
    total, add = ticks, ticks
    for _ in match["dots"]:
        add //= 2
        total += add
    if match["triplet"]:
        total = total * 2 // 3
    return total


def _split_duration(token: str) -> tuple[str, str | None]:
    """'C4:q' -> ('C4', 'q'); 'G.' -> ('G', 'q.') style dotted shorthand is handled by the caller."""
    if ":" in token:
        head, _, dur = token.partition(":")
        return head, dur
    return token, None


def parse_seed(text: str, max_notes: int = MAX_SEED_NOTES, meter: Meter | None = None,
               key: Key | None = None, numbered: bool = True) -> ParsedSeed:
    """Parse typed note text; raises MusicError (with a valid example) on anything unreadable.

    With a ``meter``, typed bar lines are checked and give the seed's ``pickup`` (``data.bar_lines.read_bars``).
    Jianpu (numbered notation, ``data.jianpu``) without a ``1=D`` token is read in ``key`` (C when None);
    ``numbered=False`` reads letter notation only (jianpu's own letter notes)."""
    text = half_width(text or "")
    from data.bar_lines import read_bars  # here: both build on this module
    from data.jianpu import is_jianpu, misread, parse_jianpu, written_meter

    abc = is_abc(text)
    if abc:
        text = read_abc(text, max_notes).notes
    tokens = _split(text)
    if not tokens or all(tok in MARKS for tok in tokens):
        raise MusicError(f"Your seed is empty. Type a few notes, e.g. {EXAMPLE}.")
    if numbered and is_jianpu(text):
        seed = parse_jianpu(written_meter(text)[0], max_notes, key)  # `1=G 6/8`: the meter is the caller's
    else:
        try:
            if (error := misread(text)) is not None:
                raise error
            seed = _read_letters(tokens, max_notes)
        except ChordTyped as error:
            raise progression_typed(tokens, MARKS, error.tones) or error from None
        except MusicError:
            if not looks_like_abc_body(text):  # `GABc dedB|`: an ABC tune's body, pasted without its header
                raise
            seed, abc = _read_letters(_split(read_abc(text, max_notes).notes), max_notes), True
    seed = replace(seed, abc=abc)
    return seed if meter is None else read_bars(seed, meter)


_ABC_LOW = re.compile(r"([A-Ga-g][#b♯♭]?)(,+)(:.+)")


def _read_letters(tokens: list[str], max_notes: int) -> ParsedSeed:
    """Letter notation's tokens (``C4:q``, ``do``, ``60``, bar lines) as a seed."""
    notes: list[Note] = []
    typed: list[str] = []
    previous = FIRST_REFERENCE
    ticks = TPQ
    opening: list[tuple[int, str, str]] = []  # (index, token, note) of the notes typed before any octave
    octave_seen = False
    now = 0  # ticks so far
    bars: list[int] = []  # the ticks before each bar line
    before_bar = 0  # the notes typed before any octave that come before the first bar line
    bare_is_quarter = False  # `C C G G A A G:h F F E E`: the F's are quarters (`C:h D E`, LilyPond's way: halves)
    for token in tokens:
        if token in MARKS:
            if token in BAR_LINES:
                if not bars:
                    before_bar = len(opening)
                bars.append(now)
            typed.append(token)
            continue
        if low := _ABC_LOW.fullmatch(token):  # `B,:h`: ABC's low octave, in letter notation
            letter, commas, length = low.groups()
            octave = (5 if letter.islower() else 4) - len(commas)
            raise MusicError(f"`{token}`: a comma separates notes here, so ABC's low-octave `{letter}{commas}` "
                             f"isn't read. Write the octave as a number, `{letter.upper()}{octave}{length}`, or "
                             f"`{letter.upper()}{length}` for the nearest {letter.upper()}.")
        if token.startswith(":"):  # `G :q`: a space before the length
            before = next((t for t in reversed(typed) if t not in MARKS), "G")
            raise MusicError(f"`{token}` is a length with no note: write it right after the note, with no space, "
                             f"e.g. `{before.split(':')[0]}{token if len(token) > 1 else ':q'}`.")
        if "~" in token:  # LilyPond's tie: `G4~ G4`, `G:q~G:q`
            raise MusicError(f"I don't know the note `{token}`: a tie is one longer note here, e.g. `G:h` for "
                             f"`G:q~ G:q`, `G:h.+h` for `G:h.~ G:h` (durations `:w :h :q :e :s`, `.` dotted).")
        if len(notes) >= max_notes:
            raise MusicError(
                f"That seed has more than {max_notes} notes. Give me a short motif (2-16 notes works best), "
                f"e.g. {EXAMPLE}."
            )
        if not notes:  # a tune whose first note has no length marks only its other lengths: bare is a quarter
            bare_is_quarter = _split_duration(token)[1] is None
        head, note_ticks, ticks = token_length(token, ticks, long_kept_as_quarter=bare_is_quarter)
        pitch = _parse_pitch(head, token, previous)
        if pitch is not None:
            octave_seen = octave_seen or not _relative(head)
            if not octave_seen:
                opening.append((len(notes), token, head))
            elif not PIANO_LOW <= pitch <= PIANO_HIGH:
                raise _out_of_range(token, head, len(notes) + 1)
            previous = pitch
        notes.append(Note(pitch, note_ticks))
        now += note_ticks
        typed.append(token)
    short = len(bars) > 1 and 0 < bars[0] < bars[1] - bars[0]  # a first bar shorter than the next: a pickup
    _place_opening(notes, opening, before_bar if short else 0)
    return ParsedSeed(tuple(notes), tuple(typed))


def token_length(token: str, ticks: int, long_kept_as_quarter: bool = False) -> tuple[str, int, int]:
    """A note token's head (without its length), its ticks, and the length the next note keeps (``ticks``: the one
    before it). ``long_kept_as_quarter``: a note without a length of its own after a note longer than a quarter is
    a quarter (``E:h D D``: two quarters), as ``data.bar_lines.read_bars`` reads a seed whose bar lines say so."""
    head, dur = _split_duration(token)
    dotted = 0
    if dur is None:
        stripped = head.rstrip(".")
        dotted, head = len(head) - len(stripped), stripped
    else:
        ticks = _parse_duration(dur, token)
    base = TPQ if dur is None and long_kept_as_quarter and ticks > TPQ else ticks
    note_ticks = base
    for i in range(dotted):  # `G.` dots this note only
        note_ticks += base >> (i + 1)
    return head, note_ticks, ticks


def _relative(head: str) -> bool:
    """A note typed without an octave: a letter or syllable with no octave number and no `'`."""
    match = _NOTE.fullmatch(head) or _NOTE.fullmatch(head.lower())
    return match is not None and match["octave"] is None and not match["marks"]


def _place_opening(notes: list[Note], opening: list[tuple[int, str, str]], pickup: int = 0) -> None:
    """Give the notes typed before any octave their octaves (``data.octaves.letter_octaves``; the first ``pickup`` of
    them a pickup), then move them by whole octaves into a comfortable range, F3 to C6, or as near it as they go; the
    contour is kept. Raises the climbing error when they span more than the piano."""
    if not opening:
        return
    pitches = letter_octaves([notes[i].pitch for i, _, _ in opening], pickup)  # type: ignore[misc]
    for (i, _, _), pitch in zip(opening, pitches, strict=True):
        notes[i] = replace(notes[i], pitch=pitch)
    low, high = min(pitches), max(pitches)  # type: ignore[type-var]

    def cost(shift: int) -> tuple[int, int]:
        return max(0, COMFORT_LOW - low - shift) + max(0, high + shift - COMFORT_HIGH), abs(shift)

    shifts = [k for k in range(-48, 49, 12) if low + k >= PIANO_LOW and high + k <= PIANO_HIGH]
    if not shifts:
        i, token, head = next(o for o in opening if not PIANO_LOW <= notes[o[0]].pitch <= PIANO_HIGH)
        raise _out_of_range(token, head, i + 1)
    shift = min(shifts, key=cost)
    for i, _, _ in opening:
        notes[i] = replace(notes[i], pitch=notes[i].pitch + shift)


def _out_of_range(token: str, head: str, number: int) -> MusicError:
    """The error for note ``number`` of a seed, ``token``, beyond the piano's keys: a letter without an octave got
    there by climbing (each is the nearest pitch to the note before it), which the message explains."""
    if re.fullmatch(r"[0-9]", head):
        hint = " Numbered notation (jianpu) is numbers only, `1 2 3 5`, or starts with `1=C`."
    elif "'" in head:
        hint = (" Each `'` puts a note an octave above the nearest one to the note before it, so `c'' d'' e''` "
                "climbs two octaves a note. Mark only the first, `c'' d e`, or give octaves, `C6 D6 E6`.")
    elif not re.search(r"[0-9]", head):
        hint = (f" Note {number} got there by climbing: a letter without an octave is the nearest pitch to the note "
                f"before it, so a pattern like `C E G C E G C` keeps rising. Give the octave where it starts "
                f"again, e.g. `C4 E G C | C4 E G C`.")
    else:
        hint = ""
    return MusicError(f"`{token}` is outside the piano's range (A0 to C8). Try a note between `A0` and `C8`, e.g. "
                      f"`C4`.{hint}")


def _parse_pitch(head: str, token: str, previous: int) -> int | None:
    if _REST.fullmatch(head):
        return None
    if re.fullmatch(r"[0-9]{1,3}", head):
        number = int(head)
        if number > 127:
            raise MusicError(f"`{token}` is not a MIDI note number (0-127). Try `60` for middle C.")
        return number
    match = _NOTE.fullmatch(head) or _NOTE.fullmatch(head.lower())
    if not match:
        if tones := chord_tones(head):
            raise ChordTyped(f"`{token}` looks like a chord symbol, and I need the notes of a tune. Type a chord's "
                             f"notes one after another, e.g. `{tones}` for `{head}`, or a tune like {EXAMPLE}.",
                             f"`{tones}` for `{head}`")
        if stacked := re.fullmatch(rf"[\[<]((?:{_RUN_NOTE}\s*)+)[\]>]", head):  # `[CEG]` (ABC), `<c e g>`
            together = " ".join(re.findall(_RUN_NOTE, stacked[1]))
            raise MusicError(f"`{token}` sounds its notes together (a chord), and a melody plays one note at a time: "
                             f"type them one after another, `{together}`. To put chords under a tune, use "
                             f"{cmd('chords', notes='E D C D E E E:h')}.")
        if re.fullmatch(rf"{_RUN_NOTE}(?:[-–/]?{_RUN_NOTE})+", head):  # `CEG`, `C-E-G`, `C4-E4-G4`, `C/E/G`
            spaced = " ".join(re.findall(_RUN_NOTE, head))
            raise MusicError(f"I don't know the note `{token}`: put a space between notes, `{spaced}`.")
        if timed := re.fullmatch(r"([A-Ga-g](?:#|♯|♭|b)?-?[0-9])([whqes]t?\.*)", head):  # `C4q`: no colon
            dots = "." * (len(token) - len(token.rstrip(".")))
            raise MusicError(f"I don't know the note `{token}`: put a colon before its length, "
                             f"`{timed[1]}:{timed[2]}{dots}`.")
        if german := re.fullmatch(r"([A-Ga-g])(is|es|s)(-?[0-9]?)", head):  # `Fis`, `Es`: German sharps and flats
            sign = "#" if german[2] == "is" else "b"
            raise MusicError(f"I don't know the note `{token}`. If you mean the German name, type "
                             f"`{german[1].upper()}{sign}{german[3]}`.")
        if head.lower() in KEY_WORDS:  # `C major scale`
            raise MusicError(f"`{token}` names a key or scale, not a note. Give the key with {opt('key', 'C major')} "
                             f"and type the melody's notes, e.g. `C D E F G A B C`.")
        if re.fullmatch(r"[A-Za-z']{3,}", head):  # a word: words to sing go to /melody lyrics:
            raise MusicError(f"`{token}` is a word, not a note. Type notes like {EXAMPLE}; to set words to music, "
                             f"use {cmd('melody', lyrics='Twinkle twinkle little star')}.")
        if re.fullmatch(r"[Hh](?:is)?-?[0-9]?'*", head):  # German names: H is B, and their B is B flat
            raise MusicError(f"I don't know the note `{token}`. If you mean the German H, type `B` (and `Bb` for "
                             f"the German B), e.g. `{head.replace('his', 'B#').replace('H', 'B').replace('h', 'B')}`.")
        if (accidental := re.fullmatch(r"([♯♭#])([A-Ga-g])(-?[0-9]?)", head)) is not None:  # ♯F: the sign first
            sign, letter, octave = accidental.groups()
            raise MusicError(f"I don't know the note `{token}`: the sharp or flat goes after the letter, "
                             f"`{letter.upper()}{'#' if sign in '♯#' else 'b'}{octave}`.")
        raise MusicError(f"I don't know the note `{token}`. Type notes like {EXAMPLE}.")
    name = match["name"]
    pc = LETTER_PC[name.upper()] if len(name) == 1 else SOLFEGE[name.lower()]
    pc += ACCIDENTALS[match["acc"] or ""]
    pitch = nearest_pitch(pc, previous) if match["octave"] is None else (int(match["octave"]) + 1) * 12 + pc
    return pitch + 12 * len(match["marks"])


def format_note(note: Note, spelling: bool | Key = False) -> str:
    """A note as text the parser reads back: 'G4:q', 'R:h', spelled for a key (``data.spelling``) or with plain
    sharps (False) or flats (True)."""
    head = "R" if note.pitch is None else note_name(note.pitch, spelling)
    return f"{head}:{duration_name(note.ticks)}"


def format_notes(notes: list[Note] | tuple[Note, ...], bar_ticks: int, start: int = 0,
                 spelling: bool | Key = False) -> str:
    """Notes as text with bar lines, e.g. 'A4:e B4:e C5:q | D5:h': one after each note that ends on or is held over
    a bar line. ``start`` is where in its bar the first note starts (``bar_ticks - pickup`` shows a pickup)."""
    parts: list[str] = []
    now = start
    for note in notes:
        parts.append(format_note(note, spelling))
        before = now // bar_ticks
        now += note.ticks
        if now // bar_ticks > before:
            parts.append("|")
    return " ".join(parts)


def barred_seed(seed: ParsedSeed, meter: Meter) -> ParsedSeed | None:
    """An unbarred seed read again as typed with a bar line where each bar of ``meter`` begins (from a downbeat), so
    notes written after it can carry bar lines too; None when it has bar lines already, is jianpu or ABC, has other
    marks, a note crosses a bar line, or the bar lines would change how it reads."""
    if (seed.barred or seed.jianpu or seed.abc or seed.pickup or len(seed.note_tokens) != len(seed.typed)
            or len(seed.typed) != len(seed.notes)):
        return None
    out: list[str] = []
    now, bar = 0, meter.bar_ticks
    for token, note in zip(seed.typed, seed.notes, strict=True):
        if now // bar != (now + note.ticks - 1) // bar:  # held across a bar line: no bar line can go there
            return None
        out += ["|", token] if now and now % bar == 0 else [token]
        now += note.ticks
    try:
        barred = parse_seed(" ".join(out), meter=meter)
    except MusicError:
        return None
    return barred if barred.notes == seed.notes else None


def continue_text(seed: ParsedSeed, notes: list[Note] | tuple[Note, ...], bar_ticks: int,
                  spelling: bool | Key = False) -> str:
    """``notes`` that follow ``seed`` as text, so that the seed as typed and this text parse with the seed's bars.

    Bar lines are written where they fall after the seed's pickup, and one first where the seed's last note reaches
    a bar line with none typed after it — unless the seed has no bar lines and already reaches a bar line: it is
    unchecked, so the notes after it stay unbarred too."""
    end = (bar_ticks - seed.pickup) % bar_ticks + seed.ticks
    text = format_notes(notes, bar_ticks, start=end, spelling=spelling)
    after = seed.typed[max((i for i, t in enumerate(seed.typed) if not seed.is_mark(t)), default=-1) + 1:]
    closed = any(token in BAR_LINES for token in after)  # a bar line typed after the last note
    if not seed.barred and end >= bar_ticks:
        return " ".join(token for token in text.split() if token not in BAR_LINES)
    if seed.barred and not closed and end // bar_ticks > (end - seed.notes[-1].ticks) // bar_ticks:
        return f"| {text}"
    return text


def solfege_text(text: str) -> str:
    """Letter note text as fixed-do solfège that the parser reads back: ``C4:q F#4:e Bb3:h`` -> ``Do4:q Fa#4:e
    Sib3:h``; bar lines, rests, the arrow and syllables already typed stay as they are."""
    return " ".join(_LETTER_TOKEN.sub(lambda m: SOLFEGE_NAMES[m[1]] + m[2], token)
                    if _LETTER_TOKEN.fullmatch(token) else token for token in text.split(" "))


def join_stored(seed: str, continuation: str) -> str:
    """``C E G ➜ A4:e B4:e C5:q | …``: the seed exactly as typed, then the continuation."""
    return f"{seed}{ARROW}{continuation}"


def split_stored(text: str) -> tuple[str, str | None]:
    """Shown or stored note text back to (seed, continuation); without the arrow, (text, None)."""
    seed, arrow, continuation = (text or "").partition(ARROW)
    return (seed, continuation) if arrow else (seed, None)


def stored_notes(text: str) -> tuple[Note, ...]:
    """Every note of shown or stored note text, seed and continuation together (MusicError if unreadable)."""
    seed, continuation = split_stored(text)
    return parse_seed(f"{seed} {continuation or ''}", max_notes=100_000).notes
