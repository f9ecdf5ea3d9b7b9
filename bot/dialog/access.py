"""Who may use the bot (allow-lists, admins, grants), how often (per-user rate limit), in which language."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from bot.i18n import Lang
from bot.settings import Settings
from bot.store import repo
from bot.store.db import in_session


class Access:
    """Allow-lists from settings plus the grants admins made with /allow (stored)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._telegram = settings.telegram
        self._default_language: Lang = settings.language
        self._engine = engine
        self._chosen: dict[int, str | None] = {}  # /lang choices seen (one bot process writes them)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether this Telegram user is an admin (from settings)."""
        return user_id is not None and user_id in self._telegram.admin_ids

    async def may_use(self, *, user_id: int | None, chat_id: int) -> bool:
        """Whether the bot should serve this user in this chat."""
        if self._telegram.open_access or self.is_admin(user_id):
            return True
        if user_id in self._telegram.allowed_user_ids or chat_id in self._telegram.allowed_chat_ids:
            return True
        users, chats = await in_session(self._engine, lambda s: repo.allowed_ids(s))
        return user_id in users or chat_id in chats

    async def grant(self, *, user_id: int | None = None, chat_id: int | None = None, allowed: bool = True) -> None:
        """Grant or revoke access of a user or a chat (stored)."""
        await in_session(self._engine, _set_allowed, user_id, chat_id, allowed)

    async def grants(self) -> tuple[list[int], list[int]]:
        """Every user and chat with access: the settings' allow-lists and the stored grants."""
        users, chats = await in_session(self._engine, lambda s: repo.allowed_ids(s))
        return (sorted({*self._telegram.allowed_user_ids, *users}),
                sorted({*self._telegram.allowed_chat_ids, *chats}))

    async def language(self, user_id: int | None, telegram_code: str | None = None) -> Lang:
        """The user's /lang choice, else the language their Telegram app uses when we speak it, else the default."""
        chosen = None
        if user_id is not None:
            if user_id not in self._chosen:
                self._chosen[user_id] = await in_session(self._engine, _chosen_language, user_id)
            chosen = self._chosen[user_id]
        if chosen in ("ru", "en"):
            return chosen  # type: ignore[return-value]  # checked just above
        code = (telegram_code or "").split("-")[0].lower()
        if code in ("ru", "en"):
            return code  # type: ignore[return-value]  # as above
        return self._default_language

    async def set_language(self, user_id: int, lang: Lang) -> None:
        """Remember a user's /lang choice."""
        await in_session(self._engine, _store_language, user_id, lang)
        self._chosen[user_id] = lang


def _set_allowed(session: Session, user_id: int | None, chat_id: int | None, allowed: bool) -> None:
    if user_id is not None:
        user = repo.get_or_create_user(session, telegram_id=user_id)
        user.allowed = allowed
        session.add(user)
    if chat_id is not None:
        chat = repo.get_or_create_chat(session, telegram_id=chat_id)
        chat.allowed = allowed
        session.add(chat)


def _chosen_language(session: Session, user_id: int) -> str | None:
    user = repo.user_by_telegram_id(session, telegram_id=user_id)
    return user.language if user is not None else None


def _store_language(session: Session, user_id: int, lang: str) -> None:
    user = repo.get_or_create_user(session, telegram_id=user_id)
    user.language = lang
    session.add(user)


class QuestionLimiter(Protocol):
    """The per-user question limit: this process's (below) or every replica's (bot/telegram/ratelimit.py)."""

    async def acquire(self, user_id: int) -> int:
        """0 and counts the question if allowed; otherwise the seconds until the next one is."""
        ...


class RateLimiter:
    """A sliding one-minute window of questions per user (in memory: one bot process)."""

    def __init__(self, per_minute: int, window_s: float = 60.0) -> None:
        self._per_minute = per_minute
        self._window_s = window_s
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def retry_in(self, user_id: int, now: float | None = None) -> int:
        """0 and counts the question if allowed; otherwise the seconds until the next is."""
        now = time.monotonic() if now is None else now
        seen = self._seen[user_id]
        while seen and now - seen[0] >= self._window_s:
            seen.popleft()
        if len(seen) >= self._per_minute:
            return max(1, int(self._window_s - (now - seen[0]) + 0.999))
        seen.append(now)
        return 0

    async def acquire(self, user_id: int) -> int:
        """As :meth:`retry_in`, now."""
        return self.retry_in(user_id)
