"""ABC notation (abcnotation.com, standard 2.1), the text folk musicians share tunes in, read and written.

Read (``read_abc``): the header (``X: T: M: L: Q: K:``; other fields skipped), pasted on many lines or on one (a
Discord option is one line), and the body: notes ``A-G a-g`` with ``^ _ =`` accidentals (held to the bar line, as
the standard says) and ``'`` ``,`` octaves, lengths in units of ``L:`` (``A2 A/2 A3/2 A/``), rests ``z x Z``, ties,
broken rhythm (``A>B``), tuplets (``(3ABC``), chords (their top note), inline ``[K:]`` and ``[L:]``. The tune is read
as played: ``|: … :|`` twice, endings in turn, a part's short last bar joined to the next part's pickup. Chord
symbols ``"Am"`` come back beside the notes, with their places; what a melody doesn't need is skipped: annotations,
decorations (``!trill!`` ``~`` ``.``), grace notes ``{g}``, slurs, ``w:`` words, voices after the first. The notes
come back as letter notation (``data.notation``), with the header's key, meter and tempo for options the user left
out.

The header's fields: ``data.abc_header``. Written: ``data.abc_write``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

from data.abc_header import FIELD, WHOLE, abc_key, abc_meter, abc_tempo, abc_unit, split_header
from data.errors import MusicError
from data.events import Key, Meter, Note, duration_name
from data.pitch_spelling import key_fifths, signature_alters

EXAMPLE = "`X:1 M:6/8 L:1/8 K:D A|dfa afd|`"
_NOTE = re.compile(r"(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)(\d*)(/*)(\d*)")
_REST = re.compile(r"([zx])(\d*)(/*)(\d*)")
_BAR_RESTS = re.compile(r"Z(\d*)")  # whole bars of rest
_LENGTH = re.compile(r"(\d*)(/*)(\d*)")
_BAR = re.compile(r"::|\[\||[:|\]]*\|[:|\]]*(?:\[?\d+(?:[,-]\d+)*)?|:+|\[\d+(?:[,-]\d+)*")  # and endings
_SKIP = {'"': '"', "!": "!", "+": "+", "{": "}"}  # chord symbols and annotations, decorations, grace notes
_DECORATIONS = set("~.`\\()$HIJKLMNOPQRSTUVWhijklmnopqrstuvwy")  # and the letters ABC lets a tune define (U:)
_TUPLET_TIME = {2: 3, 3: 2, 4: 3, 5: 2, 6: 2, 7: 2, 8: 3, 9: 2}  # (p: p notes in the time of q
_ALTERS = {2: "##", 1: "#", 0: "", -1: "b", -2: "bb"}
BASE_PITCH = {"C": 60, "D": 62, "E": 64, "F": 65, "G": 67, "A": 69, "B": 71}  # C is middle C, c the octave above


@dataclass(frozen=True)
class AbcTune:
    """A tune read from ABC: the notes as letter notation (bar lines as typed), and what its header said."""

    notes: str
    key: Key | None = None
    meter: Meter | None = None
    tempo: int | None = None
    title: str = ""
    cut: str = ""  # a sentence when the tune was longer than what was read
    chords: tuple[tuple[int, str], ...] = ()  # its chord symbols ("G"GAG): (tick from the first note, name)

    def options(self) -> dict[str, str | int]:
        """The options its header gives: key, meter and tempo, as a request writes them."""
        given = {"key": str(self.key) if self.key else None, "meter": str(self.meter) if self.meter else None,
                 "tempo": self.tempo}
        return {k: v for k, v in given.items() if v is not None}


def is_abc(text: str) -> bool:
    """Whether ``text`` is an ABC tune with a header: a ``K:``, ``X:`` or ``L:`` field (no letter note reads so)."""
    return any(m[1] in "XKL" for m in FIELD.finditer(text or ""))


def looks_like_abc_body(text: str) -> bool:
    """Whether ``text`` reads as an ABC tune body without a header (``GABc dedB|``): it has a bar line, every
    character is ABC and some word holds two notes run together (``GAB`` or ``d2e``), as letter notation never
    writes them."""
    if "|" not in text:
        return False
    try:
        _Body(text, Key(0), Fraction(1, 8)).read()
    except MusicError:
        return False
    return any(len(_NOTE.findall(word)) > 1 for word in text.split())


def read_abc(text: str, max_notes: int | None = None) -> AbcTune:
    """An ABC tune (the first one in ``text``) as letter notation plus its header, as it is played (repeats and
    endings), its first ``max_notes`` notes when longer (to a bar line); a MusicError names what can't be read."""
    fields, body = split_header(text)
    key = abc_key(fields["K"]) if "K" in fields else None
    meter = abc_meter(fields["M"]) if "M" in fields else None
    unit = abc_unit(fields["L"]) if "L" in fields else (
        Fraction(1, 16) if meter and Fraction(meter.numerator, meter.denominator) < Fraction(3, 4) else Fraction(1, 8))
    reader = _Body(body, key or Key(0), unit, meter.bar_ticks if meter else 0)
    items = reader.read()
    if not any(isinstance(i, tuple) for i in items):
        raise MusicError(f"That ABC tune has no notes after its header. Paste the tune's body too, e.g. {EXAMPLE}.")
    played = _played(items)
    meter = meter or _implied_meter(played)
    played = _barred(played, meter.bar_ticks if meter else 0)
    notes = sum(isinstance(i, tuple) for i in played)
    cut = ""
    if max_notes and notes > max_notes:  # to the end of a part, else of a bar, that fits (as MIDI files are cut)
        count = [0, *accumulate(isinstance(x, tuple) for x in played)]  # notes before each item
        bars = [i for i, item in enumerate(played) if _bar_line(item) and count[i] <= max_notes]
        parts = [i for i in bars if played[i] == "||" and count[i] >= max_notes // 2]
        end = (parts or bars)[-1] if len(bars) > 1 else count.index(max_notes)
        played, cut = played[:end], f"The tune has {notes} notes as played; I read the first {count[end]}."
    if reader.rounded:
        cut += " I write lengths in 48ths of a whole note: its 32nd notes are rounded to them, each run kept whole."
    chords, now = [], 0
    for item in played:
        if isinstance(item, tuple):
            now += item[0].ticks
        elif item.startswith(CHORD):
            chords.append((now, item[len(CHORD):]))
    played = [i for i in played if isinstance(i, tuple) or _bar_line(i)]
    while played and isinstance(played[-1], str):  # the closing bar line: a tune's last bar may be short
        played.pop()
    words = [i if isinstance(i, str) else f"{i[1]}:{duration_name(i[0].ticks)}" for i in played]
    tempo = abc_tempo(fields["Q"], unit, meter or Meter()) if "Q" in fields else None
    return AbcTune(" ".join(words), key, meter, tempo, fields.get("T", "").strip(), cut.strip(),
                   tuple((t, name) for t, name in chords if t < now))


Item = tuple[Note, str] | str  # a note and its name as the ABC spells it (C#5), or a bar line (as typed: `:|2`)
LINE_END = "\n"  # the end of a line of the body (Essen's tunes leave out the bar line there)
CHORD = '"'  # before a chord symbol's name: it sounds from the next note on


def _bar_line(item: Item) -> bool:
    """Whether an item is a bar line: not a note, a chord symbol or a line's end."""
    return isinstance(item, str) and item != LINE_END and not item.startswith(CHORD)


def _played(items: list[Item]) -> list[Item]:
    """The tune as it is played: ``|: … :|`` twice, first and second endings in turn (``|1 … :|2 …``, ``[1``
    ``[2``); a bar line that ends a part (a repeat, ``||``, ``|]``) becomes ``||``, every other ``|``."""
    out: list[Item] = []
    i, start, second, taken = 0, 0, False, set()
    while i < len(items):
        item = items[i]
        if not _bar_line(item):
            out.append(item)
            i += 1
            continue
        ending = re.search(r"\d", item)
        if item.startswith(":") and i not in taken:  # the end of a repeat, first time: back to its start
            taken.add(i)
            out.append("||")
            i, second = start, True
            continue
        if ending and ending[0] == "1" and second:  # the first ending, second time through: to the second
            i = next((j for j in range(i + 1, len(items)) if _bar_line(items[j])
                      and re.search(r"[2-9]", items[j])), len(items))
            taken.add(i)  # (its `:|2` was played: it ends the repeat)
            continue
        out.append("||" if item.startswith(":") or "||" in item or "]" in item else "|")
        if item.startswith(":") or re.sub(r"[\[\d,-]+$", "", item).endswith(":"):
            start, second = i + 1, False  # after `|:`, or a repeat played twice: the next repeat goes back here
        i += 1
    return out


IMPLIED_METERS = {24: "2/4", 36: "3/4", 48: "4/4"}  # a tune without M:, by the length of its bars


def _implied_meter(items: list[Item]) -> Meter | None:
    """The meter of a tune without ``M:`` whose bars (the inner ones, or all when there are two) are one length of
    two, three or four quarters; else None (the bar lines are kept as typed)."""
    bars, now = [], 0
    for item in items:
        if isinstance(item, tuple):
            now += item[0].ticks
        elif now and _bar_line(item):
            bars.append(now)
            now = 0
    bars += [now] if now else []
    inner = set(bars[1:-1]) if len(bars) > 2 else set(bars)
    return Meter.parse(IMPLIED_METERS[inner.pop()]) if len(inner) == 1 and inner <= IMPLIED_METERS.keys() else None


def _barred(items: list[Item], bar_ticks: int) -> list[Item]:
    """Bar lines where the meter puts them: a short bar after the first (a part's last bar, which the next part's
    pickup completes, ``A2A | B|d>ed``) runs on into the next. Where the two would overfill a bar, the short bar
    is a pickup after a full bar: it takes its time from that bar's last note (``d3 d3 | A | dfa`` is played
    ``d3 d2 A | dfa``), or when that note is too short, its own last note is held to the bar line. A note tied
    over a bar line keeps the bar line after it. Without a meter, the bar lines as typed."""
    if not bar_ticks:
        kept: list[Item] = []
        for i in items:  # a bar line after a note only
            if (not _bar_line(i) and i != LINE_END) or (_bar_line(i) and kept and isinstance(kept[-1], tuple)):
                kept.append(i)
        return kept
    out: list[Item] = []
    in_bar, barred, short = 0, False, None  # ticks since the last bar line; a short bar held back: (index, ticks)
    line = -1  # where the last bar line is in ``out``
    for item in items:
        if not _bar_line(item) and item != LINE_END:  # a note or a chord symbol
            out.append(item)
            in_bar += item[0].ticks if isinstance(item, tuple) else 0
            continue
        if not in_bar or (item == LINE_END and in_bar != bar_ticks):
            continue  # a line may end inside a bar; one that ends a full bar with no bar line typed has one
        item = "|" if item == LINE_END else item
        last = next(x for x in reversed(out) if isinstance(x, tuple))[0].ticks
        if short is not None and in_bar > bar_ticks and in_bar - last >= bar_ticks:  # two bars' worth: split
            at, ticks = short
            before = line - 1 if line > 0 and isinstance(out[line - 1], tuple) else -1
            if before >= 0 and out[before][0].ticks > ticks:  # the full bar's last note makes room for the pickup
                note, name = out[before]
                out[before] = (Note(note.pitch, note.ticks - ticks), name)
                out.insert(at - 1, out.pop(line))  # the bar line moves past the pickup
                in_bar -= ticks
            else:
                held = max(k for k in range(at) if isinstance(out[k], tuple))
                note, name = out[held]
                out[held] = (Note(note.pitch, note.ticks + bar_ticks - ticks), name)
                out.insert(at, "||")
                in_bar -= ticks
            short = None
        if barred and in_bar < bar_ticks:
            short = short or (len(out), in_bar)
            continue
        out.append(item)
        barred, short, line = True, None, len(out) - 1
        in_bar = in_bar - bar_ticks if in_bar > bar_ticks and in_bar - last < bar_ticks else 0  # tied over
    return out


class _Body:
    """Reads a tune body into items: (note, its name as spelled), bar lines as typed (``:|2``) and line ends."""

    def __init__(self, text: str, key: Key, unit: Fraction, bar_ticks: int = 0) -> None:
        self.text, self.i, self.unit, self.bar_ticks = text, 0, unit, bar_ticks
        self.carry = Fraction(0)  # ticks a rounded note took from the one before (or gave), given to the next
        self.rounded = False  # whether a length finer than the grid was rounded
        self.items: list[Item] = []
        self._set_key(key)
        self.bar: dict[tuple[str, int], int] = {}  # accidentals typed in this bar, per letter and octave
        self.tuplet: list[Fraction] = []  # the factor of each note still in a tuplet
        self.broken = Fraction(1)  # the next note's factor after `>` or `<`
        self.tied = False
        self.last: tuple[int, int] | None = None  # the last note's place in ``items`` and the length written last
        self.voice: str | None = None  # the first voice's name (``V:1``): later voices are other parts

    def _set_key(self, key: Key) -> None:
        self.signature = signature_alters(key_fifths(key))

    def read(self) -> list[Item]:
        while self.i < len(self.text):
            self._step()
        return self.items

    def _fail(self, why: str) -> MusicError:
        near = self.text[max(0, self.i - 8): self.i + 8].strip()
        return MusicError(f"I can't read your ABC near `{near}`: {why}. Notes are letters with lengths, "
                          f"`A2 B/2 c`, rests `z`, bars `|` — e.g. {EXAMPLE}.")

    def _step(self) -> None:
        text, ch = self.text, self.text[self.i]
        if ch == "\n" and self.items and isinstance(self.items[-1], tuple):
            self.items.append(LINE_END)
            self.i += 1
        elif ch.isspace() or ch in "]":
            self.i += 1
        elif ch in _SKIP:
            end = text.find(_SKIP[ch], self.i + 1)
            if end < 0:
                raise self._fail(f"`{ch}` opens and never closes")
            symbol = text[self.i + 1: end].strip()
            if ch == '"' and symbol and symbol[0] not in "^_<>@":  # a chord symbol, not an annotation
                self.items.append(CHORD + symbol)
            self.i = end + 1
        elif ch == "(" and self.i + 1 < len(text) and text[self.i + 1].isdigit():
            self._tuplet()
        elif ch == "[" and re.match(r"\[[A-Za-z]:", text[self.i:]):
            self._inline_field()
        elif ch == "[" and not re.match(r"\[[\d|]", text[self.i:]):
            self._chord()
        elif bar := _BAR.match(text, self.i):
            self.items.append(bar[0])
            self.bar.clear()
            self.i = bar.end()
        elif ch in _DECORATIONS:
            self.i += 1
        elif ch == "-":
            self.tied, self.i = True, self.i + 1
        elif ch in "<>":
            self._broken(len(re.match(r"<+|>+", text[self.i:])[0]), ch)
        elif match := _NOTE.match(text, self.i):
            self.i = match.end()
            self._add(*self._pitch(match), self._length(match[4], match[5], match[6]))
        elif match := _REST.match(text, self.i):
            self.i = match.end()
            self._add(None, "R", self._length(match[2], match[3], match[4]))
        elif (rest := _BAR_RESTS.match(text, self.i)) and self.bar_ticks:
            self.i = rest.end()
            for n in range(min(int(rest[1] or 1), 64)):
                if n:
                    self.items.append("|")
                self._add(None, "R", Fraction(self.bar_ticks, WHOLE))
        elif ch == "Z":
            raise self._fail("a multi-bar rest `Z` needs the meter (`M:4/4`) to know how long a bar is")
        else:
            raise self._fail(f"`{ch}` is not ABC I know")

    def _pitch(self, match: re.Match[str]) -> tuple[int, str]:
        """The MIDI pitch and its name as the ABC spells it (``^c`` -> C#5, in any key)."""
        accidental, letter, marks = match[1], match[2], match[3]
        octave = (12 if letter.islower() else 0) + 12 * marks.count("'") - 12 * marks.count(",")
        step = letter.upper()
        if accidental:
            self.bar[(step, octave)] = {"^^": 2, "^": 1, "=": 0, "_": -1, "__": -2}[accidental]
        alter = self.bar.get((step, octave), self.signature[step])
        name = f"{step}{_ALTERS[alter]}{4 + octave // 12}"
        return BASE_PITCH[step] + octave + alter, name

    def _length(self, number: str, slashes: str, below: str) -> Fraction:
        length = self.unit * int(number or 1)
        if slashes:
            length /= int(below) if below and len(slashes) == 1 else 2 ** len(slashes) * (int(below) if below else 1)
        return length

    def _add(self, pitch: int | None, name: str, length: Fraction) -> None:
        if self.tuplet:
            length *= self.tuplet.pop(0)
        length, self.broken = length * self.broken, Fraction(1)
        exact = length * WHOLE + self.carry
        ticks = max(int(exact), 1)  # finer than the grid (a 32nd is 1.5 ticks): rounded, the run kept its length
        self.carry, self.rounded = exact - ticks, self.rounded or ticks != exact
        at = self.last[0] if self.last else None
        last = self.items[at][0] if at is not None else None
        if self.tied and last is not None and last.pitch == pitch and pitch is not None:
            self.items[at] = (Note(pitch, last.ticks + ticks), self.items[at][1])  # the bar line stays after
        else:
            at = len(self.items)
            self.items.append((Note(pitch, ticks), name))
        self.tied, self.last = False, (at, ticks)

    def _broken(self, count: int, sign: str) -> None:
        """``A>B``: A dotted and B shortened (``>>``: double-dotted); ``<`` the other way round."""
        if self.last is None:
            raise self._fail(f"`{sign}` has no note before it")
        at, part = self.last  # the note, and the length written last (`e4- | e>b`: the `e` after the tie)
        last = self.items[at][0]
        short = Fraction(1, 2 ** count)
        long_note, short_note = 2 - short, short
        first, second = (long_note, short_note) if sign == ">" else (short_note, long_note)
        ticks = part * first  # a sixteenth's dot is a 32nd, finer than the grid: rounded, the pair kept whole
        if ticks < 1:
            raise self._fail(f"the note before `{sign}` is too short to dot")
        self.items[at] = (Note(last.pitch, last.ticks - part + int(ticks)), self.items[at][1])
        self.carry = ticks - int(ticks)
        self.broken, self.i = second, self.i + count

    def _tuplet(self) -> None:
        match = re.match(r"\((\d)(?::(\d?))?(?::(\d?))?", self.text[self.i:])
        assert match is not None
        p = int(match[1])
        if p < 2:
            raise self._fail(f"`{match[0]}` is no tuplet (`(3ABC` is three in the time of two)")
        q = int(match[2]) if match[2] else _TUPLET_TIME.get(p, 2)
        r = int(match[3]) if match[3] else p
        self.tuplet = [Fraction(q, p)] * r
        self.i += match.end()

    def _inline_field(self) -> None:
        end = self.text.find("]", self.i)
        if end < 0:
            raise self._fail("`[` opens and never closes")
        letter, value = self.text[self.i + 1], self.text[self.i + 3: end]
        voice = value.split()[0] if value.split() else ""
        if letter == "V" and self.voice is not None and voice != self.voice:  # a second voice: the melody is the first
            self.i = len(self.text)
            return
        if letter == "V":
            self.voice = voice
        elif letter == "K":
            self._set_key(abc_key(value))
        elif letter == "L":
            self.unit = abc_unit(value)
        self.i = end + 1

    def _chord(self) -> None:
        """``[CEG]2``: its top note, as long as its first note times the length after the bracket."""
        end = self.text.find("]", self.i)
        if end < 0:
            raise self._fail("`[` opens and never closes")
        inside = list(_NOTE.finditer(self.text, self.i + 1, end))
        if not inside:
            raise self._fail("a chord `[ ]` has no notes")
        pitches = [self._pitch(m) for m in inside]
        first = self._length(inside[0][4], inside[0][5], inside[0][6])
        after = _LENGTH.match(self.text, end + 1)
        assert after is not None
        self.i = after.end()
        self._add(*max(pitches), first * self._length(after[1], after[2], after[3]) / self.unit)
