import asyncio
import itertools
import threading

import pytest
import torch

from data.events import BAR, decode_notes
from model.config import LSTMConfig
from model.engine import Engine, EngineBusy
from model.lstm import MelodyLSTM
from model.sample import MelodyGrammar
from model.vocab import Vocab

VOCAB = Vocab.for_melodies()
PROMPT = VOCAB.encode(["style:irish", "mode:major", "meter:4/4", "p60", "d12", "p64", "d12", "p67", "d12"])


@pytest.fixture
def engine():
    torch.manual_seed(0)
    model = MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB))
    engine = Engine(model, max_batch=16, max_queue=64).start()
    yield engine
    engine.stop()


def grammar(bars: int = 4) -> MelodyGrammar:
    return MelodyGrammar(VOCAB, PROMPT, now=36, bar_ticks=48, target=48 * bars, stable=frozenset({0, 4, 7}))


async def test_a_request_returns_full_bars(engine):
    g = await engine.generate(grammar(), seed=1)
    assert 36 + sum(n.ticks for n in g.notes) == 48 * 4


async def test_same_seed_same_melody_whatever_the_load(engine):
    alone = (await engine.generate(grammar(), seed=7, temperature=1.2)).notes
    crowd = await asyncio.gather(*[engine.generate(grammar(8 if i % 2 else 3), seed=i, temperature=1.2)
                                   for i in range(20)], engine.generate(grammar(), seed=7, temperature=1.2))
    assert crowd[-1].notes == alone
    assert len({tuple(g.notes) for g in crowd[:20]}) > 10  # different seeds, different melodies


async def test_a_full_queue_is_refused_clearly():
    release = threading.Event()

    class Stuck(MelodyGrammar):
        def allowed(self) -> torch.Tensor:
            release.wait(10)  # holds the worker thread mid-step
            return super().allowed()

    engine = Engine(MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB)), max_batch=1, max_queue=2).start()
    try:
        stuck = Stuck(VOCAB, PROMPT, now=36, bar_ticks=48, target=96, stable=frozenset({0}))
        first = engine.submit(stuck, 1)
        while first.running() is False:  # wait until the worker has taken it
            await asyncio.sleep(0.01)
        queued = [engine.submit(grammar(), 2), engine.submit(grammar(), 3)]
        with pytest.raises(EngineBusy, match="Try again"):
            engine.submit(grammar(), 4)
        release.set()
        for future in [first, *queued]:
            assert (await asyncio.wrap_future(future)).done
    finally:
        release.set()
        engine.stop()


async def test_a_failing_request_fails_alone_and_the_worker_keeps_serving(engine):
    class Broken(MelodyGrammar):
        def accept(self, token: int) -> None:
            raise ValueError("broken request")

    bad = Broken(VOCAB, PROMPT, now=36, bar_ticks=48, target=96, stable=frozenset({0}))
    results = await asyncio.gather(engine.generate(bad, seed=1), engine.generate(grammar(), seed=2),
                                   return_exceptions=True)
    assert isinstance(results[0], ValueError)
    assert isinstance(results[1], MelodyGrammar) and results[1].done
    assert (await engine.generate(grammar(), seed=3)).done


async def test_a_cancelled_caller_does_not_block_others(engine):
    task = asyncio.create_task(engine.generate(grammar(64), seed=5))
    await asyncio.sleep(0)
    task.cancel()
    assert (await engine.generate(grammar(), seed=6)).done


async def test_the_model_is_fed_exactly_the_melody_the_user_gets():
    fed: list[int] = []

    class Recording(MelodyLSTM):
        def step(self, tokens, state):
            fed.append(int(tokens[0]))
            return super().step(tokens, state)

    torch.manual_seed(1)
    engine = Engine(Recording(LSTMConfig(embed=16, hidden=32, layers=1), len(VOCAB))).start()
    try:
        g = await engine.generate(grammar(6), seed=4)
    finally:
        engine.stop()
    tokens = VOCAB.decode(fed)
    assert decode_notes(tokens) == g.notes[: len(decode_notes(tokens))]
    assert len(decode_notes(tokens)) == len(g.notes) - 1  # all but the last note, which ends the request
    for previous, token in itertools.pairwise(tokens):
        if previous == BAR:
            assert token.startswith("p") or token == "r"  # a note, never a duration, follows a bar line
        if previous.startswith("d"):
            assert token.startswith("p") or token in ("r", BAR)
        if previous.startswith("p") or previous == "r":
            assert token.startswith("d")
    assert tokens.count(BAR) == 5  # bars 1-5 end inside the request; the final bar line is never fed
