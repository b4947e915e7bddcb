import re
from importlib import resources

from data.blocklist import MASK, clean, digest, digests, has_blocked, is_blocked

# A made-up word stands in for a slur, so that no test has to type one.
STAND_IN = "zorblagg"
EXTRA = {digest(STAND_IN), digest(STAND_IN + "s")}


def test_the_shipped_list_holds_digests_only():
    text = resources.files("data").joinpath("blocklist.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("#") and "SHA-256" in lines[0]
    entries = [line for line in lines if not line.startswith("#")]
    assert len(entries) >= 50
    assert all(re.fullmatch(r"[0-9a-f]{64}", line) for line in entries)
    assert len(digests()) == len(entries)


def test_a_listed_word_is_blocked_however_it_is_written():
    for written in ["zorblagg", "ZORBLAGG", "Zorblagg's", "z0rbl4gg", "zorblaggggg", "zorblaggs", "’zorblagg’"]:
        assert is_blocked(written, EXTRA), written
    assert not is_blocked("zorblag", EXTRA)  # not the listed word
    assert not is_blocked(STAND_IN)  # and it is not in the shipped list


def test_clean_masks_only_the_blocked_word():
    text = "Sing of the Zorblagg, the z0rblaggs and the raccoon!"
    assert clean(text, extra=EXTRA) == f"Sing of the {MASK}, the {MASK} and the raccoon!"
    assert clean(text, mask="la", extra=EXTRA).count("la") == 2
    assert has_blocked(text, EXTRA) and not has_blocked("a quiet song", EXTRA)


def test_ordinary_words_that_contain_or_resemble_short_slurs_pass():
    ordinary = ["raccoon", "spice", "spicy", "class", "grape", "assassin", "Scunthorpe", "cocktail", "therapist",
                "Niger", "Japan", "homogeneous", "snigger", "bundle", "coonhound", "pakistan", "wagon", "bitter"]
    assert [w for w in ordinary if is_blocked(w)] == []
    assert clean("The raccoon ate spicy grapes in class.") == "The raccoon ate spicy grapes in class."


def test_odd_input_never_raises():
    for text in ["", "😀" * 500, "сердце 心 ♪", "x" * 2000, "'''!!!$$$"]:
        assert isinstance(clean(text), str)
        assert not has_blocked(text)
