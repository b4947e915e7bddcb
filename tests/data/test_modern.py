"""The committed modern English lines (`data/modern.txt.gz`, WordNet 3.0's examples), their build and split."""

from __future__ import annotations

from pathlib import Path

from data.modern import DEFAULT_PATH, MAX_WORDS, MIN_WORDS, as_lines, build, examples, lyric_lines
from data.verse import load_verse, read_verse, stanzas

LICENCE = Path(DEFAULT_PATH).with_name("modern.LICENSE")


def test_committed_lines_are_short_modern_sentences_with_their_licence():
    lines = load_verse(DEFAULT_PATH)
    assert DEFAULT_PATH.stat().st_size < 1_000_000 and len(lines) > 35_000
    assert all(MIN_WORDS <= len(v.text.split()) <= MAX_WORDS for v in lines)
    text = {v.text for v in lines}
    assert "he had a kidney transplant" in text
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in LICENCE.read_text()
    for stanza in stanzas(lines):  # a stanza is up to four examples of one lexicographer file, in one split
        assert len(stanza) <= 4 and len({v.split for v in stanza}) == 1


def test_the_lyric_model_reads_verse_then_modern_lines_split_by_stanza():
    test = lyric_lines("test")
    assert {v.author for v in test} >= {"milton", "wordnet"}
    assert all(v.split == "test" for v in test)
    assert len(lyric_lines()) == len(load_verse()) + len(load_verse(DEFAULT_PATH))


def test_build_reads_examples_from_wordnet_data_files(tmp_path):
    header = "  1 This software and database is being provided to you, the LICENSEE\n"
    (tmp_path / "data.noun").write_text(
        header
        + '00001740 19 n 01 rain 0 000 | water falling in drops; "the rain was heavy"; "we got wet in the rain"\n'
        + '00001741 19 n 01 storm 0 000 | a violent weather; "the storm lasted 3 days"; "storm"\n'
        + '00001742 19 n 01 fog 0 000 | droplets; "the rain was heavy"\n'  # duplicate: dropped
    )
    (tmp_path / "data.verb").write_text('00001743 38 v 01 walk 0 000 | go on foot; "she walked home alone"\n')
    for pos in ("adj", "adv"):
        (tmp_path / f"data.{pos}").write_text("")
    rows = examples(tmp_path)  # digits and one-word examples are left out
    assert rows == [(19, "the rain was heavy"), (19, "we got wet in the rain"), (138, "she walked home alone")]
    lines = as_lines(rows)
    assert [(v.poem, v.stanza) for v in lines] == [(19, 0), (19, 0), (138, 0)]
    path = tmp_path / "modern.txt.gz"
    path.write_bytes(build(tmp_path))
    assert read_verse(path) == tuple(lines) and build(tmp_path) == path.read_bytes()  # deterministic bytes
