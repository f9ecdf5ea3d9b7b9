"""A loopback stand-in of an OpenAI-compatible server (/v1/models, /v1/chat/completions) with a fixed reply."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class StandIn:
    """A loopback OpenAI-compatible server: a fixed chat reply, the requests it received.

    ``structured`` (optional) answers the requests that ask for structured output (``response_format``)
    from the request itself, as a model reading the prompt would; ``stream=True`` requests get
    ``content`` as server-sent events, a word per chunk, as the OpenAI streaming protocol sends them.
    """

    base_url: str = ""
    content: str = ""
    owner: str = "llamacpp"
    structured: Callable[[dict[str, Any]], str] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


def _completion(content: str) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "stand-in",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "stand-in",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


@asynccontextmanager
async def serve_stand_in() -> AsyncIterator[StandIn]:
    """An aiohttp server speaking the documented /v1/models and /v1/chat/completions endpoints."""
    state = StandIn()

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [
            {"id": "stand-in", "object": "model", "created": 0, "owned_by": state.owner}]})

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        state.requests.append(body)
        if body.get("response_format") and state.structured is not None:
            return web.json_response(_completion(state.structured(body)))
        if not body.get("stream"):
            return web.json_response(_completion(state.content))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(_chunk({"role": "assistant", "content": ""}))
        for word in state.content.split(" "):
            await response.write(_chunk({"content": word + " "}))
        await response.write(_chunk({}, "stop"))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

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
