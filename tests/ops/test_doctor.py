"""`doctor` checks against real services, and what it says when something is wrong."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.ops.checks import CheckResult
from bot.ops.doctor import run_checks
from bot.ops.logging import redact
from bot.settings import ROOT
from tests.conftest import TEST_REDIS_URL, free_port, make_settings, scratch_queue
from tests.meetings.conftest import running_radicale
from tests.support.kaiten_standin import BOARD_ID, QUEUE_COLUMN, KaitenStandIn


def _cli(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL,
            "DK_OPS__WORKER_QUEUES": "[]", "DK_OPS__CHECK_TIMEOUT_S": "20", **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=full, capture_output=True, text=True,
                          timeout=180, check=False, cwd=data_dir)


SUITE = ["database", "redis", "qdrant", "llm", "workers", "gpu", "disk", "models", "backup"]


def test_everything_up_reports_ok(tmp_path: Path, llm_base_url: str) -> None:
    from bot.store.db import migrate

    settings = make_settings(tmp_path, llm={"base_url": llm_base_url}, ops={"worker_queues": []})
    migrate(settings.db_url)
    checks = {c.name: c for c in run_checks(settings)}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert list(checks) == SUITE


def test_a_fresh_install_has_an_empty_database_not_a_failure(tmp_path: Path, llm_base_url: str,
                                                             postgres_url: str) -> None:
    settings = make_settings(tmp_path, llm={"base_url": llm_base_url}, ops={"worker_queues": []})
    database = next(c for c in run_checks(settings) if c.name == "database")
    assert database.ok and "empty — created on first use" in database.detail, database
    assert not (tmp_path / "dialog_keeper.db").exists(), "checking created nothing"
    # an empty PostgreSQL database: it exists and has no tables yet
    pg = next(c for c in run_checks(make_settings(tmp_path, database_url=postgres_url)) if c.name == "database")
    assert pg.ok and "empty — created on first use" in pg.detail, pg
    doctor = _cli(["doctor"], tmp_path, DK_LLM__BASE_URL=llm_base_url)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "empty — created on first use" in doctor.stdout and "None" not in doctor.stdout


def test_doctor_and_health_are_views_of_one_suite(tmp_path: Path, dead_llm_url: str) -> None:
    doctor = _cli(["doctor"], tmp_path, DK_LLM__BASE_URL=dead_llm_url)
    health = _cli(["health", "--json"], tmp_path, DK_LLM__BASE_URL=dead_llm_url)
    assert doctor.returncode == health.returncode == 1
    rows = {line.split()[1]: line.split()[0] for line in doctor.stdout.splitlines() if line[:4] in ("OK  ", "FAIL")}
    verdicts = {c["name"]: "OK" if c["ok"] else "FAIL" for c in json.loads(health.stdout)["checks"]}
    assert rows == verdicts and list(verdicts) == SUITE and verdicts["llm"] == "FAIL"
    assert "fix: start it: `dialog-keeper llm-server start`" in doctor.stdout


def test_each_failure_names_a_fix(tmp_path: Path, dead_llm_url: str) -> None:
    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0",
                             database_url=f"postgresql+psycopg://dk:secret-pw@127.0.0.1:{free_port()}/x",
                             llm={"base_url": dead_llm_url}, embeddings={"model_dir": tmp_path / "nope"})
    failed = {c.name: c for c in run_checks(settings) if not c.ok}
    assert set(failed) == {"models", "database", "redis", "llm", "workers"}
    assert "models install-dev" in failed["models"].fix
    assert "llm-server start" in failed["llm"].fix
    assert "secret-pw" not in failed["database"].detail, "passwords are masked"
    assert "DK_REDIS_URL" in failed["redis"].fix


def test_wrong_served_model_name_is_caught(tmp_path: Path, llm_base_url: str) -> None:
    settings = make_settings(tmp_path, llm={"base_url": llm_base_url, "model": "qwen2.5-7b-instruct"})
    llm = next(c for c in run_checks(settings) if c.name == "llm")
    assert not llm.ok and "DK_LLM__MODEL" in llm.fix


def test_caldav_tracker_and_ticket_queue_are_checked_when_configured(tmp_path: Path, kaiten: KaitenStandIn) -> None:
    (tmp_path / "dav").mkdir()
    with running_radicale(tmp_path / "dav") as dav, scratch_queue("tickets") as queue:
        good = {"ops": {"worker_queues": []}, "tracker": {"kind": "kaiten", "queue": queue},
                "kaiten": {"url": kaiten.url, "token": kaiten.token, "board_id": BOARD_ID, "column_id": QUEUE_COLUMN},
                "caldav": {"url": dav.url, "username": dav.username, "password": dav.password}}
        checks = {c.name: c for c in run_checks(make_settings(tmp_path, **good))}
        assert list(checks)[-2:] == ["caldav", "tracker"]
        assert checks["caldav"].ok and checks["tracker"].ok, (checks["caldav"], checks["tracker"])
        assert not checks["workers"].ok and f"{queue}: no live worker" in checks["workers"].detail, "the ticket queue"

        wrong = {**good, "kaiten": {**good["kaiten"], "board_id": 999},
                 "caldav": {**good["caldav"], "password": "not-the-password"}}
        checks = {c.name: c for c in run_checks(make_settings(tmp_path, **wrong))}
        assert not checks["caldav"].ok and "DK_CALDAV__PASSWORD" in checks["caldav"].fix, checks["caldav"]
        assert not checks["tracker"].ok and "DK_KAITEN__BOARD_ID" in checks["tracker"].fix, checks["tracker"]
        assert "not-the-password" not in checks["caldav"].detail

    with pytest.raises(ValidationError, match="DK_N8N__SECRET"):  # an empty n8n secret stops every command
        make_settings(tmp_path, tracker={"kind": "n8n"}, n8n={"webhook_url": kaiten.url, "secret": ""})


def test_an_n8n_webhook_is_checked_when_n8n_is_the_tracker(tmp_path: Path) -> None:
    """n8n answers a GET on a POST webhook with 404: up; a 5xx is n8n's own trouble; nothing listening is down."""
    status = {"code": 404}

    class Webhook(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the standard library's name for it
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/webhook/dialog-keeper"

    def tracker(webhook_url: str) -> CheckResult:
        settings = make_settings(tmp_path, ops={"worker_queues": []}, tracker={"kind": "n8n"},
                                 n8n={"webhook_url": webhook_url, "secret": "s3cret"})
        return next(c for c in run_checks(settings) if c.name == "tracker")

    try:
        up = tracker(url)
        status["code"] = 502
        broken = tracker(url)
    finally:
        server.shutdown()
        server.server_close()
    down = tracker(f"http://127.0.0.1:{free_port()}/webhook/dialog-keeper")

    assert up.ok and "HTTP 404" in up.detail, up
    assert not broken.ok and "HTTP 502" in broken.detail and "n8n" in broken.fix, broken
    assert not down.ok and "DK_N8N__WEBHOOK_URL" in down.fix, down


def test_tokens_are_redacted_from_log_text() -> None:
    line = "POST https://api.telegram.org/bot123456789:AAHk2v-EXAMPLE_token_value_abcdefghijkl/getMe Bearer sk-local-1"
    cleaned = redact(line)
    assert "AAHk2v" not in cleaned and "sk-local-1" not in cleaned and "getMe" in cleaned


def test_configured_logging_masks_tokens_from_any_library(capsys) -> None:  # type: ignore[no-untyped-def]
    import logging

    from bot.ops.logging import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", json=True)
    try:
        logging.getLogger("telegram.ext").warning(
            "request to %s failed", "https://api.telegram.org/bot123456789:AAHk2vSECRETtokenvalue_abcdefghijkl/getMe")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    err = capsys.readouterr().err
    assert "SECRETtoken" not in err and "getMe" in err and '"level": "warning"' in err
