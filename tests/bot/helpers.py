"""Reading what a user sees in the bot's replies, and running the bot as an operator does (`python -m bot`)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pretty_midi

from data.events import TPQ, Key, Melody, Meter, Note
from data.midi import melody_to_midi
from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def sketch_midi() -> bytes:
    """A songwriter's MIDI sketch: a sung tune in C (4 bars of quarters, 100 bpm) with its words as karaoke lyric
    events ("Sing a song of summer rain and days that never end again now"), and a piano playing `| C | F | G | C |`
    in whole-bar block chords on a second track."""
    melody = Melody(tuple(Note(p, TPQ) for p in [64, 64, 67, 67, 69, 69, 67, 67, 65, 65, 64, 64, 62, 62, 60, 60]),
                    Key(0), Meter(4, 4), tempo=100)
    words = ["Sing ", "a ", "song ", "of ", "sum", "mer ", "rain ", "and ", "days ", "that ", "nev", "er ", "end ", "a",
             "gain ", "now "]  # as karaoke files write them: a space ends a word
    pm = pretty_midi.PrettyMIDI(io.BytesIO(melody_to_midi(melody, lyrics=words)))
    piano = pretty_midi.Instrument(0, name="Piano")
    bar = 4 * 60 / 100
    for i, chord in enumerate([[48, 52, 55], [53, 57, 60], [55, 59, 62], [48, 52, 55]]):
        piano.notes += [pretty_midi.Note(70, p, i * bar, (i + 1) * bar - 0.02) for p in chord]
    pm.instruments.append(piano)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def attachment(message, suffix: str) -> bytes:
    """The bytes of the first file of ``message`` whose name ends with ``suffix`` (``.mid``, ``-score.png``)."""
    return next(a.data for a in message.attachments if a.filename.endswith(suffix))


def candidate_notes(content: str, number: int) -> str:
    """The note text of candidate ``number`` (1-based) in a melody reply's message."""
    match = re.search(rf"\*\*{number}\.\*\*[^`\n]*```\n(.*?)\n```", content, re.DOTALL)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1)


def candidate_tries(content: str, number: int) -> str:
    """What candidate ``number`` tries, as the reply says ("tries D dorian"); "" when it tries nothing new."""
    match = re.search(rf"\*\*{number}\.\*\*(?: _(.*?)_)? ```", content)
    assert match, f"no candidate {number} in: {content[:300]}"
    return match.group(1) or ""


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment an operator gives `python -m bot`: a fake token, a database in ``tmp_path``, no dev guild."""
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "MUSICGENIUS_DB": str(tmp_path / "b.sqlite3"),
           "PYTHONPATH": str(ROOT), **extra}
    env.pop("DISCORD_DEV_GUILD", None)
    return env


@contextlib.asynccontextmanager
async def bot_process(tmp_path: Path, fake: FakeDiscord, **extra: str) -> AsyncIterator[list[str]]:
    """`python -m bot` against ``fake`` (``bot_env`` plus ``extra``) for the block, entered once its commands are
    synced globally and it is connected; yields a list that holds the process's output once the block is left."""
    env = bot_env(tmp_path, DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url, **extra)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []
    try:
        await fake.wait_for_commands(timeout=60, guild=False)
        await fake.wait_connected(timeout=30)
        yield output
    finally:
        if proc.returncode is None:
            proc.terminate()
        output.append((await proc.communicate())[0].decode())
        print(output[-1])
