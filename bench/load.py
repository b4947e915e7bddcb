"""Many users at once, through the project's fake Discord: how fast the first message and the full reply arrive.

    python -m bench.load [--users 1 20 100] [--commands melody chords arrange] [--report bench/reports/load.md]

For each command and each crowd size N, N different users send the command at the same moment to a real bot
(real discord.py, real SQLite, the shipped models). Measured per interaction: the acknowledgement (the defer),
the first visible message, and the full reply (the message's last change: files added later included).
Throughput is replies per second against the same command answered one at a time in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import write_section
from bot.client import MusicGenius
from bot.settings import Settings
from studio.lyrics.lyricist import Lyricist
from studio.melody import Composer
from studio.store.base import open_store
from tests.fakediscord import FakeDiscord, running_bot, running_fake

SETTLE = 2.0  # seconds without changes after the last reply before the late files count as delivered
OPTIONS: dict[str, Callable[[int], dict]] = {
    "melody": lambda i: {"notes": "C E G A G", "seed": i, "bars": 8},
    "chords": lambda i: {"notes": "E D C D E E E:h D D D:h E G G:h", "style": ("chorale", "pop", "jazz")[i % 3]},
    "arrange": lambda i: {"notes": "E D C D E E E:h D D D:h E G G:h", "seed": i},
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


async def crowd(fake: FakeDiscord, command: str, users: int, offset: int) -> dict[str, float]:
    """``users`` people send ``command`` at once; returns the timings."""
    started = time.monotonic()
    its = await asyncio.gather(*[fake.slash(command, OPTIONS[command](offset + i), user=offset + i)
                                 for i in range(users)])
    await asyncio.gather(*[it.wait_final(timeout=900) for it in its])
    await fake.wait_until(lambda: time.monotonic() - max(m.at for it in its for m in it.messages) > SETTLE,
                          timeout=900, what="quiet")
    ack = [it.initial.at - it.dispatched_at for it in its]
    first = [min(m.at for m in it.messages if not m.loading) - it.dispatched_at for it in its]
    full = [max(m.at for m in it.messages) - it.dispatched_at for it in its]
    wall = max(m.at for it in its for m in it.messages) - started
    refused = sum(any(m.ephemeral and not m.loading for m in it.messages) for it in its)
    return {"users": users, "ack_p99": percentile(ack, 99), "first_p50": percentile(first, 50),
            "first_p95": percentile(first, 95), "full_p50": percentile(full, 50), "full_p95": percentile(full, 95),
            "wall": wall, "per_s": users / wall, "refused": refused}


async def measure(sizes: list[int], commands: list[str]) -> list[dict[str, float | str]]:
    users_needed = 2 * max(sizes) + 10
    composer, lyricist = Composer.load(), await asyncio.get_running_loop().run_in_executor(None, Lyricist.load)
    rows: list[dict[str, float | str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with running_fake(usernames=[f"user{i}" for i in range(users_needed)]) as fake:
                settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(Path(tmp) / "l.sqlite3"),
                                    sync_state=Path(tmp) / "sync.json")
                store = await open_store(settings.database)
                bot = MusicGenius(settings, composer, store, lyricist=lyricist, guild_ready_timeout=0.1)
                try:
                    async with running_bot(bot, fake):
                        await fake.wait_for_commands()
                        await crowd(fake, "melody", 1, 0)  # warm: models, render workers
                        for command in commands:
                            one = [await crowd(fake, command, 1, i) for i in range(3)]  # one at a time
                            alone = {k: statistics.median(r[k] for r in one) for k in one[0]}
                            rows.append({"command": command, "case": "one at a time", **alone, "ratio": 1.0})
                            for n in sizes:
                                if n == 1:
                                    continue
                                r = await crowd(fake, command, n, n)
                                rows.append({"command": command, "case": f"{n} at once", **r,
                                             "ratio": r["per_s"] / alone["per_s"]})
                                print(rows[-1], flush=True)
                finally:
                    await store.close()
    finally:
        composer.close()
    return rows


def table(rows: list[dict[str, float | str]]) -> str:
    head = ("| command | case | ack p99 | first message p50 / p95 | full reply p50 / p95 | replies/s | "
            "vs one at a time | refused |\n|---|---|---|---|---|---|---|---|")
    lines = [f"| {r['command']} | {r['case']} | {r['ack_p99']:.2f} s | {r['first_p50']:.2f} / {r['first_p95']:.2f} s "
             f"| {r['full_p50']:.2f} / {r['full_p95']:.2f} s | {r['per_s']:.2f} | {r['ratio']:.2f}x | "
             f"{int(r['refused'])} |" for r in rows]
    return "\n".join([head, *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 20, 100])
    parser.add_argument("--commands", nargs="+", default=["melody", "chords", "arrange"], choices=list(OPTIONS))
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = asyncio.run(measure(args.users, args.commands))
    text = table(rows)
    print(text)
    if args.report:
        write_section(args.report, "Load through the fake Discord", text + "\n\nCommand: `python -m bench.load "
                      f"--users {' '.join(map(str, args.users))} --commands {' '.join(args.commands)}`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
