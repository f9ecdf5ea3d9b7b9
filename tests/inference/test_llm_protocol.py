"""The LLM client's side of the OpenAI protocol, against loopback servers that misbehave in documented ways.

Error statuses (retried or not), an error event in the middle of a stream, a connection cut mid-answer, and the
headers every request carries (the API key, the conversation's routing header).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from inference.llm import SESSION_ID, ChatMessage, LLMClient, LLMError, LLMUnavailable

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def _server(chat: Handler) -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A loopback server answering POST /v1/chat/completions with ``chat``; the requests it saw."""
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append(request)
        return await chat(request)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started TCP site has sockets
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        await runner.cleanup()


def _client(base_url: str, retries: int = 2) -> LLMClient:
    return LLMClient(base_url=base_url, api_key="secret-key", model="m", timeout_s=5, connect_timeout_s=1,
                     retries=retries, max_tokens=8, temperature=0)


async def _text(client: LLMClient) -> str:
    return "".join([piece async for piece in client.stream_chat([ChatMessage("user", "hi")])])


def _event(body: object) -> bytes:
    return f"data: {json.dumps(body)}\n\n".encode()


async def _stream(request: web.Request, *events: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for event in events:
        await response.write(event)
    return response


def _delta(text: str) -> bytes:
    return _event({"choices": [{"index": 0, "delta": {"content": text}}]})


async def test_pieces_arrive_and_every_request_carries_the_key_and_the_chat() -> None:
    async def chat(request: web.Request) -> web.StreamResponse:
        return await _stream(request, _delta("Hel"), _delta("lo"), b": ping\n\n", b"data: [DONE]\n\n")

    async with _server(chat) as (url, seen):
        client = _client(url)
        token = SESSION_ID.set("chat-42")
        try:
            assert await _text(client) == "Hello"
        finally:
            SESSION_ID.reset(token)
        await client.aclose()
    assert seen[0].headers["Authorization"] == "Bearer secret-key"
    assert seen[0].headers["X-Session-ID"] == "chat-42"


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_busy_server_is_asked_again_then_reported_unavailable(status: int) -> None:
    async def chat(_: web.Request) -> web.StreamResponse:
        return web.json_response({"error": {"message": "busy"}}, status=status)

    async with _server(chat) as (url, seen):
        client = _client(url, retries=2)
        with pytest.raises(LLMUnavailable, match=f"HTTP {status}"):
            await _text(client)
        await client.aclose()
    assert len(seen) == 3  # the first try and two retries


async def test_a_refused_request_is_an_error_and_not_retried() -> None:
    async def chat(_: web.Request) -> web.StreamResponse:
        return web.json_response({"error": {"message": "model not found"}}, status=404)

    async with _server(chat) as (url, seen):
        client = _client(url, retries=2)
        with pytest.raises(LLMError, match="answered 404") as raised:
            await _text(client)
        await client.aclose()
    assert not isinstance(raised.value, LLMUnavailable) and len(seen) == 1


async def test_an_error_event_mid_stream_is_an_error_not_an_answer() -> None:
    async def chat(request: web.Request) -> web.StreamResponse:
        return await _stream(request, _delta("Partial"), _event({"error": {"message": "out of memory"}}))

    async with _server(chat) as (url, _):
        client = _client(url)
        with pytest.raises(LLMError, match="out of memory"):
            await _text(client)
        await client.aclose()


async def test_a_connection_cut_mid_answer_is_unavailable_and_the_answer_put_off() -> None:
    async def chat(request: web.Request) -> web.StreamResponse:
        response = await _stream(request, _delta("Half an ans"))
        assert request.transport is not None
        request.transport.abort()  # the server dies mid-answer: no [DONE], no chunk end
        return response

    async with _server(chat) as (url, seen):
        client = _client(url, retries=2)
        with pytest.raises(LLMUnavailable):
            await _text(client)
        await client.aclose()
    assert len(seen) == 1, "a half-streamed answer is never asked again from the start"
    assert client.streaming(within_s=60) == 0
