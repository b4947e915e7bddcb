# MusicGenius bot, CPU build:      docker build -t musicgenius .
# CUDA build (GPU inference):      docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 -t musicgenius:cuda .
# Melody worker, same image:       docker run --gpus all --no-healthcheck -e MUSICGENIUS_QUEUE=redis://host:6379/0 musicgenius:cuda musicgenius-worker
# Everything (bot, workers, Redis, PostgreSQL): docker-compose.yml
# Run:  docker run --env-file .env -v musicgenius-data:/data --stop-timeout 40 musicgenius
#
# On `docker stop` the bot refuses new requests, gives those in flight MUSICGENIUS_SHUTDOWN_GRACE seconds (20),
# answers the rest and closes the database; --stop-timeout must exceed the grace period (Docker's default, 10 s,
# would SIGKILL it first; in Compose: stop_grace_period: 40s).
#
# Pinning: the base image is pinned to a Python patch release and Debian release (add @sha256:<digest> from
# `docker buildx imagetools inspect python:3.11.17-slim-bookworm` for byte-identical rebuilds); torch is pinned
# here; every other dependency comes from requirements.lock (pinned with hashes, made by scripts/lock.sh; it also
# holds the dev tools, so they are in the image), and the project itself is installed with --no-deps.
FROM python:3.11.17-slim-bookworm

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# tini as PID 1 forwards SIGTERM to Python and reaps zombies; Python's own handlers do the graceful shutdown.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-liberation fonts-dejavu-core libfluidsynth3 musescore-general-soundfont-small tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0 --index-url "$TORCH_INDEX"
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot bot
COPY studio studio
COPY model model
COPY data/*.py data/tunes.json.gz data/corpus_notes.npz data/verse.txt.gz data/blocklist.txt data/
RUN pip install --no-cache-dir --no-deps . && useradd --create-home musicgenius && mkdir /data && chown musicgenius /data

USER musicgenius
ENV MUSICGENIUS_DB=/data/musicgenius.sqlite3 \
    PYTHONUNBUFFERED=1
VOLUME /data
# Healthy while connected to Discord: the bot touches a file every 10 s, `--health` checks it is under 60 s old.
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 CMD ["python", "-m", "bot", "--health"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "bot"]
