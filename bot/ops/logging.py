"""Logging set-up: stdlib logging rendered by structlog (console or JSON), secrets redacted."""

from __future__ import annotations

import logging
import re

import structlog

# Telegram bot tokens and bearer keys look like this; they must never reach a log line.
_SECRET_PATTERNS = [re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"), re.compile(r"(?i)(bearer\s+)[^\s\"']+")]


def redact(text: str) -> str:
    """``text`` with anything that looks like a token replaced by ***."""
    text = _SECRET_PATTERNS[0].sub("***", text)
    return _SECRET_PATTERNS[1].sub(r"\1***", text)


class RedactingFilter(logging.Filter):
    """Masks tokens in the final message, whoever logged it (PTB and httpx log URLs with the token)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def setup_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Route every logger through one structlog formatter on stderr."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=renderer,
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
