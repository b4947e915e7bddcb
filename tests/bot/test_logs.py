"""MUSICGENIUS_LOG_FORMAT=json: one JSON object per line, and the lines of one interaction share its request_id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal

from bot.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, request_scope
from studio.work import RenderQueue
from tests.bot.test_shutdown_e2e import python_m_bot
from tests.fakediscord import running_fake


async def test_python_m_bot_logs_json_lines_that_follow_one_interaction(tmp_path):
    async with running_fake() as fake, python_m_bot(fake, tmp_path, MUSICGENIUS_LOG_FORMAT="json") as bot:
        it = await fake.slash("melody", {"notes": "C E G", "seed": 3, "bars": 4, "count": 1})
        assert "C E G ➜" in (await it.wait_final(timeout=90)).content
        await bot.wait_for_output("slash melody done", timeout=30)
        bad = await fake.slash("melody", {"notes": "C H G", "count": 1})
        await bad.wait_final(timeout=30)
        await bot.wait_for_output("slash melody done", timeout=30)
        bot.proc.send_signal(signal.SIGTERM)
        assert await bot.wait_exit(30) == 0
    lines = [json.loads(line) for line in bot.output.splitlines() if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert any("has connected to Gateway" in line["message"] for line in lines)
    mine = [line for line in lines if line.get("request_id") == str(it.id)]
    assert mine[0]["message"] == "slash melody received"
    assert mine[-1]["message"].startswith("slash melody done: acknowledged")
    theirs = [line["message"] for line in lines if line.get("request_id") == str(bad.id)]
    assert theirs[0] == "slash melody received" and theirs[-1].startswith("slash melody done")
    assert "fake-token" not in bot.output


def _lower(text: str) -> str:
    logging.getLogger("tests.logs.thread").info("rendering %s", text)
    return text.lower()


async def test_the_request_id_follows_the_work_into_tasks_and_render_threads():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        async def handle() -> str:
            logger.info("received")
            return await RenderQueue().run(_lower, "ABC", in_process=False)  # a worker thread

        with request_scope("1234"):
            task = asyncio.create_task(handle())
        assert REQUEST_ID.get() is None
        assert await task == "abc"
        logger.info("between requests")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["message"], line.get("request_id")) for line in lines] == [
        ("received", "1234"), ("rendering ABC", "1234"), ("between requests", None)]
    assert lines[1]["logger"] == "tests.logs.thread" and lines[0]["level"] == "INFO"
