"""The words of a melody written for them, sung in an arrangement's first A: the score shows them under its notes
and the MIDI carries them as lyric events. The other sections are the songwriter's to write words for."""

from __future__ import annotations

from collections.abc import Sequence

from data.events import Melody
from studio.arrange.arrangement import Arrangement

Words = tuple[tuple[int, str], ...]  # (tick in the arrangement, syllable: a trailing '-' joins it to the next)


def sung_words(melody: Melody, lyrics: Sequence[str | None] | None, arrangement: Arrangement) -> Words:
    """``lyrics`` (one syllable or None per note of ``melody``, as the user's melody had them) at the notes of the
    first A that play them: its pickup leads in from the bar before, bars past the section's end (a melody cut to
    fit) lose their words back to a whole word. () when the section does not play the melody's notes where the
    words need them."""
    first = next((s for s in arrangement.sections if s.letter == "A"), None)
    if first is None or not lyrics or len(lyrics) != len(melody.notes):
        return ()
    onsets = {note.start for note in arrangement.tracks[0].notes}
    end = first.start + first.bars * arrangement.bar_ticks
    bar = arrangement.bar_ticks
    for opening in (first.start - melody.pickup, first.start + (bar - melody.pickup) % bar):  # a lead-in, or a rest
        placed = _placed(melody, lyrics, opening, end)
        if placed and all(tick in onsets for tick, _ in placed):
            return placed
    return ()


def _placed(melody: Melody, lyrics: Sequence[str | None], opening: int, end: int) -> Words:
    """Each sung syllable at its note's tick when the melody starts at ``opening``, up to ``end`` and a word's end."""
    placed, now = [], opening
    for note, syllable in zip(melody.notes, lyrics, strict=True):
        if now >= end:
            break
        if syllable and note.pitch is not None:
            placed.append((now, syllable))
        now += note.ticks
    while placed and placed[-1][1].endswith("-") and now >= end:  # cut mid-word: end on the last whole word
        placed.pop()
    return tuple(placed)
