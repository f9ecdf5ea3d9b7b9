"""One streamed chat completion against an OpenAI-compatible server, timed as ``vllm bench serve`` does.

TTFT = request start → first chunk carrying content; ITL = the gaps between consecutive content
chunks; E2E latency = request start → the last chunk of the stream. Output tokens come from the
``usage`` chunk the request asks for (``stream_options.include_usage``); a server that sends none
(llama-cpp-python's server ignores the option) is counted by its content chunks instead, and the
result says so.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from inference.llm import LLMError, sse_chunks


@dataclass
class StreamResult:
    """What one request produced; times in seconds from its own start."""

    ok: bool
    latency: float = 0.0
    ttft: float | None = None
    itl: list[float] = field(default_factory=list)
    chunks: int = 0  # chunks that carried content
    usage_output_tokens: int | None = None
    usage_prompt_tokens: int | None = None
    error: str | None = None

    @property
    def output_tokens(self) -> int:
        """Output tokens: the server's usage figure when it sent one, else the content chunks."""
        return self.usage_output_tokens if self.usage_output_tokens is not None else self.chunks

    @property
    def tpot(self) -> float | None:
        """Time per output token after the first: (latency − ttft) / (output_tokens − 1)."""
        if self.ttft is None or self.output_tokens <= 1:
            return None
        return (self.latency - self.ttft) / (self.output_tokens - 1)


def chat_payload(*, model: str, prompt: str, max_tokens: int, temperature: float, ignore_eos: bool) -> dict[str, Any]:
    """The request body: streamed, with usage asked for at the end of the stream."""
    payload: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": prompt}],
                               "max_tokens": max_tokens, "temperature": temperature, "stream": True,
                               "stream_options": {"include_usage": True}}
    if ignore_eos:
        payload["ignore_eos"] = True  # vLLM: generate exactly max_tokens; servers without it ignore the key
    return payload


async def stream_chat(client: httpx.AsyncClient, url: str, payload: dict[str, Any], *,
                      headers: dict[str, str], timeout_s: float) -> StreamResult:
    """Send one streamed request and time its chunks; failures are results, not exceptions."""
    result = StreamResult(ok=False)
    start = last_content = last_any = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s), client.stream("POST", url, json=payload, headers=headers) as response:
            if response.status_code != 200:
                body = (await response.aread()).decode(errors="replace")[:200]
                result.error = f"HTTP {response.status_code}: {body}"
                return result
            async for chunk in sse_chunks(response):
                now = time.perf_counter()
                last_any = now
                if usage := chunk.get("usage"):
                    result.usage_output_tokens = usage.get("completion_tokens")
                    result.usage_prompt_tokens = usage.get("prompt_tokens")
                choices = chunk.get("choices") or []
                delta = (choices[0].get("delta") or {}) if choices else {}
                if delta.get("content") or delta.get("reasoning_content"):
                    if result.ttft is None:
                        result.ttft = now - start
                    else:
                        result.itl.append(now - last_content)
                    last_content = now
                    result.chunks += 1
    except TimeoutError:
        result.error = f"timed out after {timeout_s:.0f} s"
        return result
    except (httpx.HTTPError, LLMError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:200]
        return result
    result.latency = last_any - start
    if result.ttft is None:
        result.error = "the stream carried no content"
        return result
    result.ok = True
    return result
