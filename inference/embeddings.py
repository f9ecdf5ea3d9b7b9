"""Local sentence-transformers embeddings as a LlamaIndex ``BaseEmbedding``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding


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


def load_embedding(model_dir: Path, *, device: str = "cpu", batch_size: int = 32) -> HuggingFaceEmbedding:
    """Load the embedding model from a local directory (never from a hub)."""
    require_model_dir(model_dir, what="Embedding model", marker="config.json")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    e5 = is_e5(model_dir)
    return HuggingFaceEmbedding(model_name=str(model_dir), device=device, embed_batch_size=batch_size,
                                normalize=True, trust_remote_code=False,
                                query_instruction="query: " if e5 else None,
                                text_instruction="passage: " if e5 else None)
