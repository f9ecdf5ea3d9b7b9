"""Zero egress, tested: a whole dialog runs in a network namespace that has only loopback, and a socket
guard in every Python process records each attempt to reach an address; none may be unconfigured.

The dialog (tests/privacy/egress_dialog.py, run under ``unshare -n``): the bot as a process (PTB ↔ the
Bot API emulator), a document upload and its ingestion, a question answered with sources, a voice note
transcribed by a worker process, over a scratch Redis, SQLite, local Qdrant and the llama.cpp server.
Needs root or user namespaces for ``unshare -n``; skipped with the reason where that is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT

HERE = Path(__file__).parent
GUARD = HERE / "guard"


def _unshare_refused() -> str | None:
    """Why ``unshare -n`` cannot run here, or ``None``."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return "no unshare(1) here (util-linux on Linux)"
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"unshare -n is not permitted here (needs root or user namespaces): {probe.stderr.strip()}"
    missing = [tool for tool in ("redis-server", "espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    return f"missing {', '.join(missing)} (scripts/install.sh, scripts/ensure-services.sh)" if missing else None


def _guarded_env(log: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(GUARD), str(ROOT)]), "DK_EGRESS_LOG": str(log)}


def _attempts(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_guard_records_and_refuses_unconfigured_addresses(tmp_path: Path) -> None:
    # Refused before the call: no packet and no DNS query leaves, so this is safe outside a namespace too.
    log = tmp_path / "egress.jsonl"
    script = """
import socket
for target in (("192.0.2.10", 443), ("telemetry.example.com", 443)):
    try:
        socket.create_connection(target, timeout=1)
    except PermissionError as exc:
        print("refused", target[0])
raw = socket.socket()
try:
    raw.connect(("198.51.100.7", 80))
except PermissionError:
    print("refused raw")
server = socket.create_server(("127.0.0.1", 0))
socket.create_connection(server.getsockname(), timeout=1).close()
print("loopback ok")
"""
    result = subprocess.run([sys.executable, "-c", script], env=_guarded_env(log), capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split("\n")[:4] == ["refused 192.0.2.10", "refused telemetry.example.com", "refused raw",
                                             "loopback ok"], result.stderr
    refused = {a["host"] for a in _attempts(log) if not a["allowed"]}
    assert refused == {"192.0.2.10", "telemetry.example.com", "198.51.100.7"}
    assert any(a["allowed"] and a["call"] == "connect" and a["host"] == "127.0.0.1" for a in _attempts(log))


def test_with_a_sentry_dsn_its_host_and_only_it_is_allowed(tmp_path: Path) -> None:
    script = """
import sitecustomize
print(sitecustomize.configured("sentry.corp.example"), sitecustomize.configured("sentry.io"),
      sitecustomize.configured("203.0.113.9"))
"""
    for dsn, expected in (("https://k3y@sentry.corp.example/4", "True False False"), ("", "False False False")):
        env = {**_guarded_env(tmp_path / "egress.jsonl"), "DK_SENTRY__DSN": dsn}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert result.stdout.strip() == expected, (dsn, result.stdout, result.stderr)


@pytest.mark.timeout(900)
def test_a_whole_dialog_runs_with_loopback_only_and_reaches_no_other_address(tmp_path: Path) -> None:
    reason = _unshare_refused()
    if reason:
        pytest.skip(reason)
    log, result_file = tmp_path / "egress.jsonl", tmp_path / "result.json"
    run = subprocess.run(["unshare", "-n", sys.executable, str(HERE / "egress_dialog.py"), "--work", str(tmp_path),
                          "--result", str(result_file)], env=_guarded_env(log), capture_output=True, text=True,
                         timeout=840)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(tmp_path.glob("*.log")))
    assert result_file.exists(), run.stdout + run.stderr + logs
    result = json.loads(result_file.read_text())
    assert run.returncode == 0 and result["ok"], f"{result}\n{run.stderr[-3000:]}\n{logs}"

    assert "Vacation and Leave Policy" in result["added"], "the uploaded document was ingested"
    assert "Vacation and Leave Policy" in result["answer"], "the question was answered with its source"
    assert "vacation" in result["transcript"].lower(), "the worker transcribed the voice note"
    assert "Vacation and Leave Policy" in result["voice_answer"], "the voice question was answered with its source"
    bot_log = (tmp_path / "run.log").read_text()
    assert "started as @" in bot_log and "stopped" in bot_log, "`dialog-keeper run` logs at DK_LOG_LEVEL (INFO)"
    assert "AAEmulatorTestToken" not in bot_log, "the bot token never reaches the log"

    attempts = _attempts(log)
    refused = [a for a in attempts if not a["allowed"]]
    assert refused == [], f"attempts to reach unconfigured addresses: {refused}"
    processes = {a["argv"] for a in attempts if a["call"] in ("connect", "connect_ex")}
    for role in ("bot/__main__.py run", "bot/__main__.py worker"):
        assert any(role in p for p in processes), f"the guard saw {role} connect (it was loaded): {processes}"
