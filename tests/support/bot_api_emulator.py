"""Telegram Bot API emulator for end-to-end tests.

A real aiohttp server on 127.0.0.1 speaking the Bot API wire protocol, so a
python-telegram-bot ``Bot``/``Application`` pointed at ``emulator.base_url``
makes genuine HTTP calls (form, JSON and multipart encodings) while the test
plays the Telegram user: it injects updates, inspects what the bot sent and
switches on faults (429, flood limits, blocked users, oversize files).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from types import EllipsisType, TracebackType
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web
from telegram import Bot
from telegram.ext import ApplicationBuilder

from .bot_api_state import (
    JSON,
    ApiCall,
    ApiError,
    Draft,
    FaultRule,
    QueuedUpdate,
    StoredFile,
    StoredMessage,
    TgChat,
    TgUser,
    bad_request,
    now,
    parse_text,
    utf16_len,
    with_auto_entities,
)

MAX_TEXT_LENGTH = 4096
DRAFT_TTL_S = 30.0  # a draft is a temporary 30-second preview (Bot API 9.3, sendMessageDraft)
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files, as the cloud Bot API does
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# Fields that must stay strings even if they look like JSON (form values arrive as text).
_STRING_FIELDS = frozenset({
    "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "language_code",
    "file_id", "action", "ip_address", "inline_message_id", "document", "photo", "voice", "emoji",
})
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same"
    " as a current content and reply markup of the message"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_DESCRIPTIONS = {400: "Bad Request", 403: "Forbidden: bot was blocked by the user", 500: "Internal Server Error"}
_MEDIA_FOLDERS = {"document": "documents", "photo": "photos", "voice": "voice"}


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass
class ApiRequest:
    """Decoded parameters and uploaded files of one Bot API call."""

    params: JSON
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Parameter value or default."""
        return self.params.get(key, default)


def _coerce(key: str, value: str) -> Any:
    # Form encodings carry every value as text; non-string fields hold JSON (ints, bools, markup).
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_request(request: web.Request) -> ApiRequest:
    req = ApiRequest({key: _coerce(key, value) for key, value in request.query.items()})
    try:
        if request.content_type == "application/json" and request.can_read_body:
            body = await request.json()
            req.params.update({k: _coerce(k, v) if isinstance(v, str) else v for k, v in body.items()})
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    req.files[key] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    req.params[key] = _coerce(key, str(value))
    except (ValueError, AttributeError) as exc:
        raise bad_request("can't parse request body") from exc
    return req


def _respond(error: ApiError | None, result: Any = None) -> web.Response:
    if error is not None:
        return web.json_response(error.to_api(), status=error.error_code)
    return web.json_response({"ok": True, "result": result})


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (for PTB's webhook server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotApiEmulator:
    """In-process Telegram Bot API server driven by tests; use ``async with BotApiEmulator() as tg``."""

    def __init__(
        self, token: str = "123456789:AAEmulatorTestToken", *, bot_username: str = "dialog_keeper_bot",
        bot_first_name: str = "Dialog Keeper", max_download_size: int = MAX_DOWNLOAD_SIZE,
        first_update_id: int = 1000,
    ) -> None:
        self.token = token
        self.bot_user = TgUser(int(token.split(":")[0]), bot_first_name, bot_username, language_code=None, is_bot=True)
        self.max_download_size = max_download_size
        self.port = 0
        self.calls: list[ApiCall] = []
        self.drafts: list[Draft] = []
        self._live_drafts: dict[int, Draft] = {}  # chat id -> the draft shown now (gone when a message arrives)
        self._unknown_methods: set[str] = set()  # answered 404 "Not Found", as a server that lacks them
        self._holds: dict[str, tuple[asyncio.Event, Callable[[JSON], bool] | None]] = {}
        self._reactions: dict[tuple[int, int, int], list[JSON]] = {}  # (chat, message, user) -> their reactions
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[str, list[JSON]] = {}
        self.webhook: JSON | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status; 0 = unreachable)
        self._chats: dict[int, TgChat] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._files: dict[str, StoredFile] = {}
        self._callbacks: dict[str, JSON | None] = {}  # query id -> answer (None while unanswered)
        self._queue: list[QueuedUpdate] = []
        self._next_update_id = first_update_id
        self._poll_allowed: list[str] | None = None
        self._poll_generation = 0
        self._ids = itertools.count(1)
        self._faults: list[FaultRule] = []
        self._flood: tuple[int, int] | None = None  # (max sends+edits per chat per second, retry_after)
        self._flood_log: dict[int, deque[float]] = {}
        self._blocked: set[int] = set()
        self._offline = False
        self._updates_changed = asyncio.Condition()
        self._calls_changed = asyncio.Condition()
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        handlers: dict[str, Callable[[ApiRequest], Awaitable[Any]]] = {
            "getMe": self._get_me, "getUpdates": self._get_updates, "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook, "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message, "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup, "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action, "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands, "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands, "sendMessageDraft": self._send_message_draft,
            "sendDocument": partial(self._send_media, "document"), "sendPhoto": partial(self._send_media, "photo"),
            "sendVoice": partial(self._send_media, "voice"), "getChat": self._get_chat,
            "getFile": self._get_file, "setMessageReaction": self._set_message_reaction,
        }
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- lifecycle
    async def start(self, port: int = 0) -> BotApiEmulator:
        """Start serving on loopback: on ``port``, or an ephemeral one."""
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """Release pending long polls, then shut the server down."""
        self._closing = True
        async with self._updates_changed:
            self._updates_changed.notify_all()
        for task in self._tasks:
            task.cancel()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def make_bot(self) -> Bot:
        """A PTB Bot wired to this emulator (use it as an async context manager)."""
        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url)

    def application_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """A PTB ApplicationBuilder with token and URLs pointing at this emulator."""
        return ApplicationBuilder().token(self.token).base_url(self.base_url).base_file_url(self.base_file_url)

    # ------------------------------------------------------------------- HTTP
    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _respond(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _respond(ApiError(404, "Not Found"))
        try:
            req = await _read_request(request)
        except ApiError as exc:
            return _respond(exc)
        name, handler = entry
        call = ApiCall(name, req.params, time.time(), {key: up.data for key, up in req.files.items()})
        try:
            if self._offline:  # what a proxy in front of an unreachable Bot API answers
                raise ApiError(502, "Bad Gateway")
            if name.lower() in self._unknown_methods:  # recorded, so tests can count the attempts
                raise ApiError(404, "Not Found")
            hold, when = self._holds.get(name.lower(), (None, None))
            if hold is not None and (when is None or when(req.params)):
                del self._holds[name.lower()]
                await hold.wait()
                raise ApiError(502, "Bad Gateway")  # the caller is gone by then (a crashed bot)
            self._check_faults(name, req.params)
            call.result = await handler(req)
        except ApiError as exc:
            call.error = exc
        self.calls.append(call)
        async with self._calls_changed:
            self._calls_changed.notify_all()
        return _respond(call.error, call.result)

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["file_path"]
        stored = next((f for f in self._files.values() if f.file_path == path), None)
        if request.match_info["token"] != self.token or stored is None or stored.size > self.max_download_size:
            return _respond(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    # -------------------------------------------------------- fault injection
    def fail_next(
        self, method: str, error_code: int = 429, *, retry_after: int | None = None,
        description: str | None = None, times: int = 1, when: Callable[[JSON], bool] | None = None,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = all but getUpdates), whose parameters satisfy `when`
        when given, fail with this error."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None and error_code == 429:
            description = f"Too Many Requests: retry after {retry_after}"
        description = description or _DESCRIPTIONS.get(error_code, "Error")
        self._faults.append(FaultRule(method.lower(), ApiError(error_code, description, retry_after), times, when))

    async def set_offline(self, offline: bool = True) -> None:
        """While offline every method, getUpdates included, answers 502 Bad Gateway; pending long polls end now."""
        self._offline = offline
        async with self._updates_changed:
            self._updates_changed.notify_all()

    def flood_limit(self, per_chat_per_second: int | None, *, retry_after: int = 1) -> None:
        """Answer 429 when a chat gets more than N sends+edits within one second (None disables)."""
        self._flood = None if per_chat_per_second is None else (per_chat_per_second, retry_after)
        self._flood_log.clear()

    def forget_method(self, method: str, forgotten: bool = True) -> None:
        """Answer `method` with 404 "Not Found", as an older Bot API server that lacks it (e.g. sendMessageDraft)."""
        (self._unknown_methods.add if forgotten else self._unknown_methods.discard)(method.lower())

    def hold_next(self, method: str, when: Callable[[JSON], bool] | None = None) -> asyncio.Event:
        """Leave the next call of `method` (whose parameters satisfy `when`) unanswered until the returned event is
        set, then fail it with 502: a bot that hangs there is as good as dead (a crash mid-request)."""
        event = asyncio.Event()
        self._holds[method.lower()] = (event, when)
        return event

    def holding(self, method: str) -> bool:
        """Whether a hold set by ``hold_next`` still waits for its call (False once a call is held)."""
        return method.lower() in self._holds

    @property
    def poll_allowed_updates(self) -> list[str] | None:
        """The allowed_updates of the latest getUpdates that named them."""
        return self._poll_allowed

    def block_bot(self, chat_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking the bot: sends to the chat get 403 Forbidden."""
        (self._blocked.add if blocked else self._blocked.discard)(chat_id)

    def fetched_all(self) -> bool:
        """Whether the bot has fetched every injected update and confirmed it with a later getUpdates offset (so
        it was handed to its update queue before that request was made)."""
        return not self._queue

    def _check_faults(self, method: str, params: JSON) -> None:
        key = method.lower()
        for rule in self._faults:
            if rule.when is not None and not rule.when(params):
                continue
            if rule.method == key or (rule.method == "*" and key != "getupdates"):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._faults.remove(rule)
                err = rule.error
                raise ApiError(err.error_code, err.description, err.retry_after)

    def _flood_check(self, chat_id: int) -> None:
        if self._flood is None:
            return
        limit, retry_after = self._flood
        window = self._flood_log.setdefault(chat_id, deque())
        moment = time.monotonic()
        while window and moment - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        window.append(moment)

    # ------------------------------------------------------ shared validation
    def _chat(self, req: ApiRequest, *, sending: bool = True) -> TgChat:
        chat_id = req.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if sending and chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _stored(self, chat_id: int, message_id: Any, missing: str) -> StoredMessage:
        msg = self._messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if msg is None or msg.deleted:
            raise bad_request(missing)
        return msg

    def _formatted(self, req: ApiRequest, key: str = "text", *, required: bool = True) -> JSON:
        entities_key = "entities" if key == "text" else f"{key}_entities"
        raw, entities = str(req.get(key) or ""), req.get(entities_key)
        if not isinstance(entities, list):  # explicit entities make Telegram ignore parse_mode
            raw, entities = parse_text(raw, req.get("parse_mode"))
        if required and not raw.strip():
            raise bad_request("message text is empty")
        if utf16_len(raw) > (MAX_TEXT_LENGTH if key == "text" else MAX_CAPTION_LENGTH):
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        body: JSON = {key: raw} if raw else {}
        if entities := with_auto_entities(raw, entities):
            body[entities_key] = entities
        return body

    @staticmethod
    def _markup(req: ApiRequest) -> JSON | None:
        markup = req.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        try:
            buttons = [button for row in markup.get("inline_keyboard", []) for button in row]
            callback_data = [str(b["callback_data"]) for b in buttons if b.get("callback_data") is not None]
        except (TypeError, AttributeError) as exc:
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object") from exc
        if any(not 1 <= len(data.encode()) <= 64 for data in callback_data):
            raise bad_request("BUTTON_DATA_INVALID")
        return markup if "inline_keyboard" in markup else None  # only inline keyboards are echoed back

    def _reply_target(self, chat: TgChat, req: ApiRequest) -> StoredMessage | None:
        params = req.get("reply_parameters") if isinstance(req.get("reply_parameters"), dict) else {}
        target = params.get("message_id", req.get("reply_to_message_id"))
        if target is None:
            return None
        try:
            return self._stored(chat.id, target, "message to be replied not found")
        except ApiError:
            if params.get("allow_sending_without_reply") or req.get("allow_sending_without_reply"):
                return None
            raise

    def _new_message(
        self, chat: TgChat, sender: TgUser, body: JSON, *, from_bot: bool,
        reply_to: StoredMessage | None = None, markup: JSON | None = None,
    ) -> StoredMessage:
        self._chats.setdefault(chat.id, chat)
        chat_messages = self._messages.setdefault(chat.id, {})
        message_id = max(chat_messages, default=0) + 1
        payload: JSON = {"message_id": message_id, "from": sender.to_api(), "chat": chat.to_api(), "date": now()}
        payload.update(body)
        if reply_to is not None:  # Telegram nests only one level of reply_to_message
            payload["reply_to_message"] = {k: v for k, v in reply_to.payload.items() if k != "reply_to_message"}
        if markup:
            payload["reply_markup"] = markup
        chat_messages[message_id] = StoredMessage(payload, from_bot)
        return chat_messages[message_id]

    @staticmethod
    def _replace_content(msg: StoredMessage, body: JSON, markup: JSON | None) -> JSON:
        # Payloads are replaced, never mutated, so earlier results/history stay as they were.
        old = {k: msg.payload[k] for k in _CONTENT_KEYS if k in msg.payload}
        msg.history.append({**old, "reply_markup": msg.reply_markup, "edit_date": msg.payload.get("edit_date")})
        payload = {k: v for k, v in msg.payload.items() if k not in _CONTENT_KEYS and k != "reply_markup"}
        payload.update(body, edit_date=now())
        if markup:
            payload["reply_markup"] = markup
        msg.payload = payload
        return payload

    def _apply_bot_edit(self, req: ApiRequest, body: JSON | None) -> JSON:
        if req.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not emulated
        chat = self._chat(req)
        msg = self._stored(chat.id, req.get("message_id"), "message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        if body is None:
            body = {k: msg.payload[k] for k in _CONTENT_KEYS if k in msg.payload}
        elif "text" not in msg.payload:
            raise bad_request("there is no text in the message to edit")
        markup = self._markup(req)
        if body == {k: msg.payload[k] for k in _CONTENT_KEYS if k in msg.payload} and markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        self._flood_check(chat.id)
        return self._replace_content(msg, body, markup)

    # ------------------------------------------------------ Bot API methods
    async def _get_me(self, req: ApiRequest) -> JSON:
        return self.bot_user.to_api() | {
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False,
        }

    async def _send_message(self, req: ApiRequest) -> JSON:
        chat = self._chat(req)
        body, reply_to, markup = self._formatted(req), self._reply_target(chat, req), self._markup(req)
        self._flood_check(chat.id)
        self._live_drafts.pop(chat.id, None)  # clients drop the draft when a normal message arrives
        return self._new_message(chat, self.bot_user, body, from_bot=True, reply_to=reply_to, markup=markup).payload

    async def _edit_message_text(self, req: ApiRequest) -> JSON:
        return self._apply_bot_edit(req, self._formatted(req))

    async def _edit_message_reply_markup(self, req: ApiRequest) -> JSON:
        return self._apply_bot_edit(req, None)

    async def _delete_message(self, req: ApiRequest) -> bool:
        chat = self._chat(req, sending=False)
        self._stored(chat.id, req.get("message_id"), "message to delete not found").deleted = True
        return True

    async def _send_chat_action(self, req: ApiRequest) -> bool:
        chat = self._chat(req)
        if req.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, str(req.get("action"))))
        return True

    async def _answer_callback_query(self, req: ApiRequest) -> bool:
        query_id = str(req.get("callback_query_id", ""))
        if query_id not in self._callbacks or self._callbacks[query_id] is not None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._callbacks[query_id] = {k: v for k, v in req.params.items() if k != "callback_query_id"}
        return True

    @staticmethod
    def _commands_key(req: ApiRequest) -> str:
        return json.dumps([req.get("scope") or {"type": "default"}, req.get("language_code") or ""], sort_keys=True)

    async def _set_my_commands(self, req: ApiRequest) -> bool:
        commands = req.get("commands")
        if not isinstance(commands, list) or not all(
            isinstance(c, dict) and re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", "")))
            and 1 <= len(str(c.get("description", ""))) <= 256 for c in commands
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        self.commands[self._commands_key(req)] = commands
        return True

    async def _get_my_commands(self, req: ApiRequest) -> list[JSON]:
        return self.commands.get(self._commands_key(req), [])

    async def _delete_my_commands(self, req: ApiRequest) -> bool:
        self.commands.pop(self._commands_key(req), None)
        return True

    async def _send_message_draft(self, req: ApiRequest) -> bool:
        # Bot API 9.3 (all bots since 9.5, empty text since 9.6): chat_id of a private chat, draft_id non-zero
        # (the same id animates the change), text 0-4096 characters after entities parsing, parse_mode or entities,
        # message_thread_id optional. The draft is an ephemeral preview, never a message.
        chat = self._chat(req)
        if chat.type != "private":  # approximated error text: drafts exist only in private chats
            raise bad_request("TEXTDRAFT_PEER_INVALID")
        draft_id = req.get("draft_id")
        if not isinstance(draft_id, int) or isinstance(draft_id, bool) or draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        thread = req.get("message_thread_id")
        if thread is not None and not isinstance(thread, int):
            raise bad_request("message thread not found")
        body = self._formatted(req, required=False)  # empty text shows the "Thinking..." placeholder
        draft = Draft(chat.id, draft_id, body.get("text", ""), body.get("entities", []), time.time())
        self.drafts.append(draft)
        self._live_drafts[chat.id] = draft
        return True

    async def _send_media(self, kind: str, req: ApiRequest) -> JSON:
        chat = self._chat(req)
        stored = self._uploaded_file(kind, req)
        body = self._formatted(req, "caption", required=False)
        media = stored.to_api()
        if kind == "photo":
            body["photo"] = [media | {"width": 0, "height": 0}]  # images are not decoded
        else:
            extra: dict[str, Any] = {"file_name": stored.file_name, "mime_type": stored.mime_type}
            if kind == "voice":
                extra = {"duration": int(req.get("duration") or 1), "mime_type": stored.mime_type or "audio/ogg"}
            body[kind] = media | {k: v for k, v in extra.items() if v is not None}
        reply_to, markup = self._reply_target(chat, req), self._markup(req)
        self._flood_check(chat.id)
        return self._new_message(chat, self.bot_user, body, from_bot=True, reply_to=reply_to, markup=markup).payload

    def _uploaded_file(self, kind: str, req: ApiRequest) -> StoredFile:
        value = req.get(kind)
        name = value.removeprefix("attach://") if isinstance(value, str) and value.startswith("attach://") else kind
        upload = req.files.get(name)
        if upload is None:
            if value is None:
                raise bad_request(f"there is no {kind} in the request")
            if str(value) not in self._files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return self._files[str(value)]
        if not upload.data:
            raise bad_request("file must be non-empty")
        return self.register_file(upload.data, _MEDIA_FOLDERS[kind], upload.content_type, upload.filename)

    async def _get_chat(self, req: ApiRequest) -> JSON:
        return self._chat(req, sending=False).full_info()

    async def _get_file(self, req: ApiRequest) -> JSON:
        stored = self._files.get(str(req.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > self.max_download_size:
            raise bad_request("file is too big")
        return stored.to_api() | {"file_path": stored.file_path}

    async def _set_message_reaction(self, req: ApiRequest) -> bool:
        chat = self._chat(req)
        reaction = req.get("reaction") or []
        if not isinstance(reaction, list):
            raise bad_request("REACTION_INVALID")
        self._stored(chat.id, req.get("message_id"), "MESSAGE_ID_INVALID").reactions = reaction
        return True

    # -------------------------------------------------- updates and webhooks
    def _allowed(self, entry: QueuedUpdate, allowed: list[str] | None) -> bool:
        return entry.kind in allowed if allowed else entry.kind not in _OPT_IN_UPDATES

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int):
            return
        if offset < 0:  # Telegram: negative offset keeps only the last |offset| updates
            self._queue = self._queue[offset:]
            return
        # A re-delivered duplicate (old update_id) survives until it has been returned once.
        self._queue = [e for e in self._queue if e.update_id >= offset or (e.redelivery and not e.delivered)]

    async def _get_updates(self, req: ApiRequest) -> list[JSON]:
        if self.webhook:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        if isinstance(req.get("allowed_updates"), list):
            self._poll_allowed = req.get("allowed_updates")
        self._confirm(req.get("offset"))
        limit = min(max(int(req.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(req.get("timeout") or 0), 0.0)
        async with self._updates_changed:
            self._updates_changed.notify_all()  # an older long poll must now end with 409
            while True:
                if generation != self._poll_generation:
                    raise ApiError(409, _POLL_CONFLICT)
                if self.webhook:
                    raise ApiError(409, _WEBHOOK_CONFLICT)
                self._queue = [e for e in self._queue if self._allowed(e, self._poll_allowed)]
                batch, remaining = self._queue[:limit], deadline - time.monotonic()
                if batch or remaining <= 0 or self._closing or self._offline:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._updates_changed.wait(), remaining)
        if self._offline:
            raise ApiError(502, "Bad Gateway")
        for entry in batch:
            entry.delivered = True
        return [entry.payload for entry in batch]

    async def _set_webhook(self, req: ApiRequest) -> bool:
        secret = req.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if req.get("drop_pending_updates"):
            self._queue.clear()
        url = str(req.get("url") or "")
        self.webhook = {
            "url": url, "secret_token": secret, "allowed_updates": req.get("allowed_updates"),
            "max_connections": int(req.get("max_connections") or 40),
        } if url else None
        async with self._updates_changed:
            self._updates_changed.notify_all()
        if self.webhook and self._queue:  # deliver the backlog after answering, like Telegram
            task = asyncio.create_task(self.flush_webhook())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    async def _delete_webhook(self, req: ApiRequest) -> bool:
        self.webhook = None
        if req.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _get_webhook_info(self, req: ApiRequest) -> JSON:
        info: JSON = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._queue)}
        if self.webhook:
            info |= {k: v for k, v in self.webhook.items() if k != "secret_token" and v is not None}
            info["ip_address"] = "127.0.0.1"
        return info

    async def _enqueue(self, payload: JSON, *, redelivery: bool = False) -> JSON:
        if "update_id" not in payload:
            payload = {"update_id": self._next_update_id, **payload}
        self._next_update_id = max(self._next_update_id, int(payload["update_id"]) + 1)
        self._queue.append(QueuedUpdate(int(payload["update_id"]), payload, redelivery=redelivery))
        if self.webhook:
            await self.flush_webhook()
        async with self._updates_changed:
            self._updates_changed.notify_all()
        return payload

    async def flush_webhook(self) -> bool:
        """POST pending updates to the webhook in order; stop at the first failure (retry later)."""
        while self.webhook and self._queue:
            entry = self._queue[0]
            if self._allowed(entry, self.webhook.get("allowed_updates")):
                status = await self.post_to_webhook(entry.payload)
                self.webhook_deliveries.append((entry.update_id, status))
                if not 200 <= status < 300:
                    reason = f"Wrong response from the webhook: {status}" if status else "Connection refused"
                    self.webhook |= {"last_error_date": now(), "last_error_message": reason}
                    return False
            self._queue.remove(entry)
        return True

    async def post_to_webhook(
        self, update: Mapping[str, Any], *, secret_token: str | EllipsisType | None = ..., url: str | None = None
    ) -> int:
        """POST one update as Telegram would; returns the HTTP status (0 if unreachable).

        ``secret_token=...`` uses the secret from setWebhook; pass a string or None to forge it.
        """
        webhook = self.webhook or {}
        target = url or webhook.get("url")
        if not target or self._session is None:
            raise RuntimeError("no webhook is set (or the emulator is not started)")
        secret = webhook.get("secret_token") if secret_token is ... else secret_token
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
        try:
            async with self._session.post(target, data=json.dumps(update), headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=10)) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    # ------------------------------------------------------- test driving
    def user(
        self, id: int, first_name: str = "Test", username: str | None = None, *,
        last_name: str | None = None, language_code: str | None = "ru",
    ) -> TgUser:
        """A (human) Telegram user."""
        return TgUser(id, first_name, username, last_name, language_code)

    def private_chat(self, user: TgUser) -> TgChat:
        """The private chat between `user` and the bot (chat id == user id)."""
        return self._chats.setdefault(user.id, TgChat(user.id, "private", user=user))

    def group_chat(self, id: int, title: str) -> TgChat:
        """A group (negative id) or supergroup (id starting with -100) the bot is a member of."""
        if id >= 0:
            raise ValueError("group chat ids are negative")
        return self._chats.setdefault(id, TgChat(id, "supergroup" if str(id).startswith("-100") else "group", title))

    def register_file(
        self, data: bytes, folder: str, mime_type: str | None = None, file_name: str | None = None,
        file_size: int | None = None,
    ) -> StoredFile:
        """Make bytes downloadable through getFile and the /file route."""
        number = next(self._ids)
        suffix = PurePosixPath(file_name).suffix if file_name else {"voice": ".oga", "photos": ".jpg"}.get(folder, "")
        stored = StoredFile(f"BQACAgI{number:08d}emu", f"AgAD{number:04d}", data, f"{folder}/file_{number}{suffix}",
                            mime_type, file_name, file_size)
        self._files[stored.file_id] = stored
        return stored

    def _message_ref(self, ref: StoredMessage | Mapping[str, Any] | int, chat: TgChat | None = None) -> StoredMessage:
        if isinstance(ref, StoredMessage):
            return ref
        if isinstance(ref, int) and chat is not None:
            return self._messages[chat.id][ref]
        if isinstance(ref, Mapping):
            message = ref.get("message") or ref.get("edited_message") or ref  # an update or a message
            return self._messages[message["chat"]["id"]][message["message_id"]]
        raise ValueError(f"cannot resolve message reference {ref!r}")

    async def inject_message(
        self, chat: TgChat, user: TgUser, text: str, *, reply_to: StoredMessage | Mapping[str, Any] | int | None = None,
        entities: list[JSON] | None = None, **extra: Any,
    ) -> JSON:
        """Deliver a text message from `user`; mention/bot_command entities are computed unless given."""
        body: JSON = {"text": text, **extra}
        if found := (entities if entities is not None else with_auto_entities(text, [])):
            body["entities"] = found
        target = None if reply_to is None else self._message_ref(reply_to, chat)
        message = self._new_message(chat, user, body, from_bot=False, reply_to=target)
        return await self._enqueue({"message": message.payload})

    async def inject_edited_message(
        self, message: StoredMessage | Mapping[str, Any], text: str, *, entities: list[JSON] | None = None
    ) -> JSON:
        """The user edits one of their messages; delivers an edited_message update."""
        msg = self._message_ref(message)
        body: JSON = {"text": text}
        if found := (entities if entities is not None else with_auto_entities(text, [])):
            body["entities"] = found
        return await self._enqueue({"edited_message": self._replace_content(msg, body, msg.reply_markup)})

    async def inject_callback_query(self, message: StoredMessage | Mapping[str, Any], user: TgUser, data: str) -> JSON:
        """The user presses an inline button with `data` under a bot message."""
        msg = self._message_ref(message)
        query_id = str(4_000_000_000_000 + next(self._ids))
        self._callbacks[query_id] = None
        query = {"id": query_id, "from": user.to_api(), "message": msg.payload,
                 "chat_instance": str(abs(msg.chat_id) * 7919 + self.bot_user.id), "data": data}
        return await self._enqueue({"callback_query": query})

    async def inject_reaction(self, message: StoredMessage | Mapping[str, Any], user: TgUser,
                              emoji: list[str]) -> JSON:
        """The user sets their reactions on a message to `emoji` ([] removes them): a message_reaction update.

        Delivered only to a bot that listed "message_reaction" in allowed_updates (Telegram's rule).
        """
        msg = self._message_ref(message)
        key = (msg.chat_id, msg.message_id, user.id)
        old = self._reactions.get(key, [])
        new = [{"type": "emoji", "emoji": e} for e in emoji]
        self._reactions[key] = new
        change = {"chat": msg.payload["chat"], "message_id": msg.message_id, "user": user.to_api(), "date": now(),
                  "old_reaction": old, "new_reaction": new}
        return await self._enqueue({"message_reaction": change})

    async def inject_voice(
        self, chat: TgChat, user: TgUser, data: bytes, duration: int = 1, mime_type: str = "audio/ogg", *,
        file_size: int | None = None,
    ) -> JSON:
        """The user sends a voice note whose bytes are downloadable via getFile."""
        stored = self.register_file(data, "voice", mime_type, None, file_size)
        voice = stored.to_api() | {"duration": duration, "mime_type": mime_type}
        return await self._enqueue({"message": self._new_message(chat, user, {"voice": voice}, from_bot=False).payload})

    async def inject_document(
        self, chat: TgChat, user: TgUser, data: bytes, file_name: str, mime_type: str = "application/octet-stream",
        *, caption: str | None = None, file_size: int | None = None,
    ) -> JSON:
        """The user sends a document whose bytes are downloadable via getFile."""
        stored = self.register_file(data, "documents", mime_type, file_name, file_size)
        body: JSON = {"document": stored.to_api() | {"file_name": file_name, "mime_type": mime_type}}
        if caption:
            body["caption"] = caption
        return await self._enqueue({"message": self._new_message(chat, user, body, from_bot=False).payload})

    async def inject_raw_update(self, update: Mapping[str, Any]) -> JSON:
        """Deliver an arbitrary update verbatim; reusing an update_id re-delivers it (no dedupe here)."""
        update_id = update.get("update_id")
        return await self._enqueue(dict(update), redelivery=update_id is not None and update_id < self._next_update_id)

    # ----------------------------------------------------------- inspection
    def messages_in(
        self, chat_id: int, *, from_bot: bool | None = None, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """Messages of a chat in id order, optionally only the bot's (or only users')."""
        return [m for _, m in sorted(self._messages.get(chat_id, {}).items())
                if (include_deleted or not m.deleted) and (from_bot is None or m.from_bot == from_bot)]

    def last_bot_message(self, chat_id: int) -> StoredMessage | None:
        """The newest non-deleted message the bot sent to the chat."""
        messages = self.messages_in(chat_id, from_bot=True)
        return messages[-1] if messages else None

    def live_draft(self, chat_id: int) -> Draft | None:
        """The draft a user sees now: the latest, unless a message replaced it or 30 seconds passed."""
        draft = self._live_drafts.get(chat_id)
        return draft if draft is not None and time.time() - draft.time < DRAFT_TTL_S else None

    def drafts_in(self, chat_id: int) -> list[Draft]:
        """Every draft the bot showed in a chat, in order."""
        return [draft for draft in self.drafts if draft.chat_id == chat_id]

    @property
    def callback_answers(self) -> dict[str, JSON]:
        """answerCallbackQuery parameters per answered query id."""
        return {query_id: answer for query_id, answer in self._callbacks.items() if answer is not None}

    @property
    def unanswered_callback_queries(self) -> list[str]:
        """Ids of button presses the bot never answered (Telegram clients keep spinning on those)."""
        return [query_id for query_id, answer in self._callbacks.items() if answer is None]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (case-insensitive), including failed ones."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def mark(self) -> int:
        """Current position in the call log, for ``wait_for(..., since=mark)``."""
        return len(self.calls)

    async def wait_for(self, predicate: Callable[[ApiCall], bool], timeout: float = 5.0, *, since: int = 0) -> ApiCall:
        """Return the first call at index >= since matching predicate, waiting up to timeout seconds."""
        deadline, index = time.monotonic() + timeout, since
        async with self._calls_changed:
            while True:
                for call in self.calls[index:]:
                    if predicate(call):
                        return call
                index, remaining = len(self.calls), deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching Bot API call within {timeout}s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._calls_changed.wait(), remaining)

    async def wait_for_call(self, method: str, timeout: float = 5.0, *, since: int = 0) -> ApiCall:
        """Wait for a successful call of `method` (case-insensitive)."""
        wanted = method.lower()
        return await self.wait_for(lambda c: c.method.lower() == wanted and c.error is None, timeout, since=since)


@pytest_asyncio.fixture(name="telegram_emulator")
async def telegram_emulator_fixture() -> AsyncIterator[BotApiEmulator]:
    """Pytest fixture ``telegram_emulator``: a running BotApiEmulator, stopped after the test.

    Import ``telegram_emulator_fixture`` into a conftest/test module to make the fixture available.
    """
    async with BotApiEmulator() as emulator:
        yield emulator
