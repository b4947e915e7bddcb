"""Taste that steers what is written: simulated listeners picking through the real bot, steering on and off.

    python -m bench.steering [--users 24] [--rounds 20] [--seed 1] [--reference 200]
                             [--report bench/reports/steering.md] [--turns turns.jsonl]

Each listener has a hidden taste the bot cannot see, over what they would hear: the mode (a liked family: minor =
minor, dorian, phrygian; major = major, lydian, mixolydian), the tempo (a quadratic bump around a preferred bpm),
the note density (notes per bar, a bump), the pitch range (semitones, a bump) and the register (mean MIDI pitch, a
bump). Listener types take turns: fast-lovers (~150 bpm), slow-lovers (~72 bpm), minor-lovers, dense-lovers
(~7 notes a bar), sparse-lovers (~2.5 a bar), each with mild random quirks on the rest, and random mixtures.

Utilities are standardized per listener: minus the mean, over the standard deviation, of their raw utility over a
reference set of melodies written offline by the shipped model (``Composer`` directly, no bot, no taste) with
random settings: any tonic in major, minor, dorian or mixolydian, tempo 60-180, any style, any density (when the
option exists), the seeds the listeners type. So "+0.5" means half of that listener's spread over random settings.

Each round every listener types ``/melody notes:<one of a few seeds>`` and nothing else, waits for the reply,
reads its candidates from the bot's store (settings and notes), picks one by softmax(utility / NOISE), presses its
real Pick button and waits for that answer (told "busy", it asks again a few seconds later). On a reply whose mean
utility is above their reference mean (better than a typical random melody) they also add 👍, with probability
REACT_P: a fixed threshold, not a running mean, so that the 👍 rate (and the acceptance rate) can show learning.
Listeners take turns (round 1 for everyone, then round 2, ...), CONCURRENT of them at once.

Three arms, one after the other (off first), each on a fresh bot, fake Discord and SQLite file, with the same
listeners typing the same seeds: steering off (``bot.taste.steering = False``: the candidates of a reply share
their settings, no exploration, as before), steering on (the bot's default: exploration, learned defaults, one
take per candidate, ranked with caution) and steering with the first candidate the best liked of 4 takes and
plain ranking (``bot.taste.takes = (4, 1)``, ``bot.taste.caution = 0``: the default until this bench showed the
takes cost time without raising taste). The
per-minute fair share is lifted (these listeners click faster than people); everything else is the bot as
shipped. A warm-up reply by a listener outside the bench comes first in each arm. ``--turns`` writes every turn
(candidates, utilities, pick, 👍, timings) as JSON lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path

import numpy as np

from bench.report import write_section
from bot.client import MusicGenius
from bot.melody_reply import shown_on
from bot.settings import Settings
from data.events import PITCH_NAMES, STYLES, Key
from data.tunes import load_index
from fakediscord import FakeDiscord, Interaction, Message, running_bot, running_fake
from studio.fairness import UserLimits
from studio.melody import Composer
from studio.options import MELODY
from studio.requests import MelodyRequest
from studio.store.base import open_store
from studio.taste.features import FEATURE_INDEX, notes_from_text, raw_features

DEFAULT_REPORT = Path(__file__).parent / "reports" / "steering.md"
SEEDS = ("C E G", "C D E F G", "D F# A G F# E D", "A B C' B A E")  # keys guessed: C, C, D major; A minor
NOISE = 0.5  # softmax temperature on standardized utility (as bench/preferences.py)
REACT_P = 0.7  # chance of 👍 on a reply better than a typical random melody
CONCURRENT = 4  # listeners acting at once
ANSWER_LIMIT = 300.0  # seconds to wait for an answer before counting it unanswered
BUSY = ("is busy with other requests", "requests on the way already", "a lot of music at once")  # bot's refusals
RETRIES, RETRY_WAIT = 5, 5.0  # a refused listener tries again this many times, this many seconds apart
BLOCK = 5  # rounds per block in the tables
MINOR_FAMILY = frozenset({"minor", "dorian", "phrygian"})
MAJOR_FAMILY = frozenset({"major", "lydian", "mixolydian"})
REFERENCE_MODES = ("major", "minor", "dorian", "mixolydian")
DENSITIES: tuple[str, ...] = tuple(MELODY["density"].choices or ()) if "density" in MELODY else ()
# arm name -> (steering on, run_arm's takes and caution)
ARMS: dict[str, tuple[bool, dict]] = {
    "steering off": (False, {}),
    "steering on": (True, {}),
    "steering, best of 4 takes, plain rank": (True, {"takes": (4, 1), "caution": 0.0}),
}
KINDS = ("fast", "slow", "minor", "dense", "sparse", "mixed")
KIND_LABELS = {"fast": "fast-lover (~150 bpm)", "slow": "slow-lover (~72 bpm)", "minor": "minor-lover",
               "dense": "dense-lover (~7 notes/bar)", "sparse": "sparse-lover (~2.5 notes/bar)",
               "mixed": "random mixture"}


# ---------------------------------------------------------------------------------------------- what is heard


@dataclass(frozen=True)
class Heard:
    """One candidate as a listener hears it: its settings and what its notes measure."""

    key: str
    mode: str
    tempo: float
    style: str
    density_option: str
    density: float  # notes per bar
    span: float  # semitones from lowest to highest
    register: float  # mean MIDI pitch

    @classmethod
    def of(cls, params: dict, text: str) -> Heard:
        """From a stored generation: its request parameters and note text."""
        raw = raw_features(params, notes_from_text(text))
        key = str(params.get("key") or "C major")
        return cls(key, Key.parse(key).mode, float(raw[FEATURE_INDEX["tempo"]]), str(params.get("style")),
                   str(params.get("density", "natural")), float(raw[FEATURE_INDEX["density"]]),
                   float(raw[FEATURE_INDEX["range"]]), float(raw[FEATURE_INDEX["register"]]))

    def brief(self) -> str:
        density = "" if self.density_option == "natural" else f" {self.density_option}"
        return f"{self.key}, {self.tempo:.0f} bpm, {self.style}{density}, {self.density:.1f} notes/bar"


# ---------------------------------------------------------------------------------------------- listeners


@dataclass
class Listener:
    """A hidden taste: a liked mode family, and quadratic bumps over tempo, density, range and register."""

    index: int
    kind: str
    family: frozenset[str]
    family_bonus: float
    tempo: float
    tempo_w: float
    density: float
    density_w: float
    span: float
    span_w: float
    register: float
    register_w: float
    mean: float = 0.0
    sd: float = 1.0

    def raw_utility(self, h: Heard) -> float:
        return (self.family_bonus * (h.mode in self.family)
                - self.tempo_w * ((h.tempo - self.tempo) / 25) ** 2
                - self.density_w * ((h.density - self.density) / 1.5) ** 2
                - self.span_w * ((h.span - self.span) / 5) ** 2
                - self.register_w * ((h.register - self.register) / 5) ** 2)

    def utility(self, h: Heard) -> float:
        """In standard deviations of this listener's utility over the reference set, from its mean."""
        return (self.raw_utility(h) - self.mean) / self.sd

    def describe(self) -> str:
        family = "minor" if self.family == MINOR_FAMILY else "major"
        return (f"{KIND_LABELS[self.kind]}: {family} +{self.family_bonus:.1f}, "
                f"{self.tempo:.0f} bpm ×{self.tempo_w:.1f}, {self.density:.1f} notes/bar ×{self.density_w:.1f}, "
                f"range {self.span:.0f} ×{self.span_w:.1f}, "
                f"register {self.register:.0f} ×{self.register_w:.1f}")


def make_listener(index: int, rng: random.Random) -> Listener:
    """Listener ``index``: its type cycles through KINDS; strong on its type's trait, mild quirks elsewhere."""
    kind = KINDS[index % len(KINDS)]
    mild = lambda: rng.uniform(0.0, 0.3)  # noqa: E731
    listener = Listener(index, kind, rng.choice((MINOR_FAMILY, MAJOR_FAMILY)), rng.uniform(0.0, 0.5),
                        rng.uniform(90, 130), mild(), rng.uniform(3.5, 5.5), mild(), rng.uniform(8, 16), mild(),
                        rng.uniform(62, 74), mild())
    if kind == "fast":
        listener.tempo, listener.tempo_w = 150.0, 1.0
    elif kind == "slow":
        listener.tempo, listener.tempo_w = 72.0, 1.0
    elif kind == "minor":
        listener.family, listener.family_bonus = MINOR_FAMILY, 2.0
    elif kind == "dense":
        listener.density, listener.density_w = 7.0, 1.0
    elif kind == "sparse":
        listener.density, listener.density_w = 2.5, 1.0
    else:
        listener.family_bonus = rng.uniform(0.0, 1.5)
        listener.tempo, listener.tempo_w = rng.uniform(70, 160), rng.uniform(0.2, 1.0)
        listener.density, listener.density_w = rng.uniform(2.5, 7.0), rng.uniform(0.2, 1.0)
    return listener


def calibrate(listeners: Sequence[Listener], reference: Sequence[Heard]) -> None:
    """Set each listener's utility mean and standard deviation over the reference melodies."""
    for listener in listeners:
        values = [listener.raw_utility(h) for h in reference]
        listener.mean, listener.sd = statistics.fmean(values), statistics.pstdev(values) or 1.0


def random_request(rng: random.Random) -> MelodyRequest:
    """A seed the listeners type, with random settings (the reference set)."""
    options: dict = {"key": f"{rng.choice(PITCH_NAMES)} {rng.choice(REFERENCE_MODES)}", "tempo": rng.randint(60, 180),
                     "style": rng.choice(STYLES), "seed": rng.randrange(1_000_000)}
    if DENSITIES and "density" in {f.name for f in fields(MelodyRequest)}:
        options["density"] = rng.choice(DENSITIES)
    return MelodyRequest(notes=rng.choice(SEEDS), **options)


async def reference_set(composer: Composer, n: int, seed: int) -> list[Heard]:
    """``n`` melodies with random settings, written by the shipped model directly (64 at a time)."""
    rng = random.Random(seed)
    requests = [random_request(rng) for _ in range(n)]
    heard: list[Heard] = []
    for start in range(0, n, 64):
        results = await asyncio.gather(*[composer.melody(r) for r in requests[start:start + 64]])
        heard += [Heard.of(vars(r.request), r.text) for r in results]
    return heard


def corpus_median_density() -> float:
    """Median notes per bar over the corpus tunes (their first eight bars), the line for dense and sparse."""
    return float(np.median([raw_features(t.params, t.notes)[FEATURE_INDEX["density"]] for t in load_index()]))


# ---------------------------------------------------------------------------------------------- one arm


@dataclass
class Turn:
    """One listener's round: what was shown, what they thought of it, what they did, how long it took."""

    round: int
    listener: int
    shown: list[Heard] = field(default_factory=list)
    candidates: list[tuple[dict, str]] = field(default_factory=list)  # as stored: request params, note text
    utilities: list[float] = field(default_factory=list)
    picked: int | None = None
    liked: bool = False
    reply_s: float | None = None
    pick_s: float | None = None
    filled: bool = False  # the reply said it filled in learned defaults
    refusals: int = 0  # "busy" answers before the reply or the pick went through
    backlog: int = 0  # replies whose files were waiting or rendering when this reply arrived
    problem: str = ""  # why the reply or the pick went unanswered ("" when both were answered)


@dataclass
class Arm:
    """Everything one arm measured."""

    name: str
    steering: bool
    switch_present: bool
    turns: list[Turn]
    seconds: float
    warm_up_s: float | None
    drain_s: float  # after the last round, until every reply's scores and audio were rendered
    learned: dict[int, dict]  # per listener: the defaults the bot would fill in for `/melody notes:C E G` now


async def answer(it: Interaction) -> Message | None:
    """The first visible (non-placeholder) message for ``it``, or None within ANSWER_LIMIT."""
    limit = it.dispatched_at + ANSWER_LIMIT
    while time.monotonic() < limit:
        shown = [m for m in it.messages if not m.loading and not m.deleted]
        if shown:
            return shown[0]
        await asyncio.sleep(0.1)
    return None


async def ask(send: Callable[[], Awaitable[Interaction]], turn: Turn) -> tuple[Interaction, Message | None]:
    """Send, and send again after RETRY_WAIT while the bot answers that it is busy (counted in the turn)."""
    for _ in range(RETRIES):
        it = await send()
        reply = await answer(it)
        if reply is None or not any(phrase in reply.content for phrase in BUSY):
            break
        turn.refusals += 1
        await asyncio.sleep(RETRY_WAIT)
    return it, reply


def softmax_pick(utilities: Sequence[float], rng: random.Random) -> int:
    weights = [math.exp((u - max(utilities)) / NOISE) for u in utilities]
    return rng.choices(range(len(utilities)), weights=weights)[0]


async def linked(bot: MusicGenius, message_id: int, wait: float = 5.0) -> list:
    """The reply's candidates as a button press reads them. The fake Discord can hand the bench a reply before the
    bot, which sent it, has linked its candidates to it (a person's press comes long after), so ask again briefly."""
    deadline = time.monotonic() + wait
    while not (generations := await shown_on(bot, message_id)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return generations


async def play_turn(fake: FakeDiscord, bot: MusicGenius, listener: Listener, round_: int,
                    seeds: random.Random, choices: random.Random) -> Turn:
    """One round for one listener: /melody, read the candidates, maybe 👍, press Pick, wait for its answer."""
    turn, me, notes = Turn(round_, listener.index), listener.index, seeds.choice(SEEDS)
    it, reply = await ask(lambda: fake.slash("melody", {"notes": notes}, user=me), turn)
    if reply is None or reply.ephemeral or "➜" not in reply.content:
        turn.problem = "reply: " + ("none" if reply is None else reply.content[:120])
        return turn
    turn.reply_s, turn.filled = reply.at - it.dispatched_at, "Filled in for you" in reply.content
    turn.backlog = bot.renders.pending
    generations = await linked(bot, reply.id)
    if not generations:
        turn.problem = "reply: no candidates stored for it"
        return turn
    turn.candidates = [(g.params, g.notes) for g in generations]
    turn.shown = [Heard.of(g.params, g.notes) for g in generations]
    turn.utilities = [listener.utility(h) for h in turn.shown]
    turn.picked = pick = softmax_pick(turn.utilities, choices)
    if statistics.fmean(turn.utilities) > 0 and choices.random() < REACT_P:
        await fake.react(reply, "👍", user=me)
        turn.liked = True
    press, picked = await ask(lambda: fake.press(reply, f"mg:melody:pick:{pick}", user=me), turn)
    if picked is None or f"picked candidate {pick + 1}" not in picked.content:
        turn.problem = "pick: " + ("none" if picked is None else picked.content[:120])
    else:
        turn.pick_s = picked.at - press.dispatched_at
    return turn


async def play_round(fake: FakeDiscord, bot: MusicGenius, listeners: Sequence[Listener], round_: int,
                     rngs: dict[int, tuple[random.Random, random.Random]], order: random.Random) -> list[Turn]:
    """Everyone's turn in this round, in a shuffled order, CONCURRENT at once."""
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(listener: Listener) -> Turn:
        async with gate:
            return await play_turn(fake, bot, listener, round_, *rngs[listener.index])

    queue = list(listeners)
    order.shuffle(queue)
    return list(await asyncio.gather(*[one(listener) for listener in queue]))


async def run_arm(name: str, steering: bool, composer: Composer, listeners: Sequence[Listener], rounds: int,
                  seed: int, takes: tuple[int, int] | None = None, caution: float | None = None) -> Arm:
    """A fresh bot (fresh SQLite file) and fake Discord; every listener plays every round."""
    random.seed(seed)  # the bot's RNG seeds for its candidates
    rngs = {li.index: (random.Random(f"{seed}-seeds-{li.index}"), random.Random(f"{seed}-{name}-{li.index}"))
            for li in listeners}
    order = random.Random(f"{seed}-order")
    warm_user = len(listeners)
    with tempfile.TemporaryDirectory(prefix="steering-") as tmp:
        async with running_fake(usernames=[f"listener{i}" for i in range(warm_user + 1)]) as fake:
            settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=f"{tmp}/bot.sqlite3",
                                sync_state=Path(tmp) / "sync.json")
            store = await open_store(settings.database)
            try:
                bot = MusicGenius(settings, composer, store, guild_ready_timeout=0.1)
                present = hasattr(bot.taste, "steering")
                if not steering:
                    setattr(bot.taste, "steering", False)  # noqa: B010 - the switch may not exist yet
                if takes is not None:
                    bot.taste.takes = takes
                if caution is not None:
                    bot.taste.caution = caution
                bot.limits = UserLimits(rate=1_000_000)
                async with running_bot(bot, fake):
                    await fake.wait_for_commands()
                    warm = await fake.slash("melody", {"notes": SEEDS[0]}, user=warm_user)
                    warmed = await answer(warm)
                    start, turns = time.monotonic(), []
                    for round_ in range(1, rounds + 1):
                        turns += await play_round(fake, bot, listeners, round_, rngs, order)
                        print(f"{name}: round {round_}/{rounds} done at {time.monotonic() - start:.0f} s",
                              file=sys.stderr, flush=True)
                    seconds = time.monotonic() - start
                    await fake.wait_until(lambda: bot.renders.pending == 0, timeout=ANSWER_LIMIT,
                                          what="scores and audio still rendering")
                    drain = time.monotonic() - start - seconds
                    learned = {li.index: await bot.taste.defaults(int(fake.user(li.index)["id"]), {"notes": SEEDS[0]})
                               for li in listeners}
            finally:
                await store.close()
    warm_s = None if warmed is None else warmed.at - warm.dispatched_at
    return Arm(name, steering, present, turns, seconds, warm_s, drain, learned)


async def steering_bench(users: int, rounds: int, seed: int = 1, reference: int = 200,
                         composer: Composer | None = None, only: Sequence[str] | None = None) -> dict:
    """Listeners, their reference calibration and the arms (``only``: these of ``ARMS``); what the report needs."""
    owned = composer is None
    composer = composer or Composer.load()
    try:
        started = time.monotonic()
        listeners = [make_listener(i, random.Random(f"{seed}-taste-{i}")) for i in range(users)]
        ref = await reference_set(composer, reference, seed)
        calibrate(listeners, ref)
        median = await asyncio.get_running_loop().run_in_executor(None, corpus_median_density)
        arms = [await run_arm(name, steering, composer, listeners, rounds, seed, **knobs)
                for name, (steering, knobs) in ARMS.items() if only is None or name in only]
    finally:
        if owned:
            composer.close()
    return {"listeners": listeners, "reference": ref, "median_density": median, "arms": arms,
            "seconds": time.monotonic() - started, "rounds": rounds}


# ---------------------------------------------------------------------------------------------- measures


def blocks(rounds: int) -> tuple[range, range]:
    """The early and late rounds compared: 1-5 and the last 5 (fewer when there are under 10 rounds)."""
    k = min(BLOCK, max(1, rounds // 2))
    return range(1, k + 1), range(rounds - k + 1, rounds + 1)


def span(rs: range) -> str:
    return f"{rs.start}" if len(rs) == 1 else f"{rs.start}–{rs[-1]}"


def played(turns: Sequence[Turn], rs: range, listener: int | None = None) -> list[Turn]:
    return [t for t in turns if t.round in rs and t.shown and (listener is None or t.listener == listener)]


def mean_taste(turns: Sequence[Turn]) -> float | None:
    values = [u for t in turns for u in t.utilities]
    return statistics.fmean(values) if values else None


def rise(arm: Arm, listeners: Sequence[Listener], rounds: int) -> dict[int, float]:
    """Per listener: mean taste of the shown candidates, late block minus early block (in their SDs)."""
    early, late = blocks(rounds)
    out = {}
    for li in listeners:
        a, b = mean_taste(played(arm.turns, early, li.index)), mean_taste(played(arm.turns, late, li.index))
        if a is not None and b is not None:
            out[li.index] = b - a
    return out


def first_is_favourite(turns: Sequence[Turn]) -> float | None:
    """Share of replies whose first-listed candidate has the listener's highest utility."""
    hits = [int(np.argmax(t.utilities)) == 0 for t in turns if t.utilities]
    return statistics.fmean(hits) if hits else None


def acceptance(turns: Sequence[Turn]) -> float | None:
    """(picks + 👍) / candidates shown."""
    shown = sum(len(t.shown) for t in turns)
    return (sum(t.picked is not None for t in turns) + sum(t.liked for t in turns)) / shown if shown else None


def matches(kind: str, heard: Sequence[Heard], median_density: float) -> bool | None:
    """Whether candidates heard suit a listener of ``kind`` (None: no criterion for the kind)."""
    if not heard:
        return None
    tempo, density = statistics.fmean(h.tempo for h in heard), statistics.fmean(h.density for h in heard)
    criteria: dict[str, Callable[[], bool]] = {
        "fast": lambda: tempo >= 130, "slow": lambda: tempo <= 90,
        "minor": lambda: statistics.fmean(h.mode in MINOR_FAMILY for h in heard) >= 0.5,
        "dense": lambda: density > median_density, "sparse": lambda: density < median_density}
    return criteria[kind]() if kind in criteria else None


def match_share(arm: Arm, group: Sequence[Listener], kind: str, rs: range, median_density: float) -> float | None:
    """Share of ``group`` (listeners of ``kind``) whose candidates in rounds ``rs`` suit them."""
    verdicts = [matches(kind, [h for t in played(arm.turns, rs, li.index) for h in t.shown], median_density)
                for li in group]
    known = [v for v in verdicts if v is not None]
    return statistics.fmean(known) if known else None


CRITERIA = {"fast": "mean tempo ≥ 130 bpm", "slow": "mean tempo ≤ 90 bpm",
            "minor": "≥ 50% minor, dorian or phrygian", "dense": "mean density above the corpus median",
            "sparse": "mean density below the corpus median", "mixed": "—"}


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else None


def fmt(value: float | None, pattern: str = "{:+.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def pct(value: float | None) -> str:
    return fmt(None if value is None else 100 * value, "{:.0f}%")


# ---------------------------------------------------------------------------------------------- the report


def taste_section(out: dict) -> list[str]:
    listeners, rounds, arms = out["listeners"], out["rounds"], out["arms"]
    early, late = blocks(rounds)
    lines = ["### 1. Taste of the shown candidates", "",
             f"Mean hidden taste of all shown candidates, in each listener's standard deviations over the reference "
             f"set (0 = a typical random melody); rise = rounds {span(late)} minus rounds {span(early)}, per "
             f"listener, averaged. Target with steering: rise ≥ +0.5.", "",
             f"| arm | rounds {span(early)} | rounds {span(late)} | rise | listeners who rose |",
             "|---|---|---|---|---|"]
    for arm in arms:
        r = rise(arm, listeners, rounds)
        mean_rise = statistics.fmean(r.values()) if r else None
        lines.append(f"| {arm.name} | {fmt(mean_taste(played(arm.turns, early)))} | "
                     f"{fmt(mean_taste(played(arm.turns, late)))} | **{fmt(mean_rise)}** | "
                     f"{sum(v > 0 for v in r.values())} of {len(r)} |")
    return lines


def favourite_section(out: dict) -> list[str]:
    rounds = out["rounds"]
    second = range(rounds // 2 + 1, rounds + 1) if rounds > 1 else range(1, 2)
    early, _ = blocks(rounds)
    lines = ["", "### 2. First-listed is the favourite", "",
             "How often the first-listed candidate is the listener's favourite of the reply (highest hidden utility; "
             "chance with 3 candidates ≈ 33%). Target with steering, second half: ≥ 60%.", "",
             f"| arm | rounds {span(second)} | rounds {span(early)} | all rounds |", "|---|---|---|---|"]
    for arm in out["arms"]:
        everything = range(1, rounds + 1)
        lines.append(f"| {arm.name} | **{pct(first_is_favourite(played(arm.turns, second)))}** | "
                     f"{pct(first_is_favourite(played(arm.turns, early)))} | "
                     f"{pct(first_is_favourite(played(arm.turns, everything)))} |")
    return lines


def types_section(out: dict) -> list[str]:
    listeners, rounds, median = out["listeners"], out["rounds"], out["median_density"]
    early, late = blocks(rounds)
    names = [a.name for a in out["arms"]]
    lines = ["", "### 3. By listener type", "",
             f"Share of the listeners of each type whose shown candidates match their liking in rounds {span(late)} "
             f"(in rounds {span(early)} in brackets), and their mean taste rise. Corpus median density: "
             f"{median:.2f} notes/bar (first eight bars of each corpus tune).", "",
             "| type | n | criterion | " + " | ".join(f"{n}: match | {n}: rise" for n in names) + " |",
             "|---|---|---|" + "---|---|" * len(names)]
    for kind in KINDS:
        group = [li for li in listeners if li.kind == kind]
        if not group:
            continue
        cells = []
        for arm in out["arms"]:
            rises = rise(arm, group, rounds)
            shares = [match_share(arm, group, kind, rs, median) for rs in (late, early)]
            cells += [f"{pct(shares[0])} ({pct(shares[1])})", fmt(statistics.fmean(rises.values()) if rises else None)]
        lines.append(f"| {KIND_LABELS[kind]} | {len(group)} | {CRITERIA[kind]} | " + " | ".join(cells) + " |")
    return lines


def acceptance_section(out: dict) -> list[str]:
    rounds = out["rounds"]
    spans = [range(s, min(s + BLOCK, rounds + 1)) for s in range(1, rounds + 1, BLOCK)]
    lines = ["", "### 4. Acceptance", "",
             f"(picks + 👍) / candidates shown; every reply gets one pick, and a 👍 with probability {REACT_P} when "
             "its mean taste is above the listener's reference mean (so at most 2 of 3).", "",
             "| arm | " + " | ".join(f"rounds {span(s)}" for s in spans) + " | overall | 👍 per reply |",
             "|---|" + "---|" * (len(spans) + 2)]
    for arm in out["arms"]:
        answered = [t for t in arm.turns if t.shown]
        likes = statistics.fmean(t.liked for t in answered) if answered else None
        lines.append(f"| {arm.name} | " + " | ".join(pct(acceptance(played(arm.turns, s))) for s in spans)
                     + f" | **{pct(acceptance(answered))}** | {fmt(likes, '{:.2f}')} |")
    return lines


def cost_section(out: dict) -> list[str]:
    early, _ = blocks(out["rounds"])
    lines = ["", "### 5. The cost of exploration", "",
             f"Rounds {span(early)}: mean taste of the shown candidates, of the first-listed one, of the best one, "
             "and first-listed = favourite.", "",
             "| arm | all shown | first-listed | best of the reply | first-listed is favourite | learned defaults "
             "filled in |", "|---|---|---|---|---|---|"]
    for arm in out["arms"]:
        turns = played(arm.turns, early)
        first = statistics.fmean(t.utilities[0] for t in turns) if turns else None
        best = statistics.fmean(max(t.utilities) for t in turns) if turns else None
        filled = statistics.fmean(t.filled for t in turns) if turns else None
        lines.append(f"| {arm.name} | {fmt(mean_taste(turns))} | {fmt(first)} | {fmt(best)} | "
                     f"{pct(first_is_favourite(turns))} | {pct(filled)} |")
    return lines


def time_section(out: dict) -> list[str]:
    lines = ["", "### 6. Time per reply", "",
             "/melody reply: from the command to the first visible reply (all candidates, piano roll, MIDI); pick: "
             "from the press to its answer. Warm-up reply excluded. Backlog: replies whose scores and audio were "
             "still waiting or rendering when a reply arrived (the bot answers busy at 16); busy: refusals, each "
             f"retried after {RETRY_WAIT:.0f} s; drain: after the last round until every file was rendered.", "",
             "| arm | replies | reply p50 / p95 | pick p50 / p95 | backlog p50 / max | busy | unanswered | wall time "
             "| drain |", "|---|---|---|---|---|---|---|---|---|"]
    for arm in out["arms"]:
        replies = [t.reply_s for t in arm.turns if t.reply_s is not None]
        picks = [t.pick_s for t in arm.turns if t.pick_s is not None]
        backlog = [t.backlog for t in arm.turns if t.reply_s is not None]
        bad = sum(bool(t.problem) for t in arm.turns)
        lines.append(f"| {arm.name} | {len(replies)} | {fmt(percentile(replies, 0.5), '{:.2f}')} / "
                     f"{fmt(percentile(replies, 0.95), '{:.2f}')} s | {fmt(percentile(picks, 0.5), '{:.2f}')} / "
                     f"{fmt(percentile(picks, 0.95), '{:.2f}')} s | {fmt(percentile(backlog, 0.5), '{:.0f}')} / "
                     f"{max(backlog, default=0)} | {sum(t.refusals for t in arm.turns)} | {bad} | "
                     f"{arm.seconds:.0f} s | {arm.drain_s:.0f} s |")
    problems = [f"{arm.name}, round {t.round}, listener{t.listener}: {t.problem}" for arm in out["arms"]
                for t in arm.turns if t.problem]
    return lines + (["", "Unanswered:", "", *(f"- {p}" for p in problems[:20])] if problems else [])


def example_section(out: dict) -> list[str]:
    listeners, rounds = out["listeners"], out["rounds"]
    chosen = [next((li for li in listeners if li.kind == k), None) for k in ("fast", "minor", "dense")]
    chosen = [li for li in chosen if li is not None] or list(listeners[:3])
    lines = ["", "### Examples", "", "The candidates three listeners were shown in round 1 and in the last round "
             "(▶ = the one they picked; taste in their SDs)."]
    for li in chosen:
        lines += ["", f"listener{li.index}, {li.describe()}:"]
        for arm in out["arms"]:
            for round_ in sorted({1, rounds}):
                turn = next((t for t in arm.turns if t.listener == li.index and t.round == round_), None)
                if turn is None or not turn.shown:
                    continue
                cells = "; ".join(f"{'▶' if i == turn.picked else ''}{h.brief()} ({u:+.1f})"
                                  for i, (h, u) in enumerate(zip(turn.shown, turn.utilities, strict=True)))
                lines.append(f"- {arm.name}, round {round_}: {cells}")
            learned = ", ".join(f"{k} {v}" for k, v in arm.learned.get(li.index, {}).items()) or "none"
            lines.append(f"- {arm.name}, learned defaults after round {rounds} (for notes:{SEEDS[0]}): {learned}")
    return lines


def report(out: dict, command: str) -> str:
    listeners, ref, arms = out["listeners"], out["reference"], out["arms"]
    counts = {k: sum(li.kind == k for li in listeners) for k in KINDS}
    switch = "present" if all(a.switch_present for a in arms) else \
        "**absent: both arms ran the same code** (bot.taste.steering was set but nothing reads it)"
    warm = ", ".join(f"{a.name} {fmt(a.warm_up_s, '{:.1f}')} s" for a in arms)
    lines = [f"`{command}` · {date.today().isoformat()} · {os.cpu_count()} CPU cores, shared · CPU torch, shipped "
             f"checkpoints · {out['seconds'] / 60:.1f} min in all", "",
             f"{len(listeners)} listeners ({', '.join(f'{n} {k}' for k, n in counts.items() if n)}) × {out['rounds']} "
             f"rounds per arm, {CONCURRENT} at once; picks by softmax(utility / {NOISE}). Reference set: {len(ref)} "
             f"melodies written offline by the shipped model with random settings (see the module docstring). "
             f"Steering switch `bot.taste.steering`: {switch}. Warm-up reply: {warm}.", ""]
    for section in (taste_section, favourite_section, types_section, acceptance_section, cost_section, time_section,
                    example_section):
        lines += section(out)
    return "\n".join(lines)


def write_turns(path: Path, out: dict) -> None:
    """Every turn of both arms as JSON lines (arm, listener type, round, candidates, utilities, pick, 👍, timings)."""
    kinds = {li.index: li.kind for li in out["listeners"]}
    with path.open("w") as f:
        for arm in out["arms"]:
            for t in arm.turns:
                f.write(json.dumps({"arm": arm.name, "kind": kinds[t.listener], **asdict(t)}) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference", type=int, default=200, help="melodies in the reference set")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="markdown file ('-': none)")
    parser.add_argument("--turns", type=Path, default=None, help="also write every turn here, one JSON a line")
    parser.add_argument("--arms", nargs="+", choices=tuple(ARMS), default=None, help="run only these arms")
    args = parser.parse_args(argv)
    command = "python -m bench.steering " + " ".join(argv if argv is not None else sys.argv[1:])
    out = asyncio.run(steering_bench(args.users, args.rounds, args.seed, args.reference, only=args.arms))
    text = report(out, command.strip())
    print(text)
    if args.turns:
        write_turns(args.turns, out)
    if str(args.report) != "-":
        if not args.report.exists():
            args.report.write_text("# Taste that steers what is written\n\n" + (__doc__ or "") + "\n")
        write_section(args.report, "steering", text)
    return 1 if any(t.problem for arm in out["arms"] for t in arm.turns) else 0


if __name__ == "__main__":
    raise SystemExit(main())
