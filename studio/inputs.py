"""A melody given by the user, for the commands that work on one (chords, arrange, lyrics): typed notes or a MIDI
file, plus an optional key, meter and tempo -> a ``Melody``. Shared by the Discord cogs and the CLI.

CPU work (music21 guesses the key when none is given): the bot calls these in an executor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from data.abc import is_abc, read_abc
from data.bar_lines import read_bars
from data.errors import MusicError, opt
from data.events import Key, Melody, Meter, Note
from data.midi import check_midi_size
from data.midi_chords import chords_under
from data.midi_words import midi_words
from data.notation import ParsedSeed, parse_seed
from studio.abc_input import abc_melody_options, abc_options, abc_upload
from studio.analysis.key import infer_key, melody_key
from studio.arrange.chord_symbols import parse_chord_symbol, parse_progression, transposed
from studio.midi_melody import midi_request
from studio.options import MELODY, TEMPO

__all__ = ["EXAMPLE", "MAX_NOTES", "FileChords", "GivenMelody", "Key", "Melody", "Meter", "abc_chords",
           "abc_melody_options", "abc_options", "bare_quarters", "check_midi_size", "check_notes", "check_tempo",
           "melody_from_midi", "melody_from_notes", "signature_slips", "typed_slips"]

MAX_NOTES = 256
EXAMPLE = opt("notes", "E D C D E E E:h")  # a message's example: see data.errors.opt


@dataclass(frozen=True)
class FileChords:
    """The chords a file plays under its tune (another part's, or its chord symbols), spelled in its key."""

    text: str
    whose: str  # "chords of `x.mid`, track 2" or "chord symbols of `x.musicxml`"

    @property
    def band(self) -> str:
        """What an arrangement says when its band plays them."""
        return f"🎹 The band plays the {self.whose}: `{self.text}`."

    @property
    def beside(self) -> str:
        """What /chords says above chords of its own for the tune."""
        return f"🎹 The {self.whose}: `{self.text}`. Below, chords of my own for it."


@dataclass(frozen=True)
class GivenMelody:
    """The melody to work on, and whether its key was guessed from the notes (so the reply can say so)."""

    melody: Melody
    key_guessed: bool
    written_in: str | None = None  # jianpu or solfège as typed (``ParsedSeed.written_in``): replies answer in it
    cut: str = ""  # a MIDI file's melody longer than what was read: a sentence saying so
    used: str = ""  # a MIDI file's melody: a sentence saying which track it is
    misfit: str = ""  # a key given that most of the notes are not in: a sentence naming the key they fit
    read_as: str = ""  # notes pasted as an ABC tune: a sentence saying what its header gave
    key_written: bool = False  # the key is a MIDI file's, from its key signature (``used`` says so)
    lyrics: list[str | None] | None = None  # a MIDI file's words, a syllable per note (``data.midi_words``)
    chords: str | None = None  # a MIDI file's chords under its tune, spelled in its key (``data.midi_chords``)
    chords_track: int = 0  # the file's part that plays them, from 1 (0: a score's chord symbols)

    def file_chords(self, name: str) -> FileChords | None:
        """The chords under the tune of file ``name``, and whose they are (None: it has none)."""
        if not self.chords:
            return None
        whose = f"chord symbols of {name}" if self.chords_track == 0 else f"chords of {name}, track {self.chords_track}"
        return FileChords(self.chords, whose)

    @property
    def notation(self) -> str | None:
        """How replies write the notes when no ``notation`` is asked for: as the melody was typed (None: letters)."""
        return "abc" if self.read_as else self.written_in


def check_tempo(tempo: int | None) -> None:
    TEMPO.check(tempo)


def check_notes(text: str, max_notes: int = MAX_NOTES, example: str = EXAMPLE, key: Key | None = None) -> ParsedSeed:
    """Typed notes, parsed (jianpu in ``key``, C when None); raises MusicError when they can't be read or are only
    rests."""
    seed = parse_seed(text, max_notes=max_notes, key=key)
    if all(n.pitch is None for n in seed.notes):
        raise MusicError(f"Your notes are only rests. Give me a melody, e.g. {example}.", "notes")
    return seed


def _key(key: Key | str | None) -> Key | None:
    if isinstance(key, str):
        return Key.parse(key) if key.strip() else None
    return key


def _meter(meter: Meter | str | None) -> Meter | None:
    if isinstance(meter, str):
        return Meter.parse(meter) if meter.strip() else None
    return meter


MAX_CHORD_CELLS = 16  # bars of an ABC tune's chords given to /arrange (its A section is at most 8)


def abc_chords(notes: str | None, meter: str | None = None) -> str | None:
    """The chord symbols of notes pasted as an ABC tune (``"G"GAG "D"ABA``) as /arrange's ``chords:`` reads them:
    a cell a bar from the first downbeat, with the chord at the half bar when it changes there (a change elsewhere
    is heard from the next half bar); an optional chord ``"(D)"`` counts, one /arrange can't play (``"N.C."``)
    holds the chord before it; None without chord symbols it can play."""
    if not notes or not is_abc(notes):
        return None
    tune = read_abc(notes, MAX_NOTES)
    chords = [(tick, name.strip("()")) for tick, name in tune.chords if _playable(name.strip("()"))]
    if not chords:
        return None
    the_meter = Meter.parse(meter) if meter else tune.meter or Meter()
    seed = parse_seed(tune.notes, max_notes=MAX_NOTES, meter=the_meter)
    bar = the_meter.bar_ticks
    half = bar // 2 if the_meter.beats % 2 == 0 else None

    def at(tick: int) -> str:
        return next((name for t, name in reversed(chords) if t <= tick), chords[0][1])

    cells = []
    for start in range(seed.pickup, seed.ticks, bar):
        first = at(start)
        second = at(start + half) if half and start + half < seed.ticks else first
        cells.append(first if second == first else f"{first} {second}")
    text = "| " + " | ".join(cells[:MAX_CHORD_CELLS]) + " |"
    try:
        parse_progression(text)
    except MusicError:
        return None
    return text


def _playable(name: str) -> bool:
    try:
        parse_chord_symbol(name)
    except MusicError:
        return False
    return True


def melody_from_notes(text: str, key: Key | str | None = None, meter: Meter | str | None = None,
                      tempo: int | None = None, max_notes: int = MAX_NOTES, example: str = EXAMPLE) -> GivenMelody:
    """Typed notes as a melody: the key guessed from the notes when not given, 4/4 and the meter's default tempo.
    An ABC tune's header gives those it was not given."""
    text, header, read_as = abc_options(text, {"key": key, "meter": meter, "tempo": tempo}, max_notes)
    text = text or ""
    given_key, given_meter = _key(key or header.get("key")), _meter(meter or header.get("meter"))
    tempo = tempo or header.get("tempo")  # type: ignore[assignment]
    check_tempo(tempo)
    seed = check_notes(text, max_notes, example, given_key)
    guessed = given_key is None
    the_meter = given_meter or Meter()
    seed = read_bars(seed, the_meter)
    the_key = given_key or melody_key(seed.notes, the_meter, seed.pickup, seed.do, seed.typed)
    misfit = key_misfit(seed.notes, given_key) or signature_slips(seed, given_key) if given_key and key else ""
    return GivenMelody(Melody(seed.notes, the_key, the_meter, tempo or the_meter.default_bpm, pickup=seed.pickup),
                       guessed, seed.written_in, misfit=misfit, read_as=read_as)


KEY_FIT = 0.5  # under this share of the notes' time in the given key's scale, the reply says so
_PLAIN_LETTER = re.compile(r"[A-Ga-g](?=$|[\d:.',])")  # a letter and nothing but an octave or a length: no accidental


def signature_slips(seed: ParsedSeed, key: Key) -> str:
    """A sentence when letters typed without an accidental sound outside ``key`` where its signature alters them
    (`D F A` in D major: F natural, not the key's F#), as if the key signature applied; the notes stay as typed.
    "" otherwise (numbers, jianpu and ABC read the signature themselves; a sharp or flat typed is meant)."""
    if seed.jianpu or seed.abc:
        return ""
    tokens = seed.note_tokens
    if len(tokens) != len(seed.notes):
        return ""
    slips: dict[str, str] = {}
    for token, note in zip(tokens, seed.notes, strict=True):
        if note.pitch is None or not _PLAIN_LETTER.match(token) or note.pitch % 12 in key.scale:
            continue
        sharp, flat = (note.pitch + 1) % 12 in key.scale, (note.pitch - 1) % 12 in key.scale
        letter = token[0].upper()
        if sharp and not key.uses_flats:
            slips.setdefault(letter, f"{letter}#")
        elif flat and key.uses_flats:
            slips.setdefault(letter, f"{letter}b")
    if not slips:
        return ""
    one = len(slips) == 1
    return (f"🎯 Your {_listed(list(slips))} {'is a natural' if one else 'are naturals'}, outside {key} "
            f"({', '.join(slips.values())}): I kept {'it' if one else 'them'} as typed. Write "
            f"{_listed([f'`{m}`' for m in slips.values()])} for the key's note{'' if one else 's'}.")


def typed_slips(notes: str, key: str) -> str:
    """``signature_slips`` for a seed and key as typed in /melody ("" for a seed that is not plain notes)."""
    try:
        return signature_slips(parse_seed(notes), Key.parse(key))
    except MusicError:
        return ""


def bare_quarters(notes: str, meter: str) -> str:
    """A sentence when a seed for a meter counted in eighths (6/8, 9/8, 3/8) was typed with no duration at all, so
    every note was read as a quarter, two of the meter's eighths (a jig typed `D E F# G A B` reads as hemiola
    quarters, and the continuation goes on in them); "" otherwise: bar lines typed between the quarters mean them,
    and jianpu and ABC have their own lengths."""
    try:
        seed, eighth_beats = parse_seed(notes), Meter.parse(meter).denominator == 8
    except MusicError:
        return ""
    tokens = seed.note_tokens
    if not eighth_beats or seed.barred or seed.jianpu or seed.abc or len(tokens) < 2 or any(":" in t for t in tokens):
        return ""
    typed = list(seed.typed)
    first = typed.index(tokens[0])
    typed[first] += ":e"  # a length carries on to the notes after it
    eighths = " ".join(typed[:12]) + (" …" if len(typed) > 12 else "")
    return (f"Notes typed without a length are quarters, two of {meter}'s eighths each: for eighths, write "
            f"`{eighths}` (a length carries on to the notes after it).")


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def key_misfit(notes: tuple[Note, ...], key: Key) -> str:
    """A sentence when less than ``KEY_FIT`` of the notes' time is in ``key``'s scale (a typo'd key: E D C D in F#
    major harmonised as C#m G# ...), naming the key the notes fit; "" otherwise."""
    sounding = [n for n in notes if n.pitch is not None]
    total = sum(n.ticks for n in sounding)
    inside = sum(n.ticks for n in sounding if n.pitch % 12 in key.scale)  # type: ignore[operator]
    if not total or inside >= KEY_FIT * total:
        return ""
    return (f"Only {inside / total:.0%} of your notes are in {key}; they fit {infer_key(notes)} — leave "
            f"{opt('key')} out to use the key they fit.")


def melody_from_midi(data: bytes, key: Key | str | None = None, meter: Meter | str | None = None,
                     tempo: int | None = None, track: int | None = None, max_notes: int = MAX_NOTES,
                     example: str = EXAMPLE, name: str = "the file", choose: bool = True) -> GivenMelody:
    """The melody of MIDI file ``name`` (its melody track, or ``track`` counting from 1): the file's meter and tempo
    unless given; ``choose``: the command takes a track, and the sentence saying which was read says how."""
    check_midi_size(len(data))
    given_meter = _meter(meter)
    check_tempo(tempo)
    request, used, cut = midi_request(data, track, max_notes, name, choose,
                                      meter=str(given_meter) if given_meter else None, tempo=tempo)
    given = melody_from_notes(request.notes, key or request.key, request.meter, request.tempo, max_notes, example)
    misfit = key_misfit(given.melody.notes, given.melody.key) if key else ""  # a file's accidentals are as written
    under = None if abc_upload(data) is not None else chords_under(data, track, int(MELODY["bars"].high))
    return replace(given, used=used, cut=cut, key_written=not key and request.key is not None, misfit=misfit,
                   lyrics=midi_words(data, given.melody.notes),
                   chords=under and transposed(under.text, 0, given.melody.key),
                   chords_track=under.track if under else 0)
