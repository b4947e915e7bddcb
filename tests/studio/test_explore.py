"""Which settings the candidates of a reply try (studio.taste.explore)."""

from __future__ import annotations

import random

from data.events import Key
from data.notation import parse_seed
from studio.requests import MelodyRequest
from studio.taste.explore import EXPLORABLE, plan_candidates
from studio.taste.features import FEATURE_INDEX, features
from studio.taste.model import TasteModel, key_for


def changed(a: MelodyRequest, b: MelodyRequest) -> set[str]:
    """The explorable settings in which two requests differ."""
    return {s for s in EXPLORABLE if getattr(a, s) != getattr(b, s)}


def test_a_new_user_gets_one_plain_candidate_and_two_that_each_try_one_other_setting():
    request = MelodyRequest(notes="C E G", seed=10)
    plans = plan_candidates(TasteModel(), 1, request, (), 3, random.Random(1), seed_mode="major")
    assert plans[0].request == request and plans[0].tries == ""
    assert [p.request.seed for p in plans] == [10, 11, 12]
    tried = [changed(request, p.request) for p in plans[1:]]
    assert all(len(t) == 1 for t in tried) and tried[0] != tried[1]  # one setting each, not the same one
    for plan, setting in zip(plans[1:], tried, strict=True):
        assert plan.tries.startswith("tries ")
        value = next(iter(setting))
        if value == "key":  # a mode that keeps the seed in scale
            key = Key.parse(plan.request.key)
            assert {n.pitch % 12 for n in parse_seed("C E G").notes} <= key.scale
            assert plan.tries == f"tries {plan.request.key}"


def test_settings_the_user_fixed_are_never_tried():
    request = MelodyRequest(notes="C E G", seed=3, tempo=100, style="irish")
    for seed in range(20):
        plans = plan_candidates(TasteModel(), 1, request, ("tempo", "style"), 3, random.Random(seed))
        for plan in plans:
            assert plan.request.tempo == 100 and plan.request.style == "irish"
    everything = plan_candidates(TasteModel(), 1, request, EXPLORABLE, 3, random.Random(0))
    assert [p.tries for p in everything] == ["", "", ""] and {p.request.seed for p in everything} == {3, 4, 5}
    assert len(plan_candidates(TasteModel(), 1, request, (), 1, random.Random(0))) == 1


def test_a_melody_over_chords_never_tries_another_key():
    """Another mode over the same chords would clash with them (C minor over `C F G`)."""
    request = MelodyRequest(notes="E D C", chords="C F G C", seed=3)
    tried = {p.request.key for seed in range(20) for p in plan_candidates(TasteModel(), 1, request, (), 3,
                                                                         random.Random(seed), seed_mode="major")}
    assert tried == {request.key}
    free = {p.request.key for seed in range(20) for p in plan_candidates(
        TasteModel(), 1, MelodyRequest(notes="E D C", seed=3), (), 3, random.Random(seed), seed_mode="major")}
    assert len(free) > 1  # without chords, some candidate tries one


def test_exploration_moves_toward_what_the_user_picks_and_fades():
    model = TasteModel()
    request = MelodyRequest(notes="A C E", seed=1)
    like = {"key": "minor", "tempo": 150, "style": "scottish", "density": "busy"}

    def utility(r: MelodyRequest) -> int:
        """A user who likes minor, fast, scottish and busy, each as much."""
        return sum((Key.parse(r.key).mode if r.key else "minor", r.tempo, r.style, r.density)[i] == v
                   for i, v in enumerate(like.values()))

    def run(rounds: int, offset: int) -> tuple[float, float]:
        """Rounds of: plan from the learned defaults, pick the best; (share of detours, mean utility shown)."""
        detours = shown = 0.0
        for s in range(rounds):
            base = MelodyRequest(**{**request.__dict__, **model.learned_defaults(1, {"notes": "A C E"})})
            plans = plan_candidates(model, 1, base, (), 3, random.Random(offset + s), seed_mode="minor")
            detours += sum(bool(p.tries) for p in plans[1:]) / 2
            shown += sum(utility(p.request) for p in plans) / 3
            best = max(plans, key=lambda p: utility(p.request))
            feats = [features(p.request.__dict__) for p in plans]
            model.pick(1, feats[plans.index(best)], [f for p, f in zip(plans, feats, strict=True) if p is not best])
        return detours / rounds, shown / rounds

    first_detours, first_shown = run(5, 0)
    run(20, 100)
    last_detours, last_shown = run(5, 200)
    assert last_shown > first_shown + 1  # the candidates now have more of what the user likes
    assert last_detours < first_detours  # and try fewer detours
    assert model.learned_defaults(1, {"notes": "A C E"})["tempo"] == 150


def test_with_caution_a_candidate_the_model_is_unsure_of_goes_after_one_it_knows_is_liked():
    from studio.taste.model import with_bias

    model = TasteModel()
    known, unsure = features({"style": "irish"}), features({"style": "chorale"})
    d = with_bias(unsure) - with_bias(known)
    state = model.user_state(1)
    model._users["1"] = state
    state.delta = 0.1 * d / (d @ d)  # the unsure one scores a little higher
    chorale = FEATURE_INDEX["style_chorale"]
    state.cov = state.cov.copy()
    state.cov[chorale, chorale] += 25.0  # and nothing is known of chorales
    assert model.rank(1, [known, unsure]) == [1, 0]
    assert model.rank(1, [known, unsure], caution=1.0) == [0, 1]


def test_a_mode_tried_is_named_as_the_seed_is_spelled():
    """"#2 tries Bb minor" under a seed typed in C# major read oddly: the key tried takes the seed's sharps or flats
    where its signature exists, and is otherwise named as its signature spells it (G minor, not A# minor)."""
    assert key_for("minor", "C# E# G# F# | E# D# C#:h") == "A# minor"  # was Bb minor
    assert key_for("dorian", "C# E# G# F# | E# D# C#:h") == "D# dorian"  # was Eb dorian
    assert key_for("major", "Gb Bb Db Cb") == "Gb major"  # was F# major
    assert key_for("minor", "Bb D F") == "G minor" and key_for("mixolydian", "C E G") == "C mixolydian"
