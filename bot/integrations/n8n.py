"""n8n as the tracker: POST the escalation to a workflow's webhook, which answers ``{ticket_id, url?}``.

The payload (documented in the README, "Escalation and tickets")::

    {"escalation_id": 12, "external_id": "dk:12", "question": "...", "transcript": [{"author", "text", "at"}],
     "user": {"id", "name", "username", "link"}, "chat": {"id", "title", "type"},
     "answer": {"text", "outcome", "feedback"}, "sources": [{"title", "heading_path", "source"}],
     "description": "<the same as Markdown>", "source": "button"}

The secret travels in the ``X-DK-Secret`` header and must not be empty (the settings refuse an n8n tracker without
one, and the shipped workflow rejects every request while its own is empty); ``external_id`` lets a workflow drop
a repeated delivery. The webhook only creates tickets: no comments come back and nothing is synced.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx

from bot.integrations import (
    Comment,
    ResolvedTicket,
    Ticket,
    TicketRequest,
    TicketState,
    TrackerError,
    TrackerSetupError,
    TrackerUnavailable,
)
from bot.settings import N8NSettings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-DK-Secret"


class N8nError(TrackerError):
    """The workflow refused the escalation (retrying cannot help)."""


class N8nUnavailable(N8nError, TrackerUnavailable):
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


class N8nTracker:
    """An n8n workflow as the tracker: create only (``supports_comments`` and resolution sync are off)."""

    kind = "n8n"
    supports_comments = False
    supports_resolution_sync = False

    def __init__(self, cfg: N8NSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._cfg = cfg
        self._transport = transport

    async def check(self) -> None:
        """The webhook address and a non-empty secret are set (the workflow rejects requests without one)."""
        if not self._cfg.webhook_url:
            raise TrackerSetupError("DK_N8N__WEBHOOK_URL is not set")
        if self._cfg.secret is None or not self._cfg.secret.get_secret_value():
            raise TrackerSetupError("DK_N8N__SECRET is empty: the workflow would accept anyone's requests")

    async def create_ticket(self, request: TicketRequest) -> Ticket:
        """POST the request's payload; a client per call, so each job's event loop owns its connections."""
        await self.check()
        cfg = self._cfg
        client = N8nClient(cfg.webhook_url or "", cfg.secret.get_secret_value() if cfg.secret else None,
                           timeout_s=cfg.timeout_s, transport=self._transport)
        try:
            return await client.create_ticket({**request.data, "description": request.description})
        finally:
            await client.aclose()

    async def new_comments(self, ticket_id: str, after: int | None) -> list[Comment]:
        """Nothing comes back from a webhook."""
        return []

    async def add_comment(self, ticket_id: str, text: str) -> None:
        """Not possible: the caller checks ``supports_comments`` first."""
        raise TrackerError("an n8n ticket takes no comments")

    async def state(self, ticket_id: str) -> TicketState:
        """Unknown to the bot: open as far as it can tell."""
        return TicketState.open

    async def list_resolved(self, since: datetime | None) -> list[ResolvedTicket]:
        """Nothing to sync."""
        return []

    async def resolution(self, ticket_id: str) -> str:
        """Nothing to sync."""
        return ""

    async def aclose(self) -> None:
        """Nothing held between calls."""
