"""Taste that steers what is written: candidates that try settings, learned defaults, unlearning, acceptance."""

from __future__ import annotations

from studio.fairness import UserLimits
from studio.requests import MelodyRequest
from studio.taste.explore import EXPLORABLE
from tests.bot.helpers import candidate_tries
from tests.bot.test_profile_e2e import answer, melody, text, uid


async def candidates(env, reply) -> list[MelodyRequest]:
    """The requests behind a reply's candidates, in the order shown."""
    return [MelodyRequest(**g.params) for g in await env.store.generations_for_message(reply.id)]


def differ(a: MelodyRequest, b: MelodyRequest) -> set[str]:
    return {s for s in EXPLORABLE if getattr(a, s) != getattr(b, s)}


async def test_candidates_try_one_other_setting_each_and_say_so(env):
    reply = await melody(env, {"notes": "C E G", "seed": 5})
    shown = await candidates(env, reply)
    tries = [candidate_tries(reply.content, n) for n in (1, 2, 3)]
    plain = [r for r, t in zip(shown, tries, strict=True) if not t]
    assert len(plain) == 1 and sum(bool(t) for t in tries) == 2  # a new user: one as asked, two that explore
    for request, said, embed in zip(shown, tries, reply.embeds, strict=True):
        if said:
            assert len(differ(plain[0], request)) == 1 and said in embed["title"]
            changed = differ(plain[0], request).pop()
            shown_value = {"key": request.key, "tempo": f"{request.tempo} bpm", "style": request.style,
                           "density": request.density}[changed]
            assert shown_value in said  # "tries D dorian", "tries 150 bpm" ...


async def test_options_the_user_typed_or_saved_are_never_varied(env):
    await env.store.set_preference(uid(env, 0), "style", "scottish")
    reply = await melody(env, {"notes": "C E G", "seed": 9, "key": "C major", "tempo": 100, "density": "busy"})
    shown = await candidates(env, reply)
    assert {(r.key, r.tempo, r.style, r.density) for r in shown} == {("C major", 100, "scottish", "busy")}
    assert "tries" not in text(reply)


async def test_picks_teach_defaults_that_prefs_show_and_unlearn_resets(env):
    user = uid(env, 2)
    env.bot.limits = UserLimits(rate=1000)  # faster than people click: lift the per-minute share
    for round_ in range(14):  # a listener who always picks the fastest candidate
        reply = await melody(env, {"notes": "A C E", "seed": 100 + 7 * round_}, user=2)
        shown = await candidates(env, reply)
        fastest = max(range(len(shown)), key=lambda i: (shown[i].tempo, -i))
        picked = await (await env.fake.press(reply, f"mg:melody:pick:{fastest}", user=2)).wait_final(timeout=60)
        assert "picked candidate" in picked.content
    reply = await melody(env, {"notes": "A C E", "seed": 1}, user=2)
    first = (await candidates(env, reply))[0]
    assert "learned from your feedback" in reply.content and first.tempo >= 130

    it, shown = await answer(env, "prefs show", user=2)
    assert "What /melody fills in" in text(shown) and "**tempo**: " in text(shown)
    assert "Suggestions you took (last 30 days): 14 of " in text(shown)

    it, done = await answer(env, "prefs unlearn", {"part": "tempo"}, user=2)
    assert it.ephemeral and "Unlearned what I learned of your **tempo**" in done.content
    it, shown = await answer(env, "prefs show", user=2)
    assert "**tempo**: " not in text(shown)
    env.bot.taste._loaded.discard(user)  # a restart: what was unlearned stays unlearned when rebuilt from the store
    reply = await melody(env, {"notes": "A C E", "seed": 2}, user=2)
    assert "Filled in for you: tempo" not in reply.content and ", tempo " not in reply.content
