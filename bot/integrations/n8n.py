"""n8n as the tracker: POST the escalation to a workflow's webhook, which answers ``{ticket_id, url?}``.

The payload (documented in the README, "Escalation and tickets")::

    {"escalation_id": 12, "external_id": "dk:12", "question": "...", "transcript": [{"author", "text", "at"}],
     "user": {"id", "name", "username", "link"}, "chat": {"id", "title", "type"},
     "answer": {"text", "outcome", "feedback"}, "sources": [{"title", "heading_path", "source"}],
     "description": "<the same as Markdown>", "source": "button"}

The secret travels in the ``X-DK-Secret`` header; ``external_id`` lets a workflow drop a repeated delivery.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.integrations import Ticket

log = logging.getLogger(__name__)

SECRET_HEADER = "X-DK-Secret"


class N8nError(Exception):
    """The workflow refused the escalation (retrying cannot help)."""


class N8nUnavailable(N8nError):
    """The webhook did not answer, or answered 5xx: try again later."""


class N8nClient:
    """Posts escalations to one n8n webhook."""

    def __init__(self, webhook_url: str, secret: str | None, *, timeout_s: float = 30.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not webhook_url:
            raise N8nError("DK_N8N__WEBHOOK_URL is not set")
        self._url = webhook_url
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        self._http = httpx.AsyncClient(timeout=timeout_s, headers=headers, transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def create_ticket(self, payload: dict[str, Any]) -> Ticket:
        """POST the payload; the reply's ``ticket_id`` (and optional ``url``) make the ticket."""
        try:
            response = await self._http.post(self._url, json=payload)
        except httpx.TransportError as exc:
            raise N8nUnavailable(f"n8n webhook: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise N8nUnavailable(f"n8n webhook: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise N8nError(f"n8n webhook: HTTP {response.status_code} {response.text[:200]}")
        try:
            body = response.json()
        except ValueError as exc:
            raise N8nError("n8n webhook: the answer is not JSON") from exc
        if not isinstance(body, dict) or not body.get("ticket_id"):
            raise N8nError("n8n webhook: the answer has no ticket_id")
        url = body.get("url")
        return Ticket(ticket_id=str(body["ticket_id"]), url=str(url) if url else None)
