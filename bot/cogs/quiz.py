"""`/quiz`: ear training in the channel.

The question is public — its audio, its prompt and a button per answer — and anyone may answer it: each person gets
their own private verdict with an explanation and their score, and only their first answer counts. The buttons are
dynamic items whose custom_id carries what asked the question (``mg:quiz:<version>:<kind>:<level>:<seed>:<choice>``):
the question is asked again from those values to check a press, so they keep working after a restart; the answers
(one per person per question, keyed by the message) and each person's score and streak are in the store.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.admission import TIME_LIMIT, TOO_LONG
from bot.errors import answer_error, discord_syntax
from bot.i18n import CATALOGS, Catalog
from bot.replies import defer, fit_attachments, respond, to_files
from studio.errors import EngineBusy, MusicError, cmd
from studio.options import QUIZ, SEED_MAX, option_help
from studio.quiz import VERSION, Question, check, make_question, pick_kind
from studio.quiz.audio import question_audio
from studio.quiz.scores import score_line, score_text

if TYPE_CHECKING:
    from bot.client import MusicGenius

log = logging.getLogger(__name__)
SEED = QUIZ["seed"]

COUNTER = re.compile(r"👥 [^\n]*")
OUTDATED = (f"That question is from an older version of the quiz, so I can't check it any more. Ask a new one with "
            f"{cmd('quiz')}.")


def answered_line(count: int) -> str:
    if not count:
        return "👥 No answers yet."
    return f"👥 {count} {'person has' if count == 1 else 'people have'} answered."


def question_content(question: Question, asker: str, answered: int = 0) -> str:
    """The public question: what to listen for, the choices when they are note text, how to answer, the count."""
    lines = [f"🎧 **Ear training · {question.title}** — asked by {asker}", question.prompt]
    if question.lettered:
        lines += [f"**{label}.** `{choice}`" for label, choice in zip(question.labels, question.choices, strict=True)]
    asked = [("level", question.level), ("kind", question.kind)]
    lines += ["Play the audio, then press your answer: only you see whether you got it, and your first answer counts.",
              answered_line(answered),
              f"Another: {discord_syntax('quiz', asked)} · this one again: "
              f"{discord_syntax('quiz', [*asked, ('seed', str(question.seed))])}"]
    return "\n".join(lines)


def picked_text(question: Question, chosen: str) -> str:
    """How a stored answer reads: ``minor third``, or ``B (G4:q A4:q …)`` for note text."""
    if question.lettered and chosen in question.choices:
        return f"{question.labels[question.choices.index(chosen)]} ({chosen})"
    return chosen


async def ask(interaction: discord.Interaction, level: str, kind: str | None, seed: int | None) -> None:
    """Post a question: its audio (rendered in the pool), prompt and answer buttons."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    QUIZ["level"].check(level)
    QUIZ["kind"].check(kind)
    if bot.renders.full:
        raise EngineBusy()
    with bot.limits.hold(interaction.user.id):  # a fair share of the renderers, as for the other commands
        await defer(interaction)
        try:
            async with asyncio.timeout(TIME_LIMIT):
                seed = random.randrange(SEED_MAX) if seed is None else seed
                question = await asyncio.to_thread(make_question, kind or pick_kind(seed), level, seed)
                audio = await bot.renders.run(question_audio, question)
        except TimeoutError:
            raise MusicError(TOO_LONG) from None
        files = to_files(fit_attachments([audio], interaction.filesize_limit))
        await respond(interaction, question_content(question, interaction.user.mention), files=files,
                      view=question_view(question))


async def on_answer(interaction: discord.Interaction, version: int, kind: str, level: str, seed: int,
                    choice: int) -> None:
    """One person's answer: checked, recorded once, told to them alone with the explanation and their score."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    try:
        await defer(interaction, private=True)  # before the store is asked anything
        if version != VERSION or interaction.message is None:
            raise MusicError(OUTDATED)
        question = await asyncio.to_thread(make_question, kind, level, seed)
        verdict = check(question, choice)
        recorded = await bot.store.record_quiz_answer(interaction.user.id, interaction.message.id, kind, level,
                                                      verdict.chosen, verdict.answer, verdict.correct)
        if recorded.first:
            text = escape_markdown(verdict.text)
        else:
            picked = escape_markdown(picked_text(question, recorded.chosen))
            verdict_then = "right ✅" if recorded.correct else "not it ❌"
            text = (f"🙂 You already answered this one: you picked {picked}, which was {verdict_then}. Only your first "
                    f"answer counts — ask a new question with {discord_syntax('quiz', [])}.")
        await respond(interaction, f"{text}\n{score_line(recorded.score)}", ephemeral=True)
        if recorded.first:
            await _show_count(interaction.message, recorded.answered_by)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


def _counter_catalog(content: str) -> Catalog | None:
    """The catalog the public question was translated with (None: English), read off its counter line."""
    found = COUNTER.search(content)
    shape = re.sub(r"\d+", "#", found.group()) if found else ""
    return next((c for c in CATALOGS.values() if shape in {re.sub(r"\d+", "#", c.text(answered_line(n)))
                                                           for n in (0, 1, 2)}), None)


async def _show_count(message: discord.Message, count: int) -> None:
    """Update how many answered on the public question, in the language it was asked in; a failure leaves the old
    count (nothing else depends on it)."""
    catalog = _counter_catalog(message.content)
    line = answered_line(count) if catalog is None else catalog.text(answered_line(count))
    content = COUNTER.sub(lambda _: line, message.content, count=1)
    if content == message.content:
        return
    try:
        await message.edit(content=content)
    except discord.HTTPException as exc:
        log.warning("could not update the answer count on quiz message %s: %s", message.id, exc)


async def on_score(interaction: discord.Interaction) -> None:
    """The presser's score and streak, privately."""
    bot: MusicGenius = interaction.client  # type: ignore[assignment]
    try:
        await defer(interaction, private=True)
        score = await bot.store.quiz_score(interaction.user.id)
        more = "" if score.answered else f" Press an answer above, or ask a question with {discord_syntax('quiz', [])}."
        await respond(interaction, score_text(score) + more, ephemeral=True)
    except Exception as exc:  # noqa: BLE001 - every press gets an answer
        await answer_error(interaction, exc)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mg:quiz:(?P<version>\d+):(?P<kind>[a-z]+):(?P<level>[a-z]+):(?P<seed>\d+):(?P<choice>\d)",
):
    """One answer under a quiz question."""

    def __init__(self, version: int, kind: str, level: str, seed: int, choice: int, label: str = "") -> None:
        super().__init__(discord.ui.Button(label=label[:80] or None, style=discord.ButtonStyle.secondary, row=0,
                                           custom_id=f"mg:quiz:{version}:{kind}:{level}:{seed}:{choice}"))
        self.version, self.kind, self.level, self.seed, self.choice = version, kind, level, seed, choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> AnswerButton:
        # the question itself is asked again in the callback, off the event loop
        return cls(int(match["version"]), match["kind"], match["level"], int(match["seed"]), int(match["choice"]),
                   item.label or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await on_answer(interaction, self.version, self.kind, self.level, self.seed, self.choice)


class ScoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mg:quiz:score"):
    """Your score and streak, privately."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="My score", emoji="📊", style=discord.ButtonStyle.primary, row=1,
                                           custom_id="mg:quiz:score"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> ScoreButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await on_score(interaction)


def question_view(question: Question) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for i, label in enumerate(question.labels):
        # "major chord", not "major": a translation tells a chord from a key only by the word
        label = f"{label} chord" if question.kind == "chord" else label
        view.add_item(AnswerButton(VERSION, question.kind, question.level, question.seed, i, label))
    view.add_item(ScoreButton())
    return view


class Quiz(commands.Cog):
    """Ear training."""

    def __init__(self, bot: MusicGenius) -> None:
        self.bot = bot

    @app_commands.command(name="quiz", description="Ear training: name an interval, scale, chord or tune by ear")
    @app_commands.describe(**option_help("quiz"))
    @app_commands.choices(level=[app_commands.Choice(name=v, value=v) for v in QUIZ["level"].choices],
                          kind=[app_commands.Choice(name=v, value=v) for v in QUIZ["kind"].choices])
    async def quiz(self, interaction: discord.Interaction, level: str = QUIZ["level"].default,
                   kind: str | None = None,
                   seed: app_commands.Range[int, SEED.low, SEED.high] | None = None) -> None:
        await ask(interaction, level, kind, seed)


async def setup(bot: MusicGenius) -> None:
    bot.add_dynamic_items(AnswerButton, ScoreButton)  # buttons keep working after a restart
    await bot.add_cog(Quiz(bot))


async def teardown(bot: MusicGenius) -> None:
    bot.remove_dynamic_items(AnswerButton, ScoreButton)
