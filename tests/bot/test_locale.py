"""The zh-CN catalog and ``bot.i18n.tr``: real errors from the core come out in Chinese with the option and the
user's own text kept as typed; code and notes are never translated; English stays English; anything the catalog
does not know stays as written."""

from __future__ import annotations

import re
import string
import tomllib

import pytest

from bot.errors import discord_syntax
from bot.i18n import CATALOGS, LOCALES, _compile, catalog_for, tr
from data.errors import MusicError, render
from data.events import Key, Meter
from data.midi import seed_from_midi
from data.notation import parse_seed
from studio.arrange.chord_symbols import parse_chord_symbol, parse_progression
from studio.bar_spec import read_spec
from studio.lyrics.lyricist import LyricRequest
from studio.options import MELODY
from tests.data.musicxml_scores import LEAD_SHEET

ZH = "zh-CN"
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


def error_text(call, *args) -> str:
    """What a zh-CN user reads for the MusicError ``call(*args)`` raises (rendered for Discord, then translated)."""
    with pytest.raises(MusicError) as caught:
        call(*args)
    return tr(caught.value.render(discord_syntax), ZH)


def test_the_catalog_file_is_consistent():
    data = tomllib.loads((LOCALES / "zh-CN.toml").read_text(encoding="utf-8"))
    tables = [t for t in data.values() if isinstance(t, dict)]
    keys = [k for t in tables for k in t]
    assert len(keys) == len(set(keys)), "an English text is in two tables"
    assert all(v.strip() for t in tables for v in t.values())
    for english, translated in data["patterns"]:
        groups = set(_compile(english).groupindex)
        used = {name for _, name, _, _ in string.Formatter().parse(translated) if name}
        assert used <= groups, (english, used - groups)  # every value the Chinese shows is captured


def test_errors_from_the_core_are_chinese_with_the_users_text_kept():
    bars = error_text(MELODY["bars"].check, 99)
    assert bars == "`bars:` 必须在 1 到 64 之间（你给的是 99）。试试 `bars:8`。"
    style = error_text(MELODY["style"].check, "polka")
    assert "'polka'" in style and "风格" in style and "`style:irish`" in style
    note = error_text(parse_seed, "C E Q")
    assert note.startswith("我不认识音符 `Q`") and "`C4:q D4:e E4:e G4:h`" in note
    german = error_text(parse_seed, "C E H")
    assert german.startswith("我不认识音符 `H`") and "德式" in german and "`B`" in german
    assert error_text(parse_seed, "C ♯F").endswith("如 `F#`。")
    assert "连音线" in error_text(parse_seed, "C E G~ G")
    assert error_text(parse_seed, "C4q D4q") == "我不认识音符 `C4q`：时值前请加冒号，如 `C4:q`。"
    assert error_text(parse_seed, "C E G :q") == "`:q` 是没有音符的时值：请紧跟在音符后面写，不加空格，如 `G:q`。"
    assert error_text(parse_seed, "C major scale").startswith("`major` 是调或音阶的名称，不是音符。请用 `key:C major`")
    word = error_text(parse_seed, "twinkle twinkle")
    assert word.startswith("`twinkle` 是一个词，不是音符。") and "`/melody lyrics:Twinkle twinkle little star`" in word
    assert error_text(parse_seed, "Es G") == "我不认识音符 `Es`。如果你指的是德式音名，请输入 `Eb`。"
    cut = tr("🎼 I used the top voice of `long.mid`. The file's melody has 100 notes and I read the first 64: to "
             "work on a later part, upload just that part.", ZH)
    assert cut == ("🎼 我用了 `long.mid` 的最高声部。文件里的旋律有 100 个音，我读了前 64 个："
                   "要处理后面的部分，请只上传那一段。")
    band = tr("🎼 I used track 3 of `band.mid`, Bass (Electric Bass (finger), 4 notes), as the melody (the highest of "
              "its 3 tracks): to take another, set e.g. `track:1`. Key C major (guessed from the notes; set `key:` to "
              "choose).", ZH)
    assert band == ("🎼 我用了 `band.mid` 的第 3 个音轨（Bass (Electric Bass (finger), 4 notes)）作旋律"
                    "（3 个音轨中最高的一个）：要换一个，可设 `track:1`。"
                    "调为 C大调（根据音符推断；可用 `key:` 指定）。")
    score = tr("🎼 I used part 1 of `song.mxl`, Voice (8 notes), as the melody (the highest of its 2 parts): to take "
               "another, set e.g. `track:2`.", ZH)
    assert score == ("🎼 我用了 `song.mxl` 的第 1 个声部（Voice (8 notes)）作旋律（2 个声部中最高的一个）："
                     "要换一个，可设 `track:2`。")
    abc = tr("🎼 I used `kesh.abc`. Read as an ABC tune: “The Kesh”, G major, 6/8.", ZH)
    assert abc == "🎼 我用了 `kesh.abc`。按 ABC 记谱读取：“The Kesh”、G大调、6/8。"
    parts = error_text(seed_from_midi, LEAD_SHEET, 5)
    assert parts.startswith("这个 MusicXML 文件有 2 个带音符的声部：1 = Voice (8 notes), 2 = Piano")
    damaged = error_text(seed_from_midi, b"<score-partwise><part-list>")
    assert damaged == ("这个 MusicXML 文件已损坏或不完整，我读不了。"
                       "请从你的打谱软件导出为 MusicXML（.musicxml 或 .mxl）或 MIDI（.mid），"
                       "或者直接输入音符，例如 `C E G`。")
    short = error_text(lambda: parse_seed("C:w | D:e E F | G:w", meter=Meter(4, 4)))
    assert "去掉 `F` 后面的小节线。没写时值的音沿用前一个音的时值：这里的 `E F` 是 `:e`。弱起" in short
    kept = error_text(lambda: parse_seed("A:w | A A", meter=Meter(3, 4)))
    assert kept == ("第 2 小节在 3/4 拍里有 9 拍：`A A`。没写时值的音沿用前一个音的时值：这里的 `A A` 是 `:w`。"
                    "如果要四分音符，请写 `A:q A:q`。")
    key = error_text(Key.parse, "J major")
    assert "'J major'" in key and "`G major`" in key and chinese(key)
    assert "`4/4`" in error_text(Meter.parse, "four") and chinese(error_text(Meter.parse, "four"))
    assert "下面的数字必须是 2、4 或 8" in error_text(Meter.parse, "4/3")
    assert "`X9`" in error_text(parse_chord_symbol, "X9") and chinese(error_text(parse_chord_symbol, "X9"))
    assert chinese(error_text(read_spec, "chorus"))
    assert error_text(parse_seed, "x2 C") == ("`x2` 重复它前面的音，但前面没有音。请放在音符后面，"
                                            "例如 `C E G x2` 或 `| C E G C | x2`。")
    assert error_text(parse_progression, "x2 C") == ("`x2` 重复它前面的和弦，但前面没有和弦。"
                                                   "请放在和弦后面，例如 `Am F C G x2`。")
    low = error_text(parse_seed, "C:h B,:h")
    assert chinese(low) and "`B,:h`" in low and "`B3:h`" in low and "`B:h`" in low
    scheme = error_text(LyricRequest.make, "", 2, "ABABAB")
    assert scheme == "韵式 `ABABAB` 有 6 行，而你要的是 2 行。请要 `lines:6`，或者用 2 个字母的韵式，如 `scheme:AA`。"
    chord = error_text(parse_seed, "C4 Am F4")
    assert chord.startswith("`Am` 看起来是和弦记号") and "`A C E`" in chord and "`C4:q D4:e E4:e G4:h`" in chord
    chords = error_text(parse_seed, "Am F C G")
    assert chords.startswith("`Am F C G` 看起来是和弦") and "`/melody chords:Am F C G`" in chords
    climbing = error_text(parse_seed, " ".join(["C4 E G", *["C E G"] * 11]))
    assert "第 14 个音是一路升上去的" in climbing and "`C4 E G C | C4 E G C`" in climbing


def test_code_notes_and_mentions_are_never_translated():
    text = ("🎼 **2 candidates** — seed ➜ continuation. Pick one, or ask for more like it.\n"
            "**1.** _tries D dorian_ ```\nC E G ➜ G major A4:q | Pick 1\n```\n**2.** ```\nC E G ➜ B4:h\n```")
    out = tr(text, ZH)
    assert out == ("🎼 **2 个候选** — 起始音 ➜ 续写。选一个，或者让我按它再写几条。\n"
                   "**1.** _尝试 D多利亚调式_ ```\nC E G ➜ G major A4:q | Pick 1\n```\n**2.** ```\nC E G ➜ B4:h\n```")
    assert tr("🎯 <@123> picked candidate 2:", ZH) == "🎯 <@123> 选择了候选 2："


def test_what_the_catalog_does_not_know_stays_english_and_nothing_breaks():
    assert tr("A sentence nobody translated. Pick 2", ZH) == "A sentence nobody translated. 选择 2"
    assert tr("", ZH) == "" and tr("   ", ZH) == "   "
    for weird in ("{", "}", "{x}", "⟦bars⟧", "\x1f", "`unclosed", "```"):
        assert isinstance(tr(weird, ZH), str)


def test_english_and_other_locales_are_untouched():
    text = "🎼 **Your melody** — seed ➜ continuation"
    for locale in ("en-US", "en-GB", "fr", "zh-TW", None):
        assert tr(text, locale) == text
        assert catalog_for(locale) is None
    assert ZH in CATALOGS


def test_values_inside_sentences_are_translated_too():
    assert tr("G major", ZH) == "G大调" and tr("F# dorian", ZH) == "F#多利亚调式"
    assert tr("irish, busy rhythm, open ending", ZH) == "爱尔兰、密集节奏、开放终止"
    filled = tr("🎛️ Filled in for you: key E minor (your /prefs), tempo 90 (learned from your feedback). Give an "
                "option to override it.", ZH)
    assert filled == ("🎛️ 已为你自动填入：调 E小调（来自你的 /prefs）、速度 90（从你的反馈中学到）。"
                      "填写对应选项即可覆盖。")
    assert tr("Bars 3-4 rewritten and 2 bars added", ZH) == "重写了第 3-4 小节，并新增 2 个小节"
    reason = tr("A crowd favourite: E major, 2/4, 160 bpm, irish (the community likes major keys and faster "
                "tempos).", ZH)
    assert reason == "大家的最爱：E大调，2/4，160 bpm，爱尔兰风格（大家喜欢大调、较快的速度）。"
    aside = tr("ℹ️ Without `style:` the change is worked out, not sampled: one result, always the same, so I left "
               "`count:`, `seed:` and `temperature:` aside.", ZH)
    assert aside.endswith("所以我没有用 `count:`、`seed:` 和 `temperature:`。")  # the list's "and" too
    # a list with items no catalog knows (a tune's title, a meter): the known ones still read in Chinese
    read = tr("Read as an ABC tune: “The Kesh”, G major, 6/8, 120 bpm.", ZH)
    assert read == "按 ABC 记谱读取：“The Kesh”、G大调、6/8、120 bpm。"


def test_transform_mood_and_jianpu_errors_are_chinese():
    from studio.inputs import melody_from_notes
    from studio.mood import measure, mood_section, notes_melody
    from studio.transform import RHYTHMS, apply, change_rhythm
    from studio.transform_targets import Targets, read_targets

    high = melody_from_notes("C7 E7 G7").melody
    assert error_text(apply, high, Targets(register="up")) == ("升高八度会让 G7 超出钢琴音域（到 C8 为止）。试试 "
                                                                "`register:down` 或 `register:middle`。")
    assert tr("Moving it low takes A0 past the end of the piano (A0). Try `register:up` or `register:middle`.",
              ZH).startswith("移到低音区会让 A0 超出钢琴音域")
    five = melody_from_notes("C D E F G", meter="5/4").melody
    assert error_text(apply, five, Targets(rhythm="jig")).startswith("5/4 拍的拍子长短不一")
    unknown = error_text(read_targets, "polka please")
    assert unknown.startswith("我不认识 `polka`。请用几个英文词") and "`dorian jig`" in unknown
    assert error_text(read_targets, "jig waltz") == "同一项你要了两个值（节奏：吉格 和 华尔兹）：请选一个。"
    rests = melody_from_notes("C D").melody.__class__((), five.key)
    assert chinese(error_text(change_rhythm, rests, RHYTHMS["jig"])) and chinese(error_text(measure, rests))
    bar = error_text(parse_seed, "1 2 3 5 | 6 5 3 -", 64, Meter(6, 8))
    assert bar.startswith("第 1 小节在 6/8 拍里有 8 个八分音符")  # a measure word before the count
    assert chinese(error_text(parse_seed, "1 2 x")) and "`x`" in error_text(parse_seed, "1 2 x")
    section = tr(mood_section(notes_melody("A3:q C4 B3 A3 G3:h E3:h F3:q E3 D3 C3 B2:h A2:h", "A minor", 60)), ZH)
    assert section.startswith("**忧郁** — 效价 -0.9") and "下行 11 个半音" in section and "valence" not in section
    assert tr("🎭 triumphant: major, 116 bpm, middle register, natural rhythm, detached, rising contour", ZH) == (
        "🎭 昂扬：大调、116 bpm、中音区、自然节奏、非连奏、上行的旋律走向")  # detached is not staccato (跳音)


def test_the_stats_table_header_and_quiz_scores_are_chinese():
    from studio.quiz.scores import score_text
    from studio.store.base import QuizScore

    assert tr(score_text(QuizScore(2, 1, 0, 1, (("interval", 2, 1),))), ZH) == (
        "📊 你的得分：2 题答对 1 题（50%）· 当前连对 0 题 · 最佳连对 1 题\n• 音程：2 题答对 1 题")
    table = "```\nday         count\n2024-05-01     3  ████\n```"  # what stats_table writes
    assert tr(table, ZH) == "```\n日期        次数\n2024-05-01     3  ████\n```"


def test_transform_chords_errors_and_notes_are_translated():
    from data.events import Melody
    from studio.transform import chords_note, transform_request
    from studio.transform_targets import Targets

    melody = Melody(parse_seed("A4:h C5:h | F4:w").notes, Key.parse("A minor"), Meter.parse("4/4"), 100)
    assert error_text(transform_request, melody, Targets(transpose="D"), "Am F C G") == (
        "你的和弦有 4 小节，而旋律只有 2 小节：每小节旋律最多配一小节和弦。")
    left = chords_note("Am F", transform_request(melody, Targets(rhythm="jig"), "Am F"))
    assert tr(f"ℹ️ {render(left, discord_syntax)}", ZH) == (
        "ℹ️ 你的和弦没有带过来：它们不适合新的节奏。`/chords` 可以为结果配和弦。")
