"""`/similar` and `musicgenius similar`: the corpus tunes closest to a melody, shown the same way by both front ends
(the search itself is ``studio.originality.similar_tunes``)."""

from __future__ import annotations

from data.events import Melody, Note
from studio.originality import SCORE_HELP, Similar, check_similar_length, similar_tunes
from studio.render import Attachment, piano_roll_png

__all__ = ["SCORE_HELP", "Similar", "check_similar_length", "passage_text", "similar_files", "similar_heading",
           "similar_tunes", "summary_lines", "where"]

PASSAGE_CHARS = 300  # each side of a shared passage, as text, at most (a message shows up to five tunes)


def _from(onset: int, melody: Melody) -> Melody:
    """``melody`` preceded by a rest up to where it starts in its bar, so the roll's bar lines fall right."""
    lead = onset % melody.meter.bar_ticks
    return Melody(((Note(None, lead),) if lead else ()) + melody.notes, melody.key, melody.meter, melody.tempo)


def first_bar(found: Similar, mine: bool) -> int:
    """The bar one side of the shared run starts in (a pickup's bar is bar 1)."""
    melody, onset = (found.mine, found.mine_onset) if mine else (found.theirs, found.theirs_onset)
    return onset // melody.meter.bar_ticks + 1


def where(found: Similar, mine: bool) -> str:
    """'notes 5-16, from bar 2' for one side of the shared run."""
    melody, at = (found.mine, found.mine_at) if mine else (found.theirs, found.theirs_at)
    return f"notes {at + 1}-{at + len(melody.notes)}, from bar {first_bar(found, mine)}"


def similar_heading(found: Similar, rank: int) -> str:
    """'1. “Lady Day” — O'Neill's Music of Ireland (1850), no. 1584 · score 74% · 9 notes in a row'."""
    return (f"{rank}. “{found.tune.title}” — {found.tune.cited} · score {found.score:.0%} · "
            f"{found.longest} notes in a row")


def passage_text(found: Similar, limit: int = PASSAGE_CHARS) -> tuple[str, str]:
    """The shared run side by side, as note text: yours in your key, theirs moved to start on your pitch."""
    def cut(text: str) -> str:
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"

    return cut(found.mine_text), cut(found.theirs_text)


def summary_lines(found: Similar, rank: int) -> list[str]:
    """The terminal's lines for one tune."""
    mine, theirs = passage_text(found, 10_000)
    return [similar_heading(found, rank),
            f"   yours  ({where(found, True)}):  {mine}",
            f"   theirs ({where(found, False)}, in {found.theirs.key}):  {theirs}"]


def similar_roll_png(found: Similar) -> bytes:
    """Both sides of the shared run as a small piano roll: yours above (orange), the tune's below (blue)."""
    mine = _from(found.mine_onset, found.mine)
    mine = Melody(mine.notes, mine.key, mine.meter, mine.tempo, seed_len=len(mine.notes))
    theirs = _from(found.theirs_onset, found.theirs)
    titles = [f"Yours: {where(found, True)}", f"“{found.tune.title[:60]}”: {where(found, False)} (in {theirs.key})"]
    return piano_roll_png([mine, theirs], titles, legend=False, first_bars=[first_bar(found, True),
                                                                          first_bar(found, False)])


def similar_files(found: list[Similar], stem: str = "similar") -> list[Attachment]:
    """One piano roll per tune (CPU: run it in the render pool)."""
    return [Attachment(f"{stem}-{i}.png", similar_roll_png(s), f"Your melody and “{s.tune.title[:60]}”, the run "
                       "you share") for i, s in enumerate(found, start=1)]
