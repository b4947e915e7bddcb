"""Where a command's melody comes from: typed notes, a MIDI attachment, the user's last /melody, or a bot message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import discord

from bot.errors import discord_syntax
from bot.melody_reply import shown_on
from studio.errors import MusicError, cmd, opt, render
from studio.inputs import (
    EXAMPLE,
    MAX_NOTES,
    FileChords,
    GivenMelody,
    Key,
    Melody,
    Meter,
    bare_quarters,
    check_midi_size,
    check_notes,
    check_tempo,
    melody_from_midi,
    melody_from_notes,
)
from studio.melody import Composer, MelodyResult

if TYPE_CHECKING:
    from bot.client import MusicGenius
    from studio.store.base import Generation

MELODY_FILES = (".mid", ".midi", ".mxl", ".musicxml", ".xml", ".abc")  # what a melody is read from, likeliest first
BOTH = "You gave notes too: the file wins, so I left `notes:` aside."
NO_FILE = "`track:` picks a track of a MIDI file, and you gave none (`midi:`), so I left it aside."


@dataclass
class MelodySource:
    """A melody request checked before deferring (no await on the store); ``resolve`` does the rest after."""

    bot: MusicGenius
    notes: str | None = None
    key: Key | None = None
    meter: Meter | None = None
    tempo: int | None = None
    midi: discord.Attachment | None = None
    track: int | None = None  # which track of ``midi`` holds the melody, from 1 (None: the one found highest)
    last_of: int | None = None  # the user whose last /melody to use
    message_id: int | None = None  # the bot reply whose melody to use
    candidate: int | None = None  # which of its candidates, from 1 (None: the first)
    max_notes: int = MAX_NOTES
    example: str = EXAMPLE  # a ``studio.errors.opt`` or ``cmd`` mark
    written_in: str | None = None  # set by ``resolve``: jianpu (or solfège, ABC) for a seed typed in it or a reply
    # shown in it
    key_written: bool = False  # set by ``resolve``: the key is a MIDI file's, from its key signature
    attached: discord.Attachment | None = None  # a MIDI file on the picked message, read when it has no melody
    attached_track: int | None = None  # which track of it: 1 on the bot's replies (the melody), else found
    ending: str = "closed"  # set by ``resolve``: how a stored melody of mine was asked to end (`half`: on V)
    chords: str | None = None  # set by ``resolve``: the chords a stored melody of mine was written over
    lyrics: Sequence[str | None] | None = None  # set by ``resolve``: the words a stored melody was written for (or
    # a MIDI file's), a syllable per note
    file_chords: FileChords | None = None  # set by ``resolve``: the chords a MIDI file's other parts (or a score's
    # chord symbols) play under its tune
    picker: int | None = None  # whose Pick on the message chooses its candidate when ``candidate`` is None

    @classmethod
    def check(cls, bot: MusicGenius, user_id: int, *, notes: str | None = None, key: str | None = None,
              meter: str | None = None, tempo: int | None = None, midi: discord.Attachment | None = None,
              track: int | None = None, max_notes: int = MAX_NOTES, example: str = EXAMPLE) -> MelodySource:
        """Every fast check (a MusicError here is answered privately, before the command defers); without notes
        or a MIDI file, the user's last /melody is used (looked up by ``resolve``)."""
        source = cls(bot, key=Key.parse(key) if key else None, meter=Meter.parse(meter) if meter else None,
                     tempo=tempo, midi=midi, track=track, max_notes=max_notes, example=example)
        check_tempo(tempo)
        if midi is not None:
            check_midi_size(midi.size)
        if notes:
            check_notes(notes, max_notes, example)
            source.notes = notes
        elif midi is None:
            source.last_of = user_id
        return source

    @classmethod
    def from_message(cls, bot: MusicGenius, message: discord.Message, candidate: int | None = None,
                     user_id: int | None = None) -> MelodySource:
        """The melody of one of the bot's /melody replies (candidate ``candidate`` counting from 1; else the one
        ``user_id`` picked with its Pick button, else the first), for the message context menus and the buttons under
        a reply; on a message with no stored melody, its MIDI (or MusicXML) file's (the replies of /chords, /arrange
        and /analyze carry one, and so may a user's message)."""
        attached = next((a for suffix in MELODY_FILES for a in message.attachments
                         if a.filename.lower().endswith(suffix)), None)
        own = bot.user is not None and message.author.id == bot.user.id
        return cls(bot, message_id=message.id, candidate=candidate, attached=attached,
                   attached_track=1 if own else None, picker=user_id)

    async def _picked(self, shown: list[Generation]) -> int | None:
        """Which of a reply's candidates (from 1) ``picker`` took with its Pick button (the last, if several)."""
        if self.picker is None or len(shown) < 2:
            return None
        picks = [i for i, g in enumerate(shown, start=1)
                 if (await self.bot.store.feedback(g.id)).get((self.picker, "pick"))]
        return picks[-1] if picks else None

    async def _stored(self) -> tuple[Melody | None, str]:
        """The stored melody this source names, if any, and where it came from."""
        if self.message_id is not None:
            shown = [g for g in await shown_on(self.bot, self.message_id) if g.command == "melody"]
            if not shown and self.attached is not None:
                return await self._attached_melody(self.attached)
            if not shown:
                raise MusicError("That message has no melody of mine. Use this on one of my /melody replies, or run "
                                 f"{cmd('melody', notes='C E G')} first.")
            ordered = sorted(shown, key=lambda g: g.candidate)
            if self.candidate is not None and not 1 <= self.candidate <= len(ordered):
                raise MusicError(f"That reply has {len(ordered)} candidate{'s' if len(ordered) > 1 else ''}; "
                                 f"choose one from 1 to {len(ordered)}.")
            pick = None if self.candidate is not None else await self._picked(ordered)
            chosen = ordered[(self.candidate or pick or 1) - 1]
            restored = Composer.restore(chosen.params, chosen.notes)
            picked, self.written_in, self.ending = restored.melody, restored.notation, restored.request.ending
            self.chords, self.lyrics = restored.request.chords, restored.lyrics
            if len(ordered) == 1:
                return picked, "🎼 I used the melody of the message you picked."
            if self.candidate is not None:
                return picked, f"🎼 I used candidate {self.candidate} of the message you picked."
            if pick is not None:
                return picked, f"🎼 I used candidate {pick} of that message, the one you picked."
            return picked, "🎼 I used candidate 1 of that message: press Pick under another one first to use it."
        if self.last_of is not None:
            last = await last_result(self.bot, self.last_of, self.example)
            self.written_in, self.ending, self.chords = last.notation, last.request.ending, last.request.chords
            self.lyrics = last.lyrics
            return last.melody, "🎼 I used your last melody (the first candidate of your newest melody reply)."
        return None, ""

    async def _read_midi(self, attachment: discord.Attachment, track: int | None, where: str = "") -> GivenMelody:
        """The melody of a MIDI file (``track``, or its melody track), read in an executor; ``where``: on a message
        picked in the Apps menu, which takes no track."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(
            melody_from_midi, await attachment.read(), self.key, self.meter, self.tempo, track, self.max_notes,
            self.example, f"`{attachment.filename}`{where}", not where))

    async def _attached_melody(self, attachment: discord.Attachment) -> tuple[Melody, str]:
        check_midi_size(attachment.size)
        given = await self._read_midi(attachment, self.attached_track, " on the message you picked")
        used = (f"I used the melody track of `{attachment.filename}` on the message you picked." if self.attached_track
                else given.used)  # the bot's own reply: its first track
        self.key_written = given.key_written and not self.attached_track  # a user's file: its signature said so
        self._from_file(given, attachment)
        return given.melody, f"🎼 {used} {given.cut}".strip()

    def _from_file(self, given: GivenMelody, attachment: discord.Attachment) -> None:
        """What a MIDI file holds beside its tune: words, and chords in another part."""
        self.lyrics = given.lyrics
        self.file_chords = given.file_chords(f"`{attachment.filename}`")

    async def resolve(self) -> tuple[Melody, str]:
        """The melody (key guessed from the notes when not given) and a sentence saying where it came from."""
        stored, origin = await self._stored()
        aside = NO_FILE if self.midi is None and self.track is not None else ""
        if stored is not None:
            same_bars = self.meter in (None, stored.meter)  # its pickup, unless another meter was asked for
            self.lyrics = self.lyrics if same_bars else None
            melody = Melody(stored.notes, self.key or stored.key, self.meter or stored.meter,
                            self.tempo or stored.tempo, pickup=stored.pickup if same_bars else 0)
            return melody, render(f"{origin} {aside}".strip(), discord_syntax)
        loop = asyncio.get_running_loop()
        if self.midi is not None:
            given = await self._read_midi(self.midi, self.track)
            origin, self.key_written = f"🎼 {given.used} {given.cut}".strip(), given.key_written
            self._from_file(given, self.midi)
            if self.notes:
                origin = f"{origin} {BOTH}"
        else:
            given = await loop.run_in_executor(None, partial(
                melody_from_notes, self.notes or "", self.key, self.meter, self.tempo, self.max_notes, self.example))
            self.written_in = given.notation
            origin = f"🎼 {given.read_as}" if given.read_as else origin
            if self.notes and self.meter is not None:
                origin = f"{origin} {bare_quarters(self.notes, str(self.meter))}".strip()
        if given.key_guessed:
            origin = f"{origin} Key {given.melody.key} (guessed from the notes; set {opt('key')} to choose).".strip()
        origin = f"{origin} {given.misfit} {aside}".strip()
        return given.melody, render(origin, discord_syntax)


async def last_result(bot: MusicGenius, user_id: int, example: str) -> MelodyResult:
    """The first candidate of the user's most recent /melody reply, as it was shown."""
    recent = [g for g in await bot.store.generations(user_id, limit=20) if g.command == "melody"]
    if not recent:
        raise MusicError(f"You have no melody yet. Run {cmd('melody', notes='C E G')} first, or give me notes: "
                         f"{example}.")
    newest = [g for g in recent if g.message_id == recent[0].message_id] if recent[0].message_id else recent[:1]
    chosen = min(newest, key=lambda g: g.candidate)
    return Composer.restore(chosen.params, chosen.notes)
