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


# --- A fixed-speed streaming server, runnable as its own process (tests/cluster, benchmarks `cluster`) ---------
#
# `python -m tests.support.openai_stand_in --port P --ttft 0.2 --tokens-per-s 40 --tokens 12` streams
# `chat.completion.chunk` events as the OpenAI API documents them (SSE, `data: [DONE]` at the end). The reply echoes
# the last `[tag]` found in the last user message, so a test can tell which question an answer belongs to, and
# names the server (`served by <name>`), so a test can see where a router sent it.

TAG = r"\[(q[\w-]+)\]"


def streaming_app(*, name: str, ttft_s: float, tokens_per_s: float, tokens: int) -> web.Application:
    """An aiohttp app: /health, /v1/models, streamed (or not) /v1/chat/completions at a fixed pace."""
    import asyncio
    import json
    import re

    served: dict[str, int] = {"requests": 0}

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "requests": served["requests"]})

    async def models(_: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [
            {"id": "stand-in", "object": "model", "created": 0, "owned_by": "llamacpp"}]})

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        served["requests"] += 1
        users = [m.get("content", "") for m in body.get("messages", []) if m.get("role") == "user"]
        tags = re.findall(TAG, users[-1] if users else "")
        words = [f"[{tags[-1]}]" if tags else "[untagged]", "served", "by", name] + \
            ["word"] * max(0, min(tokens, int(body.get("max_tokens") or tokens)) - 4)
        session = request.headers.get("X-Session-ID", "")
        if not body.get("stream"):
            await asyncio.sleep(ttft_s + len(words) / tokens_per_s)
            return web.json_response({
                "id": "chatcmpl-s", "object": "chat.completion", "created": 0, "model": "stand-in",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": " ".join(words)}}]})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "X-Served-By": name,
                                               "X-Session-Seen": session})
        await response.prepare(request)
        await asyncio.sleep(ttft_s)
        for n, word in enumerate(words):
            chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0, "model": "stand-in",
                     "choices": [{"index": 0, "delta": {"content": word if n == 0 else f" {word}"},
                                  "finish_reason": None}]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
            if n < len(words) - 1:
                await asyncio.sleep(1 / tokens_per_s)
        done = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0, "model": "stand-in",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": len(words), "total_tokens": 10 + len(words)}}
        await response.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    return app


def main() -> None:
    """Serve :func:`streaming_app` on 127.0.0.1 until killed."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="stand-in")
    parser.add_argument("--ttft", type=float, default=0.1, help="seconds before the first token")
    parser.add_argument("--tokens-per-s", type=float, default=50.0)
    parser.add_argument("--tokens", type=int, default=12, help="tokens per answer")
    args = parser.parse_args()
    web.run_app(streaming_app(name=args.name, ttft_s=args.ttft, tokens_per_s=args.tokens_per_s, tokens=args.tokens),
                host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
