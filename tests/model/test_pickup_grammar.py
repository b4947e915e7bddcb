"""MelodyGrammar after a pickup: bar lines, phrase ends and the final note fall after the pickup."""

import pytest

from data.events import BAR, DURATIONS, Meter
from model.sample import MelodyGrammar
from model.vocab import Vocab
from tests.model.grammar import run_grammar

VOCAB = Vocab.for_melodies()
STABLE = frozenset({0, 4, 7})


def after_pickup(meter: Meter, pickup: int, seed_ticks: int, bars: int, **leans: float) -> MelodyGrammar:
    """As studio.melody.Composer.grammar builds it: ticks from the first bar's downbeat."""
    start = (meter.bar_ticks - pickup) % meter.bar_ticks
    return MelodyGrammar(VOCAB, [1], start + seed_ticks, meter.bar_ticks, start + pickup + bars * meter.bar_ticks,
                         STABLE, 0.0, meter, 0, "closed", pickup=pickup, **leans)


@pytest.mark.parametrize(("meter", "pickup", "seed_ticks"), [
    (Meter(4, 4), 12, 12), (Meter(4, 4), 12, 60), (Meter(4, 4), 24, 36), (Meter(6, 8), 6, 42), (Meter(3, 4), 12, 30),
])
@pytest.mark.parametrize("rng", range(6))
def test_bars_and_the_final_fall_after_the_pickup(meter, pickup, seed_ticks, rng):
    bar = meter.bar_ticks
    g = after_pickup(meter, pickup, seed_ticks, 6)
    start = g.now
    tokens = run_grammar(g, VOCAB, rng)
    assert start - seed_ticks + pickup == bar  # the first bar line is the pickup's end
    assert g.now == g.target == 7 * bar  # the pickup's bar, then six full bars: the pickup doesn't shorten the tune
    now, lines = start, []
    for note in g.notes:  # no note crosses a bar line, counted from the pickup's downbeat
        assert now // bar == (now + note.ticks - 1) // bar and note.ticks in DURATIONS
        now += note.ticks
        lines += [now] if now % bar == 0 and now < g.target else []
    assert tokens.count(BAR) == len(lines) == 6 - start // bar  # a bar token at each bar line after the seed
    final = g.target - g.notes[-1].ticks
    assert final % bar in meter.strong_ticks  # the last note starts on a strong beat of the last bar
    assert g.notes[-1].pitch % 12 == 0 and g.notes[-1].ticks >= meter.beat_ticks


def test_phrase_ends_are_counted_in_full_bars_after_the_pickup():
    meter = Meter(4, 4)
    g = after_pickup(meter, 12, 12, 8)
    strong = max(meter.strong_ticks)
    assert set(g._cadences) == {4 * 48 + strong}  # full bar 4's third beat, the pickup's bar being bar 0
    plain = MelodyGrammar(VOCAB, [1], 12, 48, 8 * 48, STABLE, 0.0, meter, 0)
    assert set(plain._cadences) == {3 * 48 + strong}  # without a pickup: bar 4 is the fourth bar
