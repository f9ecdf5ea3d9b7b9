"""doctor probes the container's Qdrant server client, API key included (a Qdrant REST stand-in on loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bot.container import Container
from bot.ops.checks import check_qdrant
from bot.ops.doctor import run_checks
from tests.conftest import make_settings

KEY = "qdrant-test-key-7f3a"


class _QdrantStandIn(BaseHTTPRequestHandler):
    """Enough of Qdrant's REST API for listing collections, refusing requests without the right ``api-key``."""

    seen_keys: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.seen_keys.append(self.headers.get("api-key"))
        if self.headers.get("api-key") != KEY:  # what a Qdrant server with service.api_key set answers
            return self._reply(401, {"status": {"error": "Must provide an API key or an Authorization bearer token"},
                                     "time": 0.0})
        if self.path == "/":  # qdrant-client's version check
            return self._reply(200, {"title": "qdrant - vector search engine", "version": "1.20.0"})
        if self.path == "/collections":
            return self._reply(200, {"result": {"collections": [{"name": "kb_all-minilm-l6-v2"}]},
                                     "status": "ok", "time": 0.00001})
        return self._reply(404, {"status": {"error": f"Not found: {self.path}"}, "time": 0.0})

    def _reply(self, code: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def qdrant_url() -> Iterator[str]:
    """A loopback Qdrant stand-in that records the ``api-key`` header of every request."""
    _QdrantStandIn.seen_keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _QdrantStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection:UserWarning")
def test_doctor_sends_the_qdrant_api_key(tmp_path: Path, qdrant_url: str) -> None:
    settings = make_settings(tmp_path, qdrant={"url": qdrant_url, "api_key": KEY})
    qdrant = next(c for c in run_checks(settings) if c.name == "qdrant")
    assert qdrant.ok, qdrant
    assert "kb_all-minilm-l6-v2" in qdrant.detail
    assert KEY in _QdrantStandIn.seen_keys


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection:UserWarning")
def test_a_wrong_or_missing_key_is_reported_as_such(tmp_path: Path, qdrant_url: str) -> None:
    for key in ("wrong-key", None):
        container = Container(make_settings(tmp_path, qdrant={"url": qdrant_url, "api_key": key}))
        try:
            check = check_qdrant(container)
        finally:
            container.close_sync()
        assert not check.ok and "DK_QDRANT__API_KEY" in check.fix, check
    assert KEY not in _QdrantStandIn.seen_keys
