"""`/melody`: continue typed notes, a MIDI file, or set words to music."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.admission import admitted
from bot.autocomplete import key_autocomplete, meter_autocomplete
from bot.errors import discord_syntax
from bot.melody_reply import generate
from bot.replies import defer
from bot.sources import BOTH, NO_FILE
from studio.chord_melody import (
    check_sources,
    chord_bars,
    chord_line,
    chords_in_notes,
    key_against,
    key_of_chords,
    longer_chords,
    to_sing,
    words_and_file,
)
from studio.errors import MusicError, opt, render
from studio.inputs import abc_melody_options, bare_quarters, check_midi_size, typed_slips
from studio.midi_melody import midi_request, seed_words
from studio.mood import mood_defaults, opening
from studio.options import MELODY, PREFERENCES, option_help
from studio.requests import MelodyRequest

if TYPE_CHECKING:
    from bot.client import MusicGenius


class Compose(commands.Cog):
    """Melody generation."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="melody", description="Continue a melody from a few notes you type (or a MIDI file)")
    @app_commands.describe(**option_help("melody"))
    @app_commands.choices(style=[app_commands.Choice(name=s, value=s) for s in MELODY["style"].choices],
                          density=[app_commands.Choice(name=d, value=d) for d in MELODY["density"].choices],
                          ending=[app_commands.Choice(name=e, value=e) for e in MELODY["ending"].choices],
                          notation=[app_commands.Choice(name=n, value=n) for n in MELODY["notation"].choices],
                          mood=[app_commands.Choice(name=m, value=m) for m in MELODY["mood"].choices])
    @app_commands.autocomplete(key=key_autocomplete, meter=meter_autocomplete)
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
        density: str | None = None,
        ending: str | None = None,
        top_p: float | None = None,
        count: int = MELODY["count"].default,
        midi: discord.Attachment | None = None,
        track: int | None = None,
        lyrics: str | None = None,
        mood: str | None = None,
        notation: str | None = None,
        chords: str | None = None,
    ) -> None:
        check_sources(chords, midi)
        notes, chords, as_chords = chords_in_notes(notes, chords, midi)
        if midi is None and not notes and lyrics is None and mood is None and chords is None:
            raise MusicError(f"Give me notes to start from, e.g. {opt('notes', 'C E G')}, attach a MIDI file with "
                             f"{opt('midi')}, give me words to sing with "
                             f"{opt('lyrics', 'Twinkle twinkle little star')}, or chords to write over with "
                             f"{opt('chords', 'Am F C G')}.", "notes", "C E G")
        if midi is not None:
            check_midi_size(midi.size)
        given = {k: v for k, v in dict(bars=bars, temperature=temperature, top_p=top_p, key=key, style=style,
                                      density=density, ending=ending, meter=meter, tempo=tempo, mood=mood,
                                      notation=notation).items()
                 if v is not None}
        read_as = ""
        if midi is None:  # an ABC tune's header gives the key, meter and tempo not typed
            notes, from_abc, read_as = abc_melody_options(notes, given, for_words=lyrics is not None)
            given.update(from_abc)
        if chords is not None:  # the chords' key (typed or not, a candidate never tries another over them)
            given["key"] = key or str(key_of_chords(chords))
            given["chords"] = chords
        moody = mood_defaults(given, notes)  # what the mood fills: key, tempo, density (typed options win)
        if mood is not None and midi is None and lyrics is None and not notes and not chords:  # the mood's opening
            notes = opening(mood, given.get("key") or moody["key"])
        checked = MelodyRequest(notes=notes or ("" if lyrics is not None or chords else "C"), seed=seed, count=count,
                                lyrics=lyrics, **moody, **given)
        if midi is None:
            self.bot.composer.validate(checked)
        async with admitted(interaction):
            await defer(interaction)
            chosen, why, fixed = await self._personal(interaction.user.id, given, notes, for_midi=midi is not None,
                                                      for_words=lyrics is not None, moody=moody)
            words = None  # a file's words on its tune
            if midi is None:
                request = MelodyRequest(notes=notes or "", seed=seed, count=count, lyrics=lyrics, **chosen)
            else:
                data = await midi.read()
                request, used, cut = await asyncio.get_running_loop().run_in_executor(
                    None, partial(midi_request, data, track, name=f"`{midi.filename}`", fixed=fixed, over_chords=True,
                                  seed=seed, count=count, **{"meter": None, "tempo": None, **chosen}))
                tune = bool(request.notes)  # else a file of chords alone
                words = await asyncio.get_running_loop().run_in_executor(None, seed_words, data, request)
                if not tune:  # their key unless one is typed, no candidate tries another, and notes typed open the
                    # melody over them (or words are set over them)
                    request = replace(request, key=key, notes=notes or "", lyrics=lyrics)
                    fixed = {*fixed, "key"}
                elif lyrics is not None:
                    raise words_and_file()
                why = f"🎼 {render(used, discord_syntax)}\n{why}".strip()
                why = f"{why} ✂️ {cut}".strip() if cut else why
                why = f"{why}\nℹ️ {BOTH}".strip() if notes and tune else why
                if mood is not None and key is None and not request.chords:
                    # the mood's mode, in a key that fits the file's notes
                    request = replace(request, key=mood_defaults({"mood": mood}, request.notes)["key"])
            why = f"🎼 {read_as}\n{why}".strip() if read_as else why
            why = f"ℹ️ {render(as_chords, discord_syntax)}\n{why}".strip() if as_chords else why
            if request.chords:  # words set their own length: the progression once
                shown = request.bars if lyrics is None else chord_bars(request.chords)
                line = chord_line(request.chords, request.parsed_meter, shown)
                why = f"🎹 Over your chords in {request.key}: `{line}`\n{why}".strip()
                request, sing = to_sing(request, "style" in chosen)
                why = f"{why}\nℹ️ {render(sing, discord_syntax)}".strip() if sing else why
                if key is not None and (against := key_against(request.chords, request.parsed_key)):
                    why = f"{why}\n{render(against, discord_syntax)}".strip()
                if lyrics is None and (longer := longer_chords(request.chords, bars)):
                    why = f"{why}\nℹ️ {render(longer, discord_syntax)}".strip()
            why = f"{why}\nℹ️ {NO_FILE}".strip() if midi is None and track is not None else why
            if midi is None and notes and key is not None:
                why = f"{why}\n{typed_slips(notes, key)}".strip()
            if midi is None and notes and lyrics is None and (quarters := bare_quarters(notes, request.meter)):
                why = f"{why}\nℹ️ {quarters}".strip()
            await generate(interaction, request, why, fixed=fixed, words=words)

    async def _personal(self, user_id: int, given: dict, notes: str | None, for_midi: bool,
                        for_words: bool = False, moody: dict | None = None) -> tuple[dict, str, set[str]]:
        """Options the user gave, filled from their mood (``moody``), their /prefs and then from what the bot learned
        of their taste: typed > mood > /prefs > learned.

        Returns the options, a line saying which were filled in and from where, and the options the user fixed
        (typed or saved: candidates don't try other values of those). A MIDI file's own meter and tempo beat
        anything not typed; words decide the length (their density, how many syllables a beat).
        """
        saved = {k: v for k, v in (await self.bot.store.preferences(user_id)).items() if k in PREFERENCES}
        moody = moody or {}
        learned = await self.bot.taste.defaults(user_id, {**saved, **moody, **given, "notes": notes})
        chosen = {**learned, **saved, **moody, **given}
        if for_midi:
            chosen = {k: v for k, v in chosen.items() if k not in ("meter", "tempo") or k in given}
        if for_words:  # the words decide the length
            chosen.pop("bars", None)
        filled = [f"{k} {chosen[k]} ({'your /prefs' if k in saved else 'learned from your feedback'})"
                  for k in chosen if k not in given and k not in moody]  # the mood's line says those
        why = f"🎛️ Filled in for you: {', '.join(filled)}. Give an option to override it." if filled else ""
        if for_words and "bars" in given:
            why = f"{why}\nℹ️ The words set the length (a note a syllable), so I left `bars:` aside.".strip()
        fixed = {*saved, *moody, *given, *(("meter", "tempo") if for_midi else ())}
        return chosen, why, fixed


async def setup(bot: MusicGenius) -> None:
    await bot.add_cog(Compose(bot))
