"""Local sentence-transformers embeddings as a LlamaIndex ``BaseEmbedding``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

log = logging.getLogger(__name__)


class ModelNotInstalled(FileNotFoundError):
    """A model directory is missing; the message says how to install it."""


def require_model_dir(path: Path, *, what: str, marker: str) -> Path:
    """Return ``path`` if it holds ``marker``, else raise with the command that installs it."""
    if not (path / marker).exists():
        raise ModelNotInstalled(
            f"{what} not found at {path} (no {marker}). "
            "Run `dialog-keeper models install-dev` for the embedded models, "
            "or set the path in .env (see .env.example).")
    return path


def is_e5(model_dir: Path) -> bool:
    """Whether the model is an e5 model, which expects ``query: `` / ``passage: `` prefixes."""
    name = model_dir.name.lower()
    config = model_dir / "config.json"
    if config.exists():
        name += " " + str(json.loads(config.read_text()).get("_name_or_path", "")).lower()
    return "e5" in name


def embedding_device(requested: str) -> tuple[str, str]:
    """The device to embed on and its weights' dtype: float16 on CUDA, float32 on the CPU.

    ``auto`` takes CUDA when torch sees a GPU. ``cuda`` asked for but absent falls back to the CPU and
    says so as an error: the bot still answers, an order of magnitude slower (e5-large: ~8 ms per
    query in fp16 on an H100, ~160 ms on two CPU threads).
    """
    if requested != "auto" and not requested.startswith("cuda"):
        return requested, "float32"
    import torch

    if torch.cuda.is_available():
        return ("cuda" if requested == "auto" else requested), "float16"
    if requested != "auto":
        log.error("EMBEDDINGS ON THE CPU: DK_EMBEDDINGS__DEVICE=%s but torch sees no CUDA device (torch %s, "
                  "built for CUDA %s); every query is embedded on the CPU, far slower. Check the GPU reservation "
                  "and the driver (`dialog-keeper gpu-check`).", requested, torch.__version__, torch.version.cuda)
    return "cpu", "float32"


def load_embedding(model_dir: Path, *, device: str = "cpu", batch_size: int = 32) -> HuggingFaceEmbedding:
    """Load the embedding model from a local directory (never from a hub); fp16 weights on CUDA."""
    require_model_dir(model_dir, what="Embedding model", marker="config.json")
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    device, dtype = embedding_device(device)
    model_kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype)}
    e5 = is_e5(model_dir)
    return HuggingFaceEmbedding(model_name=str(model_dir), device=device, embed_batch_size=batch_size,
                                normalize=True, trust_remote_code=False,
                                query_instruction="query: " if e5 else None,
                                text_instruction="passage: " if e5 else None,
                                model_kwargs=model_kwargs)
