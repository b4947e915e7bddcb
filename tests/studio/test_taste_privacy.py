"""Issue 11: `/forget` leaves no trace in the taste model (the user's own state nor the community's weights), and
the export of what was learned about a user."""

from __future__ import annotations

import json

import numpy as np

from bench.preferences import random_params
from studio.store.base import Store, StoreUnavailable, open_store
from studio.taste.features import FEATURE_NAMES
from studio.taste.service import Taste

ALICE, BOB = 1, 2


async def scene(store: Store, taste: Taste, with_alice: bool = True) -> None:
    """Alice and Bob make melodies and give feedback, learned live; without Alice, only what Bob does alone."""
    rngs = {ALICE: np.random.default_rng(5), BOB: np.random.default_rng(4)}  # Bob's melodies the same either way
    clock = iter(range(1_000, 2_000))
    store.clock = lambda: float(next(clock))

    async def post(user: int, message: int) -> list:
        params = [random_params(rngs[user]) for _ in range(3)]
        await store.add_generations(user, "melody", [(p, i, "C E G ➜ A B C D") for i, p in enumerate(params)],
                                    message_id=message)
        return await store.generations_for_message(message)

    async def give(user: int, shown: list, kind: str, value: int, index: int = 0) -> None:
        ids = [g.id for g in shown] if kind.startswith("reaction") else [shown[index].id]
        await store.set_feedback(ids, user, kind, value)
        await taste.learn(user, shown, kind, value, index)

    for round_ in range(4):
        bobs = await post(BOB, 100 + round_)
        await give(BOB, bobs, "pick", 1, round_ % 3)
        if with_alice:
            alices = await post(ALICE, 200 + round_)
            await give(ALICE, alices, "pick", 1, 2)
            await give(ALICE, bobs, "reaction:👍", 1)
            await give(BOB, alices, "reaction:👎", -1)  # Bob's feedback on Alice's melody goes with it
            await give(BOB, alices, "more", 1, 1)


async def test_forget_relearns_the_community_as_if_the_user_had_never_been_there(tmp_path):
    store, without = await open_store(tmp_path / "a.sqlite3"), await open_store(tmp_path / "b.sqlite3")
    try:
        taste, reference = Taste(store), Taste(without)
        await scene(store, taste)
        await scene(without, reference, with_alice=False)
        await reference.rebuild()
        assert not np.allclose(taste.model.weights(), reference.model.weights())  # Alice taught the community
        forgotten = await taste.forget(ALICE)
        assert (forgotten.generations, forgotten.more_like_kept) == (12, 4)
        assert taste.model.events(ALICE) == 0
        np.testing.assert_allclose(taste.model.weights(), reference.model.weights(), atol=1e-12)
        np.testing.assert_allclose(taste.model.weights(BOB), reference.model.weights(BOB), atol=1e-12)
        assert taste.model.events(BOB) == reference.model.events(BOB) == 4  # his picks; not his 👎 on Alice's
    finally:
        await store.close()
        await without.close()


async def test_forgetting_the_only_user_puts_the_community_back_at_the_prior(tmp_path):
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        taste = Taste(store)
        shown = []
        for message in range(3):
            await store.add_generations(ALICE, "melody", [({"key": "A minor", "tempo": 70}, 1, "A C E ➜ A")],
                                        message_id=message)
            shown = await store.generations_for_message(message)
            await store.set_feedback([shown[0].id], ALICE, "reaction:👍", 1)
            await taste.learn(ALICE, shown, "reaction:👍", 1)
        assert np.abs(taste.model.weights()).max() > 0
        await taste.forget(ALICE)
        assert np.array_equal(taste.model.weights(), np.zeros(len(FEATURE_NAMES) + 1))
        assert np.array_equal(taste.model.cov_global, np.eye(len(FEATURE_NAMES) + 1) * taste.model.global_var)
    finally:
        await store.close()


async def test_forget_starts_everyone_afresh_when_the_store_cannot_answer_the_relearning(tmp_path, monkeypatch):
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        taste = Taste(store)
        await scene(store, taste)

        async def down() -> list:
            raise StoreUnavailable("the database did not answer in time")

        monkeypatch.setattr(store, "all_feedback", down)
        assert (await taste.forget(ALICE)).generations == 12  # deleted all the same
        assert np.array_equal(taste.model.weights(), np.zeros(len(FEATURE_NAMES) + 1))
        assert taste.model.events(ALICE) == taste.model.events(BOB) == 0
        assert await store.generations(ALICE) == []
    finally:
        await store.close()


async def test_export_adds_what_was_learned_to_what_is_stored(tmp_path):
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        taste = Taste(store)
        await scene(store, taste)
        data = json.loads(json.dumps(await taste.export(BOB)))
    finally:
        await store.close()
    assert len(data["generations"]) == 12 and len(data["feedback_given"]) == 4 + 4 * 3 + 4
    assert len(data["feedback_on_your_melodies"]) == 4 * 3  # Alice's 👍 on each candidate
    learned = data["learned_taste"]
    assert learned["feedback_actions"] > 3 and learned["in_words"]
    assert set(learned["weights"]) == {*FEATURE_NAMES, "bias"}
    assert set(learned["your_offsets_from_the_community"]) == {*FEATURE_NAMES, "bias"}
