import asyncio
import itertools
import threading
from pathlib import Path

import pytest
import torch

from data.events import BAR, Meter, Note, control_tokens, decode_notes, encode_notes
from model.config import LSTMConfig
from model.engine import Engine, EngineBusy, EngineStopped
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


async def test_a_request_that_arrives_mid_batch_joins_it(engine):
    """Waiting requests join a running batch every few steps (ADMIT_EVERY), not when it ends: a one-bar melody asked
    for while a 200-bar one is decoding comes back first."""
    long = asyncio.ensure_future(engine.generate(grammar(200), seed=1))
    while engine.batch_size == 0:
        await asyncio.sleep(0.001)
    short = await engine.generate(grammar(1), seed=2)
    assert 36 + sum(n.ticks for n in short.notes) == 48 and not long.done()
    assert 36 + sum(n.ticks for n in (await long).notes) == 48 * 200


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
        follow_up = engine.submit(grammar(), 5, follow_up=True)  # the next part of an admitted melody is not refused
        release.set()
        for future in [first, *queued, follow_up]:
            assert (await asyncio.wrap_future(future)).done
    finally:
        release.set()
        engine.stop()


async def test_the_next_parts_of_admitted_requests_leave_room_for_new_ones():
    """A /melody reply queues its candidates' next stretches as follow-ups: they wait in the queue but do not count
    toward ``max_queue`` (counting them, ~28 replies filled 256 places and a crowd of 100 was half refused)."""
    release = threading.Event()

    class Stuck(MelodyGrammar):
        def allowed(self) -> torch.Tensor:
            release.wait(10)
            return super().allowed()

    engine = Engine(MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB)), max_batch=1, max_queue=2).start()
    try:
        first = engine.submit(Stuck(VOCAB, PROMPT, now=36, bar_ticks=48, target=96, stable=frozenset({0})), 1)
        while first.running() is False:
            await asyncio.sleep(0.01)
        parts = [engine.submit(grammar(), 10 + i, follow_up=True) for i in range(5)]
        assert engine.queue_depth == 5 and not engine.busy
        new = [engine.submit(grammar(), 2), engine.submit(grammar(), 3)]  # room for two new requests
        assert engine.busy
        with pytest.raises(EngineBusy):
            engine.submit(grammar(), 4)
        release.set()
        for future in [first, *parts, *new]:
            assert (await asyncio.wrap_future(future)).done
        assert not engine.busy  # taken off the queue: counted out
        await asyncio.wrap_future(engine.submit(grammar(), 6))
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



@pytest.mark.parametrize("precision", ["int8", "fp32"])
async def test_a_prompt_that_goes_on_from_a_finished_melody_starts_from_its_state(precision):
    """As a melody with restated bars is written (studio.restate): the next stretch's prompt is the last one, the
    notes it got and more. Only the new tokens are run through the model, and the next stretch is the same as with
    every prompt run from the start."""
    results, saved = [], []
    for capacity in (0, 1024):
        torch.manual_seed(0)
        engine = Engine(MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)), precision=precision)
        engine.prefix_cache.capacity = capacity
        engine.start()
        try:
            first = await asyncio.gather(*[engine.generate(grammar(2), seed=s) for s in range(4)])
            seeds = [[Note(60, 12), Note(64, 12), Note(67, 12), *g.notes, Note(67, 48)] for g in first]
            prompts = [VOCAB.encode(control_tokens("irish", "major", Meter()) + encode_notes(n, 48)) for n in seeds]
            nexts = await asyncio.gather(*[
                engine.generate(MelodyGrammar(VOCAB, p, now=48 * 3, bar_ticks=48, target=48 * 6,
                                              stable=frozenset({0, 4, 7})), seed=10 + i)
                for i, p in enumerate(prompts)])
        finally:
            engine.stop()
        results.append([g.notes for g in nexts])
        saved.append(engine.prefix_cache.saved)
    assert results[0] == results[1]
    assert saved[0] == 0
    # run again: the first melody's last token (chosen, never fed), its bar line, the added note and its bar line
    assert saved[1] == sum(len(p) - 5 for p in prompts)


# ---- failures: one bad request fails alone; a failed worker fails everything in flight and restarts ----------------
ANSWER = 10  # seconds: no request may wait longer than this for an answer


def hold_first_step(engine: Engine) -> threading.Event:
    """Make the worker wait inside its first model step until the returned event is set (requests queue up)."""
    release, step = threading.Event(), engine.model.step

    def held(tokens, state):
        if not release.is_set():
            release.wait(ANSWER)
        return step(tokens, state)

    engine.model.step = held
    return release


def crash_step(engine: Engine, calls: set[int], error: BaseException) -> None:
    """Make the model step raise ``error`` on the given calls (counted from 1) of ``engine.model.step``."""
    step, count = engine.model.step, itertools.count(1)

    def crashing(tokens, state):
        if next(count) in calls:
            raise error
        return step(tokens, state)

    engine.model.step = crashing


async def answers(futures) -> list:
    """Each future's result or exception; fails (instead of hanging) when one is never answered."""
    return await asyncio.wait_for(asyncio.gather(*map(asyncio.wrap_future, futures), return_exceptions=True), ANSWER)


async def test_a_grammar_that_raises_fails_only_its_own_request(engine):
    seeds = (11, 12, 13)
    alone = [(await engine.generate(grammar(), seed=s, temperature=1.2)).notes for s in seeds]
    others_queued = threading.Event()

    class FailsOnStep3(MelodyGrammar):
        calls = 0

        def allowed(self) -> torch.Tensor:
            self.calls += 1
            if self.calls == 1:
                others_queued.wait(ANSWER)  # the others join the batch before this request fails
            if self.calls == 3:
                raise ValueError("broken grammar")
            return super().allowed()

    bad = FailsOnStep3(VOCAB, PROMPT, now=36, bar_ticks=48, target=48 * 4, stable=frozenset({0}))
    first = engine.submit(bad, seed=10, temperature=1.2)
    while first.running() is False:
        await asyncio.sleep(0.01)
    futures = [first] + [engine.submit(grammar(), seed=s, temperature=1.2) for s in seeds]
    others_queued.set()
    results = await answers(futures)
    assert isinstance(results[0], ValueError) and bad.calls == 3
    assert [g.notes for g in results[1:]] == alone
    assert engine.alive and engine.restarts == 0


async def test_nan_scores_fail_only_their_request(engine):
    step, once, armed = engine.model.step, itertools.count(), threading.Event()

    def poisoned(tokens, state):  # once armed, the step after the held one: row 0 (the first request) gets NaN
        logits, state = step(tokens, state)
        if armed.is_set() and next(once) == 1:
            logits[0] = float("nan")
        return logits, state

    engine.model.step = poisoned  # the same (float) step for the melody alone and in the batch
    alone = (await engine.generate(grammar(), seed=3)).notes
    release = hold_first_step(engine)
    futures = [engine.submit(grammar(), seed=2)]
    while futures[0].running() is False:
        await asyncio.sleep(0.01)
    futures.append(engine.submit(grammar(), seed=3))
    armed.set()
    release.set()
    bad, good = await answers(futures)
    assert isinstance(bad, FloatingPointError)
    assert good.notes == alone


async def test_a_failed_model_step_fails_the_batch_then_the_engine_restarts(engine, caplog):
    release = hold_first_step(engine)
    crash_step(engine, {2}, RuntimeError("CUDA out of memory"))  # the step after the others have joined
    futures = [engine.submit(grammar(), seed=1)]
    while futures[0].running() is False:
        await asyncio.sleep(0.01)
    futures += [engine.submit(grammar(), seed=s) for s in (2, 3)]
    release.set()
    for result in await answers(futures):
        assert isinstance(result, EngineStopped) and "restarting" in str(result)
        assert isinstance(result.__cause__, RuntimeError)
    assert (await asyncio.wait_for(engine.generate(grammar(), seed=4), ANSWER)).done
    assert engine.alive and engine.restarts == 1
    assert "CUDA out of memory" in caplog.text and "Traceback" in caplog.text


async def test_every_queued_request_is_answered_when_the_worker_dies():
    class Crash(BaseException):
        """Something the worker loop does not catch."""

    engine = Engine(MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB)), max_batch=1, max_queue=8).start()
    try:
        crash_step(engine, {1}, Crash())
        release = hold_first_step(engine)  # the crash comes when released, with the queue full
        futures = [engine.submit(grammar(), seed=1)]
        while futures[0].running() is False:
            await asyncio.sleep(0.01)
        futures += [engine.submit(grammar(), seed=s) for s in range(2, 8)]  # waiting in the queue
        release.set()
        results = await answers(futures)
        assert all(isinstance(r, EngineStopped) and "restarting" in str(r) for r in results)
        assert not engine.busy
        assert (await asyncio.wait_for(engine.generate(grammar(), seed=9), ANSWER)).done
    finally:
        engine.stop()


async def test_an_engine_that_keeps_failing_stops_and_says_so():
    engine = Engine(MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB)), max_restarts=2).start()
    try:
        crash_step(engine, set(range(1, 100)), RuntimeError("broken GPU"))
        for attempt in range(3):
            with pytest.raises(EngineStopped) as stopped:
                await asyncio.wait_for(engine.generate(grammar(), seed=attempt), ANSWER)
            assert ("restarting" in str(stopped.value)) == (attempt < 2)
        assert "stopped" in str(stopped.value)
        assert not engine.alive and engine.restarts == 2
        with pytest.raises(EngineStopped, match="stopped"):
            engine.submit(grammar(), seed=5)
        with pytest.raises(EngineStopped, match="stopped"):
            engine.check_accepting()  # what a front end calls before acknowledging a request
    finally:
        engine.stop()
    assert not engine.alive


# ---- the batched decoder: table rows, the static (CUDA-graph) layout, precisions ------------------------------------
def crowd_grammars(n: int) -> list[MelodyGrammar]:
    return [grammar(3 + i % 6) for i in range(n)]


@pytest.mark.parametrize("precision", ["int8", "fp32"])
async def test_same_seed_same_melody_in_any_batch_at_each_precision(precision):
    torch.manual_seed(0)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)), max_batch=32,
                    precision=precision).start()
    try:
        alone = [(await engine.generate(grammar(), seed=s, temperature=1.3)).notes for s in (5, 6)]
        crowd = await asyncio.gather(*[engine.generate(g, seed=100 + i, temperature=1.3)
                                       for i, g in enumerate(crowd_grammars(30))],
                                     engine.generate(grammar(), seed=5, temperature=1.3),
                                     engine.generate(grammar(), seed=6, temperature=1.3))
    finally:
        engine.stop()
    assert [g.notes for g in crowd[-2:]] == alone
    assert all(g.done for g in crowd)


async def test_the_static_layout_gives_what_the_eager_one_gives():
    """Rows in padded buckets, stepped in place, finished rows frozen until looked for (every 3 steps here): what
    CUDA graphs run, on the CPU. The same seeds give the same melodies as the eager layout (int8 steps are exact)."""
    results = []
    for static in (False, True):
        torch.manual_seed(0)
        engine = Engine(MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)), max_batch=32,
                        precision="int8", graphs=False)
        engine.static, engine.check_every = static, 3
        engine.start()
        try:
            first = await asyncio.gather(*[engine.generate(g, seed=i) for i, g in enumerate(crowd_grammars(21))])
            second = await asyncio.gather(*[engine.generate(g, seed=50 + i) for i, g in enumerate(crowd_grammars(5))])
        finally:
            engine.stop()
        results.append([g.notes for g in first + second])
        assert all(36 + sum(n.ticks for n in notes) == g.target for notes, g in zip(results[-1], first + second,
                                                                                      strict=True))
    assert results[0] == results[1]


def test_precision_is_checked():
    model = MelodyLSTM(LSTMConfig(embed=8, hidden=8, layers=1), len(VOCAB))
    with pytest.raises(ValueError, match="precision"):
        Engine(model, precision="int4")
    assert Engine(model).precision == "int8"  # on a CPU


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_the_packed_step_scores_as_the_shipped_model_does(precision):
    """Every layer, the output layer included, is packed (int8: quantized); the next-token probabilities of the
    shipped model after a real prompt stay its own."""
    from model.lstm import load_checkpoint
    from model.packed import PackedLSTM

    model, vocab, _ = load_checkpoint(Path("model/checkpoints/melody.pt"))
    model.eval()
    seed = [Note(60, 12), Note(64, 12), Note(67, 24), Note(65, 12), Note(62, 12), Note(60, 24)]
    prompt = vocab.encode(control_tokens("irish", "major", Meter()) + encode_notes(seed, 48))
    packed = PackedLSTM(model, precision)
    with torch.inference_mode():
        _, state = model.prefill([prompt[:-1]])
        expected, _ = model.step(torch.tensor(prompt[-1:]), state)
        got, _ = packed.step(torch.tensor(prompt[-1:]), state)
    assert expected.softmax(1).max() > 0.2  # a peaked distribution, as the model's usually is
    tolerance = 1e-4 if precision == "fp32" else 0.01
    assert (got.softmax(1) - expected.softmax(1)).abs().max() < tolerance


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_packed_step_on_cuda_matches_the_model(precision):
    from model.packed import PackedLSTM

    torch.manual_seed(0)
    model = MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)).cuda().eval()
    packed = PackedLSTM(model, precision)
    tokens = torch.randint(4, len(VOCAB), (40,), device="cuda")
    state = (torch.rand(2, 40, 64, device="cuda") - 0.5, torch.rand(2, 40, 64, device="cuda") - 0.5)
    with torch.inference_mode():
        expected, _ = model.step(tokens, state)
        got, _ = packed.step(tokens, state)
    assert torch.allclose(got, expected, atol=1e-4 if precision == "fp32" else 1e-2)


@cuda
async def test_cuda_graphs_serve_the_same_melodies_alone_and_in_a_crowd():
    torch.manual_seed(0)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)), "cuda", max_batch=64).start()
    try:
        assert engine.graphs and engine.static
        alone = (await asyncio.wait_for(engine.generate(grammar(), seed=7, temperature=1.2), ANSWER)).notes
        crowd = await asyncio.wait_for(asyncio.gather(
            *[engine.generate(g, seed=i, temperature=1.2) for i, g in enumerate(crowd_grammars(40))],
            engine.generate(grammar(), seed=7, temperature=1.2)), ANSWER)
        assert engine._decoder is not None and engine._decoder._graphs  # the step ran as captured graphs
    finally:
        engine.stop()
    assert crowd[-1].notes == alone
    assert all(g.done and 36 + sum(n.ticks for n in g.notes) == g.target for g in crowd)
    assert len({tuple(g.notes) for g in crowd[:40]}) > 20


@cuda
async def test_cuda_engine_with_bf16_and_python_rows():
    from model.sample import RhythmGrammar

    torch.manual_seed(0)
    engine = Engine(MelodyLSTM(LSTMConfig(embed=32, hidden=64, layers=2), len(VOCAB)), "cuda", max_batch=16,
                    precision="bf16").start()
    try:
        words = RhythmGrammar(VOCAB, PROMPT, 48, frozenset({0}), [(12, True), (12, False), (24, True)] * 2)
        done = await asyncio.wait_for(asyncio.gather(engine.generate(grammar(), seed=1), engine.generate(words, 2)),
                                      ANSWER)
    finally:
        engine.stop()
    assert all(g.done for g in done) and len(done[1].notes) == 6
