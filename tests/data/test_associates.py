"""The committed WordNet associates (`data/associates.txt.gz`): words that belong with a theme word by meaning."""

from __future__ import annotations

from data.associates import DEFAULT_PATH, lemma_of, load_associates
from data.pronounce import FUNCTION_WORDS


def test_associates_are_about_the_word_not_its_grammar():
    table = load_associates()
    assert DEFAULT_PATH.stat().st_size < 1_000_000 and len(table) > 10_000
    assert {"drops", "shower"} <= set(table["rain"])
    assert "time" in table["clock"] and "ocean" in table["sea"]
    assert {"battle", "enemy"} <= set(table["war"])
    assert "season" in table["autumn"]
    for word, found in table.items():
        assert word not in found and not FUNCTION_WORDS & set(found)
        assert not any("'" in w for w in found)


def test_plurals_and_verb_forms_find_their_lemma():
    index = {"hand": [], "hands": [], "fly": [], "leave": [], "glass": []}
    assert lemma_of("hands", index) == "hand"  # not WordNet's "hands" (custody)
    assert lemma_of("flying", index) is None or lemma_of("flying", index) == "fly"
    assert lemma_of("leaving", index) == "leave"
    assert lemma_of("glass", index) == "glass"
    assert lemma_of("zzqx", index) is None
