"""A Kaiten stand-in on loopback, written to Kaiten's documented REST API (developers.kaiten.ru).

Serves ``/api/latest`` and ``/api/v1``: ``POST/GET /cards`` (bare-array lists with ``offset``/``limit`` ≤ 100 and
the documented filters), ``GET/PATCH /cards/{id}``, card comments and tags, ``GET /boards/{id}`` (the board with
its columns and lanes; 404 for an unknown board, 403 for one the token's user may not see), ``GET
/boards/{id}/columns`` (types 1 queued, 2 in progress, 3 done), ``GET /users/current``. Bearer auth (401
``Invalid token``), 200 on create. Fault switches: a per-second limit answered with 429 + ``X-RateLimit-Reset``,
5xx for the next N requests or while "down", slow replies, a create that commits the card but loses its
response, boards the token may not see.

It runs an aiohttp server on its own thread, so blocking code (a CLI run, a worker process) can call it too.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

BOT_USER = {"id": 1, "uid": "u-bot", "full_name": "Dialog Keeper", "username": "dk-bot", "email": "bot@example.com"}
AGENT = {"id": 2, "uid": "u-agent", "full_name": "Support Agent", "username": "agent", "email": "agent@example.com"}
BOARD_ID, LANE_ID = 10, 201
QUEUE_COLUMN, WORK_COLUMN, DONE_COLUMN = 101, 102, 103
COLUMNS = [{"id": QUEUE_COLUMN, "title": "Очередь", "type": 1, "board_id": BOARD_ID, "sort_order": 1},
           {"id": WORK_COLUMN, "title": "В работе", "type": 2, "board_id": BOARD_ID, "sort_order": 2},
           {"id": DONE_COLUMN, "title": "Готово", "type": 3, "board_id": BOARD_ID, "sort_order": 3}]
_COLUMN_TYPE = {c["id"]: c["type"] for c in COLUMNS}


def now_iso(at: float | None = None) -> str:
    """Kaiten's timestamp form: ``2024-10-25T10:37:26.375Z``."""
    moment = datetime.fromtimestamp(time.time() if at is None else at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Faults:
    """Switches a test flips to make the stand-in misbehave."""

    rate_per_s: int | None = None  # more requests than this in one second → 429
    fail_next: int = 0  # the next N requests answer ``fail_status``
    fail_status: int = 503
    down: bool = False  # every request answers 503
    delay_s: float = 0.0  # every reply waits this long
    lose_create_responses: int = 0  # the next N card creations commit, then the connection is dropped
    fail_creates: int = 0  # the next N card creations answer ``fail_status`` before storing anything
    forbidden_boards: set[int] = field(default_factory=set)  # boards the token's user has no access to (403)


@dataclass
class KaitenStandIn:
    """The stand-in's state and server; ``url`` is the base URL a client is configured with."""

    token: str = "kaiten-test-token"
    faults: Faults = field(default_factory=Faults)
    cards: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[float, str, str, int]] = field(default_factory=list)  # (time, method, path, status)
    columns: list[dict[str, Any]] = field(default_factory=lambda: [dict(c) for c in COLUMNS])  # of board BOARD_ID
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = iter(range(5001, 10**9))
        self._window: tuple[int, int] = (0, 0)  # (second, requests in it)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The API base, as ``DK_KAITEN__URL`` takes it."""
        return f"http://127.0.0.1:{self.port}/api/latest"

    # --- life cycle
    def start(self) -> KaitenStandIn:
        """Serve on a free loopback port from a thread of its own."""
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="kaiten-standin", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        for prefix in ("/api/latest", "/api/v1"):
            app.router.add_route("*", prefix + "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started just above

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._loop is None:
            return
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # --- what tests do as the support team
    def add_card(self, *, title: str, column_id: int = QUEUE_COLUMN, description: str = "", archived: bool = False,
                 external_id: str | None = None, done_at: float | None = None) -> dict[str, Any]:
        """A card made by a person in Kaiten's UI."""
        with self._lock:
            card = self._new_card({"title": title, "board_id": BOARD_ID, "column_id": column_id,
                                   "description": description, "external_id": external_id}, author=AGENT)
            if archived:
                card.update(condition=2, archived=True)
            if done_at is not None:
                card["last_moved_to_done_at"] = now_iso(done_at)
            return card

    def comment(self, card_id: int, text: str, *, author: dict[str, Any] = AGENT,
                internal: bool = False) -> dict[str, Any]:
        """A comment written in Kaiten (by support unless ``author`` says otherwise)."""
        with self._lock:
            return self._add_comment(card_id, text, author, internal=internal)

    def move(self, card_id: int, column_id: int) -> dict[str, Any]:
        """Drag a card to another column."""
        with self._lock:
            return self._patch(self.cards[card_id], {"column_id": column_id})

    def archive(self, card_id: int) -> dict[str, Any]:
        """Archive a card."""
        with self._lock:
            return self._patch(self.cards[card_id], {"condition": 2})

    def max_per_second(self) -> int:
        """The most requests that arrived within any one-second span."""
        times = sorted(t for t, *_ in self.requests)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the API
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        response = await self._handle(request, path)
        with self._lock:
            self.requests.append((time.time(), request.method, path, response.status))
        return response

    async def _handle(self, request: web.Request, path: str) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401, text="Invalid token")
        if self.faults.delay_s:
            await asyncio.sleep(self.faults.delay_s)
        with self._lock:
            limited = self._rate_limited()
            if limited is not None:
                return limited
            if self.faults.down or self.faults.fail_next:
                self.faults.fail_next = max(self.faults.fail_next - 1, 0)
                return web.json_response({"message": "Service unavailable"}, status=self.faults.fail_status)
        body = await request.json() if request.can_read_body else {}
        parts = path.split("/")
        with self._lock:
            if request.method == "POST" and parts == ["cards"] and self.faults.fail_creates:
                self.faults.fail_creates -= 1
                return web.json_response({"message": "Service unavailable"}, status=self.faults.fail_status)
            if len(parts) >= 2 and parts[0] == "boards" and parts[1].isdigit() \
                    and int(parts[1]) in self.faults.forbidden_boards:
                return web.json_response({"message": "Access denied"}, status=403)
            try:
                result = self._route(request.method, parts, request.query, body)
            except KeyError:
                return web.Response(status=404)
            except ValueError as exc:
                return web.json_response({"message": str(exc)}, status=400)
            if request.method == "POST" and parts == ["cards"] and self.faults.lose_create_responses:
                self.faults.lose_create_responses -= 1
                assert request.transport is not None
                request.transport.close()  # committed, but the client never hears so
        return web.json_response(result)

    def _rate_limited(self) -> web.Response | None:
        if self.faults.rate_per_s is None:
            return None
        second = int(time.time())
        window, count = self._window
        count = count + 1 if window == second else 1
        self._window = (second, count)
        if count <= self.faults.rate_per_s:
            return None
        return web.Response(status=429, text="Too Many Requests",
                            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(second + 1)})

    def _route(self, method: str, parts: list[str], query: Any, body: dict[str, Any]) -> Any:
        match method, parts:
            case "GET", ["users", "current"]:
                return dict(BOT_USER)
            case "GET", ["boards", board] if int(board) == BOARD_ID:
                return {"id": BOARD_ID, "uid": f"board-{BOARD_ID}", "title": "Поддержка", "space_id": 1,
                        "columns": [dict(c) for c in self.columns], "lanes": [self._lane()]}
            case "GET", ["boards", board, "columns"] if int(board) == BOARD_ID:
                return [dict(c) for c in self.columns]
            case "GET", ["boards", board, "lanes"] if int(board) == BOARD_ID:
                return [self._lane()]
            case "POST", ["cards"]:
                if not body.get("title") or not body.get("board_id"):
                    raise ValueError("title and board_id are required")
                return self._view(self._new_card(body, author=BOT_USER), with_description=True)
            case "GET", ["cards"]:
                return self._list(query)
            case "GET", ["cards", card_id]:
                return self._view(self.cards[int(card_id)], with_description=True)
            case "PATCH", ["cards", card_id]:
                return self._view(self._patch(self.cards[int(card_id)], body), with_description=True)
            case "GET", ["cards", card_id, "comments"]:
                self.cards[int(card_id)]  # 404 for an unknown card
                return [dict(c) for c in self.comments.get(int(card_id), [])]
            case "POST", ["cards", card_id, "comments"]:
                if not body.get("text"):
                    raise ValueError("text is required")
                return self._add_comment(int(card_id), body["text"], BOT_USER)
            case "POST", ["cards", card_id, "tags"]:
                card = self.cards[int(card_id)]
                tag = {"id": abs(hash(body["name"])) % 10**6, "name": body["name"]}
                if all(t["name"] != tag["name"] for t in card["tags"]):
                    card["tags"].append(tag)
                    card["tag_ids"].append(tag["id"])
                return tag
        raise KeyError(parts)

    @staticmethod
    def _lane() -> dict[str, Any]:
        return {"id": LANE_ID, "title": "Поддержка", "board_id": BOARD_ID}

    def _new_card(self, body: dict[str, Any], *, author: dict[str, Any]) -> dict[str, Any]:
        card_id = next(self._ids)
        column_id = int(body.get("column_id") or QUEUE_COLUMN)
        stamp = now_iso()
        card = {"id": card_id, "uid": f"card-{card_id}", "title": str(body["title"]),
                "description": body.get("description"), "board_id": int(body["board_id"]), "column_id": column_id,
                "lane_id": body.get("lane_id") or LANE_ID, "type_id": body.get("type_id"),
                "state": _COLUMN_TYPE[column_id], "condition": 1, "archived": False,
                "external_id": body.get("external_id"), "properties": body.get("properties") or {}, "tags": [],
                "tag_ids": [], "created": stamp, "updated": stamp, "last_moved_to_done_at":
                stamp if _COLUMN_TYPE[column_id] == 3 else None, "completed_at": None, "version": 1,
                "comments_total": 0, "owner_id": author["id"], "source": "api"}
        self.cards[card_id] = card
        return card

    def _patch(self, card: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        if "column_id" in body:
            card["column_id"] = int(body["column_id"])
            card["state"] = _COLUMN_TYPE[card["column_id"]]
            if card["state"] == 3:
                card["last_moved_to_done_at"] = card["completed_at"] = now_iso()
        if "condition" in body:
            card["condition"] = int(body["condition"])
            card["archived"] = card["condition"] == 2
        for key in ("title", "description"):
            if key in body:
                card[key] = body[key]
        card["updated"] = now_iso()
        card["version"] += 1
        return card

    def _add_comment(self, card_id: int, text: str, author: dict[str, Any], *,
                     internal: bool = False) -> dict[str, Any]:
        card = self.cards[card_id]
        stamp = now_iso()
        comment = {"id": next(self._ids), "text": text, "type": 1, "card_id": card_id, "author_id": author["id"],
                   "author": dict(author), "internal": internal, "deleted": False, "created": stamp, "updated": stamp}
        self.comments.setdefault(card_id, []).append(comment)
        card["comments_total"] += 1
        card["comment_last_added_at"] = stamp
        return comment

    def _list(self, query: Any) -> list[dict[str, Any]]:
        cards = list(self.cards.values())
        condition = int(query.get("condition", 0) or 0)
        if "archived" in query:
            cards = [c for c in cards if c["archived"] == (query["archived"] == "true")]
        elif condition:
            cards = [c for c in cards if c["condition"] == condition]
        else:
            cards = [c for c in cards if c["condition"] == 1]  # on the board unless asked otherwise
        for key in ("board_id", "column_id", "lane_id"):
            if key in query:
                cards = [c for c in cards if c[key] == int(query[key])]
        if "external_id" in query:
            cards = [c for c in cards if c["external_id"] == query["external_id"]]
        if "states" in query:
            states = {int(s) for s in query["states"].split(",")}
            cards = [c for c in cards if c["state"] in states]
        for key, field_name in (("updated", "updated"), ("last_moved_to_done_at", "last_moved_to_done_at")):
            if f"{key}_after" in query:
                bound = _parse(query[f"{key}_after"])
                cards = [c for c in cards if c[field_name] and _parse(c[field_name]) >= bound]
            if f"{key}_before" in query:
                bound = _parse(query[f"{key}_before"])
                cards = [c for c in cards if c[field_name] and _parse(c[field_name]) <= bound]
        cards.sort(key=lambda c: c["id"])
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 100)), 100)
        with_description = "description" in query.get("additional_card_fields", "")
        return [self._view(c, with_description=with_description) for c in cards[offset:offset + limit]]

    @staticmethod
    def _view(card: dict[str, Any], *, with_description: bool) -> dict[str, Any]:
        view = dict(card, tags=list(card["tags"]), tag_ids=list(card["tag_ids"]))
        if not with_description:
            view.pop("description", None)
        return view
