"""MelodyGrammar's endings and phrase-end leans, driven by uniform random choices (harsher than any model)."""

import asyncio

import pytest
import torch

from data.events import DURATIONS, Meter
from model.config import MELODY_CHECKPOINT, LSTMConfig
from model.engine import Engine
from model.lstm import MelodyLSTM, load_checkpoint
from model.sample import MelodyGrammar, end_degrees, final_starts
from model.vocab import Vocab
from tests.model.grammar import run_grammar

VOCAB = Vocab.for_melodies()
METERS = [t.split(":", 1)[1] for t in load_checkpoint(MELODY_CHECKPOINT)[1].itos if t.startswith("meter:")]
STABLE = frozenset({0, 4, 7})  # C major in model space: tonic 0, 3rd 4, 5th 7


def grammar(meter: Meter, bars: int, now: int, ending: str = "closed", **leans: float) -> MelodyGrammar:
    return MelodyGrammar(VOCAB, [1], now, meter.bar_ticks, bars * meter.bar_ticks, STABLE, 0.0, meter, 0, ending,
                         **leans)


def onsets(g: MelodyGrammar, now: int) -> list[int]:
    starts = []
    for note in g.notes:
        starts.append(now)
        now += note.ticks
    return starts


def check_bars(g: MelodyGrammar, now: int, bar: int) -> None:
    assert now + sum(n.ticks for n in g.notes) == g.target
    for note, start in zip(g.notes, onsets(g, now), strict=True):
        assert start // bar == (start + note.ticks - 1) // bar  # no note crosses a bar line
        assert note.ticks in DURATIONS


@pytest.mark.parametrize("text", METERS)
def test_every_meter_ends_on_the_tonic_on_a_strong_beat_for_a_beat_or_more(text):
    meter = Meter.parse(text)
    bar = meter.bar_ticks
    for seed in range(24):
        bars = (1, 2, 4, 8)[seed % 4]
        now = (0, bar // 4 // 3 * 3, bar // 2 // 3 * 3, bar)[seed // 4 % 4] if bars > 1 else 0
        g = grammar(meter, bars, now)
        run_grammar(g, VOCAB, seed)
        check_bars(g, now, bar)
        last, start = g.notes[-1], onsets(g, now)[-1]
        assert last.pitch is not None and last.pitch % 12 == 0, (text, seed)
        assert start in final_starts(meter, g.target)
        assert last.ticks >= meter.beat_ticks and start + last.ticks == g.target
        if text != "9/8":  # 9/8 ends on its 2nd or 3rd beat: no model duration fills the bar from the downbeat
            assert start % bar in meter.strong_ticks, (text, seed, start % bar)
        assert len(g.notes) < 2 or g.notes[-2].pitch is not None  # no rest right before the final


def test_the_final_may_come_at_any_legal_strong_beat_and_is_forced_at_the_last():
    assert final_starts(Meter.parse("4/4"), 4 * 48) == [144, 168]  # the downbeat (a whole note) or beat 3 (a half)
    assert final_starts(Meter.parse("6/8"), 2 * 36) == [36, 54]
    assert final_starts(Meter.parse("3/4"), 2 * 36) == [36]
    assert final_starts(Meter.parse("9/8"), 2 * 54) == [72, 90]
    s = VOCAB.stoi
    g = grammar(Meter.parse("4/4"), 2, 48)  # the seed fills bar 1
    assert g.allowed()[s["p62"]] and g.allowed()[s["r"]]  # the model may go on
    g.accept(s["p60"])
    assert g.allowed()[s["d48"]] and g.allowed()[s["d24"]] and g.allowed()[s["d12"]]  # end here, or go on
    assert not g.allowed()[s["d36"]]  # would pass beat 3, the last place the final can start
    g.accept(s["d12"])
    g.accept(s["r"])
    assert not g.allowed()[s["d12"]] and g.allowed()[s["d6"]]  # no rest right before the final
    g.accept(s["d6"])
    g.accept(s["p64"])
    assert g.allowed().nonzero().flatten().tolist() == [s["d3"], s["d6"]]  # what lands on beat 3
    g.accept(s["d6"])
    allowed = g.allowed()  # beat 3: the final is forced
    assert allowed[s["p60"]] and allowed[s["p72"]] and not allowed[s["p62"]] and not allowed[s["r"]]
    g.accept(s["p72"])
    assert g.allowed().nonzero().flatten().tolist() == [s["d24"]]


def test_an_open_ending_takes_the_third_or_fifth():
    assert end_degrees(STABLE, 0, "open") == {4, 7} and end_degrees(STABLE, 0) == {0}
    assert end_degrees(STABLE, 0, "half") == {7} and end_degrees(frozenset({9, 0, 4}), 9, "half") == {4}
    finals = set()
    for seed in range(30):
        meter = Meter.parse(("4/4", "3/4", "6/8", "2/4")[seed % 4])
        g = grammar(meter, 4, 0, "open")
        run_grammar(g, VOCAB, seed)
        last, start = g.notes[-1], onsets(g, 0)[-1]
        finals.add(last.pitch % 12)
        assert start % meter.bar_ticks in meter.strong_ticks and last.ticks >= meter.beat_ticks
    assert finals == {4, 7}
    with pytest.raises(ValueError, match="ending"):
        grammar(Meter.parse("4/4"), 4, 0, "sideways")


def test_a_seed_past_the_strong_beats_still_gets_a_final():
    meter = Meter.parse("4/4")
    for now in (36, 42):  # beat 4: a quarter on it; past every beat: the last note takes the tonic, wherever it falls
        for seed in range(10):
            g = grammar(meter, 1, now)
            run_grammar(g, VOCAB, seed)
            check_bars(g, now, 48)
            assert g.notes[-1].pitch % 12 == 0
            assert now != 36 or (len(g.notes) == 1 and g.notes[0].ticks == 12)


def test_an_off_grid_seed_still_fills_the_bars_and_ends_on_the_tonic():
    for now in (43, 91, 139):
        for seed in range(10):
            g = grammar(Meter.parse("4/4"), 4, now)
            run_grammar(g, VOCAB, seed)
            assert now + sum(n.ticks for n in g.notes) == 192
            assert g.notes[-1].pitch % 12 == 0


def test_without_a_tonic_or_meter_the_old_rule_holds():
    g = MelodyGrammar(VOCAB, [1], now=30, bar_ticks=36, target=36 * 6, stable=STABLE)
    run_grammar(g, VOCAB, 3)
    assert g.notes[-1].pitch % 12 in STABLE


def test_phrase_ends_lean_toward_the_tonic_or_fifth_and_a_longer_note():
    meter = Meter.parse("4/4")
    g = grammar(meter, 8, 0, cadence=1.5, breath=0.5)
    assert set(g._cadences) == {3 * 48 + 24}  # beat 3 of bar 4
    g16 = grammar(meter, 16, 0)
    assert set(g16._cadences) == {3 * 48 + 24, 7 * 48 + 24, 11 * 48 + 24}
    tonic_only = g16._cadences[7 * 48 + 24]  # bar 8 of 16: the tonic alone
    assert tonic_only[VOCAB.stoi["p60"]] > 0 and tonic_only[VOCAB.stoi["p67"]] == 0
    g.now = 3 * 48 + 24
    lean = g.bias()
    assert lean is not None
    assert lean[VOCAB.stoi["p60"]] == lean[VOCAB.stoi["p79"]] == 1.5 and lean[VOCAB.stoi["p64"]] == 0
    allowed = g.allowed().clone()
    g.accept(VOCAB.stoi["p62"])
    lean = g.bias()
    assert lean is not None and lean[VOCAB.stoi["d24"]] > lean[VOCAB.stoi["d12"]] == 0 > lean[VOCAB.stoi["d6"]]
    g.accept(VOCAB.stoi["d24"])
    assert g.bias() is None  # elsewhere the model's own scores
    assert allowed.sum() > 1  # a lean, not a constraint
    assert grammar(meter, 4, 0)._cadences.keys() == {48 + 24}  # short melodies: 2-bar phrases
    assert not grammar(meter, 8, 0, cadence=0.0, breath=0.0)._cadences


def test_the_same_seed_gives_the_same_melody_through_the_engine():
    torch.manual_seed(0)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=16, hidden=32, layers=1), len(VOCAB)), max_batch=8).start()
    meter = Meter.parse("6/8")
    prompt = VOCAB.encode(["style:irish", "mode:major", "meter:6/8", "p60", "d12", "p64", "d6"])

    async def write(seed: int) -> list:
        g = MelodyGrammar(VOCAB, prompt, 18, 36, 36 * 8, STABLE, 0.0, meter, 0)
        return (await engine.generate(g, seed, temperature=1.3)).notes

    async def main() -> None:
        a, crowd = await write(5), await asyncio.gather(*[write(s) for s in (5, 6, 7, 5)])
        assert crowd[0] == crowd[3] == a and crowd[1] != a
        assert a[-1].pitch % 12 == 0 and a[-1].ticks >= 18

    try:
        asyncio.run(main())
    finally:
        engine.stop()
