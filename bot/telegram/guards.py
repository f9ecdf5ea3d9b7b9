"""Who may use the bot (allow-lists, admins) and how often (per-user rate limit)."""

from __future__ import annotations

import time
from collections import defaultdict, deque

from sqlalchemy import Engine
from sqlmodel import Session

from bot.settings import TelegramSettings
from bot.store import repo


class Access:
    """Allow-lists from settings plus the grants admins made with /allow (stored)."""

    def __init__(self, settings: TelegramSettings, engine: Engine) -> None:
        self._settings = settings
        self._engine = engine

    def is_admin(self, user_id: int | None) -> bool:
        """Whether this Telegram user is an admin (from settings)."""
        return user_id is not None and user_id in self._settings.admin_ids

    def may_use(self, *, user_id: int | None, chat_id: int) -> bool:
        """Whether the bot should serve this user in this chat."""
        if self._settings.open_access or self.is_admin(user_id):
            return True
        if user_id in self._settings.allowed_user_ids or chat_id in self._settings.allowed_chat_ids:
            return True
        with Session(self._engine) as session:
            users, chats = repo.allowed_ids(session)
        return user_id in users or chat_id in chats


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
