"""The OpenAI-compatible client against the real llama.cpp server, and with nothing listening."""

from __future__ import annotations

import time

import pytest

from inference.llm import ChatMessage, LLMClient, LLMUnavailable


def _client(base_url: str, retries: int = 1) -> LLMClient:
    return LLMClient(base_url=base_url, api_key="local", model="dialog-keeper", timeout_s=60,
                     connect_timeout_s=0.5, retries=retries, max_tokens=16, temperature=0)


async def test_streams_pieces_from_the_server(llm_base_url: str) -> None:
    client = _client(llm_base_url)
    pieces = [p async for p in client.stream_chat([ChatMessage("user", "Say hello.")])]
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert "dialog-keeper" in await client.served_models()
    await client.aclose()


async def test_unreachable_server_raises_typed_error_after_retries(dead_llm_url: str) -> None:
    client = _client(dead_llm_url, retries=2)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"unreachable: ConnectError"):
        async for _ in client.stream_chat([ChatMessage("user", "hi")]):
            pass
    # two retries with exponential back-off (0.25 s, 0.5 s) — it neither hangs nor gives up at once
    assert 0.5 < time.monotonic() - started < 10
    with pytest.raises(LLMUnavailable):
        await client.served_models()
    await client.aclose()


async def test_concurrent_requests_are_all_answered(llm_base_url: str) -> None:
    """The embedded server queues requests instead of cutting off the one being streamed."""
    import asyncio

    client = _client(llm_base_url)

    async def ask(question: str) -> str:
        return "".join([p async for p in client.stream_chat([ChatMessage("user", question)], max_tokens=8)])

    answers = await asyncio.gather(*(ask(q) for q in ["Say hi.", "Name a colour.", "Count to three."]))
    await client.aclose()
    assert all(a.strip() for a in answers)
