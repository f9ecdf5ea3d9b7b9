"""The nightly report: one day's figures in the configured time zone, its summary text and its chart.

:func:`build_report` gathers (sync, in a session), :meth:`DayReport.summary` writes the caption,
``bot/ops/chart.py`` draws the PNG, :func:`send_report` sends both through the ``Notifier`` seam and
remembers the day, so a report missed while the bot was down is sent at its next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Lang
from bot.ops.report_day import DayReport, percentiles
from bot.store import ops_repo, report_repo
from bot.store.db import in_session

if TYPE_CHECKING:
    from bot.container import Container
    from bot.dialog.notify import Notifier

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # Telegram's photo caption
REPORT_LOCK_S = 300  # how long one scheduler may take to send a report while the others wait for its result

def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The local day as a UTC interval [start, end) (23 or 25 hours on a daylight-saving change)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def due_day(now: datetime, report_time: str, tz: str) -> date:
    """The latest day whose report time has passed at ``now``."""
    local = now.astimezone(ZoneInfo(tz))
    hour, minute = map(int, report_time.split(":"))
    return local.date() if local.time() >= time(hour, minute) else local.date() - timedelta(days=1)


def _normalised(question: str) -> str:
    return re.sub(r"[^\w\s]", "", question.casefold()).strip()


def build_report(session: Session, *, day: date, tz: str, top: int = 5) -> DayReport:
    """The report of one local day, from the database."""
    start, end = day_bounds(day, tz)
    rows = report_repo.period_rows(session, start=start, end=end)
    zone = ZoneInfo(tz)
    hourly: list[Counter[str]] = [Counter() for _ in range(24)]
    hourly_latency: list[list[float]] = [[] for _ in range(24)]
    outcomes: Counter[str] = Counter()
    latency, ttft, unanswered = [], [], Counter[str]()
    first_text: dict[str, str] = {}
    up = down = 0
    for created_at, outcome, total_ms, ttft_ms, feedback, question in rows.answers:
        hour = created_at.astimezone(zone).hour
        outcomes[outcome] += 1
        hourly[hour][outcome] += 1
        if total_ms is not None and outcome != "pending":
            latency.append(total_ms)
            hourly_latency[hour].append(total_ms)
        if ttft_ms:
            ttft.append(ttft_ms)
        up += feedback == 1
        down += feedback == -1
        if outcome == "not_found" or feedback == -1:
            key = _normalised(question)
            unanswered[key] += 1
            first_text.setdefault(key, question.strip())
    reaction_up = sum(value == 1 for value, _ in rows.reactions)
    reaction_down = sum(value == -1 for value, _ in rows.reactions)
    for value, question in rows.reactions:  # a 👎 reaction marks the question like the 👎 button does
        if value == -1:
            key = _normalised(question)
            unanswered[key] += 1
            first_text.setdefault(key, question.strip())
    for sent_at in rows.plain_message_times:
        hourly[sent_at.astimezone(zone).hour]["message"] += 1
    hourly_p95 = [(p or {}).get("p95") for p in map(percentiles, hourly_latency)]
    return DayReport(day=day, timezone=tz, messages_by_kind=dict(rows.messages_by_kind),
                     answers_by_outcome=dict(outcomes), escalations=rows.escalations, meetings=rows.meetings,
                     voice_minutes=round(rows.voice_seconds / 60, 2), latency_ms=percentiles(latency),
                     ttft_ms=percentiles(ttft), thumbs_up=up + reaction_up,
                     thumbs_down=down + reaction_down, reactions_up=reaction_up, reactions_down=reaction_down,
                     top_unanswered=[(first_text[k], n) for k, n in unanswered.most_common(top)],
                     gpus=_gpu_peaks(session, start, end), hourly=[dict(c) for c in hourly],
                     hourly_p95_ms=hourly_p95)


def _gpu_peaks(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    by_gpu: dict[int, list[Any]] = {}
    for sample in ops_repo.gpu_samples(session, start=start, end=end):
        by_gpu.setdefault(sample.gpu, []).append(sample)
    peaks = []
    for gpu, samples in sorted(by_gpu.items()):
        memory = [s.memory_used_bytes for s in samples if s.memory_used_bytes is not None]
        util = [s.utilization_percent for s in samples if s.utilization_percent is not None]
        peaks.append({"gpu": gpu, "name": samples[-1].name, "samples": len(samples),
                      "peak_memory_bytes": max(memory) if memory else None,
                      "memory_total_bytes": samples[-1].memory_total_bytes,
                      "peak_utilization": max(util) if util else None,
                      "mean_utilization": round(sum(util) / len(util), 1) if util else None})
    return peaks


def report_targets(container: Container) -> list[int]:
    """DK_TELEGRAM__REPORT_CHAT_ID, else the admin chat, else each admin privately."""
    tg = container.settings.telegram
    if tg.report_chat_id is not None:
        return [tg.report_chat_id]
    return [tg.admin_chat_id] if tg.admin_chat_id is not None else list(tg.admin_ids)


async def render(container: Container, day: date, lang: Lang) -> tuple[DayReport, bytes]:
    """The report of ``day`` and its chart as PNG bytes."""
    from bot.ops.chart import render_day_chart

    report = await in_session(container.engine, build_report, day=day, tz=container.settings.ops.timezone)
    png = await asyncio.to_thread(render_day_chart, report, lang)
    return report, png


async def send_report(container: Container, notifier: Notifier, day: date, *, lang: Lang | None = None) -> bool:
    """Send the chart with the summary as caption to the report chat(s); remembers the day when one got it."""
    lang = lang or container.settings.language
    report, png = await render(container, day, lang)
    text = report.summary(lang)
    caption = text if len(text) <= CAPTION_LIMIT else text[: CAPTION_LIMIT - 1] + "…"
    sent_to = None
    for chat_id in report_targets(container):
        if await notifier.send_file(chat_id, png, f"report-{day.isoformat()}.png", caption=caption, photo=True):
            sent_to = chat_id if sent_to is None else sent_to
            if len(text) > CAPTION_LIMIT:  # the rest would be lost in the caption
                await notifier.send(chat_id, text)
    if sent_to is None:
        log.warning("nightly report of %s reached no chat", day)
        return False
    await in_session(container.engine, ops_repo.mark_report_sent, day=day, chat_id=sent_to,
                     summary=report.to_json())
    log.info("nightly report of %s sent to %s", day, sent_to)
    return True


_send_lock = asyncio.Lock()  # the start-up catch-up and the 23:00 job must not both send one day


async def send_if_due(container: Container, notifier: Notifier, *, now: datetime | None = None,
                      catch_up: bool = False) -> date | None:
    """Send the latest due day's report unless it already went out; returns the day sent (None: nothing sent).

    ``catch_up`` (at start): a report missed while the bot was down. A fresh install, which never sent one,
    owes none for a day with no messages.
    """
    ops = container.settings.ops
    day = due_day(now or datetime.now(UTC), ops.report_time, ops.timezone)
    async with _send_lock, _shared_lock(container, f"report:{day.isoformat()}"):
        if await in_session(container.engine, ops_repo.report_sent, day=day):
            return None
        if catch_up and not await in_session(container.engine, ops_repo.any_report_sent):
            report = await in_session(container.engine, build_report, day=day, tz=ops.timezone)
            if not report.messages and not report.questions:
                return None
        return day if await send_report(container, notifier, day) else None


def _acquire_through_failover(lock: Any, failover_wait_s: float) -> bool:
    """Take the lock, waiting out a Sentinel failover (however long the wait for another scheduler's lock already
    was): only a Redis that stays away means no lock."""
    from tenacity import Retrying

    from bot.jobs.queues import through_failover

    for attempt in Retrying(**through_failover(failover_wait_s)):
        with attempt:
            return bool(lock.acquire())
    raise AssertionError("unreachable: tenacity returns or reraises")


@asynccontextmanager
async def _shared_lock(container: Container, name: str) -> AsyncIterator[None]:
    """A Redis lock every scheduler of the deployment takes before it checks and sends (without Redis: none)."""
    from redis import RedisError

    # thread_local=False: acquired and released on different worker threads
    lock = container.redis.lock(f"dk:lock:{container.deployment}:{name}", timeout=REPORT_LOCK_S,
                                blocking_timeout=REPORT_LOCK_S, thread_local=False)
    try:
        held = await asyncio.to_thread(_acquire_through_failover, lock, container.settings.redis.failover_wait_s)
    except RedisError as exc:
        log.warning("Redis unavailable: sending the report without the shared lock: %s", exc)
        held = False
    try:
        yield
    finally:
        if held:
            with contextlib.suppress(RedisError):
                await asyncio.to_thread(lock.release)
