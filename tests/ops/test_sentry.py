"""DK_SENTRY__DSN: the bot and the workers send exceptions to a Sentry of the company's own, scrubbed.

The DSN's host is a loopback HTTP recorder speaking Sentry's envelope endpoint; each test asserts that the event
arrived, with its exception type and frames, and that no message text, user name or token is in what was sent.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from rq import Queue

from bot.jobs.queues import redis_connection
from bot.settings import ROOT
from tests.conftest import TEST_REDIS_URL, make_settings, scratch_queue

USER_TEXT = "Зебедия просит отпуск на Бали с 3 по 17 марта"
USER_NAME = "Zebediah Quux"
TOKEN = "123456789:AAHsecretTOKENvalue_abcdefghijkl"


class Recorder:
    """What a Sentry server was sent: the decompressed body of each envelope."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.arrived = threading.Condition()

    def events(self) -> list[dict[str, Any]]:
        """Every event item of every envelope."""
        found = []
        for body in self.bodies:
            for line in body.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and "exception" in item:
                    found.append(item)
        return found

    def wait_for_event(self, timeout: float = 30) -> dict[str, Any]:
        """The first event, once one has arrived."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: bool(self.events()), timeout), "no event reached the recorder"
        return self.events()[0]


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    """A recorder on loopback, and the DSN that points at it."""
    seen = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":
                import brotli  # only when the SDK found it installed

                body = brotli.decompress(body)
            with seen.arrived:
                seen.bodies.append(body)
                seen.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield seen, f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
    server.shutdown()
    server.server_close()


def _env(data_dir: Path, dsn: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL,
            "DK_SENTRY__DSN": dsn, "DK_TELEGRAM__TOKEN": TOKEN, "DK_LOG_LEVEL": "INFO"}


def _assert_clean(recorder: Recorder) -> None:
    sent = b"".join(recorder.bodies).decode("utf-8", "replace")
    for secret in (USER_TEXT, "Бали", USER_NAME, "Zebediah", TOKEN, TOKEN.split(":")[1]):
        assert secret not in sent, f"{secret!r} was sent to Sentry"


BOT_SCRIPT = """
import logging, sys
import sentry_sdk
from bot.ops.logging import setup_logging
from bot.ops.sentry import init_sentry
from bot.settings import get_settings

settings = get_settings()
setup_logging("INFO")
assert init_sentry(settings, "bot")
log = logging.getLogger("bot.telegram.handlers")
text, name, token = sys.argv[1:4]
log.warning("message from %s: %s", name, text)  # a breadcrumb, were breadcrumbs kept
try:
    raise ValueError(f"could not handle {text!r} from {name} via /bot{token}/sendMessage")
except ValueError as exc:  # what the bot's error handler does with an update that failed
    log.error("update %s failed for %s: %s", 7, name, text, exc_info=exc)
sentry_sdk.flush(10)
"""


def test_a_bot_exception_reaches_sentry_without_text_names_or_tokens(
        tmp_path: Path, recorder: tuple[Recorder, str]) -> None:
    seen, dsn = recorder
    result = subprocess.run([sys.executable, "-c", BOT_SCRIPT, USER_TEXT, USER_NAME, TOKEN], env=_env(tmp_path, dsn),
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    event = seen.wait_for_event()
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError" and exception["stacktrace"]["frames"], "type and frames are kept"
    assert event["tags"]["role"] == "bot"
    _assert_clean(seen)


def test_a_worker_job_exception_reaches_sentry_without_the_users_words(
        tmp_path: Path, recorder: tuple[Recorder, str]) -> None:
    seen, dsn = recorder
    with scratch_queue("sentry") as name:
        queue = Queue(name, connection=redis_connection(make_settings(tmp_path)))
        queue.enqueue("tests.support.jobs.parse_number", USER_TEXT)  # fails quoting it: "invalid literal … 'Зеб…'"
        result = subprocess.run([sys.executable, "-m", "bot", "worker", "--burst", "--queues", name],
                                env=_env(tmp_path, dsn), capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    event = seen.wait_for_event()
    assert [v["type"] for v in event["exception"]["values"]][-1] == "ValueError"
    assert event["tags"]["role"] == "worker"
    _assert_clean(seen)
