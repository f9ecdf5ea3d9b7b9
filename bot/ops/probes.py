"""HTTP probes beside ``/metrics``: ``/healthz`` (the process answers) and ``/readyz`` (its dependencies do).

One small WSGI app on the metrics port: Prometheus' own app for ``/metrics``, and the two probes that
compose's healthchecks call. ``/readyz`` runs the process's readiness checks (``bot/ops/checks.py``)
at most once per ``cache_s``, so a tight healthcheck interval does not hammer the backends.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app

from bot.ops.metrics import register_gpu_collector

if TYPE_CHECKING:
    from bot.container import Container
    from bot.ops.checks import CheckResult

log = logging.getLogger(__name__)

Readiness = Callable[[], list["CheckResult"]]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scrape never holds the process open at exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        """Healthchecks every few seconds would flood the log."""


class ProbeApp:
    """WSGI: /metrics from the registry, /healthz always 200, /readyz 200 or 503 with the checks as JSON."""

    def __init__(self, registry: CollectorRegistry, readiness: Readiness | None, cache_s: float = 5.0) -> None:
        self.metrics = make_wsgi_app(registry)
        self.readiness = readiness
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._cached: tuple[float, list[CheckResult]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Route one request."""
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "alive"})
        if path == "/readyz":
            results = self._ready()
            body = {"status": "ready" if all(r.ok for r in results) else "not ready",
                    "checks": {r.name: {"ok": r.ok, "detail": r.detail} for r in results}}
            return _json(start_response, 200 if all(r.ok for r in results) else 503, body)
        return self.metrics(environ, start_response)  # type: ignore[no-any-return]  # prometheus' WSGI app

    def _ready(self) -> list[CheckResult]:
        if self.readiness is None:
            return []
        with self._lock:  # one probe at a time; the others read its answer
            if self._cached is None or time.monotonic() - self._cached[0] > self.cache_s:
                self._cached = (time.monotonic(), self.readiness())
            return self._cached[1]


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def serve(port: int, host: str = "127.0.0.1", *, registry: CollectorRegistry = REGISTRY,
          readiness: Readiness | None = None) -> WSGIServer:
    """Serve /metrics, /healthz and /readyz on a daemon thread; returns the server (``shutdown()`` stops it)."""
    server = make_server(host, port, ProbeApp(registry, readiness), _ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-probes", daemon=True).start()
    return server


def readiness_for(container: Container, names: Iterable[str]) -> Readiness:
    """Readiness of a process: the named checks of ``bot/ops/checks.py`` against its container."""
    from bot.ops.checks import CHECKS

    chosen = list(names)

    def ready() -> list[CheckResult]:
        return [CHECKS[name](container) for name in chosen]

    return ready


def process_checks(container: Container, role: str) -> list[str]:
    """What a process needs to be ready: the bot also its model server; a local Qdrant store is the bot's own."""
    names = ["database", "redis"]
    if container.settings.qdrant.url:
        names.append("qdrant")
    return [*names, "llm"] if role == "bot" else names


def start_metrics_server(port: int, host: str = "127.0.0.1", registry: CollectorRegistry = REGISTRY,
                         readiness: Readiness | None = None) -> WSGIServer:
    """Serve ``/metrics`` for Prometheus, plus the ``/healthz`` and ``/readyz`` probes."""
    register_gpu_collector(registry)
    server = serve(port, host, registry=registry, readiness=readiness)
    log.info("metrics and probes on http://%s:%d/metrics, /healthz, /readyz", host, port)
    return server
