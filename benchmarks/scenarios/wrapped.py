"""Other benchmark scripts, run as they are (``python SCRIPT --out FILE``) and turned into records.

The knowledge-base scripts (``retrieval_quality.py``, ``ingest_throughput.py``) have their own
JSON shapes; :func:`quality_records` knows the quality report's, :func:`flatten` turns any other
report into numeric metrics named by their JSON path. The script runs in its own process, so a
time limit can stop it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.harness.records import ROOT, RunContext, display_path

SKIP = frozenset({"rows", "off_topic", "questions", "host", "git_commit"})  # per-item detail, not figures


def run_script(script: Path, timeout_s: float, extra: list[str] | None = None) -> tuple[dict[str, Any], float]:
    """Run ``script --out TMP`` and return its JSON report and the seconds it took."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script), "--out", str(out), *(extra or [])], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout_s)
        seconds = time.perf_counter() - started
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{display_path(script)} failed ({done.returncode}): {' | '.join(tail)}")
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return report, seconds


def flatten(report: Mapping[str, Any], prefix: str = "", limit: int = 200) -> dict[str, float]:
    """Numeric leaves of a JSON report as ``a.b.c`` metrics (lists and per-item detail skipped)."""
    found: dict[str, float] = {}
    for name, value in report.items():
        if name in SKIP or len(found) >= limit:
            continue
        path = f"{prefix}{name}".replace("@", "_at_")
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found[path] = value
        elif isinstance(value, Mapping):
            found.update(flatten(value, f"{path}.", limit - len(found)))
    return found


def quality_records(report: Mapping[str, Any], ctx: RunContext, seconds: float) -> list[dict[str, Any]]:
    """One ``retrieval_quality`` record per mode of ``retrieval_quality.py``'s report."""
    records = []
    settings = dict(report.get("settings", {}))
    settings.pop("modes", None)
    for mode, groups in report.get("results", {}).items():
        metrics: dict[str, Any] = {}
        for group, figures in groups.items():
            if not isinstance(figures, Mapping) or "recall@1" not in figures:
                continue
            suffix = "" if group == "overall" else f"_{group}"
            for name in ("recall@1", "recall@5", "mrr", "correct_passes_floor"):
                if name in figures:
                    metrics[f"{name.replace('@', '_at_')}{suffix}" + ("_fraction" if name.startswith("correct")
                                                                         else "")] = figures[name]
        latency = groups.get("latency_ms")
        if isinstance(latency, Mapping):
            metrics["search_ms"] = {"n": (groups.get("overall") or {}).get("n", 0), **latency}
        records.append(ctx.record(
            scenario="retrieval_quality", key={"mode": mode},
            settings={**settings, "mode": mode, "corpus": report.get("corpus", {}).get("documents"),
                      "chunks": report.get("corpus", {}).get("chunks"), "source": "benchmarks/retrieval_quality.py"},
            metrics=metrics, counts={"requests": int((groups.get("overall") or {}).get("n", 0)),
                                     "completed": int((groups.get("overall") or {}).get("n", 0)), "failed": 0},
            stopped_by="completed", duration_s=seconds,
            notes=[f"off-topic questions let through: {groups.get('off_topic_let_through')}"]))
    return records


def retrieval_quality(script: Path, ctx: RunContext, *, timeout_s: float) -> list[dict[str, Any]]:
    """Run the retrieval-quality script and return its records (none, with a message, when it fails)."""
    try:
        report, seconds = run_script(script, timeout_s)
    except (RuntimeError, subprocess.TimeoutExpired, OSError, json.JSONDecodeError) as exc:
        print(f"retrieval quality skipped: {exc}", file=sys.stderr)
        return []
    ctx.models.setdefault("embeddings", str(report.get("embedding_model", "?")))
    return quality_records(report, ctx, seconds)


def _distribution(value: Any) -> dict[str, Any] | None:
    """A ``{p50, p95, mean, n}`` summary as a schema distribution (missing statistics left out)."""
    if not isinstance(value, Mapping) or "n" not in value:
        return None
    return {k: value[k] for k in ("n", "mean", "median", "std", "min", "max", "p50", "p95", "p99") if k in value}


def ingest_records(script: Path, report: Mapping[str, Any], ctx: RunContext, seconds: float) -> list[dict[str, Any]]:
    """One ``ingest`` record per level of ``ingest_throughput.py``'s report (ingestion and search by size)."""
    levels = report.get("levels")
    if not isinstance(levels, Mapping) or not levels:
        return [generic_record(script, report, ctx, seconds)]
    settings = dict(report.get("settings") or {})
    embed = _distribution(report.get("embed_query_ms"))
    records = []
    for level, figures in levels.items():
        ingest = figures.get("ingest") or {}
        metrics: dict[str, Any] = {"chunks_per_s": ingest.get("chunks_per_s"), "ingest_s": ingest.get("seconds"),
                                   "search_ms": _distribution(figures.get("search_dense_ms")),
                                   "hybrid_search_ms": _distribution(figures.get("search_hybrid_ms")),
                                   "embed_ms": embed,
                                   "embed_plus_search_p50_ms": figures.get("embed_plus_dense_ms_p50"),
                                   "lexical_index_build_s": figures.get("lexical_index_build_s")}
        storage = figures.get("storage_mib") or {}
        metrics.update({f"{name}_mib": value for name, value in storage.items()})
        metrics = {k: v for k, v in metrics.items() if isinstance(v, int | float | dict)}
        added = int(ingest.get("chunks_added") or 0)
        records.append(ctx.record(
            key={"index_size": int(level)},
            settings={**settings, "index_size": int(level), "chunks": figures.get("chunks"),
                      "embedding": figures.get("embedding"), "source": display_path(script)},
            metrics=metrics, counts={"requests": added, "completed": added, "failed": 0},
            stopped_by="completed", duration_s=float(ingest.get("seconds") or seconds),
            notes=[f"from {display_path(script)} (the knowledge base's own benchmark)",
                   *[str(n) for n in report.get("notes", [])]]))
    return records


def generic_record(script: Path, report: Mapping[str, Any], ctx: RunContext, seconds: float) -> dict[str, Any]:
    """One record of any script's report: its numeric figures as metrics, its ``settings`` as settings."""
    settings = report.get("settings")
    return ctx.record(key={"source": script.name}, settings={**(settings if isinstance(settings, Mapping) else {}),
                                                             "source": display_path(script)},
                      metrics=flatten(report), counts={"requests": 1, "completed": 1, "failed": 0},
                      stopped_by="completed", duration_s=seconds,
                      notes=[f"figures of {display_path(script)}, named by their path in its JSON report"])
