"""The committed corpus-tune index (`data/tunes.json.gz`), its build, and how `/inspire` picks from it."""

from __future__ import annotations

import gzip
import json
import random
import re
import sys

import numpy as np
import pytest

from data.errors import MusicError
from data.events import Key
from data.notation import parse_seed
from data.prepare import DEFAULT_CACHE, load_tunes
from data.tunes import DEFAULT_INDEX, SOURCE_NAMES, build, clean_title, find_tune, load_index, main, read_index
from studio.requests import MelodyRequest
from studio.taste.features import DIM, FEATURE_NAMES, features
from studio.taste.tunes import pick_tunes, tune_matrix


def record(ident: str, tokens: str, title: str = "A Tune", source: str = "oneills1850", style: str = "irish") -> dict:
    return {"source": source, "style": style, "title": title, "ident": ident, "split": "train", "tokens": tokens}


SMALL_CORPUS = [
    # a two-sixteenth pickup (left out of the opening), then 2/4 bars
    record("oneills1850/a.abc#0", "style:irish mode:major meter:2/4 p76 d3 p77 d3 | p79 d9 p81 d3 p77 d9 p79 d3 | "
                                  "p76 d12 p74 d9 p72 d3 | p72 d24 | p71 d24 | end"),
    # minor, 6/8, a DOS-encoded title; 14 notes in two bars: the opening stops at 12
    record("essenFolksong/lux.abc#3", "style:european mode:minor meter:6/8 " + "p69 d3 " * 12 + "| p71 d6 p72 d6 "
           "p74 d6 p76 d18 | p69 d36 | end", title="Ich hab die Nacht getr\x84umet,", source="essenFolksong",
           style="european"),
    # a chorale without a title that starts with a bar of rest
    record("bach/bwv74.8#0", "style:chorale mode:dorian meter:4/4 r d48 | p62 d12 p64 d12 p65 d24 | p67 d48 | end",
           title="tune 1", source="bach", style="chorale"),
    record("oneills1850/a.abc#0", "style:irish mode:major meter:2/4 p60 d24 | end"),  # a repeated identity
    record("airdsAirs/b.abc#1", "style:scottish mode:major meter:4/4 r d48 | r d48 | end", source="airdsAirs",
           style="scottish"),  # no notes at all
]


@pytest.fixture
def small_corpus(tmp_path):
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in SMALL_CORPUS)
    return path


# ---- the build ----------------------------------------------------------------------------------

def test_build_is_deterministic_and_reads_back(small_corpus, tmp_path, monkeypatch, capsys):
    data, counts = build(load_tunes(small_corpus))
    assert data == build(load_tunes(small_corpus))[0]
    assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0: no build time in the bytes
    assert counts == {"kept": 3, "skipped": 2}

    out = tmp_path / "tunes.json.gz"
    monkeypatch.setattr(sys, "argv", ["data.tunes", "--corpus", str(small_corpus), "--out", str(out)])
    main()
    assert out.read_bytes() == data and "3 tunes (2 skipped)" in capsys.readouterr().out

    irish, german, chorale = read_index(out)
    assert [t.index for t in (irish, german, chorale)] == [0, 1, 2]
    assert (irish.source_name, irish.key, irish.meter, irish.tempo) == ("O'Neill's Music of Ireland (1850)",
                                                                        "C major", "2/4", 120)
    assert irish.seed == "G5:e. A5:s F5:e. G5:s | E5:q D5:e. C5:s"  # the pickup E5 F5 is left out
    assert german.title == "Ich hab die Nacht geträumet" and german.source_name == "Essen folk songs"
    assert german.key == "A minor" and german.seed == " ".join(["A4:s"] * 12)
    assert chorale.title == "Chorale BWV 74.8" and chorale.key == "D dorian" and chorale.seed == "D4:q E4:q F4:h | G4:w"
    assert [n.ticks for n in chorale.notes] == [12, 12, 24, 48]


def test_titles_are_cleaned():
    assert clean_title('"Ulrich"', "essenFolksong", "essenFolksong/zuccal0.abc#334") == "Ulrich"
    assert clean_title("Das Lieben bringt groá Freud", "essenFolksong", "essenFolksong/lux.abc#1") == (
        "Das Lieben bringt groß Freud")
    assert clean_title("Rádái na scadán", "essenFolksong", "essenFolksong/irl.abc#2") == "Rádái na scadán"
    assert clean_title("tune 1", "bach", "bach/bwv354#0") == "Chorale BWV 354"
    assert clean_title("", "oneills1850", "oneills1850/x.abc#0") == "Untitled"
    assert clean_title("Duncan Gray.", "airdsAirs", "airdsAirs/book1.abc#3") == "Duncan Gray"  # the books' full stop
    assert not any(t.title.endswith(".") for t in load_index())  # the committed index is read without it too


# ---- the committed index ------------------------------------------------------------------------

def test_committed_index_covers_the_corpus():
    tunes = load_index()
    assert load_index() is tunes  # read once
    assert len(tunes) > 11_000 and DEFAULT_INDEX.stat().st_size < 1_500_000
    assert {t.source_name for t in tunes} == set(SOURCE_NAMES.values())
    assert len({t.ident for t in tunes}) == len(tunes)
    assert [t.index for t in tunes] == list(range(len(tunes)))
    assert find_tune(tunes[123].ident) is tunes[123] and find_tune("no/such.abc#0") is None
    for t in tunes:
        assert t.title.strip() and not re.search("[\x80-\x9f]", t.title), t
        assert Key.parse(t.key).transpose_to_c == 0, t  # the prepared tunes are written with C's key signature


def test_every_opening_is_a_valid_melody_request(composer):
    for t in load_index():
        request = MelodyRequest(**t.params)
        try:
            seed = composer.validate(request)  # parses, has a note, meter in the model's vocabulary, room to continue
        except MusicError as exc:
            pytest.fail(f"{t.ident}: {exc}")
        assert parse_seed(t.seed) == seed and seed.text == t.seed and 1 <= len(seed.notes) <= 12, t
        assert tuple(t.notes[: len(seed.notes)]) == seed.notes, t  # the opening starts its first eight bars
        assert t.command.startswith(f"/melody notes:{t.seed} key:{t.key} meter:{t.meter}")


def test_a_tune_written_with_only_its_signature_is_prepared_in_the_mode_its_final_names():
    """O'Neill's writes "The Burnt Old Man" with one sharp and no mode; it ends on A (D in C-space): A dorian. The
    prepared corpus, the tune index and the model's training data call it dorian, not major."""
    from data import theory
    from data.prepare import _prepare_file

    path = next(p for p in theory.collection_files("oneills1850") if p.name == "0051-0100.abc")
    tune = next(t for t in _prepare_file(("oneills1850", str(path))) if t["ident"].endswith("#39"))
    assert tune["title"] == "THE BURNT OLD MAN" and tune["tokens"].startswith("style:irish mode:dorian meter:6/8")
    assert next(t for t in load_index() if t.ident == tune["ident"]).key.endswith("dorian")


@pytest.mark.skipif(not DEFAULT_CACHE.exists(), reason="the prepared corpus is not committed (python -m data.prepare)")
def test_committed_index_is_up_to_date_with_the_prepared_corpus():
    assert build(load_tunes(DEFAULT_CACHE))[0] == DEFAULT_INDEX.read_bytes(), "rebuild it: python -m data.tunes"


# ---- picking tunes for /inspire -----------------------------------------------------------------

@pytest.fixture(scope="module")
def matrix():
    return tune_matrix()


def test_feature_matrix_matches_generation_features(matrix):
    tunes, m = matrix
    assert m.shape == (len(tunes), DIM + 1) and np.all(m[:, -1] == 1.0)
    for i in (0, 500, len(tunes) - 1):
        assert np.array_equal(m[i, :DIM], features(tunes[i].params, tunes[i].notes))


def test_picks_follow_the_scores_and_explore_an_untried_kind(matrix):
    tunes, m = matrix
    w = np.zeros(DIM + 1)
    w[FEATURE_NAMES.index("mode_minor")], w[FEATURE_NAMES.index("meter_compound")] = 1.0, 0.5
    vocab = {f"meter:{t.meter}" for t in tunes}
    history = [{"notes": "C E G", "key": "A minor", "style": "european"}]
    picks = pick_tunes(tunes, m, w, 10, history, vocab, random.Random(1))
    scores = m @ w
    assert [p.explore for p in picks] == [False, False, True]
    assert picks[0].score == pytest.approx(scores.max()) and picks[0].score >= picks[1].score >= picks[2].score - 1e-9
    assert all(p.tune.mode == "minor" and p.tune.meter in ("6/8", "9/8", "12/8") for p in picks[:2])
    assert picks[0].reason.startswith("Similar to the minor") and "melodies you liked" in picks[0].reason
    explored = picks[2].tune
    assert (explored.style, explored.mode) != ("european", "minor")  # tried already
    assert explored.style not in {p.tune.style for p in picks[:2]} or explored.mode != "minor"
    assert picks[2].reason.startswith("Something you haven't tried")
    assert len({p.tune.title for p in picks}) == 3

    again = pick_tunes(tunes, m, w, 10, [*history, {"notes": picks[0].tune.seed}], vocab, random.Random(1))
    assert picks[0].tune not in [p.tune for p in again]  # already continued: not offered again
    only_44 = pick_tunes(tunes, m, w, 10, history, {"meter:4/4"}, random.Random(1))
    assert {p.tune.meter for p in only_44} == {"4/4"}  # meters the model can't write are never offered


def test_a_new_user_gets_varied_tunes_from_the_community_prior(matrix):
    tunes, m = matrix
    vocab = {f"meter:{t.meter}" for t in tunes}
    first = pick_tunes(tunes, m, np.zeros(DIM + 1), 0, [], vocab, random.Random(1))
    second = pick_tunes(tunes, m, np.zeros(DIM + 1), 0, [], vocab, random.Random(2))
    assert len(first) == len(second) == 3
    assert [p.tune for p in first] != [p.tune for p in second]  # no taste at all: ties fall in random order
    assert "start from" in first[0].reason
