"""The LLM tier behind vllm-router, as the bot's probe sees it: one server down is degraded, not down.

vllm-router answers ``/health`` with 503 "Unhealthy servers: [...]" as soon as any of its servers fails a health
check, while it keeps routing to the others. Read as "down", that held every deferred question back (the retry
waits for a healthy model server) and alerted the admins although answers kept flowing.
"""

from __future__ import annotations

import time

import pytest

from inference.served import ServedModelCheck, check_served_model
from tests.support.cluster import Cluster

pytestmark = pytest.mark.timeout(120)


def _settled(url: str, until: str, timeout_s: float = 20.0) -> ServedModelCheck:
    """The probe's verdict once the router's own health checks (1 s apart) have seen the change."""
    deadline = time.monotonic() + timeout_s
    while True:
        check = check_served_model(url, None, "stand-in", timeout_s=2)
        if until in check.detail or time.monotonic() > deadline:
            return check
        time.sleep(0.3)


def test_one_server_down_behind_the_router_is_degraded_and_all_down_is_down(cluster: Cluster) -> None:
    url = cluster.start_llm(2, ttft=0.05, tokens_per_s=200.0, tokens=4)
    healthy = check_served_model(url, None, "stand-in", timeout_s=2)
    assert healthy.ok and healthy.degraded is None, healthy

    dead_port = cluster.llm_ports[1]
    cluster.by_name("llm-1").kill()
    degraded = _settled(url, "degraded")
    assert degraded.ok, degraded
    assert degraded.degraded is not None and str(dead_port) in degraded.degraded, degraded

    cluster.by_name("llm-0").kill()
    down = _settled(url, "HTTPStatusError")
    assert not down.ok and "/v1/models" in down.detail, down  # 500 or 503: no server left to answer
