"""Health checks of the outside services a deployment may use: the CalDAV calendar and the ticket tracker.

Each runs only where it is configured (``checks.names_for``); the checks suite imports these two.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from bot.ops.checks_result import CheckResult, first_line, ms

if TYPE_CHECKING:
    from bot.container import Container

PROBE_UID = "dialog-keeper-health-probe"  # looked up, never written: finding the calendar is the check


def check_caldav(container: Container) -> CheckResult:
    """The CalDAV server accepts the credentials and has the configured calendar."""
    from bot.integrations.caldav_calendar import CalendarAuthFailed, CalendarError, CalendarNotFound

    calendar = container.calendar
    started = time.perf_counter()
    if calendar is None:
        return CheckResult("caldav", True, "not configured")
    try:
        asyncio.run(calendar.exists(PROBE_UID))
    except CalendarAuthFailed as exc:
        return CheckResult("caldav", False, first_line(exc), ms(started),
                           fix="fix DK_CALDAV__USERNAME / DK_CALDAV__PASSWORD")
    except CalendarNotFound as exc:
        return CheckResult("caldav", False, first_line(exc), ms(started), fix="fix DK_CALDAV__CALENDAR")
    except CalendarError as exc:
        return CheckResult("caldav", False, first_line(exc), ms(started),
                           fix="start the CalDAV server or fix DK_CALDAV__URL")
    return CheckResult("caldav", True, f"{container.settings.caldav.url}: calendar found", ms(started))


def check_tracker(container: Container) -> CheckResult:
    """Kaiten: the token works and the board (and column) exist; n8n: the webhook answers and a secret is set."""
    kind = container.settings.tracker.kind
    started = time.perf_counter()
    result = asyncio.run(_kaiten(container) if kind == "kaiten" else _n8n(container))
    return CheckResult(result.name, result.ok, result.detail, ms(started), fix=result.fix)


async def _kaiten(container: Container) -> CheckResult:
    from bot.integrations import TrackerSetupError
    from bot.integrations.kaiten import KaitenAuthError, KaitenError, KaitenNotFound, KaitenTracker

    cfg, tracker = container.settings.kaiten, container.tracker
    assert isinstance(tracker, KaitenTracker)  # checked by the caller: DK_TRACKER__KIND=kaiten
    try:
        kaiten = tracker.client()
        await kaiten.current_user()
        assert cfg.board_id is not None  # client() refuses a missing board
        columns = {int(c["id"]) for c in await kaiten.columns(cfg.board_id)}
    except KaitenAuthError as exc:
        return CheckResult("tracker", False, f"kaiten: {first_line(exc)}",
                           fix="set DK_KAITEN__TOKEN to a valid API key")
    except KaitenNotFound:
        return CheckResult("tracker", False, f"kaiten: board {cfg.board_id} not found",
                           fix="fix DK_KAITEN__BOARD_ID (the token's user must see the board)")
    except KaitenError as exc:
        return CheckResult("tracker", False, f"kaiten: {first_line(exc)}",
                           fix="check DK_KAITEN__URL and that Kaiten is reachable")
    except TrackerSetupError as exc:
        return CheckResult("tracker", False, f"kaiten: {first_line(exc)}",
                           fix="set DK_KAITEN__TOKEN and DK_KAITEN__BOARD_ID")
    if cfg.column_id is not None and cfg.column_id not in columns:
        return CheckResult("tracker", False, f"kaiten: column {cfg.column_id} is not on board {cfg.board_id}",
                           fix="fix DK_KAITEN__COLUMN_ID")
    return CheckResult("tracker", True, f"kaiten: board {cfg.board_id}, {len(columns)} column(s)")


async def _n8n(container: Container) -> CheckResult:
    import httpx

    cfg = container.settings.n8n
    if not cfg.webhook_url:
        return CheckResult("tracker", False, "n8n: no webhook URL", fix="set DK_N8N__WEBHOOK_URL")
    if cfg.secret is None or not cfg.secret.get_secret_value():
        return CheckResult("tracker", False, "n8n: DK_N8N__SECRET is empty (the workflow would accept anyone)",
                           fix="set DK_N8N__SECRET and the same value in the workflow")
    try:  # a GET reaches n8n without making a ticket; any answer below 500 means it is up
        async with httpx.AsyncClient(timeout=container.settings.ops.check_timeout_s) as client:
            response = await client.get(cfg.webhook_url)
    except httpx.HTTPError as exc:
        return CheckResult("tracker", False, f"n8n: {type(exc).__name__}", fix="start n8n or fix DK_N8N__WEBHOOK_URL")
    if response.status_code >= 500:
        return CheckResult("tracker", False, f"n8n: HTTP {response.status_code}", fix="see the n8n logs")
    return CheckResult("tracker", True, f"n8n: webhook answers (HTTP {response.status_code})")
