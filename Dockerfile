# MusicGenius bot, CPU build:      docker build -t musicgenius .
# CUDA build (GPU inference):      docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 -t musicgenius:cuda .
# Run:  docker run --env-file .env -v musicgenius-data:/data musicgenius
FROM python:3.11-slim

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-liberation libfluidsynth3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0 --index-url "$TORCH_INDEX"
COPY pyproject.toml README.md ./
COPY bot bot
COPY studio studio
COPY model model
COPY data/*.py data/tunes.json.gz data/verse.txt.gz data/blocklist.txt data/
RUN pip install --no-cache-dir . && useradd --create-home musicgenius && mkdir /data && chown musicgenius /data

USER musicgenius
ENV MUSICGENIUS_DB=/data/musicgenius.sqlite3 \
    PYTHONUNBUFFERED=1
VOLUME /data
CMD ["python", "-m", "bot"]
