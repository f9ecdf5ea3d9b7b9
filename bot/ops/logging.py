"""Logging set-up: stdlib logging rendered by structlog (console or JSON), secrets redacted."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from bot.settings import Settings

# Bot tokens (also cut short, as wide tracebacks print them), bearer keys, token=… and /bot<token>/ URLs.
_SECRET_PATTERNS = [
    (re.compile(r"\d{6,12}:[A-Za-z0-9_-]{4,}"), "***"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"']+"), r"\1***"),
    (re.compile(r"(?i)((?:token|api[_-]?key|password|secret)\s*[=:]\s*)[^\s,)\]}'\"]+"), r"\1***"),
    (re.compile(r"/bot[^/\s]+/"), "/bot***/"),
]
_KNOWN_SECRETS: set[str] = set()


def add_secret(value: str | None) -> None:
    """Mask this exact value (a configured token or key) wherever it appears in a log line."""
    if value and len(value) >= 6:
        _KNOWN_SECRETS.add(value)


def add_secrets_of(settings: Settings) -> None:
    """Mask every configured token, key and password of ``settings`` in log lines (at the start of a process)."""
    for secret in (settings.telegram.token, settings.llm.api_key, settings.qdrant.api_key,
                   settings.telegram.webhook_secret, settings.caldav.password):
        add_secret(secret.get_secret_value() if secret is not None else None)


def redact(text: str) -> str:
    """``text`` with configured secrets and anything that looks like a token replaced by ***."""
    for secret in _KNOWN_SECRETS:
        text = text.replace(secret, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_rendered(_: Any, __: str, rendered: Any) -> Any:
    """The last step: the whole rendered line, traceback included, goes through ``redact``."""
    return redact(rendered) if isinstance(rendered, str) else rendered


class RedactingFilter(logging.Filter):
    """Masks tokens in the final message, whoever logged it (PTB and httpx log URLs with the token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def setup_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Route every logger through one structlog formatter on stderr."""
    # Plain tracebacks: the default "rich" one prints local variables, and PTB's locals hold the bot token.
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback)
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *([structlog.processors.format_exc_info] if json else []),  # JSON: the traceback as text
                    renderer, _redact_rendered],
        foreign_pre_chain=[structlog.contextvars.merge_contextvars,  # update_id, bound per update (bind_update)
                           structlog.stdlib.ExtraAdder(),  # fields passed as logging's extra= (audit lines)
                           structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                           structlog.processors.TimeStamper(fmt="iso")])
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "sentence_transformers", "alembic", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def bind_update(update_id: int | None) -> None:
    """Tag every log line of the current task (one Telegram update) with its ``update_id``."""
    structlog.contextvars.clear_contextvars()
    if update_id is not None:
        structlog.contextvars.bind_contextvars(update_id=update_id)
