"""Repository functions of the operations tables (alert state, GPU samples, reports, audit).

Synchronous, each taking a session: async callers go through ``bot.store.db.in_session``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.store.ops_models import AuditEntry, CheckState, GpuSample, ReportRecord


def check_states(session: Session) -> dict[str, CheckState]:
    """Every stored check state, by check name."""
    return {s.name: s for s in session.exec(select(CheckState)).all()}


def save_check_states(session: Session, states: Iterable[CheckState]) -> None:
    """Insert or replace the given check states."""
    for state in states:
        session.merge(state)


def add_gpu_samples(session: Session, readings: Sequence[dict[str, Any]], *, taken_at: datetime) -> None:
    """Store one round's GPU readings (dicts of ``inference.gpu.GpuReading`` fields)."""
    for r in readings:
        session.add(GpuSample(taken_at=taken_at, gpu=int(r.get("index", 0)), name=str(r.get("name", "")),
                              utilization_percent=r.get("utilization_percent"),
                              memory_used_bytes=r.get("memory_used_bytes"),
                              memory_total_bytes=r.get("memory_total_bytes"),
                              temperature_celsius=r.get("temperature_celsius")))


def prune_gpu_samples(session: Session, *, before: datetime) -> None:
    """Drop samples older than ``before`` (reports only look at recent days)."""
    session.exec(delete(GpuSample).where(col(GpuSample.taken_at) < before))  # type: ignore[call-overload]


def gpu_samples(session: Session, *, start: datetime, end: datetime) -> list[GpuSample]:
    """GPU samples taken in [start, end)."""
    return list(session.exec(select(GpuSample).where(col(GpuSample.taken_at) >= start,
                                                     col(GpuSample.taken_at) < end)).all())


def report_sent(session: Session, *, day: date) -> bool:
    """Whether the report of ``day`` went out."""
    return session.get(ReportRecord, day) is not None


def any_report_sent(session: Session) -> bool:
    """Whether any report was ever sent (a fresh install owes no catch-up)."""
    return session.exec(select(ReportRecord).limit(1)).first() is not None


def mark_report_sent(session: Session, *, day: date, chat_id: int | None, summary: dict[str, Any]) -> None:
    """Remember that the report of ``day`` was sent."""
    session.merge(ReportRecord(day=day, chat_id=chat_id, summary=summary))


def add_audit(session: Session, *, actor_telegram_id: int | None, action: str, target: str,
              detail: str) -> AuditEntry:
    """Append one admin action to the audit log."""
    entry = AuditEntry(actor_telegram_id=actor_telegram_id, action=action, target=target, detail=detail)
    session.add(entry)
    session.flush()
    return entry


def recent_audit(session: Session, *, limit: int = 20) -> list[AuditEntry]:
    """The newest audit entries, newest first."""
    return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
                             .limit(limit)).all())
