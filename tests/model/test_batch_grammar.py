"""The batched, table-driven decoder makes exactly the choices of stepping the Python MelodyGrammar."""

import asyncio
import random

import pytest
import torch

from data.events import Meter
from model.batch_grammar import GENERIC, Registry, tables, vector_grammar
from model.config import LSTMConfig
from model.decode import DONE, LIVE, Decoder, NewRow
from model.engine import Engine, token_bound
from model.jobs import Job, replay
from model.lstm import MelodyLSTM
from model.sample import MelodyGrammar, sample
from model.vocab import Vocab

VOCAB = Vocab.for_melodies()
METERS = ["4/4", "3/4", "6/8", "9/8", "2/4", "12/8", "5/4", "7/8", "3/8", "2/2"]
MODES = {"major": (0, frozenset({0, 4, 7})), "minor": (9, frozenset({9, 0, 4})), "dorian": (2, frozenset({2, 5, 9}))}


@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors: one thread is faster, and much faster on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_grammar(rng: random.Random) -> tuple[MelodyGrammar, float, float]:
    """A grammar as ``studio.melody.Composer.grammar`` makes them, with random meter, length, pickup, seed length
    (on the grid or off it), mode, ending and leans; and a temperature and top-p."""
    meter = Meter.parse(rng.choice(METERS))
    bar = meter.bar_ticks if rng.random() > 0.05 else 45  # 45 ticks: no meter has such a bar (no plan, no leans)
    bars = rng.choice([1, 2, 3, 4, 5, 8, 12, 16, 20])
    pickup = rng.choice([0, 0, 0, bar // 2, meter.beat_ticks, rng.randrange(1, bar)])
    start = (bar - pickup) % bar
    target = start + pickup + bars * bar
    seed = rng.choice([rng.randrange(1, 4) * 12, rng.randrange(1, 3 * bar), rng.randrange(1, max(2, target - start))])
    seed = min(seed, target - start - 1)
    tonic, stable = MODES[rng.choice(list(MODES))]
    kind = rng.random()
    g = MelodyGrammar(
        VOCAB, [1], start + seed, bar, target, stable, rng.choice([0.0, 0.0, -1.2, 1.0]),
        None if kind < 0.15 or bar != meter.bar_ticks else meter, None if kind < 0.25 else tonic,
        rng.choice(["closed", "open"]),
        cadence=rng.choice([1.0, 1.0, 0.0, 2.5]), breath=rng.choice([1.0, 1.0, 0.0]), pickup=pickup)
    stops = range(-(-g.now // bar) * bar + bar, target - 2 * bar + 1, bar)  # bar lines before the last two bars
    if stops and rng.random() < 0.25:
        g.stop = rng.choice(stops)  # a stretch that stops at a bar line (studio.melody restates the next bar)
    return g, rng.choice([1.0, 1.0, 0.7, 1.5]), rng.choice([1.0, 1.0, 0.9, 0.6])


def python_choices(g: MelodyGrammar, logits: torch.Tensor, uniforms: torch.Tensor, temperature: float,
                   top_p: float) -> list[int]:
    """Step the Python grammar as the engine did before tables: forced bar lines, else the mask and leans, one
    uniform per sampled token, ``logits[k]`` the model's scores before the k-th token."""
    tokens, used = [], 0
    while not g.done:
        forced = g.forced()
        if forced is not None:
            tokens.append(forced)
            continue
        scores = logits[len(tokens)].clone()
        if (lean := g.bias()) is not None:
            scores += lean
        token = int(sample(scores[None], g.allowed()[None], torch.tensor([temperature]), torch.tensor([top_p]),
                           uniforms[used: used + 1]))
        used += 1
        g.accept(token)
        tokens.append(token)
    return tokens


def state_of(g: MelodyGrammar) -> tuple:
    return g.notes, g.now, g._pitch, g._expect_duration, g._after_rest, g._forced


def test_tables_make_the_python_grammars_choices_over_random_configurations():
    rng = random.Random(17)
    registry = Registry(len(VOCAB), "cpu")
    model = MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB))
    for batch in range(4):  # 4 batches of 32 requests with different configurations, decoded together
        cases = [random_grammar(rng) for _ in range(32)]
        new, expected, scores = [], [], []
        for i, (g, temperature, top_p) in enumerate(cases):
            twin = MelodyGrammar(**{k: getattr(g, k) for k in ("vocab", "prompt", "now", "bar_ticks", "target",
                                                             "stable", "density", "meter", "tonic", "ending",
                                                             "cadence", "breath", "pickup", "stop")})
            count = token_bound(g)
            generator = torch.Generator().manual_seed(1000 * batch + i)
            logits = torch.randn(count, len(VOCAB), generator=generator) * 3
            uniforms = torch.rand(count, generator=generator)
            uniforms[rng.randrange(count)] = 0.0  # the edges of the inverse CDF
            uniforms[rng.randrange(count)] = 1 - 2 ** -24
            expected.append(python_choices(twin, logits, uniforms, temperature, top_p))
            key, t = tables(g)
            offset, cat_offset = registry.add(key, t)
            new.append(NewRow(offset + t.state(g), cat_offset, temperature, top_p, uniforms))
            scores.append(logits)
        decoder = Decoder(model, "cpu", registry)
        state = (torch.zeros(1, len(cases), 8), torch.zeros(1, len(cases), 8))
        decoder.admit(decoder.new_rows(new, torch.stack([s[0] for s in scores]), state))
        rows = list(range(len(cases)))
        produced: dict[int, list[int]] = {i: [] for i in rows}
        while rows:
            out = decoder.choose()
            status = out.codes()
            for row, token, s in zip(rows, out.token.tolist(), status.tolist(), strict=True):
                produced[row].append(token)
                assert s in (LIVE, DONE), (row, s)
            keep = [i for i, s in enumerate(status.tolist()) if s == LIVE]
            rows = [rows[i] for i in keep]
            if keep:
                decoder.keep(keep)
                assert decoder.rows is not None
                steps = decoder.rows.steps[:, 0].tolist()
                decoder.rows.logits = torch.stack([scores[r][s] for r, s in zip(rows, steps, strict=True)])
        for i, (g, _, _) in enumerate(cases):
            assert produced[i] == expected[i], (i, g)
            replay(Job(g, torch.Generator(), 1.0, 1.0), produced[i])  # the grammar ends as Python's
            twin = MelodyGrammar(**{k: getattr(g, k) for k in ("vocab", "prompt", "bar_ticks", "target", "stable",
                                                             "density", "meter", "tonic", "ending", "cadence",
                                                             "breath", "pickup", "stop")}, now=g.now - sum(
                n.ticks for n in g.notes))
            python_choices(twin, scores[i], new[i].uniforms, cases[i][1], cases[i][2])
            assert state_of(g) == state_of(twin)


def test_only_plain_melody_grammars_are_decoded_by_tables():
    g = MelodyGrammar(VOCAB, [1], now=36, bar_ticks=48, target=192, stable=frozenset({0, 4, 7}))

    class Variant(MelodyGrammar):
        def bias(self) -> torch.Tensor | None:
            return None

    assert vector_grammar(g) is g
    assert vector_grammar(Variant(VOCAB, [1], now=36, bar_ticks=48, target=192, stable=frozenset({0}))) is None
    assert vector_grammar(object()) is None
    assert vector_grammar(Observer(g)) is None  # a wrapper may change anything...

    class Recorder(Observer):
        observes = "grammar"  # ...unless it says it only observes

    assert vector_grammar(Recorder(g)) is g


async def test_an_observing_wrapper_is_decoded_by_tables_and_sees_every_token():
    class Recorder(Observer):
        observes = "grammar"

        def __init__(self, grammar: MelodyGrammar) -> None:
            super().__init__(grammar)
            self.tokens: list[int] = []

        def forced(self) -> int | None:
            token = self.grammar.forced()
            if token is not None:
                self.tokens.append(token)
            return token

        def accept(self, token: int) -> None:
            self.grammar.accept(token)
            self.tokens.append(token)

    torch.manual_seed(3)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=16, hidden=32, layers=1), len(VOCAB)), precision="int8").start()
    try:
        recorded = await engine.generate(Recorder(_pair(1, False)), seed=4)
        plain = await engine.generate(_pair(1, False), seed=4)
        assert engine._decoder is not None and not engine._generic  # both went through the tables
    finally:
        engine.stop()
    assert state_of(recorded.grammar) == state_of(plain)
    assert len(recorded.tokens) > 2 * len(plain.notes)  # pitches, durations and bar lines


def test_a_configuration_is_built_once():
    make = lambda: MelodyGrammar(VOCAB, [1], 36, 48, 48 * 16, frozenset({0, 4, 7}), 1.0, Meter(4, 4), 0)  # noqa: E731
    key, first = tables(make())
    again_key, again = tables(make())
    assert key == again_key and first is again
    other_key, _ = tables(MelodyGrammar(VOCAB, [1], 36, 48, 48 * 8, frozenset({0, 4, 7}), 1.0, Meter(4, 4), 0))
    assert other_key != key


def test_the_registry_drops_configurations_no_row_uses_when_over_budget():
    registry = Registry(len(VOCAB), "cpu", budget=1)
    grammars = [MelodyGrammar(VOCAB, [1], 36, 48, 48 * bars, frozenset({0}), meter=Meter(4, 4), tonic=0)
                for bars in (4, 5, 6)]
    keys = [registry.add(*tables(g)) and tables(g)[0] for g in grammars]
    before = registry.offsets[keys[2]]
    moved = registry.compact({keys[2]})
    assert moved is not None and moved[keys[2]] == before
    assert list(registry.offsets) == [keys[2]] and registry.offsets[keys[2]][0] == 2  # right after the two fixed
    assert registry.compact({keys[2]}) is None  # nothing left to drop


def _pair(i: int, wrapped: bool):
    meter = Meter.parse(METERS[i % len(METERS)])
    g = MelodyGrammar(VOCAB, VOCAB.encode(["style:irish", "mode:major", f"meter:{meter}", "p60", "d12"]), 12,
                      meter.bar_ticks, meter.bar_ticks * (2 + i % 5), frozenset({0, 4, 7}), (i % 3 - 1) * 1.0, meter,
                      0, "closed" if i % 2 else "open")
    return Observer(g) if wrapped else g


class Observer:
    """Another Grammar-protocol class (decoded in Python by the engine) that makes the wrapped grammar's choices."""

    def __init__(self, grammar: MelodyGrammar) -> None:
        self.grammar, self.prompt = grammar, grammar.prompt

    @property
    def done(self) -> bool:
        return self.grammar.done

    def forced(self) -> int | None:
        return self.grammar.forced()

    def allowed(self) -> torch.Tensor:
        return self.grammar.allowed()

    def bias(self) -> torch.Tensor | None:
        return self.grammar.bias()

    def accept(self, token: int) -> None:
        self.grammar.accept(token)


@pytest.mark.parametrize("static", [False, True])
async def test_table_rows_and_python_rows_agree_in_one_batch(static):
    """The same requests decoded by tables and, wrapped, in Python, side by side in one batch (int8 steps are
    exact, so the rows' scores are the same) — in the eager layout and in the padded, in-place one CUDA uses."""
    torch.manual_seed(3)
    model = MelodyLSTM(LSTMConfig(embed=16, hidden=32, layers=2), len(VOCAB))
    engine = Engine(model, max_batch=64, precision="int8", graphs=False)
    engine.static = static
    engine.start()
    try:
        plain = [_pair(i, False) for i in range(20)]
        wrapped = [_pair(i, True) for i in range(20)]
        await asyncio.gather(*[engine.generate(g, seed=i, temperature=1.3) for i, g in enumerate(plain)],
                             *[engine.generate(g, seed=i, temperature=1.3) for i, g in enumerate(wrapped)])
    finally:
        engine.stop()
    for a, b in zip(plain, wrapped, strict=True):
        assert a.done and state_of(a) == state_of(b.grammar)
    assert len({tuple(g.notes) for g in plain}) > 15


def test_generic_rows_have_a_state_that_allows_everything_and_never_ends():
    g = MelodyGrammar(VOCAB, [1], 40, 48, 48 * 3, frozenset({0, 4, 7}), meter=Meter(4, 4), tonic=0)
    registry = Registry(len(VOCAB), "cpu")
    offset, _ = registry.add(*tables(g))
    assert offset == 2 and registry.trans[GENERIC].eq(GENERIC).all() and registry.forced[GENERIC] == -1
    assert registry.bank[registry.row[GENERIC]].eq(0).all()
    assert bool(registry.done[offset:].any()) and not bool(registry.done[:offset].any())


async def test_requests_keep_their_melodies_when_the_registry_is_compacted():
    """Over budget, a configuration no row uses is dropped and a request in flight moves with its own."""
    def melody(bars: int) -> MelodyGrammar:
        return MelodyGrammar(VOCAB, VOCAB.encode(["style:irish", "mode:major", "meter:4/4", "p60", "d12"]), 12, 48,
                             48 * bars, frozenset({0, 4, 7}), 0.0, Meter(4, 4), 0)

    torch.manual_seed(3)
    model = MelodyLSTM(LSTMConfig(embed=16, hidden=32, layers=1), len(VOCAB))
    results = []
    for budget in (None, 1):
        engine = Engine(model, precision="int8").start()
        try:
            while engine._decoder is None:
                await asyncio.sleep(0.001)
            if budget:
                engine._decoder.registry.budget = budget
            short = engine.submit(melody(2), 1)  # registered first: its tables come before the long one's
            long = engine.submit(melody(48), 2)
            await asyncio.wrap_future(short)
            offset = engine._decoder.registry.offsets[tables(long_grammar := melody(48))[0]][0]
            third = await engine.generate(melody(3), 3)  # joins while the long one runs: the short one's go
            moved = engine._decoder.registry.offsets[tables(long_grammar)[0]][0]
            results.append((state_of((await asyncio.wrap_future(long))), state_of(third), offset != moved))
        finally:
            engine.stop()
    assert results[0][:2] == results[1][:2]
    assert not results[0][2] and results[1][2]  # the long request's tables moved only with the small budget
