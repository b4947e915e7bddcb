"""Words that stay with a melody made from one written for them: in another key or mode, an octave away, at another
tempo, with more bars, some bars rewritten or another rhythm in the same meter."""

from __future__ import annotations

from collections.abc import Sequence

from data.events import Melody

Sung = tuple[str | None, ...]  # a syllable ('-' joins the next) or None per note


def carried_words(before: Melody, lyrics: Sequence[str | None] | None, after: Melody) -> Sung | None:
    """The words of ``before`` (a syllable or None per note) on ``after``, made from it, bar by bar: a bar whose
    sung notes all start at the same times in ``after`` and last as long keeps each syllable on its note (its
    pitch may differ); a bar with a new rhythm sings its syllables on its first notes in order and holds the last
    over the rest, when it has enough notes; otherwise its words are lost, and a word it cut ends where it is cut.
    None when no bar keeps words (another meter, or no words)."""
    if (not lyrics or len(lyrics) != len(before.notes) or before.meter != after.meter
            or before.pickup != after.pickup):
        return None
    bar, lead = before.meter.bar_ticks, (before.meter.bar_ticks - before.pickup) % before.meter.bar_ticks
    old: dict[int, list[tuple[int, int, str]]] = {}  # bar -> (start, ticks, syllable) of its sung notes
    for start, note, text in zip(before.onsets(), before.notes, lyrics, strict=True):
        if text and note.pitch is not None:
            old.setdefault((start + lead) // bar, []).append((start, note.ticks, text))
    new: dict[int, list[tuple[int, int, int]]] = {}  # bar -> (start, ticks, index in ``after``) of its notes
    for i, (start, note) in enumerate(zip(after.onsets(), after.notes, strict=True)):
        if note.pitch is not None:
            new.setdefault((start + lead) // bar, []).append((start, note.ticks, i))
    out: list[str | None] = [None] * len(after.notes)
    placed: dict[int, list[int]] = {}  # bar -> where its syllables went, in order
    for number, sung in old.items():
        notes = new.get(number, [])
        kept = {(start, ticks): i for start, ticks, i in notes}
        if all((start, ticks) in kept for start, ticks, _ in sung):
            placed[number] = [kept[start, ticks] for start, ticks, _ in sung]
        elif len(notes) >= len(sung):
            placed[number] = [i for _, _, i in notes[:len(sung)]]
        else:
            continue
        for place, (_, _, text) in zip(placed[number], sung, strict=True):
            out[place] = text
    numbers = sorted(old)
    for number, following in zip(numbers, [*numbers[1:], None], strict=True):
        if number in placed and following not in placed:  # a word cut by a bar that lost its words ends here
            last = placed[number][-1]
            out[last] = (out[last] or "").removesuffix("-")
    return tuple(out) if any(out) else None
