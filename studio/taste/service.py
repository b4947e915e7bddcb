"""Each user's taste, learned from their stored feedback and updated on every new piece of it.

A thin async service over ``model.TasteModel``: it rebuilds a user from the store the first time
they are seen (in an executor: a few hundred events take a fraction of a second) and then learns
online. Explicit options always win over what it suggests.

`forget` deletes a user's rows and relearns everyone else from what remains, so neither their own model nor
the community's weights keep a trace of them; `export` is everything stored and learned about one user.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import numpy as np

from studio.charts import taste_chart
from studio.melody import Composer, MelodyResult
from studio.options import SEED_MAX
from studio.requests import MelodyRequest
from studio.store.base import FeedbackRow, Forgotten, Generation, Store, StoreUnavailable
from studio.taste.explain import explain_taste, suggest_settings
from studio.taste.explore import Plan, best_takes, plan_candidates, sounds_mode
from studio.taste.features import FEATURE_NAMES, FeedbackEvent, event_from_row, features, notes_from_text
from studio.taste.model import MIN_EVENTS, PARTS, TasteModel

log = logging.getLogger(__name__)
T = TypeVar("T")
LIKE_KINDS = {"reaction:👍": 1, "reaction:👎": -1}
UNLEARNED = "unlearned"  # the preference that records `/prefs unlearn` (part -> Unix time)
REFRESH_EVERY = 50  # feedback actions between re-learning how far users stray from the community (refresh_prior)
# Melodies written per candidate shown once a user has given feedback: for the first candidate (the request as filled
# in), for each other one; the one the learned taste likes best is shown. (4, 1) cost 0.25 s at the median reply and
# raised the listeners' taste no more than (1, 1) in two runs of bench/reports/steering.md: an option, off.
TAKES = (1, 1)
# Candidates are ranked by predicted taste less RANK_CAUTION standard deviations of it: one trying a setting the
# model is unsure of goes after one it knows is liked. 1.0 against 0: rise +0.51 against +0.41, first-listed is
# favourite 48% against 44% (20 listeners x 20 rounds, seed 2).
RANK_CAUTION = 1.0
# Takes written for a candidate that tries a mode, one that sounds it kept: a third of the melodies that "try G
# mixolydian" never sound its F natural (21 of 64 over 8 seeds people type), and are heard in G major.
MODE_TAKES = 3


class Taste:
    """Per-user taste models backed by the store."""

    def __init__(self, store: Store, model: TasteModel | None = None) -> None:
        self.store = store
        self.model = model or TasteModel()
        self._loaded: set[int] = set()
        self._lock = asyncio.Lock()  # the model is not thread-safe: one update at a time
        self.steering = True  # candidates try settings the user's taste is unsure of (False: all share settings)
        self.takes = TAKES  # melodies written for the first candidate, for each other one ((1, 1): no reranking)
        self.caution = RANK_CAUTION  # candidates ranked by predicted taste less this many standard deviations
        self._since_refresh = 0

    @staticmethod
    async def _run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Model work runs in an executor, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args, **kwargs))

    async def load(self, user_id: int) -> None:
        """Rebuild a user from everything they gave feedback on (once per process, or after a change)."""
        if user_id in self._loaded:
            return
        events = await self._events(await self.store.user_feedback(user_id))
        forgotten = await self._forgotten(user_id)
        async with self._lock:
            await self._run(self.model.update_from_events, user_id, events, False, forgotten)
            self._loaded.add(user_id)

    async def _forgotten(self, user_id: int) -> dict[str, float]:
        """The parts of what they taught that the user reset (`/prefs unlearn`), and when."""
        saved = (await self.store.preferences(user_id)).get(UNLEARNED)
        return {k: float(v) for k, v in saved.items() if k in PARTS} if isinstance(saved, dict) else {}

    async def forget_parts(self, user_id: int, parts: Sequence[str]) -> None:
        """`/prefs unlearn`: back to the community's taste for these parts; feedback given later teaches again."""
        await self.load(user_id)
        forgotten = {**await self._forgotten(user_id), **dict.fromkeys(parts, self.store.clock())}
        await self.store.set_preference(user_id, UNLEARNED, forgotten)
        async with self._lock:
            for part in parts:
                self.model.forget_part(user_id, part)

    async def _events(self, rows: Sequence[FeedbackRow], shown: dict[int, list[Generation]] | None = None,
                      ) -> list[FeedbackEvent]:
        """Stored feedback as model events (features computed in an executor); a pick with the other candidates
        of its message (``shown``: candidates by message id, a cache)."""
        shown = {} if shown is None else shown
        for row in rows:
            if row.kind == "pick" and row.message_id is not None and row.message_id not in shown:
                shown[row.message_id] = await self.store.generations_for_message(row.message_id)
        return await self._run(_to_events, rows, shown)

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
            self._since_refresh += 1
            if self._since_refresh >= REFRESH_EVERY:  # users' spread around the community, per feature
                self._since_refresh = 0
                await self._run(self.model.refresh_prior, 5, 5)

    async def unlearn(self, user_id: int) -> None:
        """Feedback was taken back (a reaction removed): rebuild from the store next time."""
        async with self._lock:
            self._loaded.discard(user_id)
            self.model.reset(user_id)

    async def forget(self, user_id: int) -> Forgotten:
        """`/forget`: delete the user's rows (and others' feedback on their melodies), then relearn the community
        and every user from the feedback that remains. Should the store fail to answer for the relearning,
        everyone starts afresh instead: no trace of the user is kept either way."""
        forgotten = await self.store.forget_user(user_id)
        try:
            await self.rebuild()
        except StoreUnavailable as exc:
            log.warning("taste not relearned after /forget (%s): starting everyone afresh", exc)
            async with self._lock:
                self.model.clear()
                self._loaded.clear()
        return forgotten

    async def rebuild(self) -> None:
        """Relearn the community's weights and every user's taste from the stored feedback alone (in time order
        per user; about 10 s per 100,000 events on one core, off the event loop)."""
        async with self._lock:  # nothing learns meanwhile: what is learned now is in the store already
            by_user: dict[int, list[FeedbackRow]] = {}
            for row in await self.store.all_feedback():
                by_user.setdefault(row.user_id, []).append(row)
            shown: dict[int, list[Generation]] = {}
            events = {user: await self._events(rows, shown) for user, rows in by_user.items()}
            forgotten = {user: await self._forgotten(user) for user in events}
            await self._run(self._relearn, events, forgotten)
            self._loaded = set(events)

    def _relearn(self, events: dict[int, list[FeedbackEvent]], forgotten: dict[int, dict[str, float]]) -> None:
        self.model.clear()
        for user, user_events in events.items():
            self.model.update_from_events(user, user_events, shared=True, forgotten=forgotten[user])

    async def export(self, user_id: int) -> dict[str, Any]:
        """`/mydata`: everything stored about the user (``Store.export_user``) and a summary of their learned taste."""
        data = await self.store.export_user(user_id)
        await self.load(user_id)
        async with self._lock:
            state = self.model.user_state(user_id)
            data["learned_taste"] = {
                "in_words": await self._run(explain_taste, self.model, user_id),
                "feedback_actions": state.events, "picks": state.picks, "likes": state.likes,
                "dislikes": state.dislikes, "liked": dict(state.liked), "disliked": dict(state.disliked),
                "settings_tried": sorted(state.tried),
                "weights": dict(zip((*FEATURE_NAMES, "bias"), self.model.weights(user_id).round(4).tolist(),
                                    strict=True)),
                "your_offsets_from_the_community": dict(zip((*FEATURE_NAMES, "bias"), state.delta.round(4).tolist(),
                                                            strict=True)),
            }
        return data

    async def rank(self, user_id: int, results: list[MelodyResult]) -> list[MelodyResult]:
        """Candidates ordered by the user's predicted taste, best first."""
        await self.load(user_id)
        feats = [features(r.request.__dict__, r.melody.notes) for r in results]
        async with self._lock:
            order = self.model.rank(user_id, feats, self.caution)
        return [results[i] for i in order]

    async def write(self, composer: Composer, user_id: int, request: MelodyRequest,
                    fixed: Iterable[str]) -> list[MelodyResult]:
        """The candidates of a reply, steered by the user's taste, best first.

        With ``steering`` on, the first candidate is the request as given and the others each try one setting not
        in ``fixed`` (``studio.taste.explore``); for a user who has given feedback, the first candidate is the best
        liked of ``takes[0]`` melodies with its settings and each other one of ``takes[1]`` (taste in density,
        range, register ... beyond the options).
        Off: ``request.count`` takes of the request, ranked.
        """
        request = request.with_seed()
        if not self.steering:
            return await self.rank(user_id, await composer.candidates(request))
        seed_mode = None if request.key or request.lyrics is not None else (await composer.seed_key(request)).mode
        await self.load(user_id)
        async with self._lock:
            rng = random.Random(request.seed)
            plans = await self._run(plan_candidates, self.model, user_id, request, fixed, request.count, rng, seed_mode)
            first, other = self.takes if self.model.events(user_id) >= MIN_EVENTS else (1, 1)
        counts = [first] + [max(other, MODE_TAKES) if p.setting == "key" else other for p in plans[1:]]
        written = await composer.write([_take(p, j, len(plans)) for p, n in zip(plans, counts, strict=True)
                                        for j in range(n)])
        starts = [sum(counts[:i]) for i in range(len(plans))]
        groups = [_heard(p, written[s:s + n]) for p, s, n in zip(plans, starts, counts, strict=True)]
        if any(len(g) > 1 for g in groups):
            feats = [[features(r.request.__dict__, r.melody.notes) for r in g] for g in groups]
            async with self._lock:
                best = best_takes(self.model, user_id, feats)
            written = [g[b] for g, b in zip(groups, best, strict=True)]
        else:
            written = [g[0] for g in groups]
        return await self.rank(user_id, [replace(r, tries=p.tries) for r, p in zip(written, plans, strict=True)])

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


def _heard(plan: Plan, takes: list[MelodyResult]) -> list[MelodyResult]:
    """A candidate trying a mode: its takes that sound the mode (``sounds_mode``), all of them if none does."""
    if plan.setting != "key":
        return takes
    return [r for r in takes if sounds_mode(r.melody.key, r.continuation)] or takes


def _take(plan: Plan, index: int, plans: int) -> MelodyRequest:
    """The ``index``-th take of a plan: its own RNG seed, clear of the other plans' seeds."""
    assert plan.request.seed is not None
    return replace(plan.request, seed=(plan.request.seed + index * plans) % SEED_MAX)


def _to_events(rows: Sequence[FeedbackRow], shown: dict[int, list[Generation]]) -> list[FeedbackEvent]:
    """Feedback rows as events; a pick compared with the other candidates ``shown`` in its message."""
    events = []
    for row in rows:
        others = shown[row.message_id] if row.kind == "pick" and row.message_id is not None else []
        siblings = [(g.params, g.notes) for g in others if g.candidate != row.candidate]
        events.append(event_from_row(row.kind, row.value, row.candidate, row.message_id, row.params, row.notes,
                                     siblings, row.created_at))
    return events
