"""Ingestion throughput and retrieval latency as the knowledge base grows (1k, 10k, 100k chunks).

One scratch knowledge base (SQLite file, Qdrant local mode on disk, the configured embedding
model) is filled through the bot's own ``IngestService`` with synthetic documents: copies of the
sample handbook, each copy perturbed (its own title, a reference line per section) so that no
two are the same content. At each level it reports

- ingestion: chunks/s end to end (read → chunk → embed → Qdrant upsert → rows);
- retrieval: the bot's dense search and hybrid search (BM25 fused) p50/p95 over the labelled
  questions, the query embedding on its own, and how long the BM25 index takes to (re)build.

Embedding is by far the slowest stage on CPU, so only the first ``--real-embed`` chunks are
embedded by the model. Beyond that, each chunk gets a real vector from that pool (picked by a
hash of its text) plus Gaussian noise: the rest of the pipeline is real, the embedding time is
not, and the report says which levels are which (``embedding``). Vectors reused that way are
as good as any for latency; retrieval *quality* is measured by ``retrieval_quality.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.answer_latency import percentile  # noqa: E402  # after the path set-up above
from benchmarks.retrieval_quality import load_questions  # noqa: E402
from bot.container import Container  # noqa: E402
from bot.knowledge.lexical import LexicalIndex  # noqa: E402
from bot.knowledge.loaders import iter_files  # noqa: E402
from bot.settings import Settings  # noqa: E402

NOISE = 0.02  # standard deviation of the noise added to reused vectors (they are unit length)


class PooledEmbedding(BaseEmbedding):
    """Stands in for the model past ``--real-embed``: a pooled real vector plus noise, by text hash."""

    _pool: np.ndarray = PrivateAttr()

    def __init__(self, pool: np.ndarray) -> None:
        super().__init__(model_name="pooled-real-vectors-plus-noise")
        self._pool = pool

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        vector = self._pool[seed % len(self._pool)] + rng.normal(0.0, NOISE, self._pool.shape[1])
        return (vector / np.linalg.norm(vector)).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def variants(handbook: list[tuple[str, str]]) -> Any:
    """Endless distinct documents: copy n of each handbook page, with its own title and references."""
    n = 0
    while True:
        n += 1
        for name, text in handbook:
            reference = f"\n\nReference NW-{n:06d}, revision {n % 97}."
            body = re.sub(r"^(#{2,6} .+)$", lambda m, r=reference: m.group(1) + r, text, flags=re.MULTILINE)
            yield f"{Path(name).stem}-{n:06d}.md", body.replace("\n", f" (copy {n})\n", 1).encode()


def timed(fn: Any, repeats: int) -> list[float]:
    """Milliseconds of ``repeats`` calls of ``fn(i)``."""
    out = []
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def stats(values: list[float]) -> dict[str, float]:
    """p50/p95/mean in milliseconds."""
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "mean": round(sum(values) / max(len(values), 1), 2), "n": len(values)}


def _dir_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Grow the knowledge base level by level and measure."""
    folder = ROOT / "samples/handbook"
    handbook = [(f"{p.parent.name}-{p.name}", p.read_text(encoding="utf-8")) for p in iter_files(folder)]
    questions = [q["question"] for q in load_questions(ROOT / "benchmarks/questions_labelled.tsv")][: args.queries]
    documents = variants(handbook)
    levels: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]  # pydantic-settings kwarg
        container = Container(settings)
        try:
            service, index = container.ingest, container.index  # loads the model before any clock starts
            real_model, lexical = index.embed_model, LexicalIndex(container.engine, refresh_s=0)
            index.lexical = None  # ingestion does not need it; searches attach it below
            query_vectors = [index.embed_query(q) for q in questions]
            embed_query_ms = timed(lambda i: index.embed_query(questions[i % len(questions)]), len(questions))
            total, pooled = 0, False
            for level in sorted(args.levels):
                started, added = time.perf_counter(), 0
                while total < level:
                    if not pooled and total >= args.real_embed:
                        pool = _vectors(index)
                        index.embed_model, pooled = PooledEmbedding(pool), True
                    name, data = next(documents)
                    result = service.ingest_bytes(data, filename=name)
                    total += result.chunks
                    added += result.chunks
                    if args.progress and result.document_id % 50 == 0:
                        print(f"\r{level}: {total} chunks", end="", file=sys.stderr, flush=True)
                seconds = time.perf_counter() - started
                if args.progress:
                    print(file=sys.stderr)
                dense_ms = timed(lambda i: index.search(query_vectors[i], top_k=4), len(questions))
                index.lexical = lexical
                started = time.perf_counter()
                lexical.search("warm-up", top_k=1)  # builds the BM25 index over every chunk row
                lexical_build_s = time.perf_counter() - started
                hybrid_ms = timed(lambda i: index.search(query_vectors[i], top_k=4, query=questions[i]),
                                  len(questions))
                index.lexical = None
                levels[str(level)] = {
                    "chunks": index.count(),
                    "embedding": "pooled real vectors + noise" if pooled else "model",
                    "ingest": {"chunks_added": added, "seconds": round(seconds, 2),
                               "chunks_per_s": round(added / max(seconds, 1e-9), 1)},
                    "search_dense_ms": stats(dense_ms),
                    "search_hybrid_ms": stats(hybrid_ms),
                    "embed_plus_dense_ms_p50": round(percentile(embed_query_ms, 50) + percentile(dense_ms, 50), 2),
                    "lexical_index_build_s": round(lexical_build_s, 2),
                    "storage_mib": {"qdrant": _dir_mib(settings.qdrant_path),
                                    "sqlite": round(_dir_mib(settings.data_dir) - _dir_mib(settings.qdrant_path), 1)},
                }
                print(json.dumps({level: levels[str(level)]}), file=sys.stderr)
            index.embed_model = real_model
        finally:
            container.close_sync()
    return {
        "benchmark": "ingest_throughput",
        "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=ROOT).stdout.strip(),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {"embedding_model": settings.embeddings.model_dir.name, "real_embed_chunks": args.real_embed,
                     "noise_sd": NOISE, "chunk_size": settings.retrieval.chunk_size,
                     "batch_size": settings.knowledge.ingest_batch_size, "queries": len(questions), "top_k": 4,
                     "qdrant": "qdrant-client local mode on disk (brute-force search, no HNSW)",
                     "database": "SQLite", "corpus": "perturbed copies of samples/handbook (12 pages)"},
        "embed_query_ms": stats(embed_query_ms),
        "levels": levels,
        "notes": [
            "ingest.chunks_per_s includes embedding only at levels whose embedding is 'model'; beyond "
            "real_embed_chunks the model is replaced by pooled real vectors plus noise, so those levels "
            "measure chunking, Qdrant upserts and database rows without the model",
            "local mode searches by brute force; the Qdrant server (HNSW) is what the 1M-chunk target is about",
        ],
    }


def _vectors(index: Any) -> np.ndarray:
    """Every vector stored so far (the pool reused past --real-embed)."""
    records, offset, found = [], None, []
    while True:
        records, offset = index._client.scroll(index.collection, limit=1024, offset=offset, with_vectors=True)
        for r in records:
            vector = r.vector if isinstance(r.vector, list) else next(iter(r.vector.values()))
            found.append(vector)
        if offset is None:
            return np.asarray(found, dtype=np.float32)


def main() -> None:
    """Parse arguments, run, write JSON."""
    here = Path(__file__).parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--real-embed", type=int, default=1_000,
                        help="chunks embedded by the model before pooled vectors take over (default 1000)")
    parser.add_argument("--queries", type=int, default=50, help="labelled questions timed per level")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--out", default=str(here / "results/ingest_throughput.json"))
    args = parser.parse_args()
    result = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for level, figures in result["levels"].items():
        print(f"{int(level):>7} chunks  ingest {figures['ingest']['chunks_per_s']:>7} chunks/s ({figures['embedding']})"
              f"  dense p50/p95 {figures['search_dense_ms']['p50']}/{figures['search_dense_ms']['p95']} ms"
              f"  hybrid p50/p95 {figures['search_hybrid_ms']['p50']}/{figures['search_hybrid_ms']['p95']} ms")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
