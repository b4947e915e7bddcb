"""A tune given as ABC (``data.abc``): pasted into ``notes:`` or uploaded as a .abc file, read as letter notes with
the key, meter and tempo its header gives where the user gave none."""

from __future__ import annotations

from data.abc import is_abc, looks_like_abc_body, read_abc
from data.errors import MusicError
from data.events import Meter
from data.jianpu import written_meter
from data.notation import MAX_SEED_NOTES, parse_seed
from studio.options import MELODY


def abc_upload(data: bytes) -> str | None:
    """The text of an uploaded ABC file (UTF-8, else Latin-1), or None when ``data`` is not one."""
    if data[:4] == b"MThd" or b"\0" in data[:4000]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text if is_abc(text[:4000]) else None


def abc_options(notes: str | None, typed: dict[str, object], max_notes: int = MAX_SEED_NOTES
                ) -> tuple[str | None, dict[str, str | int], str]:
    """Notes pasted as an ABC tune (``data.abc``): the notes as letters (as played, its first ``max_notes`` notes
    to a bar line), the options its header gives that were not ``typed`` (key, meter, tempo: typed options win),
    and a sentence saying what was read. Jianpu with a time signature on its key line (``1=G 6/8``, ``data.jianpu``)
    comes back without it, its meter an option where none was typed. Other notes come back as they are, with no
    options and no sentence."""
    abc = bool(notes) and is_abc(notes)
    if notes and not abc:
        notes, meter = written_meter(notes)
        if meter is not None:
            Meter.parse(meter)  # a MusicError for one that isn't
            return notes, {} if typed.get("meter") is not None else {"meter": meter}, ""
    if not notes or not (abc or _abc_body(notes)):
        return notes, {}, ""
    tune = read_abc(notes, max_notes)
    used = {k: v for k, v in tune.options().items() if typed.get(k) is None}
    said = [f"“{tune.title}”"] * bool(tune.title) + [str(v) + " bpm" * (k == "tempo") for k, v in used.items()]
    read = f"Read as an ABC tune: {', '.join(said)}." if said else "Read as an ABC tune."
    return tune.notes, used, f"{read} {tune.cut}".strip()


MORE_BARS = 8  # a whole tune given (pasted as ABC, or a file) with no ``bars`` asked for: continued by this many bars
MAX_BARS = MELODY["bars"].high


def continued(ticks: int, pickup: int, bar_ticks: int) -> tuple[int, int]:
    """The whole bars a melody of ``ticks`` fills after its pickup, and the ``bars`` that continue it ``MORE_BARS``
    past its end (at most ``MAX_BARS``)."""
    filled = -(-(ticks - pickup) // bar_ticks)
    return filled, min(filled + MORE_BARS, MAX_BARS)


def abc_melody_options(notes: str | None, typed: dict[str, object], for_words: bool = False
                       ) -> tuple[str | None, dict[str, object], str]:
    """/melody's notes and options from notes pasted as an ABC tune (the bot's and the CLI's): ``abc_options``'
    header options, the reply in ABC unless a notation was typed, and unless ``bars`` was typed (or words set the
    length) bars enough to continue the whole tune by ``MORE_BARS``. Other notes: as they are, no options."""
    notes, header, read_as = abc_options(notes, typed)
    if not read_as:
        return notes, header, ""  # jianpu's written meter, if any
    options: dict[str, object] = dict(header)
    if typed.get("notation") is None:
        options["notation"] = "abc"
    if typed.get("bars") is None and not for_words:
        meter = Meter.parse(str({**typed, **header}.get("meter") or MELODY["meter"].default))
        seed = parse_seed(notes or "", meter=meter)
        options["bars"] = continued(seed.ticks, seed.pickup, meter.bar_ticks)[1]
    return notes, options, read_as


def _abc_body(notes: str) -> bool:
    """Whether ``notes`` is an ABC tune's body without a header (``GABc dedB|``), as ``parse_seed`` reads it: the
    notes are parsed only when they look like one (most typed notes don't: no second parse for them)."""
    try:
        return looks_like_abc_body(notes) and parse_seed(notes, max_notes=100_000).abc
    except MusicError:
        return False
