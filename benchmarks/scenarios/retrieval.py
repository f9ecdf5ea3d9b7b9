"""``run retrieval``: search latency against index size (and the retrieval-quality benchmark, when present).

The corpus (the sample handbook) is chunked, embedded and stored through the bot's own
ingestion into Qdrant (in memory by default, a server with ``--qdrant-url``); the index is then
grown to each ``--sizes`` with synthetic neighbours of the real chunks (their vectors plus a
little noise, their payloads). Per size: the bot's dense search (``KnowledgeIndex.search``),
the raw Qdrant query, the query embedding, and embedding + search. One record per size; with
``--quality`` also one record per mode of ``benchmarks/retrieval_quality.py`` (recall, MRR).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.records import ROOT, RunContext, display_path, make_settings
from benchmarks.harness.stats import distribution
from benchmarks.scenarios import wrapped
from benchmarks.scenarios.llm import load_prompts

DEFAULTS = {"max_requests": 40, "max_seconds": 300.0}
QUALITY_SCRIPT = ROOT / "benchmarks/retrieval_quality.py"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run retrieval``."""
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000],
                        help="index sizes in chunks, after the real corpus (default 1000 10000 50000)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples/handbook")
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks/questions_en.txt")
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--noise", type=float, default=0.05, help="std of the noise added to synthetic vectors")
    parser.add_argument("--qdrant-url", default=None, help="a Qdrant server (a scratch collection, dropped after)")
    parser.add_argument("--quality", action=argparse.BooleanOptionalAction, default=QUALITY_SCRIPT.exists(),
                        help="also run benchmarks/retrieval_quality.py and record recall/MRR per mode "
                             "(default: on when that script exists)")


def _pad(client: Any, collection: str, base: list[Any], target: int, noise: float, seed: int = 0) -> None:
    """Add synthetic neighbours of ``base`` points until the collection holds ``target`` points."""
    import numpy as np
    from qdrant_client.models import PointStruct

    rng = np.random.default_rng(seed)
    count = client.count(collection, exact=True).count
    while count < target:
        batch = []
        for j in range(min(1024, target - count)):
            source = base[(count + j) % len(base)]
            named = isinstance(source.vector, dict)
            raw = np.asarray(next(iter(source.vector.values())) if named else source.vector, dtype=np.float32)
            vector = raw + rng.normal(0.0, noise, raw.shape).astype(np.float32)
            vector /= np.linalg.norm(vector)
            value = {next(iter(source.vector)): vector.tolist()} if named else vector.tolist()
            batch.append(PointStruct(id=str(uuid.uuid4()), vector=value, payload=source.payload))
        with warnings.catch_warnings():  # local mode warns above 20k points: measuring that is the point here
            warnings.filterwarnings("ignore", message="Local mode is not recommended", category=UserWarning)
            client.upsert(collection, points=batch, wait=True)
        count += len(batch)


def _latencies(index: Any, client: Any, queries: list[tuple[list[float], float]], args: argparse.Namespace,
               using: str | None, budget: Budget, size: int) -> tuple[dict[str, list[float]], int]:
    """Per-query timings at the current size, and how many searches returned fewer hits than they should."""
    found: dict[str, list[float]] = {"search_ms": [], "qdrant_ms": [], "embed_ms": [], "embed_plus_search_ms": []}
    short = 0
    for vector, embed_ms in itertools.cycle(queries):
        if not budget.take():
            break
        started = time.perf_counter()
        hits = index.search(vector, top_k=args.top_k)
        search_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        points = client.query_points(index.collection, query=vector, using=using, limit=args.top_k).points
        qdrant_ms = (time.perf_counter() - started) * 1000
        if min(len(hits), len(points)) < min(args.top_k, size):
            short += 1
            continue
        found["qdrant_ms"].append(qdrant_ms)
        found["search_ms"].append(search_ms)
        found["embed_ms"].append(embed_ms)
        found["embed_plus_search_ms"].append(embed_ms + search_ms)
    return found, short


def latency_by_size(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """One record per index size: the real corpus first, then each of ``--sizes``."""
    from qdrant_client import QdrantClient

    from bot.container import Container
    from bot.knowledge.loaders import iter_files

    records = []
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"bench{uuid.uuid4().hex[:6]}"
        settings = make_settings(data_dir=Path(tmp), retrieval={"mode": "dense"}, qdrant={"collection_prefix": prefix})
        container = Container(settings)
        client = QdrantClient(url=args.qdrant_url) if args.qdrant_url else QdrantClient(location=":memory:")
        container.qdrant = client  # the brief's in-memory Qdrant (or the server) instead of local-path mode
        ctx.models["embeddings"] = settings.embeddings.model_dir.name
        try:
            for path in iter_files(args.corpus):
                container.ingest.ingest_file(path)
            index = container.index
            base, _ = client.scroll(index.collection, limit=100_000, with_payload=True, with_vectors=True)
            using = next(iter(base[0].vector)) if base and isinstance(base[0].vector, dict) else None
            questions = load_prompts(args.questions)[: max(args.max_requests, 1)]
            index.embed_query("warm-up")  # the first query pays one-off model costs
            queries = []
            for question in questions:
                started = time.perf_counter()
                vector = index.embed_query(question)
                queries.append((vector, (time.perf_counter() - started) * 1000))
            sizes = [len(base), *sorted(s for s in args.sizes if s > len(base))]
            bar = progress(len(sizes), "retrieval sizes", enabled=ctx.progress, unit="size")
            for size in sizes:
                _pad(client, index.collection, base, size, args.noise)
                budget = Budget(args.max_requests, args.max_seconds)
                found, short = _latencies(index, client, queries, args, using, budget, size)
                settings_ = {"index_size": size, "real_chunks": len(base), "corpus": display_path(args.corpus),
                             "embedding_model": settings.embeddings.model_dir.name, "dimension": index.dimension,
                             "top_k": args.top_k, "mode": "dense", "noise": args.noise,
                             "qdrant": args.qdrant_url or "qdrant-client local mode, :memory:",
                             "queries": len(queries), "max_requests": args.max_requests,
                             "max_seconds": args.max_seconds}
                records.append(ctx.record(
                    key={"index_size": size}, settings=settings_,
                    metrics={name: distribution(values, digits=3) for name, values in found.items()},
                    counts={"requests": len(found["search_ms"]) + short, "completed": len(found["search_ms"]),
                            "failed": short},
                    stopped_by=budget.stopped_by, duration_s=budget.elapsed,
                    notes=["synthetic points beyond the real chunks: their vectors plus noise, their payloads",
                           "search_ms = the bot's dense KnowledgeIndex.search (LlamaIndex over Qdrant); "
                           "qdrant_ms = the raw query_points call; embed_ms is measured once per question",
                           "SPEC target (Qdrant server): p95 ≤ 10 ms at 1M chunks; embedding + search ≤ 40 ms"]))
                bar.update(1)
            bar.close()
        finally:
            if args.qdrant_url:
                client.delete_collection(container.index.collection)
            container.close_sync()
    return records


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Latency by index size, then (with ``--quality``) the quality benchmark's figures per mode."""
    records = latency_by_size(args, ctx)
    if args.quality:
        records += wrapped.retrieval_quality(QUALITY_SCRIPT, ctx, timeout_s=args.max_seconds)
    return records
