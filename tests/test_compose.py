"""docker-compose.yml and the Dockerfile: the services the README promises, wired to each other (no Docker needed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_bot_workers_redis_and_postgresql():
    services = compose()["services"]
    assert {"bot", "worker", "worker-cpu", "redis", "postgres"} <= set(services)
    bot = services["bot"]
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env" and int(bot["stop_grace_period"].rstrip("s")) > 20
    redis_host = "redis://redis:6379/"
    for name in ("bot", "worker", "worker-cpu"):
        assert services[name]["environment"]["MUSICGENIUS_QUEUE"].startswith(redis_host), name
        assert services[name]["environment"]["MUSICGENIUS_QUEUE_PREFIX"] == "musicgenius", name
    database = bot["environment"]["MUSICGENIUS_DB"].replace("${POSTGRES_PASSWORD:-musicgenius}", "musicgenius")
    assert database == "postgresql://musicgenius:musicgenius@postgres:5432/musicgenius"
    pg = services["postgres"]["environment"]
    assert (pg["POSTGRES_USER"], pg["POSTGRES_DB"]) == ("musicgenius", "musicgenius")
    settings = Settings(token="x" * 24, database=database, queue=bot["environment"]["MUSICGENIUS_QUEUE"])
    assert settings.queue == "redis://redis:6379/0"  # what the bot would accept


def test_the_worker_services_run_the_worker_command_the_package_installs():
    services = compose()["services"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["musicgenius-worker"] == "model.worker:main"
    for name in ("worker", "worker-cpu"):
        service = services[name]
        assert service["command"] == ["musicgenius-worker"]
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        health = " ".join(service["healthcheck"]["test"])
        assert service["environment"]["MUSICGENIUS_WORKER_HEALTH_FILE"] in health


def test_the_gpu_worker_is_a_cuda_build_on_an_nvidia_device():
    worker = compose()["services"]["worker"]
    assert re.search(r"/whl/cu\d+$", worker["build"]["args"]["TORCH_INDEX"])
    assert worker["environment"]["MUSICGENIUS_DEVICE"] == "cuda"
    device = worker["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert compose()["services"]["worker-cpu"]["environment"]["MUSICGENIUS_DEVICE"] == "cpu"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in dockerfile
    assert '--index-url "$TORCH_INDEX"' in dockerfile
    assert "COPY model model" in dockerfile  # model/worker.py and the checkpoints are in the image
