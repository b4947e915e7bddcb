"""Real `python -m model.worker` processes against the real Redis, each test under its own key prefix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

REDIS_URL = os.environ.get("MUSICGENIUS_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[1]


def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need Redis at {REDIS_URL} (every development and CI machine runs one; start it "
                    f"with `redis-server --daemonize yes`): {exc}")
    return client


class Workers:
    """Worker processes started for one test; every one still running is stopped at the end."""

    def __init__(self, prefix: str, logs: Path) -> None:
        self.prefix = prefix
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.client = redis_client()

    def spawn(self, name: str, *args: str, claim_idle: float = 2.0) -> subprocess.Popen[bytes]:
        """Start worker ``name`` (extra command-line ``args``, e.g. ``--max-batch 1``)."""
        with (self.logs / f"worker-{name}.log").open("wb") as log:  # the child keeps its own copy open
            proc = subprocess.Popen(
                [sys.executable, "-m", "model.worker", "--queue", REDIS_URL, "--prefix", self.prefix, "--name", name,
                 "--claim-idle", str(claim_idle), "--log-every", "1", *args],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1",
                     "MUSICGENIUS_WORKER_HEALTH_FILE": str(self.health(name))})
        self.procs[name] = proc
        return proc

    def wait_alive(self, *names: str, timeout: float = 60.0) -> None:
        """Wait until each worker in ``names`` sends heartbeats."""
        deadline = time.monotonic() + timeout
        while not all(self.client.exists(f"{self.prefix}:worker:{n}") for n in names):
            for n in names:
                if self.procs[n].poll() is not None:
                    pytest.fail(f"worker {n} exited with {self.procs[n].returncode}:\n{self.log(n)}")
            if time.monotonic() > deadline:
                pytest.fail(f"workers {names} sent no heartbeat in {timeout} s")
            time.sleep(0.1)

    def pending(self, name: str) -> int:
        """Jobs delivered to worker ``name`` and not acknowledged yet."""
        summary = self.client.xpending(f"{self.prefix}:jobs", "workers")
        return next((int(c["pending"]) for c in summary.get("consumers") or [] if c["name"] == name), 0)

    def freeze_holding_jobs(self, name: str, timeout: float = 30.0) -> int:
        """SIGSTOP worker ``name`` at a moment it holds unanswered jobs (mid-batch: it can finish none of them now);
        return how many it holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending(name) > 0:
                os.kill(self.procs[name].pid, signal.SIGSTOP)
                held = self.pending(name)
                if held > 0:
                    return held
                os.kill(self.procs[name].pid, signal.SIGCONT)  # it finished them in between: try again
            time.sleep(0.01)
        pytest.fail(f"worker {name} held no job within {timeout} s")

    def kill(self, name: str) -> None:
        """SIGKILL: the worker dies at once, mid-batch, without a word."""
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def health(self, name: str) -> Path:
        """The file worker ``name`` touches after each heartbeat."""
        return self.logs / f"worker-{name}.health"

    def log(self, name: str) -> str:
        return (self.logs / f"worker-{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@contextmanager
def worker_pool(tmp_path: Path) -> Iterator[Workers]:
    """A fresh key prefix and the workers started under it; everything is stopped and deleted afterwards."""
    workers = Workers(f"test-{uuid.uuid4().hex[:10]}", tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()
        keys = list(workers.client.scan_iter(f"{workers.prefix}:*"))
        if keys:
            workers.client.delete(*keys)
        workers.client.close()
