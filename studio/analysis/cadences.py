"""Cadences: how each phrase ends, read from the last two chords of a harmonisation.

authentic  V (or vii°) -> I; "perfect" when the melody also lands on the tonic
half       the phrase stops on V
plagal     IV -> I
deceptive  V -> vi (VI in minor)
modal      bVII -> I, the folk and rock cadence without a leading tone
"""

from __future__ import annotations

from dataclasses import dataclass

from data.events import Melody
from studio.harmony.harmonizer import HarmonyResult

SENTENCES = {
    "perfect authentic": "the dominant resolves to the tonic and the melody lands on the tonic: it sounds finished, "
                         "like a full stop",
    "imperfect authentic": "a dominant chord resolves to the tonic, but {why}: finished, though less final",
    "half": "the phrase stops on the dominant, like a comma: it wants to go on",
    "plagal": "the subdominant moves to the tonic: the soft 'Amen' ending",
    "deceptive": "the dominant leads the ear to expect the tonic, and a different chord arrives instead: a surprise "
                 "that keeps the music going",
    "modal": "the chord a tone below the tonic moves to the tonic, with no leading tone: the open sound of folk tunes",
    "none": "no cadence: the phrase ends on a chord that leaves it open",
    "tonic": "the phrase comes to rest on the tonic chord: settled, though no dominant or subdominant leads into it",
}


@dataclass(frozen=True)
class Cadence:
    phrase: int  # index of the phrase it ends
    bar: int  # of the final chord, as a score numbers them (0 a pickup's short bar)
    start: int  # tick of the final chord, from the melody's first note (below 0 on a pickup bar's downbeat)
    kind: str  # a key of SENTENCES
    chords: tuple[str, str]  # roman numerals: the chord before and the final chord
    why: str = ""  # what makes an authentic cadence imperfect

    @property
    def label(self) -> str:
        return "" if self.kind in ("none", "tonic") else f"{self.kind} cadence"

    @property
    def sentence(self) -> str:
        moves = f"{self.chords[0]} → {self.chords[1]}" if self.chords[0] else self.chords[1]
        name = {"none": "open ending", "tonic": "ending on the tonic"}.get(self.kind, f"{self.kind} cadence")
        meaning = SENTENCES[self.kind].format(why=self.why)
        return f"Bar {self.bar}: {moves}, {'an' if name[0] in 'aeiou' else 'a'} {name} — {meaning}."


def name_cadence(before: tuple[int, tuple[int, ...]] | None, final: tuple[int, tuple[int, ...]], ends_on_tonic: bool,
                 mode: str) -> str:
    """The kind of cadence of two chords, each (root above the tonic, intervals above the root)."""
    root, intervals = final
    before_root = before[0] if before is not None else None
    tonic_chord = root == 0 and intervals[:3] in ((0, 4, 7), (0, 3, 7))
    if tonic_chord:
        if before_root == 7 or (before is not None and before_root == 11 and before[1][:3] == (0, 3, 6)):
            return "perfect authentic" if before_root == 7 and ends_on_tonic else "imperfect authentic"
        if before_root == 5:
            return "plagal"
        if before_root == 10:
            return "modal"
        return "tonic"  # III -> i, vi -> I or the tonic held: it ends at home, with no cadence's pull
    if root == 7:
        return "half"
    minor = mode in ("minor", "dorian", "phrygian")
    if before_root == 7 and root == (8 if minor else 9):
        return "deceptive"
    return "none"


def cadences(harmony: HarmonyResult, melody: Melody, phrase_ends: list[tuple[int, int, int]]) -> list[Cadence]:
    """The cadence at the end of each phrase of ``melody`` (harmonised as ``harmony``, whose chords count from the
    downbeat before any pickup): ``phrase_ends`` holds (phrase index, start tick, end tick) from the first note."""
    key, found = melody.key, []
    for index, first, last in phrase_ends:
        start, end = first + melody.start, last + melody.start  # in the harmony's ticks
        notes = [(o + melody.start, n) for o, n in zip(melody.onsets(), melody.notes, strict=True)
                 if n.pitch is not None and first <= o < last]
        if not notes:
            continue
        last_onset, last_note = notes[-1]
        chords = [c for c in harmony.chords if c.start < end and c.start + c.ticks > start]
        sounding = [c for c in chords if c.start < last_onset + last_note.ticks]  # not under a rest after it
        if not sounding:
            continue
        final = sounding[-1]  # the last chord under the last note: it may change there (`D5:h.` over ii7 V)
        earlier = [c for c in chords if c.start < final.start and c.roman != final.roman]
        before = earlier[-1] if earlier else None
        rel = (final.root - key.tonic) % 12
        # the note the phrase comes to rest on: the last on a strong beat since the final chord came (a weak note after
        # it leads into what follows, as the D of `G:h. D:q |` before a repeat), else the last
        meter = melody.meter
        arrival = min((c.start for c in chords if before is None or c.start > before.start), default=final.start)
        strong = [n for o, n in notes if o >= arrival and o % meter.bar_ticks in meter.strong_ticks]
        rest = strong[-1] if strong else last_note
        kind = name_cadence(None if before is None else ((before.root - key.tonic) % 12, before.intervals),
                            (rel, final.intervals), rest.pitch % 12 == key.tonic, key.mode)
        why = ""
        if kind == "imperfect authentic":
            leading = before is not None and before.root != (key.tonic + 7) % 12
            why = (f"the leading-tone chord {before.roman} stands in for V" if before is not None and leading
                   else "the melody ends on the third or fifth, not on the tonic")
        at_tick = final.start - melody.start
        found.append(Cadence(index, melody.bar_of(at_tick), at_tick, kind,
                             (before.roman if before else "", final.roman), why))
    return found
