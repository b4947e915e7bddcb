"""A /melody reply through a worker process (Redis) against the same reply with the engine in-process, one run.

    python -m bench.worker [--rounds 7] [--crowd 20] [--crowd-rounds 2] [--queue redis://...] [--report PATH]

One bot on the project's fake Discord answers /melody (3 candidates, 8 bars) alternately with its in-process engine
and with a `RemoteEngine` whose jobs a real `python -m model.worker` process runs (the same checkpoint, the same
CPU), so both paths see the same machine load. Measured per reply: the first message (notes, piano roll, MIDI) and
the full reply (score and audio added); then ``--crowd`` users at once on each path, and the generation alone
(``Composer.candidates``). Prints medians and the ratio worker / in-process; the target is at most 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.load import crowd
from bench.report import write_section
from bot.client import MusicGenius
from bot.settings import Settings
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.requests import MelodyRequest
from studio.store.base import open_store
from tests.fakediscord import running_bot, running_fake

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.10


def spawn_worker(url: str, prefix: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "model.worker", "--queue", url, "--prefix", prefix,
                                 "--name", "bench", "--log-every", "60"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT)


async def generation(composer: Composer, seed: int) -> float:
    start = time.perf_counter()
    await composer.candidates(MelodyRequest(notes="C E G A G", key="C", seed=seed))
    return time.perf_counter() - start


async def measure(rounds: int, crowd_size: int, crowd_rounds: int, url: str) -> dict[str, dict[str, float]]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        worker = spawn_worker(url, prefix, Path(tmp) / "worker.log")
        local = await asyncio.to_thread(Composer.load)
        queued = await asyncio.to_thread(Composer.load, queue=url, queue_prefix=prefix)
        lyricist = await asyncio.to_thread(Lyricist.load)
        try:
            deadline = time.monotonic() + 60
            while not queued.engine.alive:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the worker did not start:\n{(Path(tmp) / 'worker.log').read_text()}")
                await asyncio.sleep(0.2)
            paths = {"in-process": local, "worker": queued}
            samples: dict[str, dict[str, list[float]]] = {p: {"first": [], "full": [], "gen": []} for p in paths}
            users = [f"user{i}" for i in range(2 * crowd_rounds * crowd_size + rounds + 10)]
            async with running_fake(usernames=users) as fake:
                settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(Path(tmp) / "b.sqlite3"),
                                    sync_state=Path(tmp) / "sync.json")
                store = await open_store(settings.database)
                bot = MusicGenius(settings, local, store, lyricist=lyricist, guild_ready_timeout=0.1)
                try:
                    async with running_bot(bot, fake):
                        await fake.wait_for_commands()
                        for composer in paths.values():  # warm both: models, render workers, connections
                            bot.composer = composer
                            await crowd(fake, "melody", 1, 0)
                            await generation(composer, 0)
                        for r in range(rounds):  # alternate, so drift in the machine's load hits both alike
                            for name, composer in (paths.items() if r % 2 == 0 else reversed(paths.items())):
                                bot.composer = composer
                                one = await crowd(fake, "melody", 1, 1 + r)
                                samples[name]["first"].append(one["first_p50"])
                                samples[name]["full"].append(one["full_p50"])
                                samples[name]["gen"].append(await generation(composer, 100 + r))
                        crowd_runs: dict[str, list[dict[str, float]]] = {p: [] for p in paths}
                        for r in range(crowd_rounds):  # alternate too: a crowd takes seconds, the load drifts
                            for name, composer in (paths.items() if r % 2 else reversed(paths.items())):
                                bot.composer = composer
                                offset = rounds + 1 + (2 * r + (name == "worker")) * crowd_size  # fresh users
                                crowd_runs[name].append(await crowd(fake, "melody", crowd_size, offset))
                        crowds = {name: {k: statistics.median(run[k] for run in runs) for k in runs[0]}
                                  for name, runs in crowd_runs.items()}
                finally:
                    await store.close()
        finally:
            worker.terminate()
            worker.wait(30)
            queued.close()
            local.close()
            print((Path(tmp) / "worker.log").read_text().strip().splitlines()[0])
    return {name: {"first": statistics.median(s["first"]), "full": statistics.median(s["full"]),
                   "gen": statistics.median(s["gen"]), "crowd_first": crowds[name]["first_p50"],
                   "crowd_full": crowds[name]["full_p50"], "crowd_per_s": crowds[name]["per_s"],
                   "refused": crowds[name]["refused"]}
            for name, s in samples.items()}


def table(results: dict[str, dict[str, float]], rounds: int, crowd_size: int, crowd_rounds: int) -> str:
    here, there = results["in-process"], results["worker"]
    rows = [("generation alone (3 candidates)", "gen", "s"), ("first message p50", "first", "s"),
            ("full reply p50", "full", "s"), (f"{crowd_size} at once: first message p50", "crowd_first", "s"),
            (f"{crowd_size} at once: full reply p50", "crowd_full", "s"),
            (f"{crowd_size} at once: replies/s", "crowd_per_s", "/s"), ("refused (busy)", "refused", "")]
    lines = ["| /melody, medians of alternating rounds | in-process | worker (Redis) | worker / in-process |",
             "|---|---|---|---|"]
    for label, key, unit in rows:
        if key == "refused":
            lines.append(f"| {label} | {here[key]:.0f} | {there[key]:.0f} | |")
            continue
        ratio = there[key] / here[key] if here[key] else float("nan")
        lines.append(f"| {label} | {here[key]:.3f} {unit} | {there[key]:.3f} {unit} | {ratio:.2f}x |")
    verdict = there["first"] / here["first"]
    lines.append("")
    lines.append(f"{rounds} rounds of one /melody each way, then {crowd_rounds} of {crowd_size} users at once each "
                 f"way. Target: a reply through the worker within {TARGET:.2f}x of in-process: first message "
                 f"{verdict:.2f}x ({'met' if verdict <= TARGET else 'NOT met'}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--crowd", type=int, default=20)
    parser.add_argument("--crowd-rounds", type=int, default=2)
    parser.add_argument("--queue", default=os.environ.get("MUSICGENIUS_QUEUE", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.rounds, args.crowd, args.crowd_rounds, args.queue))
    text = table(results, args.rounds, args.crowd, args.crowd_rounds)
    print(text)
    if args.report:
        write_section(args.report, "Worker vs in-process", text + f"\n\nCommand: `python -m bench.worker --rounds "
                      f"{args.rounds} --crowd {args.crowd} --crowd-rounds {args.crowd_rounds}`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
