"""Result records: one JSON object per scenario × setting, tagged with where and what ran.

The format is ``benchmarks/result.schema.json``; :func:`validate` checks records against it
(with jsonschema when it is installed, else only the required top-level fields).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "benchmarks/result.schema.json"
SCHEMA_ID = "dialog-keeper/bench-result/1"
RESULTS_DIR = ROOT / "benchmarks/results"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what ``platform`` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")) and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def gpu_names() -> list[str] | str:
    """GPU model names through NVML (``inference.gpu``, else pynvml directly); ``"none"`` without one."""
    try:
        from inference.gpu import GpuUnavailable, read_gpus
    except ImportError:
        return _gpu_names_pynvml()
    try:
        names = [reading.name for reading in read_gpus()]
    except (GpuUnavailable, ImportError):
        return "none"
    return names or "none"


def _gpu_names_pynvml() -> list[str] | str:
    try:
        import pynvml
    except ImportError:
        return "none"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return "none"
    try:
        names = [pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(i))
                 for i in range(pynvml.nvmlDeviceGetCount())]
        return [n.decode() if isinstance(n, bytes) else str(n) for n in names] or "none"
    except pynvml.NVMLError:
        return "none"
    finally:
        with contextlib.suppress(pynvml.NVMLError):  # nothing left to release
            pynvml.nvmlShutdown()


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """Where the run happens: commit, host, CPU, GPUs, Python (read once per process)."""
    return {"git_commit": _git("rev-parse", "--short", "HEAD") or "unknown",
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "hostname": socket.gethostname(), "cpu_model": cpu_model(), "cpu_count": os.cpu_count() or 0,
            "gpus": gpu_names(), "python": platform.python_version(), "platform": platform.platform()}


@dataclass
class RunContext:
    """What one ``run`` invocation shares between its records."""

    scenario: str
    label: str | None = None
    progress: bool = True
    run_id: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-")
                        + uuid.uuid4().hex[:6])
    models: dict[str, str] = field(default_factory=dict)

    def record(self, *, key: Mapping[str, Any], settings: Mapping[str, Any], metrics: Mapping[str, Any],
               counts: Mapping[str, int], stopped_by: str, duration_s: float, notes: Iterable[str] = (),
               errors: Iterable[str] = (), scenario: str | None = None) -> dict[str, Any]:
        """A record of this run, tagged with the environment and the models."""
        return {"schema": SCHEMA_ID, "run_id": self.run_id, "scenario": scenario or self.scenario,
                "label": self.label, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "key": dict(key), "settings": dict(settings), "metrics": dict(metrics), "counts": dict(counts),
                "stopped_by": stopped_by, "duration_s": round(duration_s, 3), "models": dict(self.models),
                "env": environment(), "notes": list(dict.fromkeys(notes)), "errors": list(errors)[:5]}


def write_jsonl(records: Iterable[Mapping[str, Any]], path: Path, *, append: bool = False) -> Path:
    """Write records as JSON lines (replacing the file unless ``append``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if append else "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    return path


def write_records(records: Iterable[Mapping[str, Any]], path: Path, *, append: bool = False) -> Path:
    """Write records: a JSON array for a ``.json`` path (e.g. results/intents.json), else JSON lines."""
    if path.suffix != ".json":
        return write_jsonl(records, path, append=append)
    kept = read_jsonl(path) if append and path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([*kept, *records], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file (blank lines skipped), or of a file holding one JSON array of them."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The result schema (benchmarks/result.schema.json)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def validate(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Problems of each record against the schema; empty when all are valid."""
    problems: list[str] = []
    try:
        import jsonschema
    except ImportError:
        required = schema()["required"]
        for i, record in enumerate(records):
            problems += [f"record {i}: '{name}' is missing" for name in required if name not in record]
        return problems
    validator = jsonschema.Draft202012Validator(schema())
    for i, record in enumerate(records):
        problems += [f"record {i} ({record.get('scenario')}): {'/'.join(map(str, e.absolute_path))}: {e.message}"
                     for e in validator.iter_errors(record)]
    return problems


def display_path(path: Path | str) -> str:
    """A path relative to the repository when it lies inside it (results stay comparable across checkouts)."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def make_settings(**values: Any) -> Settings:
    """Settings for a benchmark: DK_* environment variables apply, ``.env`` does not; ``values`` override."""
    from bot.settings import Settings

    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings init kwarg
