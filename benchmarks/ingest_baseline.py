"""Folder ingestion against an older checkout: this code and ``--baseline-root`` timed in turns (A B A B …).

Each run is a fresh process with a scratch data directory that ingests ``--corpus`` the way
``dialog-keeper ingest DIR`` does (``IngestService.ingest_files`` when the code has it, else one
``ingest_file`` per file); the embedding model load and the imports are outside the clock. Both checkouts
use this checkout's models. Results: ``results/ingest_baseline.json`` (chunks/s per run, medians, the ratio).

    python benchmarks/ingest_baseline.py --baseline-root /tmp/dk-16e11ef [--corpus benchmarks/frozen/kb] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_RUN = """
import json, os, sys, time
from pathlib import Path
from bot.container import Container
from bot.knowledge.loaders import iter_files
from bot.settings import Settings
container = Container(Settings())
container.index, container.ingest  # the model load and the imports stay outside the clock
files = list(iter_files(Path(sys.argv[1])))
started = time.perf_counter()
if hasattr(container.ingest, "ingest_files"):
    chunks = sum(r.chunks for _, r in container.ingest.ingest_files(files))
else:
    chunks = sum(container.ingest.ingest_file(p).chunks for p in files)
print(json.dumps({"chunks": chunks, "seconds": round(time.perf_counter() - started, 3)}))
"""


def one_run(code_root: Path, corpus: Path) -> dict[str, float]:
    """Ingest the corpus once with one checkout's code, in a fresh process and data directory."""
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "PYTHONPATH": str(code_root), "DK_DATA_DIR": data, "DK_MODELS_DIR": str(ROOT / "models")}
        out = subprocess.run([sys.executable, "-c", ONE_RUN, str(corpus)], env=env, cwd=code_root, check=True,
                             capture_output=True, text=True, timeout=900).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "chunks_per_s": round(result["chunks"] / result["seconds"], 2)}


def main() -> int:
    """Time both checkouts in turns and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline-root", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=ROOT / "benchmarks/frozen/kb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/ingest_baseline.json")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"current": [], "baseline": []}
    for _ in range(args.runs):
        runs["baseline"].append(one_run(args.baseline_root, args.corpus.resolve()))
        runs["current"].append(one_run(ROOT, args.corpus.resolve()))
    medians = {k: statistics.median(r["chunks_per_s"] for r in v) for k, v in runs.items()}
    result = {"benchmark": "ingest_baseline", "corpus": str(args.corpus), "cpus": os.cpu_count(),
              "baseline_root": str(args.baseline_root), "median_chunks_per_s": medians,
              "ratio_current_over_baseline": round(medians["current"] / medians["baseline"], 2), "runs": runs}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
