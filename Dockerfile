# The bot and worker image for compose.gpu.yml (`dialog-keeper run` / `dialog-keeper worker`).
# No model weights inside: compose mounts the verified models directory read-only at /models.
# torch is pinned in the same pip command as everything else (as in scripts/install.sh); on
# linux/amd64 the PyPI wheel of torch==2.13.0 is the CUDA build the GPU worker needs.

FROM python:3.11-slim AS build
# llama-cpp-python (a dependency of the embedded dev stack) has no binary wheel: it compiles.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY inference ./inference
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip setuptools wheel \
 && /opt/venv/bin/pip install --no-cache-dir "torch==2.13.0" .

FROM python:3.11-slim
# ffmpeg decodes Telegram's OGG/Opus voice notes; libgomp1 is OpenMP for CTranslate2 and llama.cpp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/dialog-keeper dk
COPY --from=build /opt/venv /opt/venv
COPY models/manifest.toml /app/models/manifest.toml
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    DO_NOT_TRACK=1 \
    DK_DATA_DIR=/var/lib/dialog-keeper \
    DK_MODELS_DIR=/models
USER dk
WORKDIR /var/lib/dialog-keeper
CMD ["dialog-keeper", "run"]
