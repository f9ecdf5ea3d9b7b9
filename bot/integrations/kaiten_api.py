"""An async client of Kaiten's REST API (developers.kaiten.ru): cards, comments, tags, boards, the current user.

Bearer auth, paced to Kaiten's documented 5 requests per second; a 429 waits until ``X-RateLimit-Reset``
(or ``Retry-After``). Only idempotent calls are retried on 5xx and connection errors: ``POST /cards`` is never
repeated blindly — each card carries an ``external_id`` and, when a create's outcome is unknown, the client looks
that id up before it creates again. The token lives only in the request headers; it never reaches a log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bot.integrations import TicketNotFound, TrackerError, TrackerSetupError, TrackerUnavailable

log = logging.getLogger(__name__)

PAGE = 100  # Kaiten's largest page of cards
DONE = 3  # card state / column type "done" (1 queued, 2 in progress)


class KaitenError(TrackerError):
    """Kaiten refused or failed a request."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class KaitenAuthError(KaitenError, TrackerSetupError):
    """401/403: the token is wrong or lacks access (retrying cannot help)."""


class KaitenNotFound(KaitenError, TicketNotFound):
    """404: no such card, board or column."""


class KaitenRequestError(KaitenError):
    """400/402 and other 4xx: Kaiten rejected what was sent (retrying cannot help)."""


class KaitenUnavailable(KaitenError, TrackerUnavailable):
    """5xx, timeouts, refused connections or 429s that outlasted the retries: try again later."""


class _Transient(Exception):
    """One attempt failed in a way a retry may fix."""

    def __init__(self, reason: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(reason)
        self.response = response


class KaitenClient:
    """Kaiten over httpx; one instance per event loop, shared by all callers so the pace is global."""

    def __init__(self, base_url: str, token: str, *, rate_per_s: float = 5.0, timeout_s: float = 15.0,
                 retries: int = 3, max_wait_s: float = 60.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not base_url:
            raise KaitenRequestError("DK_KAITEN__URL is not set")
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", timeout=timeout_s, transport=transport,
                                       headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        # 10 % under the limit: arrival jitter must not squeeze rate + 1 requests into one second at Kaiten.
        self._interval = 1.1 / rate_per_s if rate_per_s > 0 else 0.0
        self._retries = retries
        self._max_wait_s = max_wait_s
        self._pace_lock = asyncio.Lock()
        self._next_slot = 0.0
        self.requests = 0  # requests sent, for benchmarks and logs

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> KaitenClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- the API
    async def current_user(self) -> dict[str, Any]:
        """``GET /users/current``: the user the token acts as (checks the token, too)."""
        return dict(await self._call("GET", "users/current"))

    async def board(self, board_id: int) -> dict[str, Any]:
        """``GET /boards/{id}`` (404 when there is no such board, 403 when the token may not see it)."""
        return dict(await self._call("GET", f"boards/{int(board_id)}"))

    async def get_card(self, card_id: int) -> dict[str, Any]:
        """``GET /cards/{id}``."""
        return dict(await self._call("GET", f"cards/{int(card_id)}"))

    async def list_cards(self, *, offset: int = 0, limit: int = PAGE, **filters: Any) -> list[dict[str, Any]]:
        """One page of ``GET /cards`` (a bare array); booleans and lists become Kaiten's query forms."""
        params = {k: _param(v) for k, v in filters.items() if v is not None}
        params.update(offset=str(offset), limit=str(min(limit, PAGE)))
        return list(await self._call("GET", "cards", params=params))

    async def iter_cards(self, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Every card matching ``filters``, page by page until a short page."""
        offset = 0
        while True:
            page = await self.list_cards(offset=offset, limit=PAGE, **filters)
            for card in page:
                yield card
            if len(page) < PAGE:
                return
            offset += len(page)

    async def find_by_external_id(self, external_id: str) -> dict[str, Any] | None:
        """The card carrying ``external_id`` (archived ones too), or None."""
        for condition in (1, 2):  # on the board, archived
            cards = await self.list_cards(external_id=external_id, condition=condition, limit=10)
            matching = [c for c in cards if c.get("external_id") == external_id]
            if matching:
                return min(matching, key=lambda c: int(c["id"]))
        return None

    async def create_card(self, *, title: str, board_id: int, external_id: str, column_id: int | None = None,
                          lane_id: int | None = None, type_id: int | None = None,
                          description: str | None = None) -> dict[str, Any]:
        """The card with ``external_id``: looked up first, and after any attempt whose outcome is unknown, so
        ``POST /cards`` is never re-sent blindly and one external id makes one card."""
        body: dict[str, Any] = {"title": title[:1000], "board_id": board_id, "external_id": external_id,
                                "text_format_type_id": 1}
        body |= {k: v for k, v in {"column_id": column_id, "lane_id": lane_id, "type_id": type_id,
                                    "description": description}.items() if v is not None}
        for attempt in range(self._retries + 1):
            existing = await self.find_by_external_id(external_id)  # made earlier, or by a lost attempt
            if existing is not None:
                log.info("card %s for %s exists already", existing["id"], external_id)
                return existing
            try:
                return dict(await self._call("POST", "cards", json=body, idempotent=False))
            except _Transient as exc:  # the card may or may not exist now: look before creating again
                log.warning("create card %s: outcome unknown (%s), looking it up", external_id, exc)
                await asyncio.sleep(min(2.0**attempt, 10.0))
        existing = await self.find_by_external_id(external_id)
        if existing is not None:
            return existing
        raise KaitenUnavailable(f"could not create card {external_id} after {self._retries + 1} attempts")

    async def comments(self, card_id: int) -> list[dict[str, Any]]:
        """``GET /cards/{id}/comments``, oldest first."""
        items = list(await self._call("GET", f"cards/{int(card_id)}/comments"))
        return sorted(items, key=lambda c: (str(c.get("created", "")), int(c.get("id", 0))))

    async def add_comment(self, card_id: int, text: str) -> dict[str, Any]:
        """``POST /cards/{id}/comments`` (not retried on 5xx: a second copy would be visible to support)."""
        return dict(await self._call("POST", f"cards/{int(card_id)}/comments", json={"text": text},
                                     idempotent=False, unknown_is_error=True))

    async def add_tag(self, card_id: int, name: str) -> dict[str, Any]:
        """``POST /cards/{id}/tags``; adding a tag a card already has changes nothing, so it may be retried."""
        return dict(await self._call("POST", f"cards/{int(card_id)}/tags", json={"name": name}))

    async def columns(self, board_id: int) -> list[dict[str, Any]]:
        """``GET /boards/{id}/columns`` (``type`` 3 = done)."""
        return list(await self._call("GET", f"boards/{int(board_id)}/columns"))

    # --- transport
    async def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
                    json: dict[str, Any] | None = None, idempotent: bool = True, unknown_is_error: bool = False) -> Any:
        """One API call with pacing, 429 waits and, for idempotent calls, retries on 5xx/connection errors.

        A non-idempotent call whose outcome is unknown raises :class:`_Transient` (``create_card`` looks
        the card up) or, with ``unknown_is_error``, :class:`KaitenUnavailable`.
        """
        attempt = 0
        while True:
            try:
                return await self._once(method, path, params=params, json=json)
            except _Transient as exc:
                if exc.response is not None and exc.response.status_code == 429:
                    await asyncio.sleep(self._rate_limit_wait(exc.response))
                    continue  # a 429 was refused before anything happened: any method may be re-sent
                if not idempotent:
                    if unknown_is_error:
                        raise KaitenUnavailable(f"{method} {path}: {exc}") from exc
                    raise
                attempt += 1
                if attempt > self._retries:
                    raise KaitenUnavailable(f"{method} {path}: {exc}") from exc
                await asyncio.sleep(min(0.5 * 2**attempt, 8.0))

    async def _once(self, method: str, path: str, *, params: dict[str, str] | None,
                    json: dict[str, Any] | None) -> Any:
        await self._pace()
        self.requests += 1
        try:
            response = await self._http.request(method, path, params=params, json=json)
        except httpx.TransportError as exc:  # refused, reset, timed out, or the response was lost
            raise _Transient(type(exc).__name__) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status}", response=response)
        if status in (401, 403):
            raise KaitenAuthError(f"{method} {path}: HTTP {status} (check DK_KAITEN__TOKEN)", status=status)
        if status == 404:
            raise KaitenNotFound(f"{method} {path}: not found", status=status)
        if status >= 400:
            raise KaitenRequestError(f"{method} {path}: HTTP {status} {_message(response)}", status=status)
        return response.json() if response.content else {}

    async def _pace(self) -> None:
        """Space request starts ``1/rate`` seconds apart across every caller of this client."""
        async with self._pace_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            await asyncio.sleep(wait)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds until Kaiten lifts the limit: ``Retry-After`` seconds, else ``X-RateLimit-Reset`` (UTC epoch)."""
        wait = 1.0
        retry_after = response.headers.get("Retry-After")
        reset = response.headers.get("X-RateLimit-Reset")
        try:
            if retry_after is not None:
                wait = float(retry_after)
            elif reset is not None:
                epoch = float(reset)
                epoch = epoch / 1000 if epoch > 1e11 else epoch  # milliseconds, should a server send them
                wait = epoch - time.time()
        except ValueError:
            pass
        wait = min(max(wait, 0.05), self._max_wait_s)
        log.info("Kaiten rate limit reached, waiting %.2f s", wait)
        return wait


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set):
        return ",".join(str(v) for v in value)
    return str(value)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else ""


def card_url(base_url: str, card_id: int) -> str:
    """The web address of a card: ``https://company.kaiten.ru/<id>`` for an API URL on that host."""
    root = base_url.split("/api/", 1)[0].rstrip("/")
    return f"{root}/{int(card_id)}"
