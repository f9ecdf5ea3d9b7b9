# The bot and worker image for compose.gpu.yml (`dialog-keeper run` / `dialog-keeper worker`).
# No model weights inside: compose mounts the verified models directory read-only at /models.
#
# One CUDA line for the whole GPU stack (tests/deploy/test_cuda_line.py keeps these in step):
#   torch's CUDA 12.8 build (TORCH_CUDA=cu128, from PyTorch's own wheel index, not PyPI's CUDA 13 build)
#   → NVIDIA's CUDA 12.8 runtime, cuBLAS 12 and cuDNN 9 wheels that torch pulls in; CTranslate2
#     (faster-whisper) loads the same libcublas.so.12 / libcudnn*.so.9 through LD_LIBRARY_PATH
#   → the vLLM image of compose.gpu.yml is built on CUDA 12.8
#   → the host driver series (ansible nvidia_driver_package) supports CUDA 12.8: 570 or newer.
# One copy of CUDA, the wheels', rather than a CUDA base image plus torch's own copy; and the base
# stays Python 3.11, which pyproject.toml requires (the CUDA base images ship 3.10 or 3.12).

ARG PYTHON_IMAGE=python:3.11-slim
ARG TORCH_CUDA=cu128
ARG CUDNN_MAJOR=9
# PyTorch's wheel index (or your internal mirror of it); the torch build is ${TORCH_INDEX_URL}/${TORCH_CUDA}.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_CUDA
ARG TORCH_INDEX_URL
# llama-cpp-python (a dependency of the embedded dev stack) has no binary wheel: it compiles.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY inference ./inference
# First the CUDA build of torch from PyTorch's index; then everything else with torch pinned in the same
# pip command (as in scripts/install.sh): "torch==2.13.0" is satisfied by the installed 2.13.0+cu128,
# so pip keeps it and never swaps in PyPI's CUDA 13 wheels.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip setuptools wheel \
 && /opt/venv/bin/pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}/${TORCH_CUDA}" "torch==2.13.0" \
 && /opt/venv/bin/pip install --no-cache-dir "torch==2.13.0" .

FROM ${PYTHON_IMAGE}
ARG TORCH_CUDA
ARG CUDNN_MAJOR
# ffmpeg decodes Telegram's OGG/Opus voice notes; libgomp1 is OpenMP for CTranslate2 and llama.cpp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/dialog-keeper dk
COPY --from=build /opt/venv /opt/venv
COPY models/manifest.toml /app/models/manifest.toml
# CTranslate2 dlopens cuBLAS and cuDNN by soname: point it at the NVIDIA wheels torch brought.
ENV NVIDIA_LIBS=/opt/venv/lib/python3.11/site-packages/nvidia
ENV LD_LIBRARY_PATH=${NVIDIA_LIBS}/cublas/lib:${NVIDIA_LIBS}/cudnn/lib:${NVIDIA_LIBS}/cuda_runtime/lib:${NVIDIA_LIBS}/cuda_nvrtc/lib
# The build fails here, not on the GPU host, when the line breaks: torch's CUDA is not the one asked
# for, or the libraries CTranslate2 needs are absent (dlopen works without a GPU).
RUN /opt/venv/bin/python -c "import ctypes, torch; \
cuda = 'cu' + torch.version.cuda.replace('.', ''); \
assert cuda == '${TORCH_CUDA}', (cuda, '${TORCH_CUDA}'); \
assert torch.backends.cudnn.version() // 10000 == ${CUDNN_MAJOR}, torch.backends.cudnn.version(); \
[ctypes.CDLL(lib) for lib in ('libcublas.so.12', 'libcublasLt.so.12', 'libcudnn_ops.so.${CUDNN_MAJOR}', \
 'libcudnn_cnn.so.${CUDNN_MAJOR}')]"
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
