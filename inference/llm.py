"""OpenAI-compatible chat client (vLLM in production, llama.cpp server here)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import openai
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

# Failures worth another try: the server is starting, restarting or briefly overloaded.
_TRANSIENT = (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError,
              openai.RateLimitError)


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
        # Retries are ours (tenacity) so that only the request opening is retried, never a half-streamed answer.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key, max_retries=0,
            timeout=openai.Timeout(timeout_s, connect=connect_timeout_s))

    async def stream_chat(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
                          temperature: float | None = None) -> AsyncIterator[str]:
        """Yield the answer's text pieces as the server produces them."""
        payload = [{"role": m.role, "content": m.content} for m in messages]
        self._in_flight += 1
        self._progress_at = time.monotonic()
        try:
            async for attempt in AsyncRetrying(
                    retry=retry_if_exception_type(_TRANSIENT), stop=stop_after_attempt(self._retries + 1),
                    wait=wait_exponential(multiplier=0.25, max=4), reraise=True):
                with attempt:
                    stream = await self._client.chat.completions.create(
                        model=self.model, messages=payload, stream=True,  # type: ignore[arg-type]  # dicts are valid params
                        max_tokens=max_tokens or self._max_tokens,
                        temperature=self._temperature if temperature is None else temperature,
                        extra_headers=session_headers())
            async for chunk in stream:  # type: ignore[union-attr]  # stream=True gives an AsyncStream
                self._progress_at = time.monotonic()
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except _TRANSIENT as exc:
            raise LLMUnavailable(f"model server at {self.base_url} is unreachable: {type(exc).__name__}") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"model server at {self.base_url} answered {exc.status_code}") from exc
        finally:
            self._in_flight -= 1

    def streaming(self, *, within_s: float) -> int:
        """Answers streaming now whose server made progress (a request sent, a token) within ``within_s``."""
        return self._in_flight if self._in_flight and time.monotonic() - self._progress_at <= within_s else 0

    async def complete_json(self, messages: Sequence[ChatMessage], schema: dict[str, Any], *,
                            max_tokens: int = 64) -> dict[str, Any]:
        """One non-streamed completion constrained to ``schema``, parsed; LLMError when it is not valid JSON."""
        kind = await self.resolved_kind()
        payload = [{"role": m.role, "content": m.content} for m in messages]
        try:
            response = await self._client.chat.completions.create(
                model=self.model, messages=payload, max_tokens=max_tokens, temperature=0,  # type: ignore[arg-type]  # dicts are valid params
                extra_body=structured_output(kind, schema), extra_headers=session_headers())
        except _TRANSIENT as exc:
            raise LLMUnavailable(f"model server at {self.base_url} is unreachable: {type(exc).__name__}") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"model server at {self.base_url} answered {exc.status_code}") from exc
        text = response.choices[0].message.content or "" if response.choices else ""
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LLMError(f"the model did not answer JSON: {text[:80]!r}") from exc
        if not isinstance(value, dict):
            raise LLMError("the model answered JSON that is not an object")
        return value

    async def resolved_kind(self) -> Literal["llamacpp", "vllm"]:
        """The server's dialect: the configured one, or (``auto``) what ``/models`` says owns the model."""
        if self.server_kind != "auto":
            return self.server_kind
        try:
            page = await self._client.models.list()
            owners = {getattr(m, "owned_by", "") for m in page.data}
        except _TRANSIENT as exc:
            raise LLMUnavailable(f"model server at {self.base_url} is unreachable: {type(exc).__name__}") from exc
        except openai.APIStatusError:
            owners = set()  # a server without /models is not vLLM (vLLM always lists its models)
        self.server_kind = "vllm" if "vllm" in owners else "llamacpp"  # detected once per client
        return self.server_kind

    async def served_models(self) -> list[str]:
        """Model names the server offers (a cheap health check)."""
        try:
            page = await self._client.models.list()
        except (*_TRANSIENT, openai.APIStatusError) as exc:
            raise LLMUnavailable(f"model server at {self.base_url} is unreachable: {type(exc).__name__}") from exc
        return [m.id for m in page.data]

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()
