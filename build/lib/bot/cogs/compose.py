"""Composition commands: `/melody`, and the buttons under its replies."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import answer_error
from bot.replies import candidates_content, fit_attachments, melody_embed, to_files
from bot.views import candidate_view
from data.events import MODE_OFFSET, PITCH_NAMES, STYLES, MusicError
from data.midi import MAX_MIDI_BYTES
from model.engine import EngineBusy
from studio.melody import MelodyResult, midi_request
from studio.render import candidate_files, melody_files
from studio.requests import MelodyRequest

if TYPE_CHECKING:
    from bot.client import MusicGenius

FEEDBACK_EMOJI = ("👍", "👎")
KEY_CHOICES = [f"{t} {m}" for t in PITCH_NAMES for m in MODE_OFFSET]
OPTION_HELP = {
    "notes": "Seed notes, e.g. C E G · C4:q D4:e E4:e G4:h · do re mi · 60 64 67",
    "bars": "Length of the whole melody in bars (1-64, default 8)",
    "temperature": "0.1-2.0: low is safe, high is adventurous (default 1.0)",
    "seed": "RNG seed: the same seed gives the same melody",
    "key": 'Key, e.g. "G major", "E minor", "D dorian" (default: guessed from your notes)',
    "meter": "Time signature, e.g. 4/4, 3/4, 6/8 (default 4/4)",
    "tempo": "Beats per minute (30-300, default 110)",
    "style": "Which tradition the continuation leans on",
    "top_p": "Nucleus sampling, 0.1-1.0 (default 0.95)",
    "count": "How many candidates to offer (1-3, default 3)",
    "midi": "A MIDI file to continue instead of typed notes (its top voice is used)",
    "track": "With a MIDI file: which track to take the melody from (1 = first; default: the top voice)",
    "lyrics": "Your words: I write a melody for them, one note per syllable (notes, if given, start it)",
}
PREFERENCE_NAMES = ("key", "meter", "tempo", "style", "temperature", "bars", "top_p")
METERS = ("4/4", "3/4", "6/8", "2/4", "2/2", "9/8", "3/8", "6/4", "3/2", "12/8", "4/2")


def key_choices(current: str) -> list[app_commands.Choice[str]]:
    """Key autocomplete: "d dor" -> D dorian; "minor" -> every minor key (25 at most)."""
    words = current.lower().split()

    def fits(choice: str) -> bool:
        tonic, mode = choice.lower().split()
        if len(words) >= 2:
            return tonic.startswith(words[0]) and mode.startswith(words[1])
        return not words or tonic.startswith(words[0]) or mode.startswith(words[0])

    return [app_commands.Choice(name=k, value=k) for k in KEY_CHOICES if fits(k)][:25]


class Compose(commands.Cog):
    """Melody generation and its candidate buttons."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="melody", description="Continue a melody from a few notes you type (or a MIDI file)")
    @app_commands.describe(**OPTION_HELP)
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in STYLES])
    async def melody(
        self,
        interaction: discord.Interaction,
        notes: str | None = None,
        bars: int | None = None,
        temperature: float | None = None,
        seed: int | None = None,
        key: str | None = None,
        meter: str | None = None,
        tempo: int | None = None,
        style: str | None = None,
        top_p: float | None = None,
        count: int = 3,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        lyrics: str | None = None,
    ) -> None:
        if lyrics is not None and midi is not None:
            raise MusicError("Give me either words (`lyrics:`) or a MIDI file, not both. To set words to a tune you "
                             "typed, use `notes:` with `lyrics:`.")
        if midi is None and not notes and lyrics is None:
            raise MusicError("Give me notes to start from, e.g. `notes:C E G`, attach a MIDI file with `midi:`, or "
                             "give me words to sing with `lyrics:Twinkle twinkle little star`.")
        if midi is not None and midi.size > MAX_MIDI_BYTES:
            raise MusicError("MIDI seeds must be under 1 MB. Upload a short .mid file, or type notes like `C E G`.")
        given = {k: v for k, v in dict(bars=bars, temperature=temperature, top_p=top_p, key=key, style=style,
                                      meter=meter, tempo=tempo).items() if v is not None}
        placeholder = "" if lyrics is not None else "C"
        checked = MelodyRequest(notes=notes or placeholder, seed=seed, count=count, lyrics=lyrics, **given)
        if midi is None:
            self.bot.composer.validate(checked)
        self._check_not_busy()
        await interaction.response.defer(thinking=True)
        chosen, why = await self._personal(interaction.user.id, given, notes, for_midi=midi is not None,
                                           for_words=lyrics is not None)
        if midi is None:
            request = MelodyRequest(notes=notes or "", seed=seed, count=count, lyrics=lyrics, **chosen)
        else:
            data = await midi.read()
            request = await asyncio.get_running_loop().run_in_executor(
                None, partial(midi_request, data, track, seed=seed, count=count, **{"meter": None, "tempo": None,
                                                                                    **chosen}))
        self.bot.composer.validate(request)
        results = await self.bot.taste.rank(interaction.user.id, await self.bot.composer.candidates(request))
        await self._reply(interaction, results, why)

    async def _personal(self, user_id: int, given: dict, notes: str | None, for_midi: bool,
                        for_words: bool = False) -> tuple[dict, str]:
        """Options the user gave, filled from their /prefs and then from what the bot learned of their taste.

        Returns the options and a line saying which were filled in, and from where. A MIDI file's own
        meter and tempo beat anything not typed.
        """
        saved = {k: v for k, v in (await self.bot.store.preferences(user_id)).items() if k in PREFERENCE_NAMES}
        learned = await self.bot.taste.defaults(user_id, {**saved, **given, "notes": notes})
        chosen = {**learned, **saved, **given}
        if for_midi:
            chosen = {k: v for k, v in chosen.items() if k not in ("meter", "tempo") or k in given}
        if for_words:  # the words decide the length
            chosen.pop("bars", None)
        filled = [f"{k} {chosen[k]} ({'your /prefs' if k in saved else 'learned from your feedback'})"
                  for k in chosen if k not in given]
        why = f"🎛️ Filled in for you: {', '.join(filled)}. Give an option to override it." if filled else ""
        return chosen, why

    @melody.autocomplete("key")
    async def _key_choices(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return key_choices(current)

    @melody.autocomplete("meter")
    async def _meter_choices(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=m, value=m) for m in METERS if current.strip() in m][:25]

    def _check_not_busy(self) -> None:
        if self.bot.composer.engine.busy:
            raise EngineBusy()

    async def _reply(self, interaction: discord.Interaction, results: list[MelodyResult], note: str = "") -> None:
        """Send the candidates with their files and buttons, store them, add 👍 👎."""
        stem = f"melody-{results[0].request.seed}"
        loop = asyncio.get_running_loop()
        lyrics = [None if r.lyrics is None else list(r.lyrics) for r in results]
        files = await loop.run_in_executor(None, candidate_files, [r.melody for r in results], stem,
                                           lyrics if any(lyrics) else None)
        content, overflow = candidates_content(results, note)
        if overflow is not None:
            files.insert(0, overflow)
        files = fit_attachments(files, interaction.filesize_limit)
        message = await interaction.followup.send(
            content, embeds=[melody_embed(r, i, len(results)) for i, r in enumerate(results)],
            files=to_files(files), view=candidate_view(len(results)), wait=True,
        )
        await self.bot.store.add_generations(
            interaction.user.id, "melody", [(asdict(r.request), r.request.seed, r.text) for r in results],
            message_id=message.id, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
        )
        for emoji in FEEDBACK_EMOJI:
            await message.add_reaction(emoji)

    async def on_button(self, interaction: discord.Interaction, action: str, index: int) -> None:
        """Pick / more like / regenerate, from whoever pressed (their feedback, their new generation)."""
        try:
            shown = await self.bot.store.generations_for_message(interaction.message.id) if interaction.message else []
            if not shown or (action != "regen" and index >= len(shown)):
                raise MusicError("I can't find that melody any more. Start a new one with `/melody notes:C E G`.")
            self._check_not_busy()
            await interaction.response.defer(thinking=True)
            ids = [g.id for g in shown]
            user = interaction.user.id
            if action == "pick":
                await self.bot.store.set_feedback([ids[index]], user, "pick", 1)
                await self.bot.taste.learn(user, shown, "pick", 1, index)
                chosen = self.bot.composer.restore(shown[index].params, shown[index].notes)
                await self._send_pick(interaction, chosen, index)
            elif action == "more":
                await self.bot.store.set_feedback([ids[index]], user, "more", 1)
                await self.bot.taste.learn(user, shown, "more", 1, index)
                chosen = self.bot.composer.restore(shown[index].params, shown[index].notes)
                request = self.bot.composer.variation_request(chosen)
                await self._reply(interaction, await self.bot.composer.candidates(request))
            else:
                await self.bot.store.set_feedback(ids, user, "regenerate", -1)
                await self.bot.taste.learn(user, shown, "regenerate", -1)
                request = MelodyRequest(**{**shown[0].params, "seed": None})
                await self._reply(interaction, await self.bot.composer.candidates(request))
        except Exception as exc:  # noqa: BLE001 - every press gets an answer
            await answer_error(interaction, exc)

    async def _send_pick(self, interaction: discord.Interaction, result: MelodyResult, index: int) -> None:
        stem = f"melody-{result.request.seed}"
        loop = asyncio.get_running_loop()
        files = await loop.run_in_executor(None, partial(
            melody_files, result.melody, stem, f"Candidate {index + 1}",
            lyrics=None if result.lyrics is None else list(result.lyrics)))
        files = fit_attachments(files, interaction.filesize_limit)
        await interaction.followup.send(
            f"🎯 {interaction.user.mention} picked candidate {index + 1}:\n```\n{result.text[:1800]}\n```",
            embed=melody_embed(result, index, 1), files=to_files(files), wait=True,
        )


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Compose(bot))
