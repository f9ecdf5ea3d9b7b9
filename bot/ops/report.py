"""The nightly report: one day's figures in the configured time zone, its summary text and its chart.

:func:`build_report` gathers (sync, in a session), :meth:`DayReport.summary` writes the caption,
``bot/ops/chart.py`` draws the PNG, :func:`send_report` sends both through the ``Notifier`` seam and
remembers the day, so a report missed while the bot was down is sent at its next start.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import Lang, t
from bot.store import ops_repo, report_repo
from bot.store.db import in_session

if TYPE_CHECKING:
    from bot.container import Container
    from bot.dialog.notify import Notifier

log = logging.getLogger(__name__)

OUTCOME_ORDER = ("answered", "not_found", "error", "pending")  # others (added later) follow, then plain messages
CAPTION_LIMIT = 1024  # Telegram's photo caption


@dataclass
class DayReport:
    """Everything the nightly report says about one local day."""

    day: date
    timezone: str
    messages_by_kind: dict[str, int]
    answers_by_outcome: dict[str, int]
    escalations: int
    meetings: int
    voice_minutes: float
    latency_ms: dict[str, float] | None  # p50 / p95 of question → complete answer
    ttft_ms: dict[str, float] | None  # p50 / p95 of time to first token
    thumbs_up: int
    thumbs_down: int
    top_unanswered: list[tuple[str, int]]
    gpus: list[dict[str, Any]]
    # 24 local hours: counts by outcome ("message" = no answer was made) and the p95 answer latency (ms)
    hourly: list[dict[str, int]] = field(default_factory=lambda: [{} for _ in range(24)])
    hourly_p95_ms: list[float | None] = field(default_factory=lambda: [None] * 24)

    @property
    def messages(self) -> int:
        """Messages stored that day."""
        return sum(self.messages_by_kind.values())

    @property
    def questions(self) -> int:
        """Questions the bot took on (one answer record each)."""
        return sum(self.answers_by_outcome.values())

    def summary(self, lang: Lang) -> str:
        """The caption: the day's figures, one fact a line."""
        kinds = ", ".join(f"{t('report_kind_' + k, lang) if k in _KINDS else k} {n}"
                          for k, n in sorted(self.messages_by_kind.items(), key=lambda kv: -kv[1]))
        outcomes = ", ".join(f"{_outcome_label(o, lang)} {n}" for o, n in _ordered(self.answers_by_outcome))
        lines = [t("report_title", lang, day=self.day.isoformat(), tz=self.timezone),
                 t("report_messages", lang, count=self.messages) + (f" ({kinds})" if kinds else ""),
                 t("report_questions", lang, count=self.questions) + (f": {outcomes}" if outcomes else ""),
                 t("report_escalations", lang, escalations=self.escalations, meetings=self.meetings),
                 t("report_voice", lang, minutes=f"{self.voice_minutes:.1f}"),
                 t("report_latency", lang, latency=_pair(self.latency_ms), ttft=_pair(self.ttft_ms)),
                 t("report_feedback", lang, up=self.thumbs_up, down=self.thumbs_down)]
        for gpu in self.gpus:
            lines.append(t("report_gpu", lang, gpu=gpu["gpu"], name=gpu["name"], memory=_gib_pair(gpu),
                           peak=_pct(gpu["peak_utilization"]), mean=_pct(gpu["mean_utilization"])))
        if self.top_unanswered:
            lines.append(t("report_unanswered", lang))
            lines += [f"{i}. «{_short(q)}» ×{n}" for i, (q, n) in enumerate(self.top_unanswered, 1)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe figures (stored with the sent report, written by ``dialog-keeper report``)."""
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["messages"], data["questions"] = self.messages, self.questions
        return data


_KINDS = ("text", "voice", "document", "other")


def _outcome_label(outcome: str, lang: Lang) -> str:
    return t("report_outcome_" + outcome, lang) if outcome in OUTCOME_ORDER or outcome == "message" else outcome


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    known = [(o, counts[o]) for o in OUTCOME_ORDER if counts.get(o)]
    return known + sorted((o, n) for o, n in counts.items() if o not in OUTCOME_ORDER and n)


def _pair(p: dict[str, float] | None) -> str:
    return "—" if not p else f"{p['p50'] / 1000:.2f}/{p['p95'] / 1000:.2f} s"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _gib_pair(gpu: dict[str, Any]) -> str:
    used, total = gpu.get("peak_memory_bytes"), gpu.get("memory_total_bytes")
    if used is None:
        return "—"
    return f"{used / 2**30:.1f}" + (f"/{total / 2**30:.1f} GiB" if total else " GiB")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percentiles(values: list[float]) -> dict[str, float] | None:
    """p50 and p95 (linear interpolation, as numpy computes them); None without values."""
    if not values:
        return None
    import numpy as np

    p50, p95 = np.percentile(np.asarray(values, dtype=float), [50, 95])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1)}


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
    for sent_at in rows.plain_message_times:
        hourly[sent_at.astimezone(zone).hour]["message"] += 1
    hourly_p95 = [(p or {}).get("p95") for p in map(percentiles, hourly_latency)]
    return DayReport(day=day, timezone=tz, messages_by_kind=dict(rows.messages_by_kind),
                     answers_by_outcome=dict(outcomes), escalations=rows.escalations, meetings=rows.meetings,
                     voice_minutes=round(rows.voice_seconds / 60, 2), latency_ms=percentiles(latency),
                     ttft_ms=percentiles(ttft), thumbs_up=up, thumbs_down=down,
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
    async with _send_lock:
        if await in_session(container.engine, ops_repo.report_sent, day=day):
            return None
        if catch_up and not await in_session(container.engine, ops_repo.any_report_sent):
            report = await in_session(container.engine, build_report, day=day, tz=ops.timezone)
            if not report.messages and not report.questions:
                return None
        return day if await send_report(container, notifier, day) else None
