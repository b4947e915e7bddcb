"""`/chords`: harmonise typed notes, a MIDI file, or the user's last /melody."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import MAX_CONTENT, fit_attachments, to_files
from data.events import Key, Melody, Meter, MusicError
from data.midi import MAX_MIDI_BYTES
from data.notation import parse_seed
from studio.harmony import HARMONY_STYLES, RHYTHMS, HarmonyResult, default_harmonizer, harmony_files
from studio.melody import Composer, infer_key, midi_request
from studio.render import Attachment
from studio.requests import LIMITS

if TYPE_CHECKING:
    from bot.client import MusicGenius

MAX_NOTES = 256
EXAMPLE = "`/chords notes:E D C D E E E:h key:C meter:4/4`"
OPTION_HELP = {
    "notes": "The melody to harmonise, e.g. E D C D E E E:h (default: your last /melody)",
    "key": 'Key, e.g. "G major", "E minor", "D dorian" (default: guessed from the notes)',
    "meter": "Time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)",
    "rhythm": "How often the chord changes: every beat, half bar or bar (default beat)",
    "style": "chorale (learned from Bach), pop (I IV V vi) or jazz (sevenths, ii-V-I)",
    "midi": "A MIDI file whose top voice to harmonise",
    "tempo": "Beats per minute (30-300; default: the melody's, or 110)",
}


class Harmony(commands.Cog):
    """Chords under a melody."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="chords", description="Chords for a melody: symbols, roman numerals, score, MIDI, audio")
    @app_commands.describe(**OPTION_HELP)
    @app_commands.choices(rhythm=[app_commands.Choice(name=r, value=r) for r in RHYTHMS],
                          style=[app_commands.Choice(name=s, value=s) for s in HARMONY_STYLES])
    async def chords(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        key: str | None = None,
        meter: str | None = None,
        rhythm: str = "beat",
        style: str = "chorale",
        midi: discord.Attachment | None = None,
        tempo: int | None = None,
    ) -> None:
        # Everything that needs no CPU work is checked before deferring, so mistakes are answered privately.
        parsed_key = Key.parse(key) if key else None
        parsed_meter = Meter.parse(meter) if meter else None
        if tempo is not None and not LIMITS["tempo"][0] <= tempo <= LIMITS["tempo"][1]:
            raise MusicError(f"`tempo` must be between 30 and 300 (you gave {tempo}). Try `tempo:100`.")
        if rhythm not in RHYTHMS or style not in HARMONY_STYLES:
            raise MusicError(f"Pick rhythm from {', '.join(RHYTHMS)} and style from {', '.join(HARMONY_STYLES)}.")
        if midi is not None and midi.size > MAX_MIDI_BYTES:
            raise MusicError("MIDI files must be under 1 MB. Upload a short .mid file, or type notes like `C E G`.")
        last: Melody | None = None
        source = ""
        if notes:
            seed = parse_seed(notes, max_notes=MAX_NOTES)
            if all(n.pitch is None for n in seed.notes):
                raise MusicError(f"Your notes are only rests. Give me a melody, e.g. {EXAMPLE}.")
        elif midi is None:
            last = await self._last_melody(interaction.user.id)
            source = "🎼 I harmonised your last melody from /melody."
        await interaction.response.defer(thinking=True)
        loop = asyncio.get_running_loop()
        if last is not None:
            melody = Melody(last.notes, parsed_key or last.key, parsed_meter or last.meter, tempo or last.tempo)
        else:
            if midi is not None:
                request = await loop.run_in_executor(None, partial(
                    midi_request, await midi.read(), None, meter=str(parsed_meter) if parsed_meter else None,
                    tempo=tempo))
                text, parsed_meter, tempo = request.notes, Meter.parse(request.meter), request.tempo
                source = f"🎼 I harmonised the top voice of `{midi.filename}`."
            else:
                text = notes or ""
            seed = parse_seed(text, max_notes=MAX_NOTES)
            if parsed_key is None:
                parsed_key = await loop.run_in_executor(None, infer_key, seed.notes)
                source = f"{source} Key {parsed_key} (guessed from the notes; set `key:` to choose).".strip()
            melody = Melody(seed.notes, parsed_key, parsed_meter or Meter(), tempo or 110)
        result = await loop.run_in_executor(None, self._harmonise, melody, rhythm, style)
        files = await loop.run_in_executor(None, harmony_files, result, f"chords-{style}", "Harmonisation")
        content, overflow = chords_content(result, source)
        if overflow is not None:
            files.insert(0, overflow)
        await interaction.followup.send(content, files=to_files(fit_attachments(files, interaction.filesize_limit)))

    @staticmethod
    def _harmonise(melody: Melody, rhythm: str, style: str) -> HarmonyResult:
        return default_harmonizer().harmonize(melody, rhythm, style)

    async def _last_melody(self, user_id: int) -> Melody:
        """The first candidate of the user's most recent /melody reply."""
        recent = [g for g in await self.bot.store.generations(user_id, limit=20) if g.command == "melody"]
        if not recent:
            raise MusicError(f"You have no melody to harmonise yet. Run `/melody notes:C E G` first, or give me notes: "
                             f"{EXAMPLE}.")
        newest = [g for g in recent if g.message_id == recent[0].message_id] if recent[0].message_id else recent[:1]
        chosen = min(newest, key=lambda g: g.candidate)
        return Composer.restore(chosen.params, chosen.notes).melody


def chords_content(result: HarmonyResult, source: str = "") -> tuple[str, Attachment | None]:
    """Chord symbols per bar and roman numerals; the full text as a file when it is too long for a message."""
    m = result.melody
    head = (f"🎹 **Chords** in {m.key} · {m.meter} · one chord per {result.rhythm} · {result.style} style"
            + (f"\n{source}" if source else ""))
    text = f"{head}\n```\n{result.chord_text}\n```Roman numerals in {m.key}:\n```\n{result.roman_text}\n```"
    if len(text) <= MAX_CONTENT:
        return text, None
    room = (MAX_CONTENT - len(head) - 120) // 2
    short = (f"{head} (full text attached)\n```\n{result.chord_text[:room]} …\n```Roman numerals:\n```\n"
             f"{result.roman_text[:room]} …\n```")
    full = f"Chords: {result.chord_text}\n\nRoman numerals in {m.key}: {result.roman_text}\n"
    return short, Attachment("chords.txt", full.encode(), "All the chords as text")


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Harmony(bot))
