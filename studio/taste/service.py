"""Each user's taste, learned from their stored feedback and updated on every new piece of it.

A thin async service over ``model.TasteModel``: it rebuilds a user from the store the first time
they are seen (in an executor: a few hundred events take a fraction of a second) and then learns
online. Explicit options always win over what it suggests.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import numpy as np

from studio.charts import taste_chart
from studio.melody import MelodyResult
from studio.store.base import Generation, Store
from studio.taste.explain import explain_taste, suggest_settings
from studio.taste.features import FeedbackEvent, event_from_row, features, notes_from_text
from studio.taste.model import TasteModel

T = TypeVar("T")
LIKE_KINDS = {"reaction:👍": 1, "reaction:👎": -1}


class Taste:
    """Per-user taste models backed by the store."""

    def __init__(self, store: Store, model: TasteModel | None = None) -> None:
        self.store = store
        self.model = model or TasteModel()
        self._loaded: set[int] = set()
        self._lock = asyncio.Lock()  # the model is not thread-safe: one update at a time

    @staticmethod
    async def _run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Model work runs in an executor, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args, **kwargs))

    async def load(self, user_id: int) -> None:
        """Rebuild a user from everything they gave feedback on (once per process, or after a change)."""
        if user_id in self._loaded:
            return
        rows = await self.store.user_feedback(user_id)
        events: list[FeedbackEvent] = []
        for row in rows:
            siblings = []
            if row.kind == "pick" and row.message_id is not None:
                shown = await self.store.generations_for_message(row.message_id)
                siblings = [(g.params, g.notes) for g in shown if g.candidate != row.candidate]
            events.append(event_from_row(row.kind, row.value, row.candidate, row.message_id, row.params, row.notes,
                                         siblings))
        async with self._lock:
            await self._run(self.model.update_from_events, user_id, events)
            self._loaded.add(user_id)

    async def learn(self, user_id: int, shown: list[Generation], kind: str, value: int, index: int = 0) -> None:
        """Learn from feedback just stored: a reaction on a reply, a pick / more of ``shown[index]``, a regenerate."""
        if user_id not in self._loaded:
            await self.load(user_id)  # the store already holds this feedback: loading learns it once
            return
        feats = [features(g.params, notes_from_text(g.notes)) for g in shown]
        async with self._lock:
            if kind in LIKE_KINDS:
                for f in feats:  # one reaction covers every candidate of the reply: it counts once in all
                    await self._run(self.model.react, user_id, f, LIKE_KINDS[kind], weight=1 / len(feats))
            elif kind == "pick":
                await self._run(self.model.pick, user_id, feats[index], feats[:index] + feats[index + 1 :])
            elif kind == "more":
                await self._run(self.model.more, user_id, feats[index])
            elif kind == "regenerate":
                await self._run(self.model.regenerate, user_id, feats)

    async def unlearn(self, user_id: int) -> None:
        """Feedback was taken back (a reaction removed, `/forget`): rebuild from the store next time."""
        async with self._lock:
            self._loaded.discard(user_id)
            self.model.reset(user_id)

    async def rank(self, user_id: int, results: list[MelodyResult]) -> list[MelodyResult]:
        """Candidates ordered by the user's predicted taste, best first."""
        await self.load(user_id)
        feats = [features(r.request.__dict__, r.melody.notes) for r in results]
        async with self._lock:
            order = self.model.rank(user_id, feats)
        return [results[i] for i in order]

    async def weights(self, user_id: int) -> tuple[np.ndarray, float]:
        """The user's weights (features + bias; the community's for a new user) and their feedback count.

        A copy taken under the lock: score many items at once with ``feature_matrix @ weights``.
        """
        await self.load(user_id)
        async with self._lock:
            return self.model.weights(user_id), self.model.events(user_id)

    async def explain(self, user_id: int) -> tuple[list[str], bytes | None]:
        """Plain-words sentences about the user's taste, and a chart once there is feedback to chart."""
        await self.load(user_id)
        async with self._lock:
            sentences = await self._run(explain_taste, self.model, user_id)
            chart = await self._run(taste_chart, self.model, user_id) if self.model.events(user_id) > 0 else None
        return sentences, chart

    async def suggestions(self, user_id: int, rng: random.Random, n: int = 3) -> list[dict]:
        """Settings the user has not tried but is predicted to like (see ``explain.suggest_settings``)."""
        await self.load(user_id)
        async with self._lock:
            return await self._run(suggest_settings, self.model, user_id, rng, n)

    async def defaults(self, user_id: int, explicit: dict) -> dict:
        """Learned values for the options a user left out (``explicit`` values that are not None win)."""
        await self.load(user_id)
        async with self._lock:
            return await self._run(self.model.learned_defaults, user_id, explicit)
