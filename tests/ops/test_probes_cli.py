"""/healthz and /readyz beside /metrics, and the `health` and `report` commands as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, Counter

from bot.container import Container
from bot.ops.probes import process_checks, readiness_for, start_metrics_server
from bot.settings import ROOT
from bot.store.db import make_engine, migrate
from tests.conftest import TEST_REDIS_URL, free_port, make_settings
from tests.ops.seed import DAY, TZ, seed_day


def _serve(container: Container, role: str) -> tuple[str, object]:
    registry = CollectorRegistry()
    Counter("dk_probe_test_total", "a metric of this registry", registry=registry).inc()
    port = free_port()
    server = start_metrics_server(port, registry=registry,
                                  readiness=readiness_for(container, process_checks(container, role)))
    return f"http://127.0.0.1:{port}", server


def test_probes_answer_beside_metrics(tmp_path: Path, llm_base_url: str) -> None:
    # a generous timeout: the first completion of a fresh llama.cpp server on two busy cores takes seconds
    container = Container(make_settings(tmp_path, llm={"base_url": llm_base_url}, ops={"check_timeout_s": 20}))
    base, server = _serve(container, "bot")
    try:
        assert httpx.get(f"{base}/healthz").json() == {"status": "alive"}
        ready = httpx.get(f"{base}/readyz", timeout=60)
        assert ready.status_code == 200, ready.text
        assert set(ready.json()["checks"]) == {"database", "redis", "llm"}
        assert "dk_probe_test_total 1.0" in httpx.get(f"{base}/metrics").text
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        container.close_sync()


def test_readyz_is_503_with_the_reason_when_a_dependency_is_down(tmp_path: Path) -> None:
    container = Container(make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    base, server = _serve(container, "worker")
    try:
        assert httpx.get(f"{base}/healthz").status_code == 200, "alive even when a dependency is not"
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"]["ok"] and not checks["redis"]["ok"] and "llm" not in checks
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        container.close_sync()


def _cli(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL,
            "DK_OPS__WORKER_QUEUES": "[]", **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=full, capture_output=True, text=True,
                          timeout=120, check=False, cwd=data_dir)


def test_health_command_table_json_and_exit_code(tmp_path: Path, llm_base_url: str, dead_llm_url: str) -> None:
    up = _cli(["health", "--json"], tmp_path, DK_LLM__BASE_URL=llm_base_url, DK_OPS__CHECK_TIMEOUT_S="20")
    assert up.returncode == 0, up.stdout + up.stderr
    data = json.loads(up.stdout)
    assert data["ok"] is True and [c["name"] for c in data["checks"]] == [
        "database", "redis", "qdrant", "llm", "workers", "gpu", "disk", "models", "backup"]
    down = _cli(["health"], tmp_path, DK_LLM__BASE_URL=dead_llm_url)
    assert down.returncode == 1
    assert "llm       DOWN" in down.stdout and down.stdout.strip().splitlines()[-1].startswith("DOWN: llm")


def test_report_command_writes_png_and_text(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'dialog_keeper.db'}"
    engine = make_engine(url)  # first: it creates the directory
    migrate(url)
    seeded = seed_day(engine)
    engine.dispose()
    out = tmp_path / "out"
    result = _cli(["report", "--date", DAY.isoformat(), "--out", str(out)], data_dir, DK_OPS__TIMEZONE=TZ,
                  DK_LANGUAGE="en")
    assert result.returncode == 0, result.stderr
    text = (out / f"report-{DAY}.txt").read_text()
    assert f"Questions: {sum(seeded.outcomes.values())}" in text and text.strip() in result.stdout
    assert (out / f"report-{DAY}.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((out / f"report-{DAY}.json").read_text())["escalations"] == seeded.escalations
    bad = _cli(["report", "--date", "25.11.2026", "--out", str(out)], data_dir)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
