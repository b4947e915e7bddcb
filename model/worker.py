"""`python -m model.worker` (also `musicgenius-worker`): serve melody jobs from Redis with a local engine.

Run any number, on any machines, pointed at the bot's Redis (``MUSICGENIUS_QUEUE=redis://host:6379/0``). Each reads
jobs through the consumer group ``workers``, hands every job waiting for it to one ``model.engine.Engine`` (which
batches them: new requests join between model steps), and answers each on the asking bot's reply stream with the
finished grammar state (see ``model.queue``). It heartbeats every second, keeps the jobs it runs from looking idle,
and claims the jobs of a worker that stopped (XAUTOCLAIM after ``--claim-idle`` seconds). It logs its device at start
and its jobs, batch sizes and throughput every ``--log-every`` seconds. SIGTERM or Ctrl-C: stop reading, finish the
jobs in hand (``--grace`` seconds), leave the rest for another worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from model.config import MELODY_CHECKPOINT
from model.engine import Engine, EngineBusy, EngineStopped
from model.lstm import load_checkpoint
from model.queue import (
    BEAT,
    BEAT_TTL,
    CLAIM_IDLE,
    DEFAULT_PREFIX,
    GROUP,
    REPLY_TTL,
    TRANSIENT,
    Keys,
    QueueUnavailable,
    ResponseError,
    connect,
    ensure_group,
    reachable,
    shown_url,
)
from model.vocab import Vocab
from model.wire import decode_grammar, encode_grammar, vocab_digest

log = logging.getLogger("model.worker")

DEFAULT_BATCH = 64
GIVE_UP_AFTER = 10.0  # seconds an engine may stay down (it restarts itself) before the worker exits


def health_file() -> Path:
    """The file a worker touches after each heartbeat it sent (``MUSICGENIUS_WORKER_HEALTH_FILE``, by default in the
    temp directory): a container health check tests its age (docker-compose.yml)."""
    return Path(os.environ.get("MUSICGENIUS_WORKER_HEALTH_FILE", "").strip()
                or Path(tempfile.gettempdir()) / "musicgenius-worker.health")


@dataclass
class _Stats:
    jobs: int = 0
    failed: int = 0
    claimed: int = 0
    peak: int = 0  # the largest batch seen since the last log line
    at: float = 0.0
    tokens: int = 0
    steps: int = 0
    logged_jobs: int = 0


class Worker:
    """Serves jobs from ``url`` with ``engine`` until ``run``'s ``stop`` event is set."""

    def __init__(self, engine: Engine, vocab: Vocab, url: str, *, prefix: str = DEFAULT_PREFIX, name: str = "",
                 claim_idle: float = CLAIM_IDLE, log_every: float = 30.0, grace: float = 20.0,
                 connect_timeout: float = 30.0, about: dict[str, Any] | None = None) -> None:
        self.engine = engine
        self.vocab = vocab
        self.url = url
        self.keys = Keys(prefix)
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_idle = claim_idle
        self.log_every = log_every
        self.grace = grace
        self.connect_timeout = connect_timeout
        self.health = health_file()
        self.about = {"name": self.name, "host": socket.gethostname(), "pid": os.getpid(), "device": engine.device,
                      "max_batch": engine.max_batch, **(about or {})}
        self.max_batch = engine.max_batch
        self._digest = vocab_digest(vocab)
        self._running: dict[str, asyncio.Task[None]] = {}  # stream id -> the task answering it
        self._room = asyncio.Event()
        self._skew = 0.0  # Redis's clock minus ours (seconds): a job's age comes from its stream id
        self._cursor = "0-0"  # where the next XAUTOCLAIM scan starts
        self._left: set[str] = set()  # jobs this worker left pending (its engine was restarting), to try again
        self._stats = _Stats(at=time.monotonic())
        self.exit_code = 0

    # ---- the loops -----------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set (or the engine gives up); return the exit code."""
        self.redis = connect(self.url)
        await reachable(self.redis, self.url, self.connect_timeout)
        await ensure_group(self.redis, self.keys)
        await self._beat()
        log.info("worker %s serving melody jobs from %s (prefix %s, group %s): %s, max batch %d, claims jobs idle "
                 "%.0f s", self.name, shown_url(self.url), self.keys.prefix, GROUP, self.about.get("device_name"),
                 self.max_batch, self.claim_idle)
        helpers = [asyncio.create_task(coro) for coro in (self._beating(stop), self._claiming(stop), self._logging())]
        try:
            await self._reading(stop)
        finally:
            if self._running:
                log.info("worker %s stopping: finishing %d job(s) in hand (up to %.0f s)", self.name,
                         len(self._running), self.grace)
                await asyncio.wait(set(self._running.values()), timeout=self.grace)
            for task in [*helpers, *self._running.values()]:
                task.cancel()
            await asyncio.gather(*helpers, *self._running.values(), return_exceptions=True)
            self.health.unlink(missing_ok=True)
            with contextlib.suppress(Exception):  # tell the bots at once that this worker is gone
                await self.redis.delete(self.keys.worker(self.name))
                await self.redis.srem(self.keys.workers, self.name)
            await self.redis.aclose()
            self._log_stats(force=True)
        return self.exit_code

    async def _reading(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            room = self.max_batch - len(self._running)
            if room <= 0:  # a full batch in hand: wait for a job to finish
                self._room.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._room.wait(), 1.0)
                continue
            try:
                got = await self.redis.xreadgroup(GROUP, self.name, {self.keys.jobs: ">"}, count=room, block=1000)
            except TRANSIENT as exc:
                await self._redis_trouble(exc)
                continue
            except ResponseError as exc:  # the stream or group was deleted: make them again
                if "NOGROUP" not in str(exc):
                    raise
                await ensure_group(self.redis, self.keys)
                continue
            for _, entries in got or []:
                for entry, fields in entries:
                    self._start(entry, fields)

    async def _redis_trouble(self, exc: BaseException) -> None:
        log.warning("worker %s: Redis at %s does not answer (%s); retrying", self.name, shown_url(self.url), exc)
        await asyncio.sleep(1.0)

    async def _beating(self, stop: asyncio.Event) -> None:
        down_since: float | None = None
        while True:
            await asyncio.sleep(BEAT)
            if not self.engine.alive:
                down_since = down_since or time.monotonic()
                if time.monotonic() - down_since > GIVE_UP_AFTER:
                    log.error("worker %s: the engine stopped and did not recover; exiting", self.name)
                    self.exit_code = 1
                    stop.set()
                    return
                continue  # no heartbeat while the engine is down: the bots don't count on this worker
            down_since = None
            try:
                await self._beat()
            except TRANSIENT as exc:
                await self._redis_trouble(exc)

    async def _beat(self) -> None:
        """Announce this worker for ``BEAT_TTL`` seconds and reset the idle time of the jobs it is running."""
        info = {**self.about, "batch": self.engine.batch_size, "running": len(self._running),
                "steps": self.engine.steps, "tokens": self.engine.tokens, "jobs": self._stats.jobs}
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.keys.worker(self.name), json.dumps(info), ex=BEAT_TTL)
            pipe.sadd(self.keys.workers, self.name)
            pipe.time()
            if self._running:
                pipe.xclaim(self.keys.jobs, GROUP, self.name, 0, list(self._running), justid=True)
            results = await pipe.execute()
        seconds, micros = results[2]
        self._skew = seconds + micros / 1e6 - time.time()
        try:
            self.health.touch()
        except OSError as exc:
            log.warning("worker %s cannot touch its health file %s: %s", self.name, self.health, exc)

    async def _claiming(self, stop: asyncio.Event) -> None:
        """Take over the jobs of workers that went silent (pending and idle for ``claim_idle`` seconds)."""
        while not stop.is_set():
            await asyncio.sleep(max(self.claim_idle / 4, 0.25))
            room = self.max_batch - len(self._running)
            if room <= 0 or stop.is_set():
                continue
            try:
                cursor, claimed, *_ = await self.redis.xautoclaim(self.keys.jobs, GROUP, self.name,
                                                                  int(self.claim_idle * 1000), self._cursor,
                                                                  count=room)
            except TRANSIENT as exc:
                await self._redis_trouble(exc)
                continue
            self._cursor = cursor
            fresh = [(entry, fields) for entry, fields in claimed if fields and entry not in self._running]
            mine = [entry for entry, _ in fresh if entry in self._left]
            if len(fresh) > len(mine):
                self._stats.claimed += len(fresh) - len(mine)
                log.warning("worker %s took over %d job(s) left idle over %.0f s by a worker that stopped",
                            self.name, len(fresh) - len(mine), self.claim_idle)
            if mine:
                log.info("worker %s: trying %d job(s) of its own again", self.name, len(mine))
            self._left.difference_update(mine)
            for entry, fields in fresh:
                self._start(entry, fields)

    async def _logging(self) -> None:
        while True:
            for _ in range(max(1, int(self.log_every / 1.0))):
                await asyncio.sleep(1.0)
                self._stats.peak = max(self._stats.peak, self.engine.batch_size)
            self._log_stats()

    def _log_stats(self, force: bool = False) -> None:
        s, now = self._stats, time.monotonic()
        if s.jobs == s.logged_jobs and not force:
            return
        tokens, steps = self.engine.tokens - s.tokens, self.engine.steps - s.steps
        took = max(now - s.at, 1e-9)
        log.info("worker %s: %d job(s) answered (%d failed, %d taken over), %d tokens in %.1f s = %.0f tokens/s, "
                 "batch mean %.1f peak %d; %d running", self.name, s.jobs - s.logged_jobs, s.failed, s.claimed, tokens,
                 took, tokens / took, tokens / steps if steps else 0.0, s.peak, len(self._running))
        s.at, s.tokens, s.steps, s.logged_jobs, s.peak, s.failed, s.claimed = (now, self.engine.tokens,
                                                                                self.engine.steps, s.jobs, 0, 0, 0)

    # ---- one job -------------------------------------------------------------------------
    def _start(self, entry: str, fields: dict[str, str]) -> None:
        if entry in self._running:
            return
        self._running[entry] = asyncio.create_task(self._handle(entry, fields), name=f"job-{entry}")

    async def _handle(self, entry: str, fields: dict[str, str]) -> None:
        try:
            try:
                job = json.loads(fields["job"])
            except (KeyError, ValueError):
                log.error("worker %s: dropping a malformed job %s", self.name, entry)
                await self._done(entry, None, None)
                return
            result = await self._answer(entry, job)
            if result is not None:
                await self._done(entry, job, result)
        except TRANSIENT as exc:  # left pending: answered after a claim
            log.warning("worker %s: could not answer job %s (%s); it stays queued", self.name, entry, exc)
        except Exception:
            log.exception("worker %s: job %s failed unexpectedly; it stays queued", self.name, entry)
        finally:
            self._running.pop(entry, None)
            self._room.set()

    async def _answer(self, entry: str, job: dict[str, Any]) -> dict[str, Any] | None:
        """The result for ``job``; None leaves it pending (for this worker or another, after ``claim_idle``)."""
        ident = job.get("id", "")
        age = time.time() + self._skew - int(entry.split("-")[0]) / 1000
        if age > float(job.get("timeout", 0) or "inf"):
            log.info("worker %s: skipping job %s, %.0f s old: its bot stopped waiting", self.name, ident, age)
            return {"id": ident, "expired": True}
        if job.get("vocab") != self._digest:
            log.error("worker %s: job %s was made for another vocabulary (checkpoint) than this worker's; run the "
                      "bot and the workers with the same MUSICGENIUS_CHECKPOINT", self.name, ident)
            return {"id": ident, "error": "different vocabulary", "type": "mismatch"}
        try:
            grammar = decode_grammar(job["grammar"], self.vocab)  # the bot's own class: the engine's fast path
            await self.engine.generate(grammar, int(job["seed"]), float(job["temperature"]), float(job["top_p"]))
            state = encode_grammar(grammar)
        except (EngineBusy, EngineStopped) as exc:  # the engine is restarting: try again later
            log.warning("worker %s: job %s not run now (%s)", self.name, ident, exc)
            self._left.add(entry)
            return None
        except Exception as exc:  # noqa: BLE001 - this request's own failure goes back to its caller
            self._stats.failed += 1
            log.warning("worker %s: job %s failed: %s", self.name, ident, exc)
            return {"id": ident, "error": str(exc), "type": type(exc).__name__}
        self._stats.jobs += 1
        return {"id": ident, "state": state, "worker": self.name}

    async def _done(self, entry: str, job: dict[str, Any] | None, result: dict[str, Any] | None) -> None:
        """Send ``result`` to the job's bot (unless the job expired), then acknowledge and delete the job."""
        async with self.redis.pipeline(transaction=False) as pipe:
            if job is not None and result is not None and not result.get("expired"):
                pipe.xadd(job["reply"], {"result": json.dumps(result)}, maxlen=10_000, approximate=True)
                pipe.expire(job["reply"], REPLY_TTL)
            pipe.xack(self.keys.jobs, GROUP, entry)
            pipe.xdel(self.keys.jobs, entry)
            await pipe.execute()


# ---- the command line --------------------------------------------------------------------------------------------
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="musicgenius-worker",
        description="Serve MusicGenius melody jobs from Redis (run any number of these, on any machines).")
    parser.add_argument("--queue", default=_env("MUSICGENIUS_QUEUE"),
                        help="Redis URL, e.g. redis://127.0.0.1:6379/0 (default: $MUSICGENIUS_QUEUE)")
    parser.add_argument("--prefix", default=_env("MUSICGENIUS_QUEUE_PREFIX", DEFAULT_PREFIX),
                        help=f"key prefix shared with the bot (default: $MUSICGENIUS_QUEUE_PREFIX or {DEFAULT_PREFIX})")
    parser.add_argument("--checkpoint", type=Path, default=Path(_env("MUSICGENIUS_CHECKPOINT", str(MELODY_CHECKPOINT))),
                        help="melody checkpoint, the bot's (default: $MUSICGENIUS_CHECKPOINT or the shipped one)")
    parser.add_argument("--device", default=_env("MUSICGENIUS_DEVICE", "auto"),
                        help="auto, cpu, cuda or cuda:N (default: $MUSICGENIUS_DEVICE or auto: cuda when available)")
    parser.add_argument("--max-batch", type=int, default=int(_env("MUSICGENIUS_MAX_BATCH", str(DEFAULT_BATCH)) or 0),
                        help=f"requests batched at once (default: $MUSICGENIUS_MAX_BATCH or {DEFAULT_BATCH})")
    parser.add_argument("--name", default=_env("MUSICGENIUS_WORKER_NAME", ""),
                        help="consumer name in the group, unique per worker (default: host-pid)")
    parser.add_argument("--claim-idle", type=float, default=CLAIM_IDLE,
                        help=f"seconds before the jobs of a silent worker are taken over (default {CLAIM_IDLE:.0f})")
    parser.add_argument("--log-every", type=float, default=30.0, help="seconds between throughput lines (default 30)")
    parser.add_argument("--grace", type=float, default=20.0,
                        help="seconds to finish the jobs in hand on SIGTERM (default 20)")
    return parser.parse_args(argv)


def _device(text: str) -> str:
    text = text.lower()
    if text == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if text.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {text}: this machine has no CUDA device that torch can use "
                         f"(torch {torch.__version__}); use --device cpu or a CUDA build of torch.")
    if text != "cpu" and not text.startswith("cuda"):
        raise ValueError(f"--device must be auto, cpu, cuda or cuda:N, not '{text}'.")
    return text


def describe(device: str) -> str:
    """The device in words for the start-up log line."""
    if device.startswith("cuda"):
        return f"{device} ({torch.cuda.get_device_name(torch.device(device))}, torch {torch.__version__})"
    return f"cpu ({torch.get_num_threads()} threads, torch {torch.__version__})"


async def _serve(args: argparse.Namespace) -> int:
    device = _device(args.device)
    loop = asyncio.get_running_loop()
    model, vocab, _ = await loop.run_in_executor(None, lambda: load_checkpoint(args.checkpoint, device, "melody"))
    engine = Engine(model, device, max_batch=args.max_batch, max_queue=2 * args.max_batch).start()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(engine, vocab, args.queue, prefix=args.prefix, name=args.name, claim_idle=args.claim_idle,
                    log_every=args.log_every, grace=args.grace,
                    about={"device_name": describe(device), "checkpoint": args.checkpoint.name})
    try:
        return await worker.run(stop)
    finally:
        engine.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.queue:
        print("error: no queue: set MUSICGENIUS_QUEUE=redis://host:6379/0 (the bot's) or pass --queue", file=sys.stderr)
        return 2
    if not args.queue.startswith(("redis://", "rediss://", "unix://")):
        print(f"error: --queue must be a redis://host:port/db URL, not '{shown_url(args.queue)}'", file=sys.stderr)
        return 2
    if not 1 <= args.max_batch <= 4096:
        print(f"error: --max-batch must be from 1 to 4096, not {args.max_batch}", file=sys.stderr)
        return 2
    if not args.checkpoint.is_file():
        print(f"error: no checkpoint at {args.checkpoint}", file=sys.stderr)
        return 2
    try:
        with contextlib.suppress(KeyboardInterrupt):
            return asyncio.run(_serve(args))
    except (ValueError, QueueUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
