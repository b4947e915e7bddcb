"""/metrics of a real bot connected to the fake Discord: what an operator's Prometheus and Grafana would read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.client import MusicGenius
from bot.metrics import reply_continues, reply_finished
from bot.replies import defer, respond
from bot.settings import Settings, SettingsError
from studio.melody import Composer
from studio.store.base import open_store
from tests.fakediscord import running_bot, running_fake

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "grafana-dashboard.json"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@contextlib.asynccontextmanager
async def bot_with_metrics(tmp_path: Path, composer: Composer,
                           bot_class: type[MusicGenius] = MusicGenius) -> AsyncIterator[MusicGenius]:
    """The bot, connected to a fake Discord, serving /metrics on a free port of 127.0.0.1 (the default host)."""
    async with running_fake() as fake:
        settings = Settings(token="fake-token", dev_guild=fake.guild_id, database=str(tmp_path / "bot.sqlite3"),
                            metrics_port=0)
        store = await open_store(settings.database)
        try:
            async with running_bot(bot_class(settings, composer, store, guild_ready_timeout=0.1), fake) as bot:
                await fake.wait_for_commands()
                bot.fake = fake  # type: ignore[attr-defined]
                yield bot
        finally:
            await store.close()


async def scrape(bot: MusicGenius) -> str:
    assert bot.metrics.port
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{bot.metrics.port}/metrics") as r:
        assert r.status == 200 and r.content_type == "text/plain"
        return await r.text()


def samples(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape_until(bot: MusicGenius, done, timeout: float = 90.0) -> Samples:
    """Scrape until ``done(samples)`` holds (the reply is counted once its handler is done)."""
    deadline = time.monotonic() + timeout
    while True:
        found = samples(await scrape(bot))
        if done(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_a_melody_is_counted_and_timed_and_its_tokens_show(tmp_path, composer):
    async with bot_with_metrics(tmp_path, composer) as bot:
        before = samples(await scrape(bot))
        it = await bot.fake.slash("melody", {"notes": "C E G", "seed": 42, "bars": 8, "count": 1})
        assert "C E G ➜" in (await it.wait_final(timeout=60)).content
        after = await scrape_until(bot, lambda s: value(s, "musicgenius_reply_seconds_count", command="melody")
                                   > value(before, "musicgenius_reply_seconds_count", command="melody"))

        def grew(name: str, **labels: str) -> float:
            return value(after, name, **labels) - value(before, name, **labels)

        assert grew("musicgenius_commands_total", command="melody", kind="slash") == 1
        for histogram in ("ack", "first_message", "reply"):
            assert grew(f"musicgenius_{histogram}_seconds_count", command="melody") == 1, histogram
        ack, first, reply = (grew(f"musicgenius_{h}_seconds_sum", command="melody") for h in ("ack", "first_message",
                                                                                               "reply"))
        assert 0 < ack < 3.0 and ack < first <= reply  # "thinking…" at once, then the notes
        assert grew("musicgenius_engine_tokens_total") > 20 and grew("musicgenius_engine_steps_total") > 0
        assert value(after, "musicgenius_engine_up") == 1 and value(after, "musicgenius_engine_max_batch") > 0
        for gauge in ("engine_queue_depth", "engine_batch_size", "render_backlog", "render_limit"):
            assert ("musicgenius_" + gauge, frozenset()) in after, gauge
        assert grew("musicgenius_errors_total", kind="user", type="MusicError") == 0

        bad = await bot.fake.slash("melody", {"notes": "C H G", "count": 1})  # H is no note
        assert (await bad.wait_final(timeout=30)).ephemeral
        errors = await scrape_until(bot, lambda s: sum(v for (n, labels), v in s.items()
                                                         if n == "musicgenius_errors_total") > 0)
        user_errors = {dict(labels)["type"]: v for (n, labels), v in errors.items()
                       if n == "musicgenius_errors_total" and dict(labels)["kind"] == "user"}
        assert sum(user_errors.values()) == 1, errors
        assert value(errors, "musicgenius_commands_total", command="melody", kind="slash") == value(
            before, "musicgenius_commands_total", command="melody", kind="slash") + 2


class WithLateFiles(MusicGenius):
    """The bot with one more command whose reply grows after its handler returned, as /melody's files do."""

    async def setup_hook(self) -> None:
        self.late: set[asyncio.Task[None]] = set()

        @self.tree.command(name="later", description="Answer now, add to the answer later")
        async def later(interaction) -> None:
            await defer(interaction)
            message = await respond(interaction, "the notes")
            reply_continues(interaction)

            async def add_files() -> None:
                try:
                    await asyncio.sleep(1.0)
                    await message.edit(content="the notes and the files")
                finally:
                    reply_finished(interaction)

            self.late.add(asyncio.create_task(add_files()))

        await super().setup_hook()


async def test_a_reply_that_grows_after_its_handler_is_timed_to_its_last_message(tmp_path, composer):
    async with bot_with_metrics(tmp_path, composer, WithLateFiles) as bot:
        it = await bot.fake.slash("later")
        assert (await it.wait_final(timeout=30)).content == "the notes"
        found = await scrape_until(bot, lambda s: value(s, "musicgenius_reply_seconds_count", command="later") == 1)
        assert value(found, "musicgenius_first_message_seconds_sum", command="later") < 1.0
        assert value(found, "musicgenius_reply_seconds_sum", command="later") >= 1.0
        assert (await it.wait_final(timeout=5)).content == "the notes and the files"
        assert value(found, "musicgenius_interactions_in_progress") == 0


def queried_metrics(dashboard: dict) -> set[str]:
    """The metric names the dashboard's PromQL expressions read."""
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert exprs, "no queries in the dashboard"
    return {name for expr in exprs for name in re.findall(r"\bmusicgenius_[a-z_]+", expr)}


async def test_every_metric_the_dashboard_queries_is_served(tmp_path, composer):
    dashboard = json.loads(DASHBOARD.read_text())
    wanted = queried_metrics(dashboard)
    async with bot_with_metrics(tmp_path, composer) as bot:
        families = list(text_string_to_metric_families(await scrape(bot)))
    served = {f.name for f in families} | {s.name for f in families for s in f.samples}
    served |= {f"{f.name}{end}" for f in families if f.type == "histogram" for end in ("_bucket", "_count", "_sum")}
    served |= {f"{f.name}_total" for f in families if f.type == "counter"}
    assert wanted - served == set(), f"the dashboard queries metrics the bot does not serve: {wanted - served}"
    assert {"musicgenius_ack_seconds_bucket", "musicgenius_engine_tokens_total", "musicgenius_render_backlog",
            "musicgenius_errors_total", "musicgenius_engine_queue_depth"} <= wanted


async def test_a_metrics_port_in_use_stops_the_bot_with_a_clear_message(tmp_path, composer):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with running_fake() as fake:
            settings = Settings(token="fake-token", database=str(tmp_path / "bot.sqlite3"), metrics_port=port)
            store = await open_store(settings.database)
            try:
                with pytest.raises(SettingsError, match=f"MUSICGENIUS_METRICS_PORT: can't serve metrics on "
                                                        f"127.0.0.1:{port}"):
                    async with running_bot(MusicGenius(settings, composer, store), fake):
                        pass
            finally:
                await store.close()
