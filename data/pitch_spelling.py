"""How a key spells its notes: its scale with its own letters (E# in F# major), and the notes outside it as a
musician would in that key: the sharp fourth and leading tone raised (F# in C, G# in A minor, E# in F# minor), the
flat third, sixth and seventh lowered (Eb, Ab, Bb in C), the flat second in a minor key (Bb in A minor), the sharp
first in a major one (C# in C). No double sharps or flats: where a rule would need one, the plain sharp or flat.

One speller serves the note text (``data.notation``), the score (``data.musicxml``) and the sentences
(``studio.analysis.words``), so they always agree. (``data.spelling`` is about words.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from data.events import FLAT_NAMES, LETTER_PC, SHARP_NAMES, Key, signature_fifths

_SHARP_ORDER = "FCGDAEB"  # the order sharps enter a key signature; flats enter in reverse
_ALTERS = {1: "#", 0: "", -1: "b"}
_LOWERED = (3, 8, 10)  # semitones above the tonic spelled as a lowered scale note outside the scale (b3, b6, b7)

Spelled = tuple[str, int, int]  # step, alter, octave: ('F', 1, 4) is F#4


def key_fifths(k: Key) -> int:
    """The key signature (sharps > 0, flats < 0): a mode gets its parent major's; over 7, the enharmonic key's."""
    name = k.name
    if not re.fullmatch(r"[A-G][#b]?", name) or (LETTER_PC[name[0]] + _alter(name)) % 12 != k.tonic % 12:
        name = (FLAT_NAMES if k.uses_flats else SHARP_NAMES)[k.tonic % 12]
    fifths = signature_fifths(name, k.mode)
    return fifths - 12 if fifths > 7 else fifths + 12 if fifths < -7 else fifths


_TYPED_ACCIDENTAL = re.compile(r"[A-Ga-g](#|♯|b|♭)")


def as_typed(k: Key, typed: Iterable[str]) -> Key:
    """``k`` named as the notes were typed: with sharps when they were typed with sharps alone (`C# E# G#` is C#
    major, not Db major), with flats when with flats alone, where that name is a real key (seven accidentals at
    most: no G# major). Otherwise ``k`` as it is."""
    marks = {match[1] in "#♯" for token in typed if (match := _TYPED_ACCIDENTAL.match(token))}
    if len(marks) != 1:
        return k
    name = (SHARP_NAMES if marks.pop() else FLAT_NAMES)[k.tonic % 12]
    if name == k.name or abs(signature_fifths(name, k.mode)) > 7:
        return k
    return Key(k.tonic, k.mode, name)


def _alter(name: str) -> int:
    return {"#": 1, "b": -1}.get(name[1:], 0)


def signature_alters(fifths: int) -> dict[str, int]:
    """Each letter's alteration in a key signature."""
    altered = _SHARP_ORDER[:fifths] if fifths >= 0 else _SHARP_ORDER[::-1][:-fifths]
    return {step: (1 if fifths > 0 else -1) if step in altered else 0 for step in "CDEFGAB"}


@dataclass(frozen=True)
class Speller:
    """Spells MIDI pitches in a key (see the module docstring); ``Speller.for_key`` builds one."""

    names: tuple[tuple[str, int], ...]  # pitch class -> (step, alter)

    @classmethod
    def for_key(cls, k: Key) -> Speller:
        return _speller(k)

    def spell(self, midi: int) -> Spelled:
        step, alter = self.names[midi % 12]
        return step, alter, (midi - alter - LETTER_PC[step]) // 12 - 1

    def name(self, midi: int, octave: bool = True) -> str:
        """'E#4', or 'E#' without the octave."""
        step, alter, number = self.spell(midi)
        return f"{step}{_ALTERS[alter]}{number if octave else ''}"


@functools.lru_cache(maxsize=128)
def _speller(k: Key) -> Speller:
    fifths = key_fifths(k)
    scale = {(LETTER_PC[step] + alter) % 12: (step, alter) for step, alter in signature_alters(fifths).items()}
    plain = FLAT_NAMES if fifths < 0 or (fifths == 0 and k.uses_flats) else SHARP_NAMES
    minor_third = (k.tonic + 3) % 12 in scale
    names = []
    for pc in range(12):
        if pc in scale:
            names.append(scale[pc])
            continue
        degree = (pc - k.tonic) % 12
        lowered = (pc + 1) % 12 in scale and (degree in _LOWERED or (degree == 1 and minor_third)
                                              or (pc - 1) % 12 not in scale)
        step, alter = scale.get((pc + 1) % 12 if lowered else (pc - 1) % 12, (plain[pc][0], 0))
        alter += -1 if lowered else 1
        if abs(alter) > 1 or (pc + (1 if lowered else -1)) % 12 not in scale:
            step, alter = plain[pc][0], _alter(plain[pc])
        names.append((step, alter))
    return Speller(tuple(names))


def note_name(midi: int, spelling: bool | Key = False, octave: bool = True) -> str:
    """'F#4': as ``spelling`` spells it: a key (see the module docstring), or plain sharps (False) or flats (True)."""
    if isinstance(spelling, Key):
        return _speller(spelling).name(midi, octave)
    name = (FLAT_NAMES if spelling else SHARP_NAMES)[midi % 12]
    return f"{name}{midi // 12 - 1}" if octave else name
