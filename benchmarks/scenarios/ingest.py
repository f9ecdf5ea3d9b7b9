"""``run ingest``: ingestion throughput of the knowledge base (documents → chunks → vectors → Qdrant).

When ``benchmarks/ingest_throughput.py`` exists (the knowledge base's own benchmark: the index
grown level by level, ingestion chunks/s and search latency at each) it is run in its own process,
stopped after ``--max-seconds``, and each level becomes a record keyed by ``index_size``. Otherwise
(or with ``--own``, or when the script fails) the corpus is ingested file by file into a scratch
knowledge base (SQLite, Qdrant local mode, the configured embedding model), then again unchanged
(each file must be a no-op): one record.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.records import ROOT, RunContext, display_path, make_settings
from benchmarks.harness.stats import distribution
from benchmarks.scenarios import wrapped

DEFAULTS = {"max_requests": 1000, "max_seconds": 600.0}
SCRIPT = ROOT / "benchmarks/ingest_throughput.py"
SCRIPT_ARGS = "--levels 1000 10000 --queries 20 --no-progress"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run ingest``."""
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples/handbook", help="a file or folder")
    parser.add_argument("--own", action="store_true",
                        help="the harness's own measurement even when benchmarks/ingest_throughput.py exists")
    parser.add_argument("--script-args", default=SCRIPT_ARGS,
                        help=f'options for ingest_throughput.py (default "{SCRIPT_ARGS}"; its own defaults '
                             'grow the index to 100 000 chunks)')


def own(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Ingest each file (bounded by --max-requests files and --max-seconds), then re-ingest (no-ops)."""
    from bot.container import Container
    from bot.knowledge.errors import DocumentError
    from bot.knowledge.loaders import iter_files

    files = list(iter_files(args.corpus))
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(data_dir=Path(tmp))
        container = Container(settings)
        ctx.models["embeddings"] = settings.embeddings.model_dir.name
        try:
            started = time.perf_counter()
            container.index  # noqa: B018  # load the embedding model before the clock starts per file
            load_s = time.perf_counter() - started
            budget = Budget(args.max_requests, args.max_seconds)
            per_file_ms, chunks, size, done = [], 0, 0, []
            bar = progress(len(files), "ingest", enabled=ctx.progress, unit="file")
            taken = [path for path in files if budget.take()]
            started = time.perf_counter()
            # as `dialog-keeper ingest DIR` does: several files' chunks embedded together, each file written alone
            for path, result in container.ingest.ingest_files(taken):
                if isinstance(result, DocumentError):
                    raise RuntimeError(f"{path}: {result}")
                now = time.perf_counter()
                per_file_ms.append((now - started) * 1000)  # since the previous file's result
                started = now
                chunks += result.chunks
                size += path.stat().st_size
                done.append(path)
                bar.update(1)
            bar.close()
            seconds = sum(per_file_ms) / 1000
            noop_ms = []
            for path in done:
                started = time.perf_counter()
                container.ingest.ingest_file(path)
                noop_ms.append((time.perf_counter() - started) * 1000)
        finally:
            container.close_sync()
    metrics = {"ingest_s": round(seconds, 3), "chunks_per_s": round(chunks / max(seconds, 1e-9), 2),
               "files_per_s": round(len(done) / max(seconds, 1e-9), 3),
               "kib_per_s": round(size / 1024 / max(seconds, 1e-9), 2),
               "per_file_ms": distribution(per_file_ms, digits=1), "unchanged_reingest_ms": distribution(noop_ms, 2),
               "model_load_s": round(load_s, 3)}
    settings_ = {"corpus": display_path(args.corpus), "files": len(done), "chunks": chunks, "bytes": size,
                 "embedding_model": settings.embeddings.model_dir.name, "chunk_size": settings.retrieval.chunk_size,
                 "chunk_overlap": settings.retrieval.chunk_overlap, "batch_size": settings.knowledge.ingest_batch_size,
                 "qdrant": "qdrant-client local mode (path)", "database": "SQLite",
                 "max_requests": args.max_requests, "max_seconds": args.max_seconds}
    return [ctx.record(key={"corpus": display_path(args.corpus)}, settings=settings_, metrics=metrics,
                       counts={"requests": len(done), "completed": len(done), "failed": 0},
                       stopped_by=budget.stopped_by if len(done) < len(files) else "completed", duration_s=seconds,
                       notes=["embedding model load excluded from ingest_s (model_load_s)"])]


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """The knowledge base's own ingestion benchmark when present, else the harness's."""
    if SCRIPT.exists() and not args.own:
        try:
            report, seconds = wrapped.run_script(SCRIPT, args.max_seconds, shlex.split(args.script_args))
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as exc:
            print(f"{SCRIPT.name} failed ({exc}); measuring with the harness's own ingestion run", file=sys.stderr)
        else:
            ctx.models["embeddings"] = str((report.get("settings") or {}).get("embedding_model", "?"))
            return wrapped.ingest_records(SCRIPT, report, ctx, seconds)
    return own(args, ctx)
