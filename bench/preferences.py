"""Preference learning in simulation: does the bot rank first the candidate a user will pick?

    python -m bench.preferences [--users 200] [--rounds 30] [--report model/checkpoints/REPORT.md]

Synthetic users, each with a hidden taste over the same features the bot sees (``studio.taste.features``):
community weights shared by everyone plus individual weights, a preferred tempo (a quadratic bump,
not a linear feature), a favourite style and, for half the users, a density ceiling ("skips very dense
melodies"). Utilities are standardized per user; users pick by softmax(utility / NOISE), so they are
not perfectly consistent (the "user's own best" row says how often they pick their highest-utility
candidate: the ceiling for any ranking). Each round: 3 candidates with random settings and synthetic
notes, the bot ranks them, the user picks one and sometimes reacts 👍/👎, asks for more, or regenerates.
Users take turns (round 1 for everyone, then round 2 ...), as on a live server.

Rankers, all updated on the same feedback: random, the community model alone (no per-user part),
per-user models with no shared prior, and the full model (community prior + per-user deviation);
``refresh_prior`` runs after every round (users' spread around the community, learned per feature).
A second scenario keeps the bot's real behaviour: the 3 candidates of a message share their settings
and differ only in their notes.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.report import write_section
from data.events import MODE_OFFSET, PITCH_NAMES, STYLES, Key, Meter, Note
from studio.taste.features import DEFAULTS, DIM, FEATURE_NAMES, features, raw_features, standardize
from studio.taste.model import GRIDS, TasteModel

REFRESH = True  # re-learn the users' spread around the community after every round
NOISE = 0.5  # softmax temperature on standardized utility
CHECKPOINTS = (10, 20, 30)
MODES = tuple(MODE_OFFSET)
_IX = {n: i for i, n in enumerate(FEATURE_NAMES)}


def random_params(rng: np.random.Generator) -> dict:
    """Settings as users ask for them: any tonic and mode, tempo 60–180, the four meters, any style."""
    return {
        "notes": "C E G",
        "key": f"{PITCH_NAMES[rng.integers(12)]} {MODES[rng.integers(len(MODES))]}",
        "tempo": int(rng.integers(60, 181)),
        "meter": str(rng.choice(GRIDS["meter"])),
        "style": str(rng.choice(STYLES)),
        "temperature": round(float(rng.uniform(0.6, 1.4)), 2),
        "bars": int(rng.choice((4, 8, 12, 16))),
    }


def synth_notes(params: dict, rng: np.random.Generator) -> list[Note]:
    """A melody-like line: a random walk on the key's scale whose busyness, leaps and rests vary per candidate."""
    key, meter = Key.parse(params["key"]), Meter.parse(params["meter"])
    total = params["bars"] * meter.bar_ticks
    temp = params["temperature"]
    choices = np.array([3, 6, 12, 18, 24, 48])
    target = math.log2(24) - 3.2 * rng.beta(2, 2)  # from half notes to sixteenths
    logits = -np.abs(np.log2(choices) - target) * 2.0 / temp
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    pcs = key.scale
    scale = [p for p in range(45, 90) if p % 12 in pcs]
    idx = int(np.searchsorted(scale, 60 + key.tonic + int(rng.integers(-5, 8))))
    step_sd = 0.6 + 1.6 * temp * rng.uniform(0.2, 1.0)
    rest_p = rng.uniform(0.0, 0.12)
    n = total // 3 + 1
    durations = rng.choice(choices, n, p=probs).tolist()
    steps = np.rint(rng.normal(0, step_sd, n)).astype(int).tolist()
    rests = (rng.random(n) < rest_p).tolist()
    notes, now, top = [], 0, len(scale) - 1
    for d, step, rest in zip(durations, steps, rests, strict=True):
        d = min(d, total - now)
        if d <= 0:
            break
        idx = min(max(idx + step, 0), top)
        notes.append(Note(None if rest else scale[idx], d))
        now += d
    return notes


@dataclass
class User:
    """A hidden taste: linear weights over the bot's features plus non-linear quirks."""

    w: np.ndarray
    tempo: float
    tempo_strength: float
    style: str
    style_bonus: float
    density_max: float | None
    mean: float = 0.0
    sd: float = 1.0

    def raw_utility(self, z: np.ndarray, raw: np.ndarray) -> float:
        u = float(self.w @ z) - self.tempo_strength * ((raw[_IX["tempo"]] - self.tempo) / 25.0) ** 2
        u += self.style_bonus * raw[_IX[f"style_{self.style}"]]
        if self.density_max is not None:
            u -= 0.7 * max(0.0, raw[_IX["density"]] - self.density_max)
        return u

    def utility(self, z: np.ndarray, raw: np.ndarray) -> float:
        return (self.raw_utility(z, raw) - self.mean) / self.sd

    def favourites(self) -> dict:
        """The options this user's hidden utility likes best (other options neutral)."""

        def best(name: str, grid: tuple) -> object:
            return max(grid, key=lambda v: self.raw_utility(features({name: v}), raw_features({name: v})))

        return {"style": best("style", STYLES), "meter": best("meter", GRIDS["meter"]),
                "tempo": best("tempo", tuple(range(60, 181))), "mode": best("key", tuple(f"C {m}" for m in MODES))}


def make_users(n: int, rng: np.random.Generator) -> list[User]:
    community = rng.normal(0, 0.6, DIM)
    community[[_IX[f"tempo_{c}"] for c in (70, 90, 110, 130, 150)]] = 0.0  # tempo taste is the quirk below
    users = []
    for _ in range(n):
        w = community + rng.normal(0, 0.6, DIM)
        w[[_IX[f"tempo_{c}"] for c in (70, 90, 110, 130, 150)]] = 0.0
        user = User(w, rng.uniform(70, 160), rng.uniform(0.3, 1.5), str(rng.choice(STYLES)), rng.uniform(0.5, 1.5),
                    rng.uniform(4.0, 7.0) if rng.random() < 0.5 else None)
        sample = []
        for _ in range(100):
            raw = raw_features(params := random_params(rng), synth_notes(params, rng))
            sample.append(user.raw_utility(standardize(raw), raw))
        user.mean, user.sd = float(np.mean(sample)), float(np.std(sample)) or 1.0
        users.append(user)
    return users


FIXED = {**{k: v for k, v in DEFAULTS.items() if k in GRIDS}, "key": "C major"}


def defaults_of(model: TasteModel | None, uid: int) -> dict:
    """The settings a request with only notes gets: learned defaults over the usual ones (None: the usual)."""
    return {**FIXED, **(model.learned_defaults(uid, {"notes": "C E G"}) if model else {})}


def judge(user: User, truth: dict, guess: dict) -> dict[str, float]:
    """Hits on the user's hidden favourites, and the hidden utility gained over the usual defaults."""
    def utility(params: dict) -> float:
        raw = raw_features(params)
        return user.utility(standardize(raw), raw)

    return {"style": guess["style"] == truth["style"], "mode": Key.parse(guess["key"]).mode == truth["mode"][2:],
            "meter": guess["meter"] == truth["meter"], "tempo ±10 bpm": abs(guess["tempo"] - truth["tempo"]) <= 10,
            "gain": utility(guess) - utility(FIXED)}


def simulate(users: list[User], rounds: int, shared_settings: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    models = {"community only": TasteModel(user_var=0.0), "per-user only": TasteModel(global_var=0.0),
              "full model": TasteModel()}
    names = ["random", *models, "user's own best"]
    top1 = {name: np.zeros(rounds) for name in names}
    default_hits: dict[tuple[str, int], dict[str, float]] = {}
    truths = [u.favourites() for u in users]
    update_s, updates = 0.0, 0
    for r in range(rounds):
        for uid in rng.permutation(len(users)):
            user = users[uid]
            params = [random_params(rng)] * 3 if shared_settings else [random_params(rng) for _ in range(3)]
            raws = [raw_features(p, synth_notes(p, rng)) for p in params]
            zs = [standardize(raw) for raw in raws]
            u = np.array([user.utility(z, raw) for z, raw in zip(zs, raws, strict=True)])
            prob = np.exp((u - u.max()) / NOISE)
            pick = int(rng.choice(3, p=prob / prob.sum()))
            top1["random"][r] += rng.integers(3) == pick
            top1["user's own best"][r] += int(u.argmax()) == pick
            for name, model in models.items():
                top1[name][r] += model.rank(int(uid), zs)[0] == pick
            others = [zs[i] for i in range(3) if i != pick]
            regen, react, more = u.max() < -0.5 and rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.1
            for name, model in models.items():
                t0 = time.perf_counter()
                if regen:
                    model.regenerate(int(uid), zs)
                model.pick(int(uid), zs[pick], others)
                if react and abs(u[pick]) > 0.5:
                    model.react(int(uid), zs[pick], 1 if u[pick] > 0 else -1)
                if more and u[pick] > 1.0:
                    model.more(int(uid), zs[pick])
                if name == "full model":
                    update_s += time.perf_counter() - t0
                    updates += 1
        if REFRESH:
            for model in models.values():
                model.refresh_prior()
        if r + 1 in CHECKPOINTS:
            for name, model in (("fixed defaults", None), ("community only", models["community only"]),
                                ("full model", models["full model"])):
                scores = [judge(user, truth, defaults_of(model, uid))
                          for uid, (user, truth) in enumerate(zip(users, truths, strict=True))]
                default_hits[(name, r + 1)] = {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}
                default_hits[(name, r + 1)]["better"] = float(np.mean([s["gain"] > 1e-9 for s in scores]))
    return {"top1": {k: v / len(users) for k, v in top1.items()}, "defaults": default_hits,
            "update_ms": 1000 * update_s / max(updates, 1)}


def tables(result: dict, rounds: int) -> str:
    top1 = result["top1"]
    names = list(top1)
    lines = ["| rounds | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for start in range(0, rounds, 5):
        sl = slice(start, min(start + 5, rounds))
        cells = " | ".join(f"{100 * top1[n][sl].mean():.1f}%" for n in names)
        lines.append(f"| {start + 1}–{sl.stop} | {cells} |")
    for r in (1, 2, 3, 5, 10, 15, 20, 25, 30):
        if r <= rounds:
            lines.append(f"| round {r} | " + " | ".join(f"{100 * top1[n][r - 1]:.1f}%" for n in names) + " |")
    return "\n".join(lines)


def defaults_table(result: dict) -> str:
    keys = ["style", "mode", "meter", "tempo ±10 bpm"]
    chance = {"style": 1 / len(STYLES), "mode": 1 / len(MODES), "meter": 1 / len(GRIDS["meter"]),
              "tempo ±10 bpm": 21 / 121}
    lines = ["| defaults | after rounds | " + " | ".join(keys) + " | better than usual | utility gain |",
             "|---" * (len(keys) + 4) + "|",
             "| chance (uniform guess) | – | " + " | ".join(f"{100 * chance[k]:.0f}%" for k in keys) + " | | |"]
    for (name, r), h in result["defaults"].items():
        if name != "fixed defaults" or r == CHECKPOINTS[0]:
            when = "–" if name == "fixed defaults" else str(r)
            cells = " | ".join(f"{100 * h[k]:.1f}%" for k in keys)
            lines.append(f"| {name} | {when} | {cells} | {100 * h['better']:.1f}% | {h['gain']:+.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    t0 = time.time()
    users = make_users(args.users, np.random.default_rng(args.seed))
    main_run = simulate(users, args.rounds, shared_settings=False, seed=args.seed + 1)
    shared_run = simulate(users, args.rounds, shared_settings=True, seed=args.seed + 2)
    seconds = time.time() - t0
    text = (
        f"{args.users} synthetic users x {args.rounds} rounds of \"3 candidates, pick one\", measured by "
        f"`python -m bench.preferences` ({seconds:.0f} s). Share of rounds where the bot's top-ranked candidate "
        f"is the user's pick (random ≈ 33%). Users pick by softmax(standardized utility / {NOISE}); "
        f"\"user's own best\" is how often that pick is their highest-utility candidate (the ceiling).\n\n"
        f"**Random settings per candidate** (as in issue #7):\n\n{tables(main_run, args.rounds)}\n\n"
        f"**The bot's real replies** (3 candidates share their settings, differ only in notes):\n\n"
        f"{tables(shared_run, args.rounds)}\n\n"
        f"**Learned defaults** (first scenario): how often the default the bot would use (learned where it has "
        f"learned one, else the usual irish / major / 4/4 / 110 bpm) equals the user's hidden favourite; how "
        f"often all the learned defaults together (key, tempo, meter, style, temperature, bars) beat the usual ones "
        f"in the user's hidden utility, and by how much on average (in standard deviations of the user's "
        f"utility over random settings).\n\n"
        f"{defaults_table(main_run)}\n\n"
        f"Mean time per feedback update (pick with 2 others, plus any reaction): {main_run['update_ms']:.2f} ms."
    )
    print(text)
    if args.report:
        write_section(args.report, "preferences", text)


if __name__ == "__main__":
    main()
