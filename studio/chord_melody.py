"""A melody over the user's chords (`/melody chords:"Am F C G"`): the progression bar by bar, the key it implies,
the spans ``model.chord_grammar.ChordGrammar`` leans on, and the chords the reply's files play and show.

The chords repeat to fill the melody's bars (a melody of ``bars`` full bars after any pickup; a pickup has no
chord, as lead sheets write it). Bars the folk form would restate are restated only over the same chords.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from data.errors import MusicError, cmd, opt
from data.events import Key, Melody, Meter, Note
from data.notation import parse_seed
from data.pitch_spelling import note_name
from studio.arrange.chord_symbols import ChordSymbol, parse_progression
from studio.arrange.chords import typed_chords
from studio.arrange.parts import ChordSpan
from studio.harmony.harmonizer import voicing
from studio.render import Backing
from studio.requests import MelodyRequest

_NOTE_SHAPED = re.compile(r"[A-Ga-g](?:#|b|♯|♭)?(-?\d{0,2})(?::\S*)?")  # a note name, maybe an octave and a length
CHORD_DIGITS = {"6", "7", "9", "11", "13"}  # `G7` beside octave-less `C F`: a seventh chord, not G three octaves up
TONIC_ENDS = 0.75  # a key's score for each end of the progression on its tonic chord: both outweigh one chord
# outside its scale (`C E7 Am A7 Dm Fm C` is C major, not A minor with E7 inside it)
SUNG_CENTRE = 68  # G#4: the middle of the range words are sung in (studio.melody.SINGING_RANGE)
# A melody from chords alone leans on the european style (the corpus's songs), not the irish default (its dance
# tunes): a songwriter's chords ask for a line to sing, not a reel. `bench.chord_melody --seeds 6 --leans 3,1` with
# `--style irish` and without: notes a bar 6.7 -> 5.0, notes shorter than an eighth 16% -> 5%, strong beats on a
# chord tone 89% -> 96%. Below typed options, /prefs and learned taste (``to_sing``); candidates may still try
# another style.
CHORDS_STYLE = "european"
CHORDS_STYLE_NOTE = (f"From chords alone I write a melody to sing, in the {CHORDS_STYLE} style (its folk songs move "
                     f"in quarters and eighths); for another, set {opt('style', 'irish')}.")


def check_sources(chords: str | None, midi: object | None) -> None:
    """MusicError when chords come with a file: a melody over chords starts from typed notes, words or nothing (a
    file of chords is read as chords, ``data.midi_chords``)."""
    if chords is not None and midi is not None:
        raise MusicError(f"I write over {opt('chords')} from typed notes, words or the chords alone, not with a file. "
                         f"Try {opt('chords', 'Am F C G')} alone, or with {opt('notes', 'E D C')} or "
                         f"{opt('lyrics', 'Hello there')}; a file of chords alone is read as chords.",
                         "chords", "Am F C G")


def to_sing(request: MelodyRequest, style_chosen: bool) -> tuple[MelodyRequest, str]:
    """A melody from chords alone (typed or a file's) whose style no one chose (typed, /prefs, learned): in
    ``CHORDS_STYLE``, and the line that says so; any other request as it is, and ""."""
    if style_chosen or not request.chords or request.notes or request.lyrics is not None:
        return request, ""
    return replace(request, style=CHORDS_STYLE), CHORDS_STYLE_NOTE


def words_and_file() -> MusicError:
    """Words given with a MIDI file that holds a tune (a file of chords takes words: they are set over its chords)."""
    return MusicError(f"Give me either words ({opt('lyrics')}) or a MIDI file with a tune, not both (a file of chords "
                      f"takes words). To set words to a tune you typed, give the notes with the words: "
                      f"{cmd('melody', notes='C E G', lyrics='...')}.")


def chords_in_notes(notes: str | None, chords: str | None, midi: object | None = None
                    ) -> tuple[str | None, str | None, str]:
    """`notes:"Am F C G"`: chord symbols typed where notes go, with no chords and no file given, are the chords to
    write over: (notes, chords, a sentence saying so); anything that reads as notes (`C G F C`) stays notes."""
    if not notes or chords is not None or midi is not None:
        return notes, chords, ""
    tokens = [t for t in re.split(r"[\s,|]+", notes) if t]
    shapes = [_NOTE_SHAPED.fullmatch(t) for t in tokens]
    # `C G F C` and `C9 D9` (off the piano) are notes, `C F G7 C` is I IV V7 I; jianpu and solfège stay notes
    octaves = [shape[1] for shape in shapes if shape]
    as_chords = _chord_digits(octaves) if all(shapes) else not _reads(parse_seed, notes)
    if not as_chords or not _reads(parse_progression, notes):
        return notes, chords, ""
    typed = notes.strip()
    return None, typed, f"`{typed[:60]}` reads as chords, so I wrote a melody over them ({opt('chords', typed)})."


def _chord_digits(octaves: list[str]) -> bool:
    """Notes typed without octaves beside others whose "octave" is a chord's number (`C F G7`, `C Am7 Dm7 G9`)."""
    return "" in octaves and all(octave in ("", *CHORD_DIGITS) for octave in octaves) and any(octaves)


def _reads(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except MusicError:
        return False
    return True


def chord_bars(text: str) -> int:
    """How many bars the typed progression fills (MusicError when it can't be read)."""
    return len(parse_progression(text))


def longer_chords(chords: str | None, bars: int | None) -> str:
    """What a reply says when the chords run longer than the ``bars`` asked for (the melody grows to hold them)."""
    if not chords or bars is None or (have := chord_bars(chords)) <= bars:
        return ""
    return f"Your chords fill {have} bars, so the melody does too ({opt('bars', bars)} was shorter)."


def check_fits(chords: str, bars: int) -> None:
    """MusicError when typed chords run past a melody of ``bars`` bars (a given melody: nothing is written past
    its end)."""
    if (have := chord_bars(chords)) > max(bars, 1):
        raise MusicError(f"Your chords fill {have} bars and your melody {bars}: give me at most one bar of chords per "
                         f"bar of melody.", "chords")


def key_of_chords(text: str) -> Key:
    """The major or minor key the chords sit in best: most chords inside its scale (a minor key's V and vii° with
    its leading tone too), then the first and the last chord its tonic triad, ``TONIC_ENDS`` each (`Am F C G` is A
    minor, `C G Am F` C major, `Dm7 G7 Cmaj7` C)."""
    chords = [c for bar in parse_progression(text) for c in bar]

    def fit(key: Key) -> float:
        held = sum(_inside(c, key) for c in chords)
        return held + TONIC_ENDS * (_is_tonic(chords[0], key) + _is_tonic(chords[-1], key))

    return max((Key(tonic, mode) for mode in ("major", "minor") for tonic in range(12)), key=fit)


def _inside(chord: ChordSymbol, key: Key) -> bool:
    """Whether the chord's notes are the key's (a minor key's V and vii° with its leading tone: E7 and G#dim in A
    minor)."""
    scale = set(key.scale)
    if key.mode == "minor" and (chord.root - key.tonic) % 12 in (7, 11):
        scale.add((key.tonic + 11) % 12)
    return chord.pitch_classes <= scale


def key_against(text: str, key: Key) -> str:
    """A line when the key typed beside chords holds fewer than half of them and they sit in another scale: the
    melody keeps to the key and will rub against them (`key:"C minor"` over `C G Am F` sang Eb over C's E); "" else.
    A borrowed chord or two (G major's F, C major's E7 and A7) says nothing."""
    chords = [c for bar in parse_progression(text) for c in bar]
    if 2 * sum(_inside(c, key) for c in chords) >= len(chords):
        return ""
    theirs = key_of_chords(text)
    if set(theirs.scale) == set(key.scale):
        return ""
    outside = {pc for c in chords if not _inside(c, key) for pc in c.pitch_classes} - set(key.scale)
    names = ", ".join(note_name(60 + pc, theirs, octave=False) for pc in sorted(outside))
    return (f"🎯 Your chords sound notes outside {key} ({names}): they sit in {theirs}. I wrote in {key} as you asked, "
            f"so the melody may rub against them; leave out {opt('key')} to write in {theirs}.")


def _is_tonic(chord: ChordSymbol, key: Key) -> bool:
    return chord.root == key.tonic and ((3 in chord.intervals) == (key.mode == "minor"))


def sung_register(notes: list[Note]) -> list[Note]:
    """A melody written from the chords alone, moved by whole octaves so its median pitch lies nearest
    ``SUNG_CENTRE`` (the model, with no seed to follow, often wrote around A5)."""
    pitches = sorted(n.pitch for n in notes if n.pitch is not None)
    if not pitches:
        return notes
    move = 12 * round((SUNG_CENTRE - pitches[len(pitches) // 2]) / 12)
    return [Note(None if n.pitch is None else n.pitch + move, n.ticks) for n in notes]


def chord_spans(text: str, meter: Meter, bars: int) -> list[ChordSpan]:
    """The progression over ``bars`` bars (repeated when shorter), ticks from the first full bar's downbeat."""
    return typed_chords(parse_progression(text), bars, meter)


def bar_symbols(text: str, meter: Meter, bars: int) -> list[tuple[str, ...]]:
    """Each bar's chord symbols: the restated bars of a melody over chords must have the same."""
    cells: dict[int, list[str]] = {}
    for span in chord_spans(text, meter, bars):
        cells.setdefault(span.start // meter.bar_ticks, []).append(span.symbol)
    return [tuple(cells.get(b, ())) for b in range(bars)]


def grammar_fields(chords: str, meter: Meter, bars: int, first: int, key: Key, shift: int) -> dict:
    """``ChordGrammar``'s and ``ChordInfill``'s own fields: the chords' (start, end, pitch classes) from ``first``
    (where the grammar's first full bar starts) over ``bars`` bars and the key's scale, moved by ``shift`` into the
    model's C-based space, and the meter's strong positions."""
    spans = tuple((first + s.start, first + s.start + s.ticks, frozenset((pc + shift) % 12 for pc in s.pitch_classes))
                  for s in chord_spans(chords, meter, bars))
    scale = frozenset((pc + shift) % 12 for pc in key.scale)
    return {"chords": spans, "scale": scale, "strong_ticks": meter.strong_ticks}


def chord_line(text: str, meter: Meter, bars: int) -> str:
    """`| Am | F | C | G |`: the chords as the melody has them, bar by bar."""
    return "| " + " | ".join(" ".join(cell) for cell in bar_symbols(text, meter, bars)) + " |"


def backing(text: str, bars: int, melody: Melody) -> Backing:
    """(start, ticks, symbol, MIDI pitches) of each chord under ``melody``, counted from its first note (after its
    pickup), voiced below its lowest note."""
    low = min((n.pitch for n in melody.notes if n.pitch is not None), default=None)
    return [(melody.pickup + s.start, s.ticks, s.symbol, voicing(s.root, s.pitch_classes, low))
            for s in chord_spans(text, melody.meter, bars)]
