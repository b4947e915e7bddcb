"""Melody inference over Redis Streams: the bot's ``RemoteEngine`` and the protocol ``model.worker`` speaks.

The only module that imports redis. With ``MUSICGENIUS_QUEUE=redis://host:port/db`` the bot's ``Composer`` gets a
``RemoteEngine`` instead of the in-process ``model.engine.Engine``; both have the same public API.

Keys, all under a prefix (``musicgenius`` by default, so deployments or tests can share one Redis):

- ``<prefix>:jobs``: the job stream, read by the consumer group ``workers``. A job is one JSON field: its id, the
  reply stream, the vocabulary's digest, the grammar (class and constructor fields, see ``model.wire``), the RNG
  seed, temperature and top-p. It is added by a Lua script that first checks the stream's length, so the queue is
  bounded (a full one is ``EngineBusy``). Workers delete a job once they answered it.
- ``<prefix>:reply:<client>``: each bot process's reply stream. A result is the job id and the grammar's finished
  state (its dataclass fields: the notes, the tick reached, the decoding flags), or an error; the client puts that
  state into its own grammar object (``apply_state``), so the caller gets what in-process decoding leaves. The worker
  hands its engine the very grammar class the bot made (the engine decodes a plain ``MelodyGrammar`` with its batched
  tables, any other grammar per row in Python). Only the first result for a job id resolves its caller: a job
  redelivered after its worker stalled may be answered twice, never shown twice.
- ``<prefix>:worker:<name>`` (a heartbeat with a time to live, holding the worker's device, batch and counters) and
  the set ``<prefix>:workers`` of names. No live heartbeat: new requests are refused at once ("no composer worker is
  running") and the requests waiting are told within ``BEAT_TTL + ORPHANED`` seconds (6) of the last heartbeat.

A worker that dies mid-batch loses nothing: its jobs stay pending in the group until another worker claims them
with XAUTOCLAIM after ``CLAIM_IDLE`` seconds of idleness (live workers reset the idle time of the jobs they are
running every ``BEAT`` seconds). The same RNG seed gives the same melody, so a redelivered job's answer is the one
the first worker would have given.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import torch
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from model.engine import NOT_STARTED, SHUTTING_DOWN, EngineBusy, EngineStopped, Grammar
from model.vocab import Vocab
from model.wire import apply_state, encode_grammar, vocab_digest

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "musicgenius"
GROUP = "workers"  # the consumer group every worker reads the job stream through
BEAT = 1.0  # seconds between a worker's heartbeats (and touches of the jobs it is running)
BEAT_TTL = 4  # seconds a heartbeat lives: a worker silent this long is gone
ORPHANED = 2.0  # seconds without any live worker before the requests waiting are told (a late heartbeat may come)
CLAIM_IDLE = 10.0  # seconds a job may sit unanswered with a silent worker before another worker claims it
JOB_TIMEOUT = 240.0  # seconds a job may take in all, queue included (bot.admission cuts a request off at 300)
POLL = 0.5  # seconds between the client's looks at the workers and the queue length
REPLY_TTL = 600  # seconds a reply stream outlives its last result (a client that died leaves nothing behind)
CONNECT_TIMEOUT = 10.0  # seconds `RemoteEngine.start` tries to reach Redis

NO_WORKER = ("No composer worker is running right now, so I can't write melodies. Please let the operator know "
             "(`musicgenius-worker` starts one).")
WORKER_LOST = ("The composer worker stopped while writing this and no other worker is running. Please try again in a "
               "minute, or let the operator know.")
QUEUE_DOWN = "The composer's job queue can't be reached right now. Please try again in a minute."
TOO_SLOW = "No composer worker finished this in time. Please try again in a minute."
MISMATCH = ("The composer worker runs a different model from this bot's, so it can't answer. Please let the "
            "operator know.")

# Atomically: refuse when the stream holds ARGV[1] jobs already, else add the job (ARGV[2]) and return its id.
FOLLOW_UP_LIMIT = 1 << 30  # the next part of an admitted request is not refused for a full queue
_ADD_BOUNDED = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', 'job', ARGV[2])
"""


TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)  # Redis is down or slow: worth retrying


class QueueUnavailable(EngineStopped):
    """Redis cannot be reached (at start: the bot stops with this; later, requests are refused with it)."""


@dataclasses.dataclass(frozen=True)
class Keys:
    """The Redis keys of one deployment (see the module's docstring)."""

    prefix: str = DEFAULT_PREFIX

    @property
    def jobs(self) -> str:
        return f"{self.prefix}:jobs"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def worker(self, name: str) -> str:
        return f"{self.prefix}:worker:{name}"

    def reply(self, client: str) -> str:
        return f"{self.prefix}:reply:{client}"


def shown_url(url: str) -> str:
    """A Redis URL without its user and password (for messages and logs)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def connect(url: str) -> aioredis.Redis:
    """An asyncio Redis client for ``url`` (strings decoded; socket timeouts, so a dead server never hangs a call)."""
    return aioredis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=3, socket_timeout=10,
                                   health_check_interval=15)


async def reachable(client: aioredis.Redis, url: str, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for Redis to answer; raise QueueUnavailable (naming the URL) if it does not."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await client.ping()
            return
        except (RedisError, OSError) as exc:
            if time.monotonic() > deadline:
                raise QueueUnavailable(f"cannot reach Redis at {shown_url(url)} ({exc}).") from None
            await asyncio.sleep(0.5)


async def ensure_group(client: aioredis.Redis, keys: Keys) -> None:
    """Create the job stream and its consumer group unless they exist (jobs added before are delivered too)."""
    try:
        await client.xgroup_create(keys.jobs, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


_ERRORS: dict[str, type[Exception]] = {"ValueError": ValueError, "RuntimeError": RuntimeError,
                                       "FloatingPointError": FloatingPointError}


def error_of(result: dict[str, Any]) -> Exception:
    """The exception a worker's error result stands for."""
    kind, text = result.get("type", "RuntimeError"), str(result.get("error", "the worker failed"))
    if kind == "mismatch":
        return EngineStopped(MISMATCH)
    if kind == "EngineBusy":
        return EngineBusy()
    if kind == "EngineStopped":
        return EngineStopped(text)
    return _ERRORS.get(kind, RuntimeError)(text)


# ---- the client --------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Waiting:
    future: asyncio.Future[dict[str, Any]]
    entry: str | None = None  # the job's stream id, once added
    answered: bool = False  # a worker's result resolved it (the worker deleted the job)


class RemoteEngine:
    """``model.engine.Engine``'s public API, served by ``model.worker`` processes through Redis.

    ``generate`` is safe to call from any event loop: the Redis client runs in its own thread and loop. The state the
    synchronous checks read (``alive``, ``busy``, ``queue_depth``) is refreshed there every ``POLL`` seconds, so they
    never wait on the network. ``model`` is this process's own copy of the weights, for the look-ahead scoring that
    ``studio.rewrite`` does in-process; the workers do all the sampling.
    """

    def __init__(self, url: str, vocab: Vocab, model: torch.nn.Module | None = None, *, prefix: str = DEFAULT_PREFIX,
                 max_queue: int = 256, job_timeout: float = JOB_TIMEOUT,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.url = url
        self.vocab = vocab
        self.model = model
        self.device = "remote"
        self.keys = Keys(prefix)
        self.max_queue = max_queue
        self.job_timeout = job_timeout
        self.connect_timeout = connect_timeout
        self.client_id = uuid.uuid4().hex[:12]
        self.restarts = 0  # the engine API's counter; workers restart on their own
        self._digest = vocab_digest(vocab)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._redis: aioredis.Redis | None = None
        self._add: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = asyncio.Event()  # set by ``stop``: the background loops end
        self._waiting: dict[str, _Waiting] = {}
        self._refusal: str | None = NOT_STARTED  # why new requests are refused now; None while serving
        self._workers: dict[str, dict[str, Any]] = {}  # live worker name -> its last heartbeat
        self._counters: dict[str, tuple[int, int]] = {}  # every worker seen -> its (steps, tokens), for the totals
        self._depth = 0
        self._last_ok = 0.0  # monotonic time Redis last answered the poll
        self._empty_since: float | None = None  # monotonic time the last live worker was seen to go
        self.answered = 0  # results that resolved a caller
        self.duplicates = 0  # results for a job already answered (a redelivered job done twice): ignored

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> RemoteEngine:
        """Connect (raises ``QueueUnavailable`` when Redis can't be reached within ``connect_timeout`` seconds) and
        start following the workers and the replies."""
        if self._thread is not None:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="melody-queue", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._open(), self._loop).result(self.connect_timeout + 5)
        except Exception as exc:
            self._halt()
            if isinstance(exc, QueueUnavailable):
                raise
            raise QueueUnavailable(f"cannot reach Redis at {shown_url(self.url)}: {exc}") from None
        return self

    def stop(self) -> None:
        """Answer every waiting request with EngineStopped, forget this client's reply stream, disconnect."""
        if self._loop is None or self._thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._halt()

    def _halt(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            if not thread.is_alive():
                loop.close()
        self._loop, self._thread, self._refusal = None, None, SHUTTING_DOWN

    async def _open(self) -> None:
        self._closing = asyncio.Event()
        self._redis = connect(self.url)
        try:
            await reachable(self._redis, self.url, self.connect_timeout)
        except QueueUnavailable:
            await self._redis.aclose()
            raise
        await ensure_group(self._redis, self.keys)
        self._add = self._redis.register_script(_ADD_BOUNDED)
        await self._poll_once()
        self._tasks = [asyncio.create_task(self._follow_workers(), name="queue-poll"),
                       asyncio.create_task(self._read_replies(), name="queue-replies")]
        log.info("melody jobs go to the workers through %s (prefix %s, at most %d queued); %d worker(s) alive",
                 shown_url(self.url), self.keys.prefix, self.max_queue, len(self._workers))

    async def _close(self) -> None:
        self._refusal = SHUTTING_DOWN
        self._fail_all(EngineStopped(SHUTTING_DOWN))
        self._closing.set()  # the loops end after their current call (a cancelled read would leave a socket open)
        _, late = await asyncio.wait(self._tasks, timeout=3) if self._tasks else (set(), set())
        for task in late:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._redis is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.delete(self.keys.reply(self.client_id))
            await self._redis.aclose()

    # ---- the engine API's state ----------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Redis answers and at least one worker is alive."""
        return self._refusal is None and bool(self._workers)

    @property
    def busy(self) -> bool:
        """The job stream is full: a new request would be refused with EngineBusy."""
        return self._depth >= self.max_queue

    @property
    def queue_depth(self) -> int:
        """Jobs in the stream: waiting, or being run by a worker."""
        return self._depth

    @property
    def batch_size(self) -> int:
        """Requests in the live workers' batches (as of their last heartbeats)."""
        return sum(int(w.get("batch", 0)) for w in self._workers.values())

    @property
    def max_batch(self) -> int:
        """The live workers' batch limits, added up."""
        return sum(int(w.get("max_batch", 0)) for w in self._workers.values())

    @property
    def workers(self) -> list[dict[str, Any]]:
        """The live workers' last heartbeats (name, host, device, batch, counters)."""
        return list(self._workers.values())

    @property
    def steps(self) -> int:
        """Batched model steps taken by every worker seen."""
        return sum(steps for steps, _ in self._counters.values())

    @property
    def tokens(self) -> int:
        """Tokens produced by every worker seen."""
        return sum(tokens for _, tokens in self._counters.values())

    def check_accepting(self) -> None:
        """Raise what ``generate`` would raise now: EngineStopped (no worker, no Redis) or EngineBusy."""
        if self._refusal is not None:
            raise EngineStopped(self._refusal)
        if not self._workers:
            raise EngineStopped(NO_WORKER)
        if self.busy:
            raise EngineBusy()

    # ---- requests ------------------------------------------------------------------------
    async def generate(self, grammar: Grammar, seed: int, temperature: float = 1.0, top_p: float = 1.0, *,
                       follow_up: bool = False) -> Grammar:
        """Have a worker run the request; return ``grammar`` in the state in-process decoding leaves it (``grammar``
        must be a dataclass of model/ or data/ whose fields are plain data: see ``encode_grammar``). A
        ``follow_up`` (the next part of a request already admitted) is queued even when the queue is full."""
        if not (temperature > 0 and 0 < top_p <= 1):
            raise ValueError(f"temperature must be > 0 and top_p in (0, 1], not {temperature} and {top_p}")
        loop = self._loop
        if loop is None:
            raise EngineStopped(self._refusal or NOT_STARTED)
        job = {"v": 1, "id": uuid.uuid4().hex, "reply": self.keys.reply(self.client_id), "vocab": self._digest,
               "grammar": encode_grammar(grammar), "seed": int(seed), "temperature": float(temperature),
               "top_p": float(top_p), "timeout": self.job_timeout}
        state = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._run(job, follow_up), loop))
        return apply_state(grammar, state, self.vocab)

    async def _run(self, job: dict[str, Any], follow_up: bool = False) -> dict[str, Any]:
        """In the client's loop: add the job, wait for its result (or a timeout, or the workers' loss)."""
        if not follow_up:
            self.check_accepting()
        elif self._refusal is not None or not self._workers:
            raise EngineStopped(self._refusal or NO_WORKER)
        assert self._redis is not None
        loop = asyncio.get_running_loop()
        waiting = self._waiting[job["id"]] = _Waiting(loop.create_future())
        try:
            try:
                limit = FOLLOW_UP_LIMIT if follow_up else self.max_queue
                entry = await self._add(keys=[self.keys.jobs], args=[limit, json.dumps(job)])
            except (RedisError, OSError) as exc:
                log.warning("could not queue a melody job: %s", exc)
                raise EngineStopped(QUEUE_DOWN) from None
            if entry is None:
                raise EngineBusy()
            waiting.entry = entry
            self._depth += 1
            try:
                return await asyncio.wait_for(asyncio.shield(waiting.future), self.job_timeout)
            except TimeoutError:
                raise EngineStopped(TOO_SLOW) from None
        finally:
            self._waiting.pop(job["id"], None)
            if not waiting.answered and waiting.entry is not None:  # abandoned: no worker should start it now
                with contextlib.suppress(RedisError, OSError):
                    await self._redis.xdel(self.keys.jobs, waiting.entry)

    def _fail_all(self, error: Exception) -> None:
        for waiting in list(self._waiting.values()):
            if not waiting.future.done():
                waiting.future.set_exception(error)

    # ---- background: workers, queue length, replies --------------------------------------
    async def _poll_once(self) -> None:
        assert self._redis is not None
        names = sorted(await self._redis.smembers(self.keys.workers))
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.get(self.keys.worker(name))
            pipe.xlen(self.keys.jobs)
            *beats, depth = await pipe.execute()
        workers = {}
        for name, beat in zip(names, beats, strict=True):
            if beat is None:
                await self._redis.srem(self.keys.workers, name)  # its heartbeat expired: gone
                continue
            info = json.loads(beat)
            workers[name] = info
            self._counters[name] = (int(info.get("steps", 0)), int(info.get("tokens", 0)))
        gone = set(self._workers) - set(workers)
        if gone:
            log.warning("composer worker(s) %s stopped sending heartbeats; %d alive", ", ".join(sorted(gone)),
                        len(workers))
        self._workers, self._depth = workers, int(depth)
        self._last_ok = time.monotonic()
        if self._refusal == QUEUE_DOWN or self._refusal == NOT_STARTED:
            self._refusal = None

    async def _follow_workers(self) -> None:
        while not self._closing.is_set():
            try:
                await self._poll_once()
            except (RedisError, OSError) as exc:
                if self._refusal is None:
                    log.warning("Redis at %s does not answer: %s", shown_url(self.url), exc)
                if time.monotonic() - self._last_ok > BEAT_TTL:  # as long as a lost worker would take to notice
                    self._refusal = QUEUE_DOWN
                    self._fail_all(EngineStopped(QUEUE_DOWN))
            if self._workers or self._refusal is not None:
                self._empty_since = None
            elif self._empty_since is None:
                self._empty_since = time.monotonic()
            elif time.monotonic() - self._empty_since >= ORPHANED:
                self._fail_all(EngineStopped(WORKER_LOST))  # their heartbeats stopped: nobody will answer
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), POLL)

    async def _read_replies(self) -> None:
        assert self._redis is not None
        stream, last = self.keys.reply(self.client_id), "0-0"
        while not self._closing.is_set():
            try:
                got = await self._redis.xread({stream: last}, count=256, block=1000)
            except (RedisError, OSError):
                await asyncio.sleep(POLL)
                continue
            ids = []
            for _, entries in got:
                for entry, fields in entries:
                    last = entry
                    ids.append(entry)
                    self._resolve(json.loads(fields["result"]))
            if ids:
                with contextlib.suppress(RedisError, OSError):
                    await self._redis.xdel(stream, *ids)

    def _resolve(self, result: dict[str, Any]) -> None:
        waiting = self._waiting.get(result.get("id", ""))
        if waiting is None or waiting.future.done():
            self.duplicates += 1  # answered already (or given up on): only the first result counts
            log.debug("ignoring a second or late result for job %s", result.get("id"))
            return
        self.answered += 1
        waiting.answered = True
        if "error" in result:
            waiting.future.set_exception(error_of(result))
        else:
            waiting.future.set_result(result["state"])

