"""The corpus check on the committed index: planted copies are found in any key and at any tempo, the user's seed
never counts, the Composer re-writes a copying take (reproducibly), /similar finds the tune its notes came from, the
CLI prints both, and the file is rebuilt byte for byte."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import replace

import numpy as np
import pytest

from data.corpus_notes import build, read_notes
from data.events import Key, Melody, Meter, Note
from data.notation import format_notes, parse_seed
from data.prepare import load_tunes
from studio.cli.main import main
from studio.melody import RETAKE_STRIDE, RETAKES, Composer
from studio.originality import COPY_NOTES, NAME_NOTES, Shared, longest_shared, phrase_index, similar_tunes
from studio.requests import MelodyRequest

RNG_NOTES = (Note(62, 6), Note(64, 6), Note(66, 12), Note(61, 3), Note(59, 9), Note(None, 6), Note(57, 24),
             Note(64, 12), Note(70, 4), Note(68, 4), Note(60, 4), Note(72, 18), Note(71, 6))  # no corpus tune goes so


def corpus_passage(tune: int, start: int, n: int) -> list[Note]:
    """``n`` pitched notes of a corpus tune from its ``start``-th pitched note, with the rests up to the next."""
    notes = read_notes().notes(tune)
    pitched = [i for i, x in enumerate(notes) if x.pitch is not None]
    end = pitched[start + n] if start + n < len(pitched) else len(notes)
    return notes[pitched[start]:end]


def disguised(notes: list[Note], shift: int, num: int, den: int) -> list[Note]:
    return [Note(None if n.pitch is None else n.pitch + shift, n.ticks * num // den) for n in notes]


def long_tunes(count: int, seed: int) -> list[int]:
    corpus = read_notes()
    sizes = np.add.reduceat(corpus.pitch > 0, corpus.starts[:-1])
    rng = np.random.default_rng(seed)
    return [int(t) for t in rng.choice(np.flatnonzero(sizes >= 40), count, replace=False)]


@pytest.mark.parametrize("length", [8, 12, 16])
def test_planted_copies_are_found_transposed_and_at_another_tempo(length):
    for i, tune in enumerate(long_tunes(6, length)):
        piece = disguised(corpus_passage(tune, 5 + i, length), shift=i - 3 or 5, num=2, den=1)
        notes = list(RNG_NOTES) + piece + list(RNG_NOTES)
        shared = longest_shared(notes)
        assert shared.notes >= length
        assert shared.copied == (shared.notes >= COPY_NOTES)
        # the tune it names has that passage (it may be another collection's copy of the same tune)
        theirs = read_notes().notes(shared.tune.index)[shared.tune_start:]
        steps = shared.notes - 1
        assert list(phrase_index().query_steps(theirs)[0][:steps - 1]) == list(
            phrase_index().query_steps(notes[shared.start:])[0][:steps - 1])


def test_the_seed_never_counts_against_a_melody():
    tune = long_tunes(1, 99)[0]
    seed = corpus_passage(tune, 0, 20)
    melody = seed + list(RNG_NOTES)
    assert longest_shared(melody).notes >= 20  # the whole melody: the seed is a real tune
    mine = longest_shared(melody, seed_len=len(seed))
    assert mine.notes < 6 and mine.start >= len(seed)
    # a continuation that goes on copying the same tune: only its own notes count
    more = corpus_passage(tune, 0, 34)
    shared = longest_shared(more, seed_len=len(seed))
    assert shared.notes == sum(n.pitch is not None for n in more[len(seed):]) == 14
    assert shared.start == len(seed) and shared.copied and shared.tune is not None


def test_the_line_names_the_tune_from_eight_notes():
    tune = read_notes().tunes[long_tunes(1, 5)[0]]
    assert Shared(NAME_NOTES - 1, tune).line == "longest passage shared with a corpus tune: 7 notes"
    named = Shared(NAME_NOTES, tune).line
    assert named.startswith("shares 8 notes with “") and tune.title in named and tune.source_name in named


def test_similar_lists_the_tune_the_notes_came_from_first():
    corpus = read_notes()
    for i, tune in enumerate(long_tunes(4, 7)):
        piece = disguised(corpus_passage(tune, 3, 24), shift=2 - i, num=1 if i % 2 else 2, den=1)
        melody = Melody(tuple(piece), Key(2), Meter.parse(corpus.tunes[tune].meter))
        found = similar_tunes(melody, 5)
        assert 1 <= len(found) <= 5
        best = found[0]
        assert best.tune.index == tune or (best.score, best.longest) == next(
            (s.score, s.longest) for s in found if s.tune.index == tune)
        assert best.score == pytest.approx(1.0) and best.longest == 24
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
        assert len(best.mine.notes) == len(best.theirs.notes)
        pitched = [[n.pitch for n in side.notes if n.pitch is not None] for side in (best.mine, best.theirs)]
        assert pitched[0] == pitched[1]  # theirs is moved to your pitch (shift 2 - i away in the corpus's C)
        assert best.mine_text.split()[0] != "|"


def test_similar_lists_a_tune_the_book_has_twice_once():
    """O'Neill's no. 1584, “Lady Day”, is in the corpus in two transcriptions: both held this run."""
    found = similar_tunes(Melody(parse_seed("D:e E F# G A B A F# | E D E F# D:h").notes, Key(2)), 5)
    cited = [(s.tune.title, s.tune.cited) for s in found]
    assert cited[0] == ("Lady Day", "O'Neill's Music of Ireland (1850), no. 1584") and len(set(cited)) == len(cited)


def test_a_melody_with_nothing_in_common_lists_nothing():
    assert similar_tunes(Melody(RNG_NOTES, Key(2))) == []
    assert longest_shared(RNG_NOTES).notes < 6


def test_lookup_is_fast():
    index = phrase_index()
    notes = list(RNG_NOTES) * 8
    index.longest(notes)
    start = time.perf_counter()
    for _ in range(20):
        index.longest(notes)
    assert (time.perf_counter() - start) / 20 < 0.02


def test_the_file_is_rebuilt_byte_for_byte(tmp_path):
    rows = [{"source": "oneills1850", "style": "irish", "title": "A Tune,", "ident": "oneills1850/a.abc#0",
             "split": "train", "tokens": "style:irish mode:major meter:2/4 p76 d6 | p76 d3 p77 d3 p79 d9 p81 d3 | "
             "p77 d12 r d6 p74 d6 | p72 d24 | end"},
            {"source": "bach", "style": "chorale", "title": "tune 1", "ident": "bach/bwv74.8#0", "split": "test",
             "tokens": "style:chorale mode:dorian meter:4/4 p62 d12 p64 d12 p65 d24 | p67 d48 | end"}]
    path = tmp_path / "corpus.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    first, counts = build(load_tunes(path))
    assert first == build(load_tunes(path))[0] and counts == {"kept": 2, "skipped": 0, "notes": 13}
    (tmp_path / "notes.npz").write_bytes(first)
    corpus = read_notes(tmp_path / "notes.npz")
    assert [t.title for t in corpus.tunes] == ["A Tune", "Chorale BWV 74.8"]
    assert corpus.notes(0)[:3] == [Note(76, 6), Note(76, 3), Note(77, 3)] and corpus.notes(0)[6] == Note(None, 6)
    assert list(corpus.offset) == [18, 0]  # the first tune starts with an eighth-note pickup in 2/4


# ---- the Composer re-writes a take that copies -------------------------------------------------------------------
COPYING = (  # first takes that copied 12+ notes with the shipped model; more are drawn if sampling changes
    MelodyRequest(notes="C E G", bars=8, temperature=0.96, seed=1224471373, key="C major", style="chorale", count=1),
    MelodyRequest(notes="do re mi", bars=8, temperature=0.92, seed=1434260757, key="G minor", style="american",
                  count=1),
    MelodyRequest(notes="C E G", bars=16, temperature=0.82, seed=230203853, key="D minor", style="american", count=1),
)


async def copying_request(composer: Composer) -> MelodyRequest:
    """A request whose first take copies a corpus tune (asked of a Composer that does not re-write)."""
    plain = Composer(composer.engine, composer.vocab)
    plain.avoid_copies = False
    more = [replace(r, seed=r.seed + i) for i in range(1, 30) for r in COPYING]
    for batch in (COPYING, more):
        for request, result in zip(batch, await plain.write(list(batch)), strict=True):
            if result.shared is not None and result.shared.copied:
                return request
    pytest.fail("no take copied a corpus tune")


async def test_a_copying_take_is_written_again_and_reproduces(composer):
    request = await copying_request(composer)
    result = await composer.melody(request)
    first = result.first_take
    assert first is not None and first.copied and first.tune is not None
    assert result.shared is not None
    if result.shared.copied:  # every take copied: the first is kept, and the line says so
        assert result.request.seed == request.seed and "this is the first" in result.originality
        return
    k, rest = divmod(result.request.seed - request.seed, RETAKE_STRIDE)
    assert rest == 0 and 1 <= k <= RETAKES
    assert result.originality == (f"{result.shared.line} · re-written: the first take copied {first.notes} notes of "
                                  f"{first.named}")
    # its reproduce command (the shown seed, count 1) writes the same notes, with nothing to re-write
    again = await composer.melody(replace(request, seed=result.request.seed))
    assert again.melody.notes == result.melody.notes and again.first_take is None


async def test_every_candidate_carries_its_originality(composer):
    results = await composer.candidates(MelodyRequest(notes="G A B", seed=11, bars=8))
    for result in results:
        assert result.shared is not None and not result.shared.copied
        assert result.shared.start >= result.melody.seed_len  # the seed never counts
        assert result.originality == result.shared.line


def test_cli_similar_prints_the_tunes_and_writes_their_rolls(tmp_path, capsys):
    tune = long_tunes(1, 21)[0]
    info = read_notes().tunes[tune]
    typed = format_notes(disguised(corpus_passage(tune, 0, 16), shift=-3, num=2, den=1), 10**6)
    assert main(["similar", typed, "--count", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Corpus tunes closest to your melody (16 notes" in out and "Score: the share of your notes" in out
    assert f"1. “{info.title}”" in out or "score 100% · 16 notes in a row" in out.split("\n2.")[0]
    assert "   yours  (notes 1-" in out and "   theirs (notes " in out
    assert (tmp_path / "similar.txt").read_text().startswith("Corpus tunes closest")
    assert (tmp_path / "similar-1.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_melody_prints_its_originality(tmp_path, capsys):
    assert main(["melody", "G A B", "--seed", "3", "--bars", "4", "--out", str(tmp_path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Originality: "))
    assert " notes" in line and ("longest passage shared with a corpus tune" in line or "shares " in line)
