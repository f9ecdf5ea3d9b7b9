"""Size and time of `dialog-keeper backup` and `restore` for the sample knowledge base (samples/handbook).

Ingests every file of the handbook into a scratch install (SQLite by default, or ``--database-url`` for
PostgreSQL; local-mode Qdrant), adds one upload, then times ``backup.create`` and ``backup.restore`` into a
second, empty install, ``--runs`` times. Writes ``benchmarks/results/backup_restore.json``.

    .venv/bin/python benchmarks/backup_restore.py --runs 3
    .venv/bin/python benchmarks/backup_restore.py --database-url postgresql+psycopg://dk:dk@127.0.0.1/dk_bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness.records import environment, make_settings
from bot.container import Container
from bot.knowledge.loaders import iter_files
from bot.ops import backup
from bot.settings import ROOT

HANDBOOK = ROOT / "samples/handbook"


def _install(data_dir: Path, database_url: str | None) -> Container:
    values: dict[str, Any] = {"data_dir": data_dir}
    if database_url:
        values["database_url"] = database_url
    return Container(make_settings(**values))


def run(runs: int, database_url: str | None) -> dict[str, Any]:
    """Backup and restore timings (seconds) and the backup's size by part (bytes)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        source = _install(root / "source", database_url)
        files = list(iter_files(HANDBOOK))
        for path in files:
            source.ingest.ingest_file(path)
        upload = root / "source/media/1/1.md"
        upload.parent.mkdir(parents=True)
        upload.write_bytes((HANDBOOK / "en/vacation-policy.md").read_bytes())
        backup_s, restore_s, manifest = [], [], {}
        for n in range(runs):
            started = time.perf_counter()
            folder = root / f"backup-{n}"
            result = backup.create(source, folder)
            backup_s.append(time.perf_counter() - started)
            manifest = result.manifest
            if database_url is None:  # PostgreSQL would need an empty database per run
                target = _install(root / f"target-{n}", None)
                target.__dict__["embed_model"] = source.embed_model
                started = time.perf_counter()
                backup.restore(target, folder)
                restore_s.append(time.perf_counter() - started)
                assert target.index.count() == source.index.count()
                target.close_sync()
        parts: dict[str, int] = {}
        for entry in manifest["files"]:
            part = entry["path"].split("/")[0] if "/" in entry["path"] else entry["path"]
            parts[part] = parts.get(part, 0) + entry["bytes"]
        chunks = source.index.count()
        source.close_sync()
    return {
        "scenario": "backup_restore", "environment": environment(), "database": manifest["database"]["kind"],
        "documents": len(files), "chunks": chunks, "uploads": manifest["uploads"]["files"],
        "bytes_total": manifest["bytes"], "bytes_by_part": parts,
        "backup_s_median": round(statistics.median(backup_s), 3), "backup_s": [round(s, 3) for s in backup_s],
        "restore_s_median": round(statistics.median(restore_s), 3) if restore_s else None,
        "restore_s": [round(s, 3) for s in restore_s],
    }


def main() -> None:
    """Run and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", dest="db", default=None, help="PostgreSQL instead of SQLite")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/backup_restore.json")
    args = parser.parse_args()
    result = run(args.runs, args.db)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
