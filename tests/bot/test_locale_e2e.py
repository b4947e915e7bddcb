"""zh-CN through real discord.py and the fake Discord: the command tree is synced with Chinese descriptions, choices
and Apps menu names; a user whose Discord is in Chinese gets Chinese replies, embeds, buttons, file descriptions,
errors and forms, with the notes, commands and files exactly as an English user gets them; English users still get
English, even on the same reply."""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.client import tree_digest
from bot.i18n import CATALOGS

ZH = "zh-CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
FENCE = re.compile(r"```.*?```", re.DOTALL)


def chinese(text: str) -> bool:
    return bool(CJK.search(text or ""))


def fields(message, index: int = 0) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[index]["fields"]}


def descriptions(message) -> dict[str, str]:
    """File name -> its description (alt text), as Discord shows it."""
    return {a["filename"]: a.get("description") or "" for a in message.payload["attachments"]}


def untranslated(payload: dict[str, Any]) -> list[str]:
    """The English texts of a synced command that Discord would show without a zh-CN translation."""
    missing = []
    if payload["type"] != discord.AppCommandType.chat_input.value:  # an Apps menu: its name is what users see
        return [] if (payload.get("name_localizations") or {}).get(ZH) else [payload["name"]]

    def walk(item: dict[str, Any]) -> None:
        if not chinese((item.get("description_localizations") or {}).get(ZH, "")):
            missing.append(item["description"])
        assert ZH not in (item.get("name_localizations") or {}), item["name"]  # names stay typable ASCII
        for choice in item.get("choices") or []:
            if ZH not in (choice.get("name_localizations") or {}):
                missing.append(f"choice {choice['name']}")
        for option in item.get("options") or []:
            walk(option)

    walk(payload)
    return missing


async def test_every_description_choice_and_apps_menu_has_a_chinese_translation(env):
    tree = env.bot.tree
    assert tree.translator is not None
    payloads = [await c.get_translated_payload(tree, tree.translator) for c in tree.get_commands()]
    assert {p["type"] for p in payloads} == {1, 3}  # slash commands (groups included) and Apps menus
    missing = [text for p in payloads for text in untranslated(p)]
    assert not missing, f"add these to bot/locales/zh-CN.toml: {missing}"


async def test_the_commands_synced_to_discord_carry_the_chinese(env, monkeypatch):
    synced = {c["name"]: c for c in env.fake.command_syncs[-1].commands}
    melody = synced["melody"]
    assert melody["description_localizations"][ZH] == "从你输入的几个音（或一个 MIDI 文件）续写旋律"
    options = {o["name"]: o for o in melody["options"]}
    assert options["bars"]["description_localizations"][ZH].startswith("整条旋律的小节数")
    assert {c["value"]: c["name_localizations"][ZH] for c in options["style"]["choices"]}["irish"] == "爱尔兰"
    assert synced["Chords for this melody"]["name_localizations"][ZH] == "为这段旋律配和弦"
    prefs = {o["name"]: o for o in synced["prefs"]["options"]}
    assert chinese(prefs["set"]["description_localizations"][ZH])
    assert all(untranslated(c) == [] for c in synced.values())  # what the fake recorded, whatever the tree says
    # a changed translation changes what a sync sends, so it is synced again on the next start
    before = await tree_digest(env.bot.tree, None)
    monkeypatch.setitem(CATALOGS[ZH].exact, "Continue a melody from a few notes you type (or a MIDI file)", "续写")
    assert await tree_digest(env.bot.tree, None) != before


async def test_a_chinese_user_gets_a_chinese_melody_reply_with_the_same_notes_and_files(env):
    options = {"notes": "C E G", "seed": 42, "count": 1}
    en = await (await env.fake.slash("melody", options)).wait_files(".ogg", "-score.png", timeout=90)
    zh = await (await env.fake.slash("melody", options, user=1, locale=ZH)).wait_files(".ogg", "-score.png",
                                                                                          timeout=90)
    assert en.content.startswith("🎼 **Your melody** — seed ➜ continuation")
    assert zh.content.startswith("🎼 **你的旋律** — 起始音 ➜ 续写")
    assert FENCE.findall(zh.content) == FENCE.findall(en.content)  # the notes, exactly
    assert zh.embeds[0]["title"] == "旋律续写" and en.embeds[0]["title"] == "Melody continuation"
    zh_fields, en_fields = fields(zh), fields(en)
    assert {"调", "拍号", "速度", "小节", "随机种子", "复现命令"} <= set(zh_fields)
    assert zh_fields["调"] == "C大调（由起始音推断）" and en_fields["Key"] == "C major (from your seed)"
    assert zh_fields["采样参数"] == "温度 1.0，top_p 0.98" and zh_fields["风格"] == "爱尔兰"
    assert zh_fields["复现命令"] == en_fields["Reproduce"]  # a command to type: never translated
    assert chinese(zh.embeds[0]["footer"]["text"])
    zh_buttons = {b["custom_id"]: b["label"] for b in zh.buttons}
    en_buttons = {b["custom_id"]: b["label"] for b in en.buttons}
    assert set(zh_buttons) == set(en_buttons)  # the same buttons do the same thing
    assert zh_buttons["mg:melody:pick:0"] == "选择 1" and en_buttons["mg:melody:pick:0"] == "Pick 1"
    assert zh_buttons["mg:melody:regen:0"] == "重新生成" and zh_buttons["mg:melody:rewrite:1"] == "重写小节…"
    zh_files, en_files = {a.filename: a.data for a in zh.attachments}, {a.filename: a.data for a in en.attachments}
    assert set(zh_files) == set(en_files) and len(zh_files) >= 5
    midi = next(name for name in zh_files if name.endswith(".mid"))
    assert zh_files[midi] == en_files[midi]  # the MIDI is unchanged
    assert all(chinese(d) for d in descriptions(zh).values()), descriptions(zh)  # the late files' too
    assert not any(chinese(d) for d in descriptions(en).values())

    # a button answers in the language of whoever presses it, whoever asked for the reply
    picked = await (await env.fake.press(en, "mg:melody:pick:0", user=1, locale=ZH)).wait_final(timeout=90)
    assert "选择了候选 1" in picked.content and FENCE.findall(picked.content)[0] in en.content
    picked_en = await (await env.fake.press(zh, "mg:melody:pick:0")).wait_final(timeout=90)
    assert "picked candidate 1" in picked_en.content and not chinese(picked_en.content)
    form = await (await env.fake.press(zh, "mg:melody:rewrite:1", user=1, locale=ZH)).wait_initial()
    assert form.data["title"] == "重写小节"
    labels = [c["label"] for row in form.data["components"] for c in row.get("components") or [row.get("component")]]
    assert labels == ["哪些小节？"]
    env.fake.assert_clean()


async def test_a_mistake_is_explained_in_the_users_language(env):
    it = await env.fake.slash("melody", {"notes": "C E G", "bars": 99}, locale=ZH)
    initial = await it.wait_initial()
    assert initial.ephemeral
    assert initial.data["content"] == "⚠️ `bars:` 必须在 1 到 64 之间（你给的是 99）。试试 `bars:8`。"
    english = await (await env.fake.slash("melody", {"notes": "C E G", "bars": 99})).wait_initial()
    assert english.data["content"].startswith("⚠️ `bars:` must be between 1 and 64 (you gave 99)")
    unknown = await (await env.fake.slash("melody", {"notes": "C E H"}, locale=ZH)).wait_initial()
    assert unknown.data["content"].startswith("⚠️ 我不认识音符 `H`。")
    lyrics = await (await env.fake.slash("lyrics", {"scheme": "ABABAB", "lines": 2}, locale=ZH)).wait_initial()
    assert "`lines:6`" in lyrics.data["content"] and chinese(lyrics.data["content"])


async def test_help_in_chinese_keeps_every_command_and_example_typable(env):
    zh = await (await env.fake.slash("help", {}, locale=ZH)).wait_final()
    en = await (await env.fake.slash("help", {})).wait_final()
    assert [e["title"] for e in zh.embeds] == ["🎵 MusicGenius — 来做音乐吧", "🗂️ 你的口味与你的数据", "回复长什么样"]
    zh_fields = [f for e in zh.embeds for f in e.get("fields") or []]
    en_fields = [f for e in en.embeds for f in e.get("fields") or []]
    assert [f["name"] for f in zh_fields if f["name"].startswith("/")] == [
        f["name"] for f in en_fields if f["name"].startswith("/")]  # the same commands, by their typed names
    for zh_field, en_field in zip(zh_fields, en_fields, strict=True):
        assert re.findall(r"`[^`]*`", zh_field["value"]) == re.findall(r"`[^`]*`", en_field["value"])
        assert chinese(zh_field["value"]), zh_field  # description and what it gives, in Chinese
    apps = next(f["value"] for f in zh_fields if f["name"] == "应用菜单")
    assert "为这段旋律配和弦" in apps and "查找相似的曲调" in apps  # the menu names a Chinese client shows
    assert any(a.filename == "reply-example.png" for a in zh.attachments)
    env.fake.assert_clean()


async def test_chords_arrange_and_lyrics_answer_in_chinese(env):
    notes = "E D C D E E E:h D:q D D:h E:q G G:h"
    zh = await (await env.fake.slash("chords", {"notes": notes}, locale=ZH)).wait_final(timeout=90)
    en = await (await env.fake.slash("chords", {"notes": notes})).wait_final(timeout=90)
    assert zh.content.startswith("🎹 **和弦** · C大调 · 4/4 · 每半小节最多一个和弦 · 流行风格")
    assert FENCE.findall(zh.content) == FENCE.findall(en.content)  # chord symbols and roman numerals as they are
    assert "C大调中的罗马数字级数：" in zh.content
    assert [a.filename for a in zh.attachments] == [a.filename for a in en.attachments]
    assert all(chinese(d) for d in descriptions(zh).values()), descriptions(zh)

    arranged = await (await env.fake.slash("arrange", {"notes": notes, "chords": "C G"}, locale=ZH)
                      ).wait_final(timeout=120)
    lines = arranged.content.split("\n")
    assert lines[0].startswith("🎛️ **编曲** · 民谣乐队 · 曲式 AABA · C大调 · 4/4")
    assert any(line.startswith("**前奏**（2 小节）：`") for line in lines)
    assert any(line.startswith("**A2**（") and "你的旋律，加了装饰音" in line for line in lines)
    assert "🎹 A 段用你的和弦；B 段的新旋律由我配和弦。" in lines
    assert all(chinese(d) for d in descriptions(arranged).values()), descriptions(arranged)

    verse = await (await env.fake.slash("lyrics", {"theme": "the sea at night", "seed": 3}, locale=ZH)
                   ).wait_final(timeout=90)
    first, *_, last = verse.content.split("\n")
    assert first == "✍️ **歌词** · 主题 *the sea at night* · 韵式 ABAB · 每行后面标有音节数"
    assert last.startswith("再来一次：`/lyrics theme:\"the sea at night\" scheme:ABAB lines:4 seed:3`")
    assert descriptions(verse) == {"lyrics-3.txt": "歌词纯文本"}
    env.fake.assert_clean()


async def test_prefs_history_and_forget_in_chinese(env):
    saved = await (await env.fake.slash("prefs set", {"tempo": 90, "key": "E minor"}, locale=ZH)).wait_final()
    assert saved.content.startswith("✅ 已保存 **调** E小调、**速度** 90。")
    shown = await (await env.fake.slash("prefs show", {}, locale=ZH)).wait_final()
    embed = shown.embeds[0]
    assert embed["title"] == "🎛️ 你的音乐口味" and chinese(embed["description"]) and chinese(embed["footer"]["text"])
    assert fields(shown)["你的设置（优先于我学到的）"] == "• **调**：E小调\n• **速度**：90"
    reset = await (await env.fake.slash("prefs reset", {"name": "tempo"}, locale=ZH)).wait_final()
    assert reset.content.startswith("🧹 已清除你的**速度**设置。")
    empty = await (await env.fake.slash("history", {}, locale=ZH)).wait_final()
    assert empty.content == "📭 你还没有生成过旋律。用 `/melody notes:C E G` 开始吧。"
    it = await env.fake.slash("forget", {}, locale=ZH)
    asked = await it.wait_final()
    assert asked.content.startswith("⚠️ 这会删除我存储的关于你的**一切**")
    assert [b["label"] for b in asked.buttons] == ["是的，全部删除", "取消"]
    cancel = next(b["custom_id"] for b in asked.buttons if b["label"] == "取消")
    await env.fake.press(asked, cancel, locale=ZH)
    await env.fake.wait_until(lambda: "已取消" in env.fake.messages[asked.id].content, what="the cancel")
    env.fake.assert_clean()


@pytest.mark.parametrize(("typed", "expected"), [("g", ("G major", "G大调")), ("多利亚", ("D dorian", "D多利亚调式"))])
async def test_key_autocomplete_shows_chinese_names_and_sends_the_english_value(env, typed, expected):
    it = await env.fake.autocomplete("melody", {"notes": "C E G", "key": typed}, focused="key", locale=ZH)
    choices = {c["value"]: c["name"] for c in (await it.wait_initial()).data["choices"]}
    assert choices[expected[0]] == expected[1]
    english = await env.fake.autocomplete("melody", {"notes": "C E G", "key": "g"}, focused="key")
    assert all(c["name"] == c["value"] for c in (await english.wait_initial()).data["choices"])


async def test_a_quiz_question_and_its_verdict_in_chinese_and_english(env):
    from studio.quiz import make_question

    options = {"level": "beginner", "kind": "interval", "seed": 7}
    question = make_question("interval", "beginner", 7)
    zh = await (await env.fake.slash("quiz", options, user=1, locale=ZH)).wait_final(timeout=120)
    en = await (await env.fake.slash("quiz", options)).wait_final(timeout=120)
    assert zh.content.startswith("🎧 **练耳 · 音程 · 初级** — 出题人：")
    assert "两个音，先后奏出。这是什么音程？" in zh.content and "👥 还没有人作答。" in zh.content
    assert "`/quiz level:beginner kind:interval seed:7`" in zh.content  # the command stays typable
    assert en.content.startswith("🎧 **Ear training · Interval · beginner**") and not chinese(en.content)
    answers = [b for b in zh.buttons if b["custom_id"].startswith("mg:quiz:1:")]
    assert [b["custom_id"] for b in answers] == [b["custom_id"] for b in en.buttons
                                                 if b["custom_id"].startswith("mg:quiz:1:")]
    assert all(chinese(b["label"]) for b in answers), answers  # 纯一度, 小三度…
    assert {b["label"] for b in zh.buttons if b["custom_id"] == "mg:quiz:score"} == {"我的得分"}

    right = answers[question.answer]["custom_id"]
    wrong = answers[(question.answer + 1) % len(answers)]["custom_id"]
    good = await (await env.fake.press(zh, right, user=1, locale=ZH)).wait_final(timeout=30)
    assert good.ephemeral and good.content.startswith("✅ 答对了！这是") and "《铃儿响叮当》的开头" in good.content
    assert "📊 你的得分：1 题答对 1 题（100%）" in good.content
    bad = await (await env.fake.press(zh, wrong, user=2, locale=ZH)).wait_final(timeout=30)
    assert bad.content.startswith("❌ 不对：你选的是") and "正确答案是" in bad.content
    english = await (await env.fake.press(zh, wrong, user=3)).wait_final(timeout=30)
    assert english.content.startswith("❌ Not quite: you picked") and not chinese(english.content)
    # the public count is kept in the language the question was asked in
    await env.fake.wait_until(lambda: "👥 已有 3 人作答。" in env.fake.messages[zh.id].content, what="the count")
    again = await (await env.fake.press(zh, right, user=2, locale=ZH)).wait_final(timeout=30)
    assert again.content.startswith("🙂 这道题你已经答过了") and "答错了 ❌" in again.content
    env.fake.assert_clean()


async def test_similar_in_chinese_keeps_the_tune_titles(env):
    tune = "G:e A B D:q B:e D E:q"
    similar = await (await env.fake.slash("similar", {"notes": tune}, locale=ZH)).wait_final(timeout=120)
    similar_en = await (await env.fake.slash("similar", {"notes": tune})).wait_final(timeout=120)
    assert similar.content.startswith("🔎 **语料库中与你的旋律最相近的曲调**")
    titles = [re.search(r"“(.+)”", e["title"]).group(1) for e in similar_en.embeds]
    assert titles and [re.search(r"“(.+)”", e["title"]).group(1) for e in similar.embeds] == titles
    assert all("相似度" in e["title"] and "个音相同" in e["title"] for e in similar.embeds)
    assert all(f["name"].startswith("相同乐段") for e in similar.embeds for f in e["fields"])
    assert chinese(similar.embeds[-1]["footer"]["text"]) and not chinese(similar_en.content)
    env.fake.assert_clean()
