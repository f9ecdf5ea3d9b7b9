"""The one probe of an OpenAI-compatible server: is it healthy, and which models does it serve.

doctor, the admin ``/status``, the bot's start-up check, the embedded server's readiness wait and the
benchmark harness all ask this question; they ask it here so the answer (and its fixes) agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServedModelCheck:
    """What the LLM server said: healthy, which models it serves, its version if it tells."""

    ok: bool
    detail: str
    served: tuple[str, ...] = ()
    version: str | None = None
    busy: bool = False  # it answers, but its model list waits behind an answer in progress (one slot)
    degraded: str | None = None  # a router with some servers down says which; the others still answer


def check_served_model(base_url: str, api_key: str | None, model: str | None, *,
                       timeout_s: float = 5.0) -> ServedModelCheck:
    """Ask an OpenAI-compatible server (vLLM, llama.cpp) whether it is healthy and serves ``model``.

    ``base_url`` is the ``…/v1`` URL the bot uses. vLLM answers ``/health`` and ``/version`` beside
    ``/v1``; a server without them (llama.cpp's Python server) is judged by ``/v1/models`` alone.
    ``model=None`` asks only whether it answers and what it lists. A server that answers ``/health`` but not
    ``/v1/models`` in time is busy answering (one slot), not down.
    """
    import httpx

    root = base_url.rstrip("/").removesuffix("/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    version = None
    try:
        with httpx.Client(timeout=timeout_s, headers=headers) as client:
            health = client.get(f"{root}/health")
            # an older llama.cpp server answers 503 "no slot available" while every slot is answering: busy, not down
            no_slot = health.status_code == 503 and "no slot" in health.text.lower()
            # vllm-router answers 503 "Unhealthy servers: [...]" when any of its servers is down; it still routes
            # to the rest, so the model list (503 once none is left) says whether it serves
            degraded = health.text.strip()[:200] if health.status_code == 503 and "unhealthy servers" in \
                health.text.lower() else None
            if health.status_code not in (200, 404) and not no_slot and not degraded:
                return ServedModelCheck(False, f"{root}/health: HTTP {health.status_code} (still loading?)")
            try:
                models = client.get(f"{base_url.rstrip('/')}/models")
            except httpx.ReadTimeout:  # it answered /health: llama.cpp's Python server lists models between answers
                return ServedModelCheck(True, f"{base_url} is busy: it answers, its model list waits behind an "
                                        "answer in progress", busy=True)
            if models.status_code in (401, 403):
                return ServedModelCheck(False, f"{base_url}: API key refused (HTTP {models.status_code})")
            models.raise_for_status()
            served = tuple(str(m["id"]) for m in models.json().get("data", []))
            info = client.get(f"{root}/version")
            if info.status_code == 200:
                reported = info.json().get("version")
                version = str(reported) if reported else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return ServedModelCheck(False, f"{base_url}: {type(exc).__name__}: {exc}")
    if model is None:
        return ServedModelCheck(True, f"{base_url} serves {list(served)}", served, version, degraded=degraded)
    if model not in served:
        return ServedModelCheck(False, f"serves {list(served)}, not {model!r} (set DK_LLM__MODEL)", served, version)
    if degraded:
        return ServedModelCheck(True, f"{base_url} serves {model!r}, degraded: {degraded}", served, version,
                                degraded=degraded)
    return ServedModelCheck(True, f"{base_url} serves {model!r}", served, version)
