"""The embedded stack's LLM: a llama.cpp server started for one run on a free loopback port."""

from __future__ import annotations

import asyncio
import socket
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness.records import RunContext, make_settings
from bot.ops.llm_server import start_embedded
from inference import llama_server
from inference.served import check_served_model


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LLMEndpoint:
    """Where an OpenAI-compatible server answers, and what it serves."""

    base_url: str
    model: str
    api_key: str | None
    kind: str  # "embedded llama.cpp" or "external"
    description: str  # for the record's models: the weights behind the served name


@contextmanager
def embedded_llm(log_path: Path, *, port: int | None = None) -> Iterator[LLMEndpoint]:
    """Start the packaged llama.cpp server (bot.ops.llm_server.start_embedded), stop it afterwards."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    settings = make_settings(llm={"base_url": base_url}, llama_server={"port": port, "start_timeout_s": 180})
    process = start_embedded(settings, log_path=log_path)
    model_path = settings.llama_server.model_path
    try:
        yield LLMEndpoint(base_url=base_url, model=settings.llm.model, api_key=None, kind="embedded llama.cpp",
                          description=f"{model_path.parent.name}/{model_path.name} (llama-cpp-python server, "
                                      f"{settings.llama_server.threads} threads)")
    finally:
        llama_server.stop(process.pid)


def served_models(base_url: str, api_key: str | None, timeout_s: float = 10.0) -> list[str]:
    """The model names an OpenAI-compatible server lists at ``/models`` (empty when it lists none)."""
    check = check_served_model(base_url, api_key, None, timeout_s=timeout_s)
    if not check.ok:
        raise RuntimeError(f"no OpenAI-compatible server: {check.detail}")
    return list(check.served)


@contextmanager
def llm_endpoint(base_url: str | None, model: str | None, api_key: str | None, *, log_path: Path,
                 port: int | None = None) -> Iterator[LLMEndpoint]:
    """The server at ``base_url`` (its only model when ``model`` is not given), or the embedded one."""
    if base_url is None:
        with embedded_llm(log_path, port=port) as endpoint:
            yield endpoint
        return
    names = served_models(base_url, api_key)
    chosen = model or (names[0] if names else "default")
    yield LLMEndpoint(base_url=base_url.rstrip("/"), model=chosen, api_key=api_key, kind="external",
                      description=f"{chosen} at {base_url} (served: {', '.join(names) or '?'})")


Measure = Callable[[LLMEndpoint, Path], Coroutine[Any, Any, list[dict[str, Any]]]]


def run_on_endpoint(args: Any, ctx: RunContext, measure: Measure) -> list[dict[str, Any]]:
    """A scenario's whole run: the endpoint of ``--base-url`` (or the embedded server), a scratch folder, and
    ``measure(endpoint, folder)`` on a fresh event loop; the model is named in the records."""
    with tempfile.TemporaryDirectory() as tmp:
        log = args.llm_log or Path(tmp) / "llm.log"
        with llm_endpoint(args.base_url, args.model, args.api_key, log_path=log) as endpoint:
            ctx.models["llm"] = f"{endpoint.model} = {endpoint.description}"
            return asyncio.run(measure(endpoint, Path(tmp)))
