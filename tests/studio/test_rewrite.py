"""Rewriting bars and adding bars (``studio.rewrite``): which bars, the errors, and the product path on many random
melodies and choices of bars: every untouched bar identical, the length kept, every bar full."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from data.errors import MusicError
from data.events import MODE_OFFSET, Key, Melody, Meter, Note, decode_notes
from data.notation import parse_seed, stored_notes
from data.tunes import load_index
from studio.bar_spec import read_spec, spec_text
from studio.cli.main import main
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.rewrite import (
    RewriteResult,
    _cut,
    extend_request,
    marked_text,
    more_bars,
    plan,
    request_plan,
    rewrite_request,
)

TUNE = "E D C D | E E E:h | D:q D D:h | E:q G G:h | E:q D C D | E E E E | D D E D | C:w"


def user_text(error: MusicError) -> str:
    """The message as Discord shows it: `bars:3-4`, `/extend bars:4`."""
    def syntax(command: str | None, options: list[tuple[str, str | None]]) -> str:
        said = " ".join(f"{name}:{value or ''}" for name, value in options)
        return f"`/{command} {said}`" if command else f"`{said}`"

    return error.render(syntax)


def melody(text: str = TUNE, meter: str = "4/4", key: str = "C major") -> Melody:
    seed = parse_seed(text, max_notes=1000, meter=Meter.parse(meter))
    return Melody(seed.notes, Key.parse(key), Meter.parse(meter), 100, pickup=seed.pickup)


def bar_contents(m: Melody) -> list[tuple]:
    """What sounds in each bar (after the pickup; the pickup is bar 0): (start, pitch, end) within the bar."""
    bar = m.meter.bar_ticks
    out: dict[int, list] = {}
    for note, at in zip(m.notes, m.onsets(), strict=True):
        start, end = m.start + at, m.start + at + note.ticks
        for b in range(start // bar, -(-end // bar)):
            out.setdefault(b, []).append((max(start, b * bar) - b * bar, note.pitch, min(end, (b + 1) * bar) - b * bar))
    return [tuple(out.get(b, ())) for b in range(max(out) + 1)]


def numbers(spec: str) -> set[int]:
    return set(read_spec(spec))


def test_bars_are_read_as_ranges_and_lists():
    assert read_spec("3-4") == (3, 4)
    assert read_spec("2,5") == (2, 5)
    assert read_spec(" 3 - 4 , 7 ") == (3, 4, 7)
    assert read_spec("4-3") == (3, 4)
    assert read_spec("bars 3–5") == (3, 4, 5)
    assert read_spec("2 5") == (2, 5)
    assert read_spec("3..4; 6 to 7") == (3, 4, 6, 7)
    assert read_spec("bars 3 and 4") == read_spec("bar 3 & 4") == read_spec("3+4") == (3, 4)  # as typed in the form
    assert spec_text((7, 3, 4, 4)) == "3-4,7"
    # in words, as typed in the Rewrite bars form: the melody's bar count gives "last" and "half" their bars
    assert read_spec("the last two bars", 8) == read_spec("bars seven and eight", 8) == (7, 8)
    assert read_spec("the 3rd bar", 8) == read_spec("the third bar", 8) == read_spec("measure three", 8) == (3,)
    assert read_spec("second half", 8) == read_spec("5 to the end", 8) == read_spec("from 5", 8) == (5, 6, 7, 8)
    assert read_spec("first half", 6) == (1, 2, 3) and read_spec("last bar", 6) == (6,)
    for bad in ("", "half", "3-", "3-4-5", "x3", "bar", "1" * 200):
        with pytest.raises(MusicError) as error:
            read_spec(bad)
        assert error.value.option == "bars" and "3-4" in user_text(error.value)


def test_bars_the_melody_does_not_have_or_all_of_them_are_explained_with_an_example():
    six = melody("C D E F | G A B C | C B A G | F E D C | E G E C | C:w")
    with pytest.raises(MusicError) as error:
        rewrite_request(six, "7")
    text = user_text(error.value)
    assert "has 6 bars" in text and "bars:3-4" in text and error.value.option == "bars"
    with pytest.raises(MusicError) as error:
        rewrite_request(six, "0-2")
    assert "no bar 0" in user_text(error.value)
    with pytest.raises(MusicError) as error:
        rewrite_request(six, "1-6")
    assert "every bar" in user_text(error.value) and "bars:3-4" in user_text(error.value)
    with pytest.raises(MusicError) as error:
        rewrite_request(melody("C D E F"), "1")
    assert "/extend" in user_text(error.value)


def test_the_plan_counts_bars_after_a_pickup_and_adds_bars_at_the_end():
    m = melody("G | C E G E | D F A F | C:w")
    assert (m.pickup, m.bars) == (12, 3)
    chosen = plan("2", m.ticks, m.meter, pickup=m.pickup)
    assert chosen.gaps == ((12 + 48, 12 + 96),) and chosen.end == m.ticks
    grown = request_plan(extend_request(m, 2))
    assert grown.gaps == ((m.ticks, 12 + 5 * 48),) and grown.added == [4, 5] and not grown.rewritten
    short = melody("C D E F | G")  # a short last bar: rewriting it keeps the length
    assert plan("2", short.ticks, short.meter).gaps == ((48, 60),)
    with pytest.raises(MusicError) as error:
        extend_request(melody("C D E F | " * 62 + "C:w"), 4)
    assert "at most 64" in user_text(error.value) and "bars:1" in user_text(error.value)
    assert "63 bars" in user_text(error.value)
    for more in (0, -1, 17):  # nothing to add, or more than an extension adds: said, not "I can't read the bars ``"
        with pytest.raises(MusicError) as error:
            extend_request(m, more)
        assert "between 1 and 16" in user_text(error.value) and "bars:4" in user_text(error.value)


def test_notes_crossing_into_a_rewritten_bar_keep_what_sounds_outside_it():
    notes = [Note(60, 36), Note(62, 24), Note(64, 36)]  # 0-36, 36-60 (over the bar line at 48), 60-96
    assert _cut(notes, [48]) == [Note(60, 36), Note(62, 12), Note(62, 12), Note(64, 36)]
    assert _cut(notes, [36, 96]) == notes


def test_the_marked_text_reads_back_as_the_same_notes():
    m = melody("G | C E G E | D F A F | C:w")
    text = marked_text(m, ((60, 108),))
    assert text == "G4:q | C5:q E5:q G5:q E5:q | [ D5:q F5:q A5:q F5:q ] | C5:w |"
    assert stored_notes(text) == m.notes
    assert parse_seed(text, max_notes=100, meter=m.meter).pickup == 12


def corpus_melodies(count: int, seed: int, meters: tuple[str, ...]) -> list[tuple[str, Melody]]:
    """Held-out-looking corpus openings (8 full bars) in every meter the index has, and their style."""
    rng = random.Random(seed)
    found = []
    for tune in load_index():
        if tune.mode not in MODE_OFFSET or tune.meter not in meters:
            continue
        meter = Meter.parse(tune.meter)
        bars = [decode_notes(b.split()) for b in tune.tokens.split(" | ")]
        if len(bars) == 8 and all(sum(n.ticks for n in b) == meter.bar_ticks for b in bars):
            notes = tuple(n for b in bars for n in b)
            found.append((tune.style, Melody(notes, Key(MODE_OFFSET[tune.mode], tune.mode), meter, 100)))
    by_meter: dict[str, list] = {}
    for style, m in found:
        by_meter.setdefault(str(m.meter), []).append((style, m))
    picked = [rng.choice(group) for group in by_meter.values()]  # every meter once
    return picked + rng.sample(found, max(0, count - len(picked)))


def random_spec(rng: random.Random, bars: int) -> str:
    kind = rng.choice(("range", "list", "first", "last"))
    if kind == "range":
        a = rng.randint(2, bars - 1)
        return f"{a}-{rng.randint(a, bars - 1)}"
    if kind == "first":
        return f"1-{rng.randint(1, 3)}"
    if kind == "last":
        return f"{rng.randint(bars - 2, bars)}-{bars}"
    return spec_text(rng.sample(range(1, bars + 1), 3))


async def test_untouched_bars_stay_identical_and_every_bar_is_full_on_many_random_cases(composer):
    rng = random.Random(5)
    cases = corpus_melodies(24, 5, composer.meters)
    assert len({str(m.meter) for _, m in cases}) >= 6
    for i, (style, m) in enumerate(cases):
        spec = random_spec(rng, m.bars)
        results = await composer.candidates(rewrite_request(m, spec, style=style, seed=100 + i, count=1))
        (result,) = results
        assert isinstance(result, RewriteResult)
        written = numbers(spec)
        before, after = bar_contents(m), bar_contents(result.melody)
        assert result.melody.ticks == m.ticks, (spec, m.meter)
        assert [before[b] for b in range(m.bars) if b + 1 not in written] == \
            [after[b] for b in range(m.bars) if b + 1 not in written], (spec, m.meter)
        bar = m.meter.bar_ticks
        for note, at in zip(result.melody.notes, result.melody.onsets(), strict=True):  # new notes stay in their bar
            if at // bar + 1 in written:
                assert at // bar == (at + note.ticks - 1) // bar, (spec, m.meter)
        assert stored_notes(result.text) == result.melody.notes  # the marked text pastes back
        assert result.text.count("[") == len(spec_text(written).split(","))


async def test_each_candidate_is_its_own_seed_and_keeps_the_key_and_meter(composer):
    m = melody()
    three = await composer.candidates(rewrite_request(m, "3-4", seed=40, count=3))
    assert [r.request.seed for r in three] == [40, 41, 42]
    again = await composer.candidates(rewrite_request(m, "3-4", seed=41, count=1))
    assert again[0].melody == three[1].melody
    assert len({r.text for r in three}) > 1
    assert all(r.melody.key == m.key and r.melody.meter == m.meter for r in three)
    assert "rewrite" in three[0].reproduce and "3-4" in three[0].reproduce and three[0].what == "bars 3-4 rewritten"


async def test_a_melody_with_a_pickup_keeps_it(composer):
    m = melody("G | C5 E5 G5 E5 | D5 F5 A5 F5 | E5 G5 B4 G4 | C5:w")
    (result,) = await composer.candidates(rewrite_request(m, "2", seed=3, count=1))
    assert result.melody.pickup == 12 and result.text.startswith("G4:q | C5:q E5:q G5:q E5:q | [ ")
    assert bar_contents(result.melody)[:2] == bar_contents(m)[:2] and bar_contents(result.melody)[3:] == \
        bar_contents(m)[3:]
    restored = Composer.restore(result.request.__dict__, result.text)
    assert isinstance(restored, RewriteResult) and restored.melody == result.melody and restored.text == result.text


async def test_a_bar_asked_to_be_rewritten_comes_back_changed(composer):
    """The last bar of `... | D:h C:h |` came back as `[ D4:h C4:h ]` (seed 3, bars 1 and 4): the best scored of
    the samples was the bar as it was. Another sample is kept when any changed it."""
    m = melody("G | C E G C5 | B4 A G E | F A G E | D:h C:h")
    (result,) = await composer.candidates(rewrite_request(m, "1,4", seed=3, count=1))
    assert bar_contents(result.melody)[1] != bar_contents(m)[1]
    assert bar_contents(result.melody)[4] != bar_contents(m)[4]
    assert bar_contents(result.melody)[2:4] == bar_contents(m)[2:4]


async def test_more_bars_continue_the_whole_melody_and_end_it_again(composer):
    m = melody()
    results = await composer.candidates(extend_request(m, 4, seed=8, count=2))
    for r in results:
        assert r.melody.bars == 12 and r.melody.notes[: len(m.notes)] == m.notes
        last = r.melody.notes[-1]
        assert last.pitch is not None and last.pitch % 12 == 0  # closed: the tonic
        assert r.what == "4 bars added" and "extend" in r.reproduce and "bars=4" in str(MusicError(r.reproduce))
    grown = more_bars(results[0], 2)  # More bars under that reply: two more, the same settings
    assert request_plan(grown).added == [13, 14] and grown.count == 2


async def test_more_bars_after_a_half_cadence_answer_it_on_the_tonic(composer):
    (question,) = await composer.candidates(MelodyRequest("C E G", bars=4, seed=5, count=1, ending="half"))
    assert [n for n in question.melody.notes if n.pitch is not None][-1].pitch % 12 == 7  # G: a question
    (answer,) = await composer.candidates(more_bars(question, 4))
    assert answer.melody.notes[: len(question.melody.notes)] == question.melody.notes
    assert answer.melody.notes[-1].pitch % 12 == 0 and answer.request.ending == "closed"  # C: the answer


async def test_more_bars_end_by_the_steps_tunes_end_by(composer):
    """More bars ended `… D5:q G4:h` or `… F4:q C5:h`: with no kept bars after the added ones, the filling was
    chosen by its join into them alone, and 15% of endings came by a 5th or more (the corpus's tunes: 3%). The
    filling that ends the melody is drawn by how usual its step into the final note is, as /melody's last bars."""
    seeds = [("A B C5 D5 E5", "A minor", "4/4"), ("D F# A", "D major", "3/4"), ("G A B G | C5 B A:h", "G major", "4/4"),
             ("D:e E F# G A B", "D major", "6/8"), ("A C5 E5", "A minor", "4/4")]
    steps = []
    for i in range(20):  # More bars draws a new RNG seed each press: here they are fixed, 60 endings
        notes, key, meter = seeds[i % len(seeds)]
        first = await composer.candidates(MelodyRequest(notes, key=key, meter=meter, seed=100 + i, count=1))
        for result in await composer.candidates(replace(more_bars(first[0]), count=3, seed=500 + 3 * i)):
            line = [n.pitch for n in result.melody.notes if n.pitch is not None]
            steps.append(abs(line[-1] - line[-2]))
    # 240 endings with random seeds: 2.1% by a 5th or more, 84% by a step or less (before the fix: 15% by a 5th, 9 of
    # 60); these seeds give 4 and 49, the bounds leave room for a machine's rounding to change a take or two
    assert len(steps) == 60 and sum(step >= 7 for step in steps) <= 6
    assert sum(step <= 2 for step in steps) >= 40  # most end by a step or a repeated note (the corpus: 83%)


async def test_more_like_a_rewrite_keeps_the_first_half_of_what_it_wrote(composer):
    m = melody()
    (result,) = await composer.candidates(rewrite_request(m, "3-6", seed=2, count=1))
    variation = Composer.variation_request(result)
    assert variation.rewrite == "5-6" and variation.temperature == 0.85
    assert parse_seed(variation.notes, max_notes=100).notes == result.melody.notes
    single = Composer.variation_request(replace(result, request=replace(result.request, rewrite="4")))
    assert single.rewrite == "4" and single.notes == result.request.notes


def test_the_command_line_rewrites_bars_and_writes_the_files(tmp_path, capsys):
    assert main(["rewrite", TUNE, "--bars", "3-4", "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Bars 3-4 rewritten" in out and "[ " in out and "musicgenius rewrite" in out
    assert {p.suffix for p in tmp_path.iterdir()} >= {".txt", ".mid", ".png", ".ogg", ".musicxml"}
    assert main(["rewrite", TUNE, "--bars", "9", "--out", str(tmp_path)]) == 2
    assert "--bars 4-5" in capsys.readouterr().err
    assert main(["extend", "C E G", "--bars", "2", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert "2 bars added" in capsys.readouterr().out


async def test_a_bass_line_is_rewritten_in_the_bass(composer):
    """Bars rewritten in a melody two octaves down stay down there (the model writes them nearer its register and
    they are moved back), instead of leaping up to the fourth octave and back."""
    bass = Melody(parse_seed("C2 E2 G2 C3 | D3 B2 G2 B2 | C3 G2 E2 G2 | C2:w").notes, Key(0), Meter())
    result = (await composer.candidates(rewrite_request(bass, "2-3", seed=7, count=1)))[0]
    assert all(n.pitch <= 55 for n in result.melody.notes if n.pitch is not None)  # nothing above G3
