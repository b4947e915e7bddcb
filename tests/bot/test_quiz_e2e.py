"""`/quiz` through real discord.py, the fake Discord and SQLite: one public question, everyone's own private
answer, scores and streaks stored, one answer per person per question, buttons that outlive a restart, and the
quiz rows in `/mydata` and `/forget`."""

from __future__ import annotations

import json

from bot.client import MusicGenius
from bot.settings import Settings
from studio.quiz import make_question
from studio.store.base import QuizScore, open_store
from tests.fakediscord import running_bot, running_fake

LEVEL, KIND, SEED = "beginner", "interval", 7


def uid(fake, index: int) -> int:
    return int(fake.user(index)["id"])


def answer_ids(message, question) -> tuple[str, str]:
    """The custom ids of the right answer and of a wrong one."""
    buttons = [b for b in message.buttons if b["custom_id"].startswith("mg:quiz:1:")]
    assert [b["label"] for b in buttons] == list(question.labels)
    return buttons[question.answer]["custom_id"], buttons[(question.answer + 1) % len(buttons)]["custom_id"]


async def ask(fake, **options):
    it = await fake.slash("quiz", {"level": LEVEL, "kind": KIND, "seed": SEED, **options})
    return it, await it.wait_final(timeout=120)


async def press(fake, message, custom_id: str, user: int):
    it = await fake.press(message, custom_id, user=user)
    reply = await it.wait_final(timeout=30)
    assert it.ephemeral and reply.ephemeral  # only the person who pressed sees it
    return reply


async def test_two_people_answer_one_question_each_privately_and_once(env):
    fake = env.fake
    it, message = await ask(fake)
    question = make_question(KIND, LEVEL, SEED)
    assert not it.ephemeral and not message.ephemeral  # the question is for the whole channel
    assert question.prompt in message.content and "👥 No answers yet." in message.content
    assert question.correct not in message.content.replace(question.prompt, "")  # the answer is not given away
    [audio] = message.attachments
    assert audio.filename == f"quiz-interval-{SEED}.ogg" and audio.data[:4] == b"OggS"
    assert message.component("mg:quiz:score")["label"] == "My score"
    right, wrong = answer_ids(message, question)

    alice = await press(fake, message, right, user=0)
    assert alice.content.startswith(f"✅ Right! That was a {question.correct}: ")
    assert "📊 Your score: 1/1 right (100%) · streak 1 · best 1" in alice.content
    bob = await press(fake, message, wrong, user=1)
    assert bob.content.startswith("❌ Not quite: you picked ") and f"That was a {question.correct}" in bob.content
    assert "📊 Your score: 0/1 right (0%) · streak 0 · best 0" in bob.content
    await fake.wait_until(lambda: "👥 2 people have answered." in fake.messages[message.id].content, timeout=10,
                          what="the answer count")
    assert fake.messages[message.id].buttons == message.buttons and fake.messages[message.id].attachments

    again = await press(fake, message, wrong, user=0)  # Alice changes her mind: her first answer stands
    assert again.content.startswith("🙂 You already answered this one: you picked ")
    assert "which was right ✅" in again.content and "streak 1" in again.content
    assert await env.store.quiz_score(uid(fake, 0)) == QuizScore(1, 1, 1, 1, (("interval", 1, 1),))
    assert await env.store.quiz_score(uid(fake, 1)) == QuizScore(1, 0, 0, 0, (("interval", 1, 0),))
    assert "👥 2 people have answered." in fake.messages[message.id].content

    _, second = await ask(fake, seed=SEED + 1)  # a new question: Alice's streak grows, Bob's restarts
    q2 = make_question(KIND, LEVEL, SEED + 1)
    right2, _ = answer_ids(second, q2)
    assert "streak 2 · best 2" in (await press(fake, second, right2, user=0)).content
    assert "1/2 right (50%) · streak 1 · best 1" in (await press(fake, second, right2, user=1)).content

    score = await press(fake, second, "mg:quiz:score", user=0)
    assert score.content.splitlines() == ["📊 Your score: 2/2 right (100%) · streak 2 · best 2",
                                          "• interval: 2/2 right"]
    nobody = await press(fake, second, "mg:quiz:score", user=2)
    assert "No quiz answers yet" in nobody.content
    fake.assert_clean()


async def test_a_dictation_question_lists_its_choices_as_notes(env):
    _, message = await ask(env.fake, kind="dictation", level="advanced", seed=3)
    question = make_question("dictation", "advanced", 3)
    assert [b["label"] for b in message.buttons[:4]] == ["A", "B", "C", "D"]
    for label, choice in zip(question.labels, question.choices, strict=True):
        assert f"**{label}.** `{choice}`" in message.content
    _, wrong = answer_ids(message, question)
    reply = await press(env.fake, message, wrong, user=0)
    assert "the first 2 bars of “" in reply.content and "not" in reply.content


async def test_without_options_it_asks_a_beginner_question_of_any_kind(env):
    message = await (await env.fake.slash("quiz", {})).wait_final(timeout=120)
    assert "· beginner** — asked by" in message.content and 3 <= len(message.buttons) <= 4
    assert message.attachments[0].filename.endswith(".ogg")


async def test_the_quiz_rows_are_in_mydata_and_go_with_forget(env):
    fake = env.fake
    _, message = await ask(fake)
    question = make_question(KIND, LEVEL, SEED)
    right, _ = answer_ids(message, question)
    await press(fake, message, right, user=0)
    await press(fake, message, right, user=1)

    mydata = await (await fake.slash("mydata", {})).wait_final(timeout=30)
    assert "1 quiz answer with your score" in mydata.content
    data = json.loads(mydata.attachments[0].data)
    assert data["quiz_score"]["correct"] == 1 and [(a["kind"], a["correct"], a["message_id"]) for a in
                                                   data["quiz_answers"]] == [("interval", True, str(message.id))]

    prompt = await (await fake.slash("forget", {})).wait_final()
    assert "`/quiz` answers and score" in prompt.content
    done = await fake.press(prompt, prompt.button("Yes, delete everything")["custom_id"])
    await done.wait_for(lambda i: any("deleted" in m.content for m in i.messages), timeout=10, what="deleted")
    assert "1 quiz answer and your quiz score" in fake.messages[prompt.id].content
    assert await env.store.quiz_score(uid(fake, 0)) == QuizScore()
    assert (await env.store.quiz_score(uid(fake, 1))).answered == 1  # Bob's stays


async def test_the_answer_buttons_work_after_a_restart(tmp_path, composer):
    database = str(tmp_path / "bot.sqlite3")
    async with running_fake() as fake:
        async def start() -> tuple[MusicGenius, object]:
            store = await open_store(database)
            settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=database)
            return MusicGenius(settings, composer, store, guild_ready_timeout=0.1), store

        bot, store = await start()
        try:
            async with running_bot(bot, fake):
                await fake.wait_for_commands()
                _, message = await ask(fake)
                right, wrong = answer_ids(message, make_question(KIND, LEVEL, SEED))
                await press(fake, message, right, user=0)
        finally:
            await store.close()
        bot, store = await start()  # a new process: nothing of the question is in memory
        try:
            async with running_bot(bot, fake):
                assert (await press(fake, message, wrong, user=1)).content.startswith("❌ Not quite")
                assert "already answered" in (await press(fake, message, wrong, user=0)).content
                await fake.wait_until(lambda: "👥 2 people have answered." in fake.messages[message.id].content,
                                      timeout=10, what="the answer count")
        finally:
            await store.close()


def test_the_discord_options_come_from_the_table():
    from bot.cogs.quiz import Quiz
    from studio.options import QUIZ

    params = {p.name: p for p in Quiz.quiz.parameters}
    assert set(params) == set(QUIZ)
    for option in QUIZ.values():
        assert params[option.name].description == option.help
        assert [c.value for c in params[option.name].choices] == list(option.choices)
    assert (params["seed"].min_value, params["seed"].max_value) == (QUIZ["seed"].low, QUIZ["seed"].high)
