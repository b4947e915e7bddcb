"""The melody of an arrangement's sections: trimmed to whole bars, ornamented for repeats, varied by rule.

Everything written here stays in the key's scale; only the user's own notes are kept as they were given.
"""

from __future__ import annotations

from data.events import Key, Note

LOW, HIGH = 55, 88  # where a varied melody may go (G3 .. E6)
ORNAMENT = 6  # an eighth: the passing or neighbour note at the end of a long note


def fit_bars(notes: tuple[Note, ...], bars: int, bar_ticks: int) -> tuple[tuple[Note, ...], bool]:
    """The first ``bars`` bars (a note crossing the end is cut), padded with rests to whole bars;
    and whether anything was cut."""
    end, kept, now = bars * bar_ticks, [], 0
    for note in notes:
        if now >= end:
            break
        kept.append(Note(note.pitch, min(note.ticks, end - now)))
        now += kept[-1].ticks
    shortened = bool(kept) and kept[-1].pitch is not None and kept[-1].ticks < notes[len(kept) - 1].ticks
    cut = shortened or any(n.pitch is not None for n in notes[len(kept):])
    while kept and kept[-1].pitch is None:
        now -= kept.pop().ticks
    whole = -(-now // bar_ticks) * bar_ticks
    if whole > now:
        kept.append(Note(None, whole - now))
    return tuple(kept), cut


def window(notes: tuple[Note, ...], start: int, end: int) -> tuple[Note, ...]:
    """The notes sounding between two ticks; a note that began earlier is restruck at ``start``."""
    out, now = [], 0
    for note in notes:
        a, b = max(now, start), min(now + note.ticks, end)
        if b > a:
            out.append(Note(note.pitch, b - a))
        now += note.ticks
    return tuple(out)


def scale_pitches(key: Key) -> list[int]:
    return [p for p in range(0, 128) if p % 12 in key.scale]


def snap(pitch: int, key: Key, allowed: frozenset[int] = frozenset()) -> int:
    """A pitch outside the scale (and outside ``allowed`` pitch classes) moves a semitone into it, down first."""
    if pitch % 12 in key.scale or pitch % 12 in allowed:
        return pitch
    return pitch - 1 if (pitch - 1) % 12 in key.scale else pitch + 1


def fold(notes: list[Note], low: int = LOW, high: int = HIGH) -> list[Note]:
    """Move a whole line by octaves to where the least of it falls outside [low, high]."""
    pitches = [n.pitch for n in notes if n.pitch is not None]
    if not pitches:
        return notes
    top, bottom = max(pitches), min(pitches)
    shift = min(range(-36, 37, 12), key=lambda s: (max(0, top + s - high) + max(0, low - bottom - s), abs(s)))
    return [Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in notes]


def ornament(notes: tuple[Note, ...], key: Key) -> tuple[tuple[Note, ...], frozenset[int]]:
    """A repeat with passing notes between long notes a third apart, and neighbour notes between long repeated
    ones (the last eighth of the long note), and the indexes of the added notes. Without a place for one, the
    line an octave up (or down)."""
    scale = scale_pitches(key)
    out: list[Note] = []
    added: set[int] = set()
    chances = 0
    for i, note in enumerate(notes):
        nxt = notes[i + 1] if i + 1 < len(notes) else None
        long_enough = note.ticks >= 2 * ORNAMENT and note.ticks % ORNAMENT == 0
        if (note.pitch is not None and nxt is not None and nxt.pitch is not None and long_enough
                and note.pitch in scale and nxt.pitch in scale):
            a, b = scale.index(note.pitch), scale.index(nxt.pitch)
            between = scale[(a + b) // 2] if abs(a - b) == 2 else scale[a + 1] if a == b and a + 1 < len(scale) \
                else None
            chances += between is not None
            if between is not None and chances % 2 == 1:  # every other chance: ornaments, not a new tune
                out += [Note(note.pitch, note.ticks - ORNAMENT), Note(between, ORNAMENT)]
                added.add(len(out) - 1)
                continue
        out.append(note)
    if not added:
        pitches = [n.pitch for n in notes if n.pitch is not None]
        shift = 12 if pitches and max(pitches) + 12 <= HIGH else -12 if pitches and min(pitches) - 12 >= LOW else 0
        out = [Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in notes]
    return tuple(out), frozenset(added)


def rule_variation(notes: tuple[Note, ...], key: Key, to_fifth: bool = False) -> tuple[Note, ...]:
    """A contrasting section from the A melody by rule: the first half a diatonic sequence a third up, the second
    half the diatonic inversion around the first note, ending on the nearest tonic (``to_fifth``: the nearest 5th, a
    section that leads back into A). Same rhythm, same length."""
    scale = scale_pitches(key)
    pitched = [i for i, n in enumerate(notes) if n.pitch is not None]
    if not pitched:
        return notes
    degrees = {i: scale.index(snap(notes[i].pitch or 0, key)) for i in pitched}
    axis = degrees[pitched[0]]
    half = sum(n.ticks for n in notes) // 2
    out, now = [], 0
    for i, note in enumerate(notes):
        if note.pitch is None:
            out.append(note)
        else:
            degree = degrees[i] + 2 if now < half else 2 * axis - degrees[i] + 2
            out.append(Note(scale[min(max(degree, 0), len(scale) - 1)], note.ticks))
        now += note.ticks
    out = fold(out)
    last = max(i for i, n in enumerate(out) if n.pitch is not None)
    end = out[last].pitch or 0
    final = key.degrees[4] if to_fifth else key.tonic
    out[last] = Note(min((p for p in range(end - 6, end + 7) if p % 12 == final), key=lambda p: abs(p - end)),
                     out[last].ticks)
    return tuple(out)
