"""Exceptions of the bot and the workers to a self-hosted Sentry or GlitchTip (``DK_SENTRY__DSN``; off without it).

What leaves is the exception's type, where it happened (our code's frames) and the runtime: never an
exception's text (it may quote what a user wrote), a log message, local variables, breadcrumbs, user or
request data. :func:`scrub` (the SDK's ``before_send``) removes them and masks anything token-shaped left.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.ops.logging import add_secret, redact
from bot.settings import Settings

log = logging.getLogger(__name__)

WITHHELD = "[withheld]"
_DROPPED = ("breadcrumbs", "request", "user", "extra", "logentry", "message", "modules")
_KEPT_CONTEXTS = ("runtime", "os", "trace")


def init_sentry(settings: Settings, role: str) -> bool:
    """Start the SDK for this process (``role``: bot or worker) when a DSN is set; True when it was started."""
    if settings.sentry.dsn is None or not settings.sentry.dsn.get_secret_value():
        return False
    import sentry_sdk

    dsn = settings.sentry.dsn.get_secret_value()
    add_secret(dsn)  # its key is a credential, too
    sentry_sdk.init(dsn=dsn, before_send=scrub,  # type: ignore[arg-type]  # its Event is a TypedDict; a dict here
                    send_default_pii=False, include_local_variables=False,
                    max_breadcrumbs=0, environment=settings.profile, server_name=f"dialog-keeper-{role}",
                    traces_sample_rate=0.0)
    sentry_sdk.set_tag("role", role)
    log.info("errors are reported to Sentry at %s", _host(dsn))
    return True


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``before_send``: keep types, frames and runtime; drop texts, variables, people; mask tokens.

    An event without an exception (an error log line) is not sent: its whole content would be the message.
    """
    if not (event.get("exception") or {}).get("values"):
        return None
    for key in _DROPPED:
        event.pop(key, None)
    event["contexts"] = {k: v for k, v in (event.get("contexts") or {}).items() if k in _KEPT_CONTEXTS}
    for value in (event.get("exception") or {}).get("values", []):
        value["value"] = WITHHELD  # the text may quote a message, a file name or a person
    for section in ("exception", "threads"):
        for value in (event.get(section) or {}).get("values", []):
            for frame in (value.get("stacktrace") or {}).get("frames", []):
                frame.pop("vars", None)
    return _masked(event)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _host(dsn: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(dsn).hostname or "?"
