"""Tables of operations: alert state per health check, GPU samples, sent reports, the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from bot.store.models import utcnow


class CheckState(SQLModel, table=True):
    """Where one health check stands, so a restart neither repeats an alert nor forgets an outage."""

    __tablename__ = "ops_check_state"

    name: str = Field(primary_key=True, max_length=64)
    ok: bool = True
    failures: int = 0  # consecutive failed rounds
    failing_since: datetime | None = None  # the first failed round of the current run of failures
    alerted: bool = False  # the "down" alert was sent; a recovery notice is owed
    detail: str = ""
    checked_at: datetime = Field(default_factory=utcnow)


class GpuSample(SQLModel, table=True):
    """One GPU reading taken by the health round (the report's peak memory and utilisation)."""

    __tablename__ = "ops_gpu_sample"

    id: int | None = Field(default=None, primary_key=True)
    taken_at: datetime = Field(default_factory=utcnow, index=True)
    gpu: int = 0
    name: str = ""
    utilization_percent: float | None = None
    memory_used_bytes: int | None = Field(default=None, sa_column=Column(BigInteger))
    memory_total_bytes: int | None = Field(default=None, sa_column=Column(BigInteger))
    temperature_celsius: float | None = None


class ReportRecord(SQLModel, table=True):
    """A nightly report that was sent: a day without a row after its report time is a missed report."""

    __tablename__ = "ops_report"

    day: date = Field(primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow)
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class AuditEntry(SQLModel, table=True):
    """One admin action: who did what to what."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_telegram_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    action: str = Field(max_length=64, index=True)
    target: str = ""
    detail: str = ""
