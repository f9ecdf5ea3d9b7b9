"""OpenAI-compatible chat client (vLLM in production, llama.cpp server here).

It speaks the protocol with httpx directly: three endpoints (chat completions, streamed or not, and the model
list) are all it needs, and the ``openai`` package's import (hundreds of pydantic models) cost every
``dialog-keeper ask`` about a third of a second before its first token.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)


class _ErrorStatus(Exception):
    """The server answered an error status."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class _ServerBusy(_ErrorStatus):
    """429 or 5xx: overloaded, starting or restarting."""


class _Refused(_ErrorStatus):
    """Another error status (a bad request, an unknown model): no retry helps."""


def _raise_for_status(response: httpx.Response) -> None:
    """Nothing for a success; else the error its status calls for."""
    if not response.is_success:
        code = response.status_code
        raise (_ServerBusy if code == 429 or code >= 500 else _Refused)(code)


# Failures worth another try: the server cannot be reached, timed out, or is briefly overloaded.
_TRANSIENT = (httpx.TransportError, _ServerBusy)


# The conversation a request belongs to (the Telegram chat id): sent as X-Session-ID so that a router in front of
# several servers (vllm-router --policy consistent_hash) keeps each chat on one server and reuses its prefix cache.
SESSION_ID: ContextVar[str | None] = ContextVar("llm_session_id", default=None)
SESSION_HEADER = "X-Session-ID"


def session_headers() -> dict[str, str] | None:
    """The routing header of the current conversation, if one is set."""
    session = SESSION_ID.get()
    return {SESSION_HEADER: session} if session else None


class LLMError(Exception):
    """The model server could not produce an answer."""


class LLMUnavailable(LLMError):
    """The model server cannot be reached or keeps failing."""


ServerKind = Literal["auto", "llamacpp", "vllm"]


def structured_output(kind: Literal["llamacpp", "vllm"], schema: dict[str, Any]) -> dict[str, Any]:
    """The request fields that make a server answer JSON matching ``schema``.

    llama.cpp's server takes ``response_format={"type": "json_object", "schema": …}`` and rejects
    ``json_schema``; vLLM takes the OpenAI ``json_schema`` form.
    """
    if kind == "vllm":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "answer", "schema": schema, "strict": True}}}
    return {"response_format": {"type": "json_object", "schema": schema}}


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat prompt."""

    role: Literal["system", "user", "assistant"]
    content: str


class LLMClient:
    """Streams chat completions from an OpenAI-compatible server, with timeouts and retries."""

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout_s: float,
                 connect_timeout_s: float, retries: int, max_tokens: int, temperature: float,
                 server_kind: ServerKind = "auto") -> None:
        self.model = model
        self.server_kind = server_kind
        self.base_url = base_url
        self._retries = retries
        self._max_tokens = max_tokens
        self._temperature = temperature
        # Answers streaming now, and when one last made progress: a busy one-slot server is not a dead one.
        self._in_flight = 0
        self._progress_at = 0.0
        # The read timeout is per read: a long answer may stream for minutes, a silent server may not. The pool is
        # as wide as the openai client's was: every answer streaming at once holds a connection.
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/",
                                       headers={"Authorization": f"Bearer {api_key}"},
                                       timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
                                       limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100))

    def _body(self, messages: Sequence[ChatMessage], **fields: Any) -> dict[str, Any]:
        """A chat completion request (a test may add sampling fields here)."""
        return {"model": self.model, "messages": [{"role": m.role, "content": m.content} for m in messages],
                **fields}

    async def _open(self, body: dict[str, Any], *, stream: bool) -> httpx.Response:
        """Send one request; an error status is raised (read and closed), a good one returned unread."""
        request = self._http.build_request("POST", "chat/completions", json=body, headers=session_headers())
        response = await self._http.send(request, stream=stream)
        if not response.is_success:
            await response.aread()
            await response.aclose()
        _raise_for_status(response)
        return response

    def _failure(self, exc: Exception) -> LLMError:
        """The typed error a caller handles, naming what went wrong."""
        if isinstance(exc, _Refused):
            return LLMError(f"model server at {self.base_url} answered {exc.status_code}")
        what = str(exc) if isinstance(exc, _ServerBusy) else type(exc).__name__
        return LLMUnavailable(f"model server at {self.base_url} is unreachable: {what}")

    async def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                          temperature: float | None = None) -> AsyncIterator[str]:
        """Yield the answer's text pieces as the server produces them."""
        body = self._body(messages, stream=True, max_tokens=max_tokens or self._max_tokens,
                          temperature=self._temperature if temperature is None else temperature)
        self._in_flight += 1
        self._progress_at = time.monotonic()
        try:
            # Retries are ours (tenacity), so that only the request opening is retried, never a half-streamed answer.
            async for attempt in AsyncRetrying(
                    retry=retry_if_exception_type(_TRANSIENT), stop=stop_after_attempt(self._retries + 1),
                    wait=wait_exponential(multiplier=0.25, max=4), reraise=True):
                with attempt:
                    response = await self._open(body, stream=True)
            try:
                async for chunk in sse_chunks(response):
                    self._progress_at = time.monotonic()
                    choices = chunk.get("choices") or []
                    if piece := (choices[0].get("delta") or {}).get("content") if choices else None:
                        yield piece
            finally:
                await response.aclose()
        except (*_TRANSIENT, _Refused) as exc:
            raise self._failure(exc) from exc
        finally:
            self._in_flight -= 1

    def streaming(self, *, within_s: float) -> int:
        """Answers streaming now whose server made progress (a request sent, a token) within ``within_s``."""
        return self._in_flight if self._in_flight and time.monotonic() - self._progress_at <= within_s else 0

    async def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any], *,
                            max_tokens: int = 64) -> dict[str, Any]:
        """One non-streamed completion constrained to ``schema``, parsed; LLMError when it is not valid JSON."""
        kind = await self.resolved_kind()
        body = self._body(messages, max_tokens=max_tokens, temperature=0, **structured_output(kind, schema))
        try:
            response = await self._open(body, stream=False)
        except (*_TRANSIENT, _Refused) as exc:
            raise self._failure(exc) from exc
        try:
            choices = response.json().get("choices") or []
            text = (choices[0].get("message") or {}).get("content") or "" if choices else ""
            value = json.loads(text)
        except (ValueError, AttributeError, TypeError) as exc:
            raise LLMError(f"the model did not answer JSON: {response.text[:80]!r}") from exc
        if not isinstance(value, dict):
            raise LLMError("the model answered JSON that is not an object")
        return value

    async def _models(self) -> list[dict[str, Any]]:
        """The ``/models`` list (OpenAI's ``{"data": [{"id": …, "owned_by": …}]}``)."""
        response = await self._http.get("models")
        _raise_for_status(response)
        data = response.json().get("data") or []
        return [m for m in data if isinstance(m, dict)]

    async def resolved_kind(self) -> Literal["llamacpp", "vllm"]:
        """The server's dialect: the configured one, or (``auto``) what ``/models`` says owns the model."""
        if self.server_kind != "auto":
            return self.server_kind
        try:
            owners = {m.get("owned_by", "") for m in await self._models()}
        except _TRANSIENT as exc:
            raise self._failure(exc) from exc
        except (_Refused, ValueError):
            owners = set()  # a server without /models is not vLLM (vLLM always lists its models)
        self.server_kind = "vllm" if "vllm" in owners else "llamacpp"  # detected once per client
        return self.server_kind

    async def served_models(self) -> list[str]:
        """Model names the server offers (a cheap health check)."""
        try:
            return [str(m.get("id")) for m in await self._models()]
        except (*_TRANSIENT, _Refused, ValueError) as exc:
            raise LLMUnavailable(str(self._failure(exc))) from exc

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()


async def sse_chunks(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON chunks of a streamed completion (server-sent events), up to ``[DONE]``.

    A chunk that reports an error (vLLM and llama.cpp send ``{"error": …}`` when generation fails mid-way)
    raises :class:`LLMError`: the text so far is not an answer.
    """
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue  # blank separators and SSE comments (pings)
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError as exc:
            raise LLMError(f"the model server sent a broken stream: {data[:80]!r}") from exc
        if not isinstance(chunk, dict):
            continue
        if "error" in chunk:
            raise LLMError(f"the model server failed mid-answer: {str(chunk['error'])[:120]}")
        yield chunk
