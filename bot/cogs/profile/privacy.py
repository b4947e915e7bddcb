"""What `/forget` says and what `/mydata` sends: the texts, and the export packed to fit Discord's upload limit."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from bot.replies import SAFE_UPLOAD
from studio.analysis.words import plural
from studio.store.base import Forgotten
from studio.taste.service import UNLEARNED

EXPORT_NAME = "musicgenius-data"
TRIMMED = ("Your data is too big for one Discord upload, so this file leaves out the oldest entries: {left}. "
           "The bot's operator can export all of it (`musicgenius-admin export`).")
LISTS = ("generations", "feedback_given", "feedback_on_your_melodies", "quiz_answers")  # oldest first; trimmed

FORGET_PROMPT = (
    "⚠️ This deletes **everything** I've stored about you: your melodies, all feedback you gave (and the feedback "
    "others gave on your melodies), your saved `/prefs`, your `/quiz` answers and score, and what I learned of "
    "your taste; my shared community model is relearned without you. It can't be undone: `/mydata` first if you "
    "want a copy.\n"
    "What stays: melodies other people made from yours with **More like** (they are theirs, and nothing in them "
    "points back to you once yours are gone), and messages already posted in channels (Discord keeps those; "
    "a moderator can delete them).")


def forgotten_text(f: Forgotten) -> str:
    """The `/forget` result: rows deleted, table by table, and what stayed."""
    parts = [plural(f.generations, "melody", "melodies"), f"{plural(f.feedback_given, 'piece')} of feedback you gave",
             f"{plural(f.feedback_received, 'piece')} of feedback others gave on your melodies",
             plural(f.preferences, "saved setting")]
    if f.quiz_answers or f.quiz_scores:
        parts.append(plural(f.quiz_answers, "quiz answer") + (" and your quiz score" if f.quiz_scores else ""))
    text = (f"🗑️ Done: I deleted {plural(f.rows, 'stored row')} about you ({', '.join(parts)}) and relearned my "
            "taste model without you.")
    if f.more_like_kept:
        text += (f" {plural(f.more_like_kept, '**More like** reply', '**More like** replies')} other people made "
                 "from your melodies stay: they are theirs.")
    return text


def export_summary(data: dict[str, Any]) -> str:
    """What the `/mydata` file holds, in one line."""
    answers = data.get("quiz_answers") or []
    quiz = f", {plural(len(answers), 'quiz answer')} with your score" if answers else ""
    settings = [name for name in data["preferences"] if name != UNLEARNED]  # that one records `/prefs unlearn`
    return (f"📦 Everything I've stored about you: {plural(len(data['generations']), 'melody', 'melodies')}, "
            f"{plural(len(data['feedback_given']), 'piece')} of feedback you gave, "
            f"{plural(len(data['feedback_on_your_melodies']), 'piece')} of feedback others gave on your melodies "
            f"(without who), {plural(len(settings), 'saved setting')}"
            f"{quiz} and what I learned of your taste. "
            "Only you can see this; `/forget` deletes it all.")


def export_file(data: dict[str, Any], limit: int | None) -> tuple[str, bytes, str | None]:
    """(file name, bytes, note): the data as JSON, zipped when that is too big for ``limit`` bytes, and with the
    oldest entries left out (said in the note and in the file) when even the zip is too big."""
    limit = limit or SAFE_UPLOAD
    text = _json(data)
    if len(text) <= limit:
        return f"{EXPORT_NAME}.json", text, None
    if len(packed := _zip(text)) <= limit:
        return f"{EXPORT_NAME}.zip", packed, None
    low, high = 0, max(len(data.get(name, [])) for name in LISTS)  # keep the newest ``low`` entries of each list: fits
    while low < high:
        mid = (low + high + 1) // 2
        if len(_zip(_json(_newest(data, mid)))) <= limit:
            low = mid
        else:
            high = mid - 1
    kept = _newest(data, low)
    return f"{EXPORT_NAME}.zip", _zip(_json(kept)), kept["note"]


def _newest(data: dict[str, Any], keep: int) -> dict[str, Any]:
    """``data`` with only the newest ``keep`` entries of each list, and a note saying what was left out."""
    lists = [name for name in LISTS if name in data]
    left = [f"{len(data[name]) - keep} of {len(data[name])} {name.replace('_', ' ')}" for name in lists
            if len(data[name]) > keep]
    return {**data, **{name: data[name][-keep:] if keep else [] for name in lists},
            "note": TRIMMED.format(left="; ".join(left))}


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _zip(text: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{EXPORT_NAME}.json", text)
    return out.getvalue()
