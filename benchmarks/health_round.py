"""Cost of one health round (bot/ops/health.py) on the embedded stack: milliseconds per round and per check.

Starts the packaged llama.cpp server on a free port, uses Redis on 127.0.0.1:6379 (database 14) and a
scratch SQLite + local Qdrant, runs a warm-up round (migrations, opening Qdrant), then ``--rounds`` rounds
of ``run_checks`` (probes only) and of ``HealthMonitor.round`` (probes + alert state + GPU samples in the
database). Writes ``benchmarks/results/health_round.json``.

    .venv/bin/python benchmarks/health_round.py --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness.embedded import embedded_llm
from benchmarks.harness.records import environment
from bot.container import Container
from bot.dialog.notify import Keyboard
from bot.ops.health import HealthMonitor, run_checks
from bot.settings import ROOT, Settings


class SilentNotifier:
    """Notices go nowhere: only the round's own cost is measured."""

    async def send(self, chat_id: int, text: str, *, reply_to: int | None = None, buttons: Keyboard = (),
                   html: bool = False) -> int | None:
        """Drop the text."""
        return None

    async def send_file(self, chat_id: int, data: bytes, filename: str, *, caption: str = "",
                        photo: bool = False, buttons: Keyboard = ()) -> int | None:
        """Drop the file."""
        return None

    async def notify_admins(self, text: str, *, buttons: Keyboard = (), html: bool = False) -> bool:
        """Drop the notice."""
        return False


def _stats(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    p50, p95 = np.percentile(array, [50, 95])
    return {"n": len(values), "mean": round(float(array.mean()), 2), "p50": round(float(p50), 2),
            "p95": round(float(p95), 2), "min": round(float(array.min()), 2), "max": round(float(array.max()), 2)}


async def measure(settings: Settings, rounds: int) -> dict[str, Any]:
    """Warm up once, then time ``rounds`` probe-only rounds and ``rounds`` monitor rounds."""
    container = Container(settings)
    monitor = HealthMonitor(container, SilentNotifier())
    await monitor.round()  # warm-up: migrations, local Qdrant, first completion
    probe_ms, per_check = [], {}  # type: ignore[var-annotated]
    for _ in range(rounds):
        report = await run_checks(container)
        probe_ms.append(report.seconds * 1000)
        for result in report.results:
            if result.latency_ms is not None:
                per_check.setdefault(result.name, []).append(result.latency_ms)
    monitor_ms, down = [], set()
    for _ in range(rounds):
        started = time.perf_counter()
        report, _ = await monitor.round()
        monitor_ms.append((time.perf_counter() - started) * 1000)
        down |= set(report.down)
    container.close_sync()
    return {"round_ms": _stats(probe_ms), "monitor_round_ms": _stats(monitor_ms),
            "check_ms": {name: _stats(values) for name, values in per_check.items()}, "checks_down": sorted(down)}


def main() -> None:
    """Run the measurement and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/health_round.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, embedded_llm(Path(scratch) / "llm.log") as llm:
        settings = Settings(_env_file=None, data_dir=Path(scratch), redis_url="redis://127.0.0.1:6379/14",  # type: ignore[call-arg]
                            llm={"base_url": llm.base_url}, ops={"worker_queues": [], "check_timeout_s": 20})
        result = asyncio.run(measure(settings, args.rounds))
    result |= {"scenario": "health_round", "rounds": args.rounds,
               "stack": "embedded: SQLite, local Qdrant, Redis 127.0.0.1, llama.cpp SmolLM2-135M (1-token completion)",
               "env": environment(),
               "notes": "round_ms: run_checks (all 7 checks concurrently, in threads); monitor_round_ms: plus the "
                        "alert state machine and its database write. Shared 2-core machine: other work moves it."}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("round_ms", "monitor_round_ms", "checks_down")}, indent=2))


if __name__ == "__main__":
    main()
