"""Soak run: the real bot under many simulated Discord users, 429 storms and gateway reconnects, for minutes.

    python -m bench.soak [--users 100] [--minutes 10] [--baseline 60] [--grace 330] [--seed 1]
                         [--report bench/reports/soak.md]

The bot runs in this process as `python -m bot` builds it (real discord.py, the shipped checkpoints, a SQLite file
in a temporary directory), connected to the fake Discord of tests/fakediscord. The fake and the simulated users run
in a child process, so the resident memory sampled every 10 s is the bot's alone (the fake keeps every message and
upload it ever saw).

First a baseline: one user, no faults, for --baseline seconds. Then --users users for --minutes, each in a loop
with think time: /melody (typed notes, sometimes options), Pick / More like / Regenerate on replies, 👍/👎,
/chords and /lyrics on their last melody, /prefs show, /history, and sometimes bad input; now and then a user
does not wait for an answer before the next request. Meanwhile bursts of 429s hit the followup (webhook) and
reaction routes and the gateway asks for a reconnect (the bot RESUMEs) about once a minute.

An interaction is answered when it has a final (non-placeholder) message within 5 minutes of being sent: the
result, or a private refusal (busy, slow down, bad input).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.report import write_section
from tests.fakediscord import FakeDiscord, Interaction, Message

if TYPE_CHECKING:
    from studio.lyrics.lyricist import Lyricist
    from studio.melody import Composer

DEFAULT_REPORT = Path(__file__).parent / "reports" / "soak.md"
THINK = (2.0, 10.0)  # seconds a user waits between an answer and their next action
ANSWER_LIMIT = 300.0  # no final message this long after sending: unanswered (the bot promises 5 minutes)
POLL = 0.25  # how often a waiting user looks for the answer (latencies come from the fake's timestamps)
STORM_EVERY = (20.0, 40.0)  # seconds between 429 storms
STORM_SIZE = (2, 4)  # 429s per route per storm: fewer than discord.py's 5 tries for any one request
RETRY_AFTER = (0.5, 2.0)
STORM_ROUTES = ("/webhooks/", "/reactions/")
RECONNECT_EVERY = (45.0, 75.0)  # seconds between gateway RECONNECTs
RSS_EVERY = 10.0
STARTUP = 300.0  # seconds the fake waits for the bot to load its models and sync its commands

# What the user reads, by outcome: phrases of the bot's messages (bot/errors.py UNEXPECTED, model/engine.py
# EngineBusy, studio/fairness.py SlowDown, bot/admission.py), kept as text so the child process needs no torch.
MARKERS = {
    "error": ("went wrong on my side",),
    "busy": ("is busy with other requests",),
    "slow-down": ("requests on the way already", "a lot of music at once"),
    "too long": ("took too long",),
}
OUTCOMES = ("ok", "busy", "slow-down", "refused", "too long", "error", "unanswered")

# The mix of actions (relative weights); "impatient" is a /melody the user does not wait for.
MIX = {"melody": 26, "press": 20, "react": 14, "chords": 10, "lyrics": 6, "prefs": 6, "history": 6, "bad": 6,
       "impatient": 6}
NOTES = ("C E G", "D F# A B A", "E D C D E E E:h", "G:q A B G | A:h G", "do re mi fa sol", "60 62 64 65 67",
         "C:q D:e E:e G:h.", "E G A G E D C", "F A C' A F", "A B C' B A E")
MELODY_EXTRAS = {"bars": (4, 8, 12, 16), "temperature": (0.7, 0.9, 1.2), "style": ("irish", "scottish", "chorale"),
                 "count": (1, 2, 3), "key": ("G major", "E minor", "D dorian"), "meter": ("3/4", "6/8", "4/4")}
BAD = (("melody", {"notes": "C E X"}), ("melody", {"notes": "C E G", "key": "Q major"}),
       ("melody", {"notes": "C:z D"}), ("chords", {"notes": "C J G"}),
       ("lyrics", {"theme": "rain", "syllables": "eight"}), ("melody", {"notes": "C E G", "meter": "7/0"}))
BUTTONS = {"pick": "Pick", "more": "More like", "regen": "Regenerate"}


@dataclass(frozen=True)
class Plan:
    """What to run (sent to the child process)."""

    users: int = 100
    seconds: float = 600.0
    baseline: float = 60.0  # seconds of one user alone, no faults, before the load (0: none)
    grace: float = 330.0  # seconds after the load for answers still on the way
    seed: int = 1
    fault_scale: float = 1.0  # multiplies the time between faults (the smoke test packs them into seconds)


# ---------------------------------------------------------------------------------------------- simulated users


@dataclass
class Shared:
    """What the users of one run share: every interaction sent, the recent public replies, counters."""

    sent: list[tuple[Interaction, str, str]] = field(default_factory=list)  # (interaction, phase, label)
    replies: deque[Message] = field(default_factory=lambda: deque(maxlen=50))
    counts: Counter[str] = field(default_factory=Counter)


@dataclass
class User:
    """One simulated person: acts, waits for the answer (usually), thinks, and again."""

    fake: FakeDiscord
    index: int
    rng: random.Random
    phase: str
    shared: Shared
    last: Message | None = None  # their latest melody reply with buttons
    reacted: set[tuple[int, str]] = field(default_factory=set)

    async def live(self, until: float) -> None:
        await self.pause(self.rng.uniform(0, THINK[1]), until)  # not everyone starts at once
        while time.monotonic() < until:
            action = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            await self.act(action, until)
            await self.pause(self.rng.uniform(*THINK), until)

    @staticmethod
    async def pause(seconds: float, until: float) -> None:
        await asyncio.sleep(max(0.0, min(seconds, until - time.monotonic())))

    async def act(self, action: str, until: float) -> None:
        if action in ("press", "react") and self.last is None and not self.shared.replies:
            action = "melody"
        slash, me = self.fake.slash, self.index
        if action in ("melody", "impatient"):
            options = self.melody_options()
            label = "/melody +options" if len(options) > 1 else "/melody"
            await self.send(label, await slash("melody", options, user=me), until, wait=action == "melody")
        elif action == "press":
            await self.press(until)
        elif action == "react":
            await self.react()
        elif action == "chords":
            options = {} if self.rng.random() < 0.6 else {"rhythm": self.rng.choice(("beat", "half-bar", "bar")),
                                                           "style": self.rng.choice(("chorale", "pop", "jazz"))}
            await self.send("/chords", await slash("chords", options, user=me), until)
        elif action == "lyrics":
            options: dict[str, Any] = {"my_melody": True}
            if self.rng.random() < 0.5:
                options["theme"] = self.rng.choice(("rain", "the sea at night", "autumn roads"))
            await self.send("/lyrics", await slash("lyrics", options, user=me), until)
        elif action == "prefs":
            await self.send("/prefs show", await slash("prefs show", user=me), until)
        elif action == "history":
            await self.send("/history", await slash("history", user=me), until)
        else:
            command, options = self.rng.choice(BAD)
            await self.send("bad input", await slash(command, options, user=me), until)

    def melody_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"notes": self.rng.choice(NOTES)}
        if self.rng.random() < 0.4:
            for name in self.rng.sample(list(MELODY_EXTRAS), self.rng.randint(1, 3)):
                options[name] = self.rng.choice(MELODY_EXTRAS[name])
        return options

    def target(self) -> Message:
        """Mostly their own last reply, sometimes someone else's."""
        if self.last is not None and (self.rng.random() < 0.7 or not self.shared.replies):
            return self.last
        return self.rng.choice(self.shared.replies)

    async def press(self, until: float) -> None:
        target = self.target()
        action = self.rng.choice(list(BUTTONS))
        indices = sorted(int(b["custom_id"].rsplit(":", 1)[1]) for b in target.buttons
                         if b.get("custom_id", "").startswith(f"mg:melody:{action}:"))
        try:
            it = await self.fake.press(target, f"mg:melody:{action}:{self.rng.choice(indices)}", user=self.index)
        except (KeyError, IndexError, ValueError):  # the reply is gone, or has no such button
            return
        await self.send(BUTTONS[action], it, until)

    async def react(self) -> None:
        target, emoji = self.target(), self.rng.choice(("👍", "👎"))
        key = (target.id, emoji)
        try:
            if key in self.reacted:
                await self.fake.unreact(target, emoji, user=self.index)
                self.reacted.discard(key)
            else:
                await self.fake.react(target, emoji, user=self.index)
                self.reacted.add(key)
        except (KeyError, ValueError):  # the reply is gone
            return
        self.shared.counts["reactions"] += 1

    async def send(self, label: str, it: Interaction, until: float, wait: bool = True) -> None:
        """Record a sent interaction; unless impatient, wait for its answer (at most until the phase ends)."""
        self.shared.sent.append((it, self.phase, label))
        if not wait:
            return
        limit = min(until, it.dispatched_at + ANSWER_LIMIT)
        while it.final is None and time.monotonic() < limit:
            await asyncio.sleep(POLL)
        final = it.final
        if final is not None and not final.ephemeral and any(
                b.get("custom_id", "").startswith("mg:melody:") for b in final.buttons):
            self.last = final
            self.shared.replies.append(final)


async def faults(fake: FakeDiscord, until: float, rng: random.Random, counts: Counter[str], scale: float) -> None:
    """429 storms on the followup and reaction routes, and gateway reconnects, until ``until``."""
    def after(every: tuple[float, float]) -> float:
        return time.monotonic() + scale * rng.uniform(*every)

    storm, reconnect = after(STORM_EVERY), after(RECONNECT_EVERY)
    while (now := time.monotonic()) < until:
        await asyncio.sleep(max(0.0, min(storm, reconnect, until) - now))
        if (now := time.monotonic()) >= until:
            break
        if now >= storm:
            for route in STORM_ROUTES:
                fake.inject_rate_limit(rng.randint(*STORM_SIZE), retry_after=round(rng.uniform(*RETRY_AFTER), 2),
                                       path_contains=route)
            counts["storms"] += 1
            storm = after(STORM_EVERY)
        if now >= reconnect:
            await fake.request_reconnect()
            counts["reconnects"] += 1
            reconnect = after(RECONNECT_EVERY)


async def run_phase(fake: FakeDiscord, shared: Shared, name: str, users: int, seconds: float, rng: random.Random,
                    fault_scale: float | None) -> tuple[float, float]:
    """``users`` people for ``seconds`` (with faults unless ``fault_scale`` is None); returns the phase's start and
    end (monotonic)."""
    start = time.monotonic()
    until = start + seconds
    people = [User(fake, i, random.Random(rng.random()), name, shared) for i in range(users)]
    tasks = [u.live(until) for u in people]
    if fault_scale is not None:
        tasks.append(faults(fake, until, random.Random(rng.random()), shared.counts, fault_scale))
    await asyncio.gather(*tasks)
    return start, time.monotonic()


async def drain(shared: Shared, deadline: float) -> None:
    """Wait until every interaction sent has a final message, or has run out of time, or ``deadline``."""
    def waiting() -> bool:
        now = time.monotonic()
        return any(it.final is None and now < it.dispatched_at + ANSWER_LIMIT for it, _, _ in shared.sent)

    while waiting() and time.monotonic() < deadline:
        await asyncio.sleep(1.0)


def outcome(it: Interaction) -> str:
    """What the user got (see OUTCOMES)."""
    if any(phrase in m.content for m in it.messages for phrase in MARKERS["error"]):
        return "error"
    final = it.final
    if final is None or final.at - it.dispatched_at > ANSWER_LIMIT:
        return "unanswered"
    for name in ("busy", "slow-down", "too long"):
        if any(phrase in final.content for phrase in MARKERS[name]):
            return name
    return "refused" if final.ephemeral and final.content.startswith("⚠️") else "ok"


def record(it: Interaction, phase: str, label: str) -> dict[str, Any]:
    """One interaction as plain data for the report."""
    final = it.final
    shown = final or (it.messages[-1] if it.messages else None)
    return {"phase": phase, "label": label, "user": it.user["username"], "sent": it.dispatched_at,
            "ack": it.initial.latency if it.initial else None,
            "answer": final.at - it.dispatched_at if final else None, "outcome": outcome(it),
            "text": shown.content[:200] if shown else "",
            "trail": ", ".join(f"{m.kind}{' (thinking)' if m.loading else ''}" for m in it.messages) or "nothing"}


async def run_users(fake: FakeDiscord, plan: Plan) -> dict[str, Any]:
    """Baseline, then load with faults, then the grace period; everything the report needs, as plain data."""
    rng, shared = random.Random(plan.seed), Shared()
    phases: dict[str, tuple[float, float]] = {}
    if plan.baseline > 0:
        phases["baseline"] = await run_phase(fake, shared, "baseline", 1, plan.baseline, rng, None)
        await drain(shared, time.monotonic() + ANSWER_LIMIT)
    phases["load"] = await run_phase(fake, shared, "load", plan.users, plan.seconds, rng, plan.fault_scale)
    await drain(shared, phases["load"][1] + plan.grace)
    return {
        "phases": phases, "drained": time.monotonic(), "counts": dict(shared.counts),
        "records": [record(it, phase, label) for it, phase, label in shared.sent],
        "rate_limited": sum(r.status == 429 for r in fake.requests), "requests": len(fake.requests),
        "resumes": fake.resume_count, "connections": len(fake.gateway_connections),
        "rejections": list(fake.rejections), "server_errors": list(fake.server_errors),
        "unknown": [str(r) for r in fake.unknown_requests],
    }


async def receive(conn: Connection) -> Any:
    """The next message from the other process, without blocking the event loop (EOFError if it died)."""
    while not conn.poll():
        await asyncio.sleep(0.2)
    return conn.recv()


async def drive(conn: Connection, plan: Plan) -> None:
    """The child process: serve the fake Discord, tell the parent where, run the users, send back the results."""
    fake = FakeDiscord(usernames=[f"user{i}" for i in range(max(plan.users, 1))])
    await fake.start()
    try:
        conn.send({"api_base": fake.api_base, "gateway_url": fake.gateway_url, "guild_id": fake.guild_id})
        try:
            await fake.wait_for_commands(timeout=STARTUP)
            results = await run_users(fake, plan)
        except Exception:  # noqa: BLE001 - the parent reports it
            results = {"error": traceback.format_exc()}
        conn.send(results)
        await receive(conn)  # the bot has closed: now the fake may go
    finally:
        await fake.stop()


def drive_process(conn: Connection, plan: Plan) -> None:
    asyncio.run(drive(conn, plan))


# ---------------------------------------------------------------------------------------------- the bot's side


class LogTally(logging.Handler):
    """Counts the bot process's warnings and errors by logger and message template, with the first message of
    each; keeps the first errors with their exception."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first: dict[str, str] = {}
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        template = f"{record.levelname} {record.name} {str(record.msg)[:90]!r}"
        self.counts[template] += 1
        self.first.setdefault(template, record.getMessage()[:150])
        if record.levelno >= logging.ERROR and len(self.errors) < 10:
            error = f" ({record.exc_info[1]!r})" if record.exc_info and record.exc_info[1] else ""
            self.errors.append(f"{record.name}: {record.getMessage()[:300]}{error}")


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def sample_rss(samples: list[tuple[float, float]]) -> None:
    while True:
        samples.append((time.monotonic(), rss_mb()))
        await asyncio.sleep(RSS_EVERY)


async def soak(plan: Plan, composer: Composer | None = None, lyricist: Lyricist | None = None) -> dict[str, Any]:
    """Run the bot here and the fake Discord with its users in a child process; the results as plain data."""
    # The bot's modules load torch: imported here, so the child process (which imports this module) stays light.
    import discord

    from bot.client import MusicGenius, point_discord_at
    from bot.settings import Settings
    from studio.lyrics.lyricist import Lyricist
    from studio.melody import Composer
    from studio.store.base import open_store

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=drive_process, args=(theirs, plan), name="soak-discord", daemon=True)
    child.start()
    tally, samples = LogTally(), []
    logging.getLogger().addHandler(tally)
    pointed = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    owned, finished = composer is None, False
    try:
        address = await receive(ours)
        composer = composer or Composer.load()
        lyricist = lyricist or await asyncio.get_running_loop().run_in_executor(None, Lyricist.load)
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            settings = Settings(token="fake-token", dev_guild=address["guild_id"], database=f"{tmp}/soak.sqlite3")
            store = await open_store(settings.database)
            try:
                bot = MusicGenius(settings, composer, store, lyricist=lyricist, guild_ready_timeout=0.1)
                point_discord_at(address["api_base"], address["gateway_url"])
                sampler = asyncio.create_task(sample_rss(samples))
                runner = asyncio.create_task(bot.start(settings.token.get_secret_value()))
                results = asyncio.create_task(receive(ours))
                await asyncio.wait({runner, results}, return_when=asyncio.FIRST_COMPLETED)
                sampler.cancel()
                if not results.done():
                    results.cancel()
                    raise RuntimeError(f"the bot stopped during the soak: {runner.exception()!r}")
                await bot.close()
                await runner
            finally:
                await store.close()
        ours.send("stop")
        finished = True
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = pointed
        logging.getLogger().removeHandler(tally)
        child.join(30 if finished else 0)  # after a failure the users may still be running: stop them
        if child.is_alive():
            child.terminate()
            child.join()
        if owned and composer is not None:
            composer.close()
    out = results.result()
    if "error" in out:
        raise RuntimeError(f"the simulated users failed:\n{out['error']}")
    log = {template + (f" (first: {first!r})" if (first := tally.first[template]) not in template else ""): n
           for template, n in tally.counts.items()}
    return {**out, "rss": samples, "log": log, "log_errors": tally.errors}


# ---------------------------------------------------------------------------------------------- the report


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)] if ordered else None


def slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (x, y) points; None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    mx, my = statistics.fmean(x for x, _ in points), statistics.fmean(y for _, y in points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def fmt(value: float | None, scale: float = 1.0, digits: int = 1) -> str:
    return "—" if value is None else f"{value * scale:.{digits}f}"


def stats(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Counts by outcome and latencies (acknowledgement: all; full answer: results only)."""
    outcomes = Counter(r["outcome"] for r in records)
    acks = [r["ack"] for r in records if r["ack"] is not None]
    answers = [r["answer"] for r in records if r["outcome"] == "ok"]
    return {"sent": len(records), "answered": len(records) - outcomes["unanswered"],
            **{o: outcomes[o] for o in OUTCOMES},
            "ack50": percentile(acks, 0.5), "ack95": percentile(acks, 0.95),
            "ans50": percentile(answers, 0.5), "ans95": percentile(answers, 0.95),
            "ans_max": max(answers, default=None), "per_minute": outcomes["ok"] / seconds * 60 if seconds else None}


def ratio(load: float | None, base: float | None) -> str:
    return f"{load / base:.1f}x" if load is not None and base else "—"


def summary_table(phases: dict[str, dict[str, Any]], plan: Plan) -> list[str]:
    base, load = phases.get("baseline"), phases["load"]
    columns = [("baseline (1 user, no faults)", base), (f"load ({plan.users} users, faults)", load)] if base else \
        [(f"load ({plan.users} users, faults)", load)]
    lines = ["| | " + " | ".join(c for c, _ in columns) + (" | load / baseline |" if base else " |"),
             "|---|" + "---|" * (len(columns) + bool(base))]
    rows: list[tuple[str, str, float, int, bool]] = [  # label, key, scale, digits, show a ratio
        ("interactions sent", "sent", 1, 0, False), ("answered", "answered", 1, 0, False),
        ("**unanswered** (no final message within 5 min)", "unanswered", 1, 0, False),
        ("**\"Something went wrong\" errors**", "error", 1, 0, False), ("results (ok)", "ok", 1, 0, False),
        ("busy refusals", "busy", 1, 0, False), ("slow-down refusals (fair share)", "slow-down", 1, 0, False),
        ("other private refusals (bad input, no melody yet)", "refused", 1, 0, False),
        ("stopped as too long (5 min limit)", "too long", 1, 0, False),
        ("acknowledgement p50, ms", "ack50", 1000, 0, True), ("acknowledgement p95, ms", "ack95", 1000, 0, True),
        ("full answer p50 (results), s", "ans50", 1, 1, True), ("full answer p95 (results), s", "ans95", 1, 1, True),
        ("slowest result, s", "ans_max", 1, 1, True), ("results per minute", "per_minute", 1, 1, True),
    ]
    for label, key, scale, digits, show_ratio in rows:
        cells = [fmt(s[key], scale, digits) for _, s in columns]
        extra = [ratio(load[key], base[key]) if show_ratio else ""] if base else []
        lines.append(f"| {label} | " + " | ".join(cells + extra) + " |")
    return lines


def kind_table(records: list[dict[str, Any]], seconds: float) -> list[str]:
    lines = ["| request | sent | ok | busy | slow-down | refused | too long | error | unanswered "
             "| ack p50 / p95 ms | answer p50 / p95 / max s |", "|---|" + "---|" * 10]
    for label in sorted({r["label"] for r in records}, key=lambda k: -sum(r["label"] == k for r in records)):
        s = stats([r for r in records if r["label"] == label], seconds)
        counts = " | ".join(str(s[o]) for o in OUTCOMES)
        lines.append(f"| {label} | {s['sent']} | {counts} | {fmt(s['ack50'], 1000, 0)} / {fmt(s['ack95'], 1000, 0)} "
                     f"| {fmt(s['ans50'])} / {fmt(s['ans95'])} / {fmt(s['ans_max'])} |")
    return lines


def memory_lines(rss: list[tuple[float, float]], load: tuple[float, float], drained: float) -> list[str]:
    def at(t: float) -> float | None:
        return min(rss, key=lambda s: abs(s[0] - t))[1] if rss else None

    def minutes(since: float, until: float) -> list[tuple[float, float]]:
        return [((t - start) / 60, mb) for t, mb in rss if since <= t <= until + RSS_EVERY / 2]

    start, end = load
    middle = start + (end - start) / 2
    first, second = minutes(start, middle), minutes(middle, end)
    by_minute = ", ".join(fmt(at(start + 60 * m), digits=0) for m in range(int((end - start) // 60) + 1))
    return [f"Bot process RSS, sampled every {RSS_EVERY:.0f} s ({len(rss)} samples): first sample "
            f"{fmt(rss[0][1] if rss else None, digits=0)} MB, load start {fmt(at(start), digits=0)} MB, load end "
            f"{fmt(at(end), digits=0)} MB, after the grace period {fmt(at(drained), digits=0)} MB, peak "
            f"{fmt(max((mb for _, mb in rss), default=None), digits=0)} MB. Least-squares slope over the second half "
            f"of the load ({len(second)} samples): **{fmt(slope(second), digits=2)} MB/min** (first half: "
            f"{fmt(slope(first), digits=2)} MB/min). At each minute of the load: {by_minute} MB."]


def listing(title: str, items: list[str]) -> list[str]:
    """A markdown paragraph with a bullet list, or "none"."""
    return ["", f"{title}: none"] if not items else ["", f"{title}:", "", *(f"- {item}" for item in items)]


def notes(out: dict[str, Any], load: list[dict[str, Any]], t0: float) -> list[str]:
    """Slowest results, every unanswered or failed interaction, refusal texts, what the fake and the bot logged."""
    slowest = sorted((r for r in load if r["outcome"] == "ok"), key=lambda r: -r["answer"])[:5]
    lines = listing("Slowest results (load)", [f"{r['label']} by {r['user']} at +{r['sent'] - t0:.0f} s: "
                                               f"{r['answer']:.1f} s" for r in slowest])
    bad = [r for r in out["records"] if r["outcome"] in ("unanswered", "error", "too long")]
    lines += listing(f"Unanswered, failed or stopped interactions ({len(bad)})", [
        f"{r['outcome']}: {r['label']} by {r['user']} ({r['phase']}) at +{r['sent'] - t0:.0f} s, ack "
        f"{fmt(r['ack'], 1000, 0)} ms; messages: {r['trail']}; last text: {r['text'][:120]!r}" for r in bad[:20]])
    refusals = Counter(r["text"][:110] for r in out["records"] if r["outcome"] in ("busy", "slow-down", "refused"))
    lines += listing("Refusal texts (all phases)", [f"{n} x {text!r}" for text, n in refusals.most_common(8)])
    counts = out["counts"]
    lines += ["", f"Faults: {counts.get('storms', 0)} 429 storms ({out['rate_limited']} requests answered 429, of "
              f"{out['requests']} REST requests), {counts.get('reconnects', 0)} gateway RECONNECTs: "
              f"{out['resumes']} RESUMEs, {out['connections']} gateway connections in all. "
              f"{counts.get('reactions', 0)} 👍/👎 added or removed by users."]
    rejected = Counter(r.split(": ", 1)[-1][:90] for r in out["rejections"])
    lines.append(f"Requests the fake Discord refused: {len(out['rejections']) or 'none'}"
                 + "".join(f"; {n} x {why}" for why, n in rejected.most_common(5))
                 + f". Unknown routes: {len(out['unknown'])}. Fake server errors: {len(out['server_errors'])}.")
    logged = [f"{n} x {what}" for what, n in sorted(out["log"].items(), key=lambda kv: -kv[1])]
    return lines + listing("Bot process log, warnings and errors", logged + [f"first errors: {e}"
                                                                            for e in out["log_errors"]])


def report(out: dict[str, Any], plan: Plan, command: str) -> str:
    phases = out["phases"]
    t0 = phases["load"][0]
    by_phase = {name: stats([r for r in out["records"] if r["phase"] == name], end - start)
                for name, (start, end) in phases.items()}
    load = [r for r in out["records"] if r["phase"] == "load"]
    lines = [f"`{command}` · {date.today().isoformat()} · {os.cpu_count()} CPU cores, shared · CPU torch, shipped "
             "checkpoints, SQLite in a temp dir.", "",
             f"Baseline {plan.baseline:.0f} s with 1 user and no faults, then {plan.users} users for "
             f"{plan.seconds:.0f} s with think time {THINK[0]:.0f}-{THINK[1]:.0f} s, 429 storms every "
             f"{STORM_EVERY[0]:.0f}-{STORM_EVERY[1]:.0f} s ({STORM_SIZE[0]}-{STORM_SIZE[1]} per route on "
             f"{' and '.join(STORM_ROUTES)}, retry_after {RETRY_AFTER[0]}-{RETRY_AFTER[1]} s) and a gateway "
             f"RECONNECT every {RECONNECT_EVERY[0]:.0f}-{RECONNECT_EVERY[1]:.0f} s; then up to {plan.grace:.0f} s "
             f"for answers still on the way (all in by +{out['drained'] - t0:.0f} s).", ""]
    lines += summary_table(by_phase, plan)
    lines += ["", "By request (load):", "", *kind_table(load, phases["load"][1] - t0)]
    lines += ["", *memory_lines(out["rss"], phases["load"], out["drained"]), *notes(out, load, t0)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--baseline", type=float, default=60.0, help="seconds of one user alone first (0: none)")
    parser.add_argument("--grace", type=float, default=330.0, help="seconds after the load for late answers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="markdown file ('-': none)")
    args = parser.parse_args(argv)
    plan = Plan(args.users, args.minutes * 60, args.baseline, args.grace, args.seed)
    command = "python -m bench.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    out = asyncio.run(soak(plan))
    text = report(out, plan, command.strip())
    print(text)
    if str(args.report) != "-":
        if not args.report.exists():
            args.report.write_text("# Soak run\n\n" + (__doc__ or "") + "\n")
        write_section(args.report, "soak", text)
    bad = sum(r["outcome"] in ("unanswered", "error") for r in out["records"])
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
