"""A loopback stand-in of an OpenAI-compatible server (/v1/models, /v1/chat/completions) with a fixed reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class StandIn:
    """A loopback OpenAI-compatible server: a fixed chat reply, the requests it received."""

    base_url: str = ""
    content: str = ""
    owner: str = "llamacpp"
    requests: list[dict[str, Any]] = field(default_factory=list)


@asynccontextmanager
async def serve_stand_in() -> AsyncIterator[StandIn]:
    """An aiohttp server speaking the documented /v1/models and /v1/chat/completions endpoints."""
    state = StandIn()

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [
            {"id": "stand-in", "object": "model", "created": 0, "owned_by": state.owner}]})

    async def chat(request: web.Request) -> web.Response:
        state.requests.append(await request.json())
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "stand-in",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": state.content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base_url = f"http://127.0.0.1:{port}/v1"
    yield state
    await runner.cleanup()
