"""Read-only figures of one period for the nightly report and ``/unanswered``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from bot.store import reaction_repo
from bot.store.meeting_models import MeetingDraft
from bot.store.models import AnswerRecord, Escalation, Message, Outcome, TranscriptRecord


@dataclass
class PeriodRows:
    """Raw rows of one period: enough for every figure and the hourly chart."""

    messages_by_kind: Counter[str] = field(default_factory=Counter)
    # (created_at, outcome, total_ms, ttft_ms, feedback, question) per answer
    answers: list[tuple[datetime, str, float | None, float | None, int | None, str]] = field(default_factory=list)
    plain_message_times: list[datetime] = field(default_factory=list)  # messages no answer was made for
    escalations: int = 0
    meetings: int = 0  # meetings booked in the period
    voice_seconds: float = 0.0
    reactions: list[tuple[int, str]] = field(default_factory=list)  # (±1, question) per 👍/👎 reaction by a user


def period_rows(session: Session, *, start: datetime, end: datetime) -> PeriodRows:
    """Every row of [start, end) the report needs."""
    rows = PeriodRows()
    in_period = (col(Message.sent_at) >= start, col(Message.sent_at) < end)
    for kind, count in session.exec(select(Message.kind, func.count()).where(*in_period).group_by(Message.kind)):
        rows.messages_by_kind[str(getattr(kind, "value", kind))] += count
    answered_ids = select(AnswerRecord.message_id).where(col(AnswerRecord.message_id).is_not(None))
    rows.plain_message_times = list(session.exec(
        select(Message.sent_at).where(*in_period, col(Message.id).not_in(answered_ids))).all())
    for answer in session.exec(select(AnswerRecord).where(col(AnswerRecord.created_at) >= start,
                                                          col(AnswerRecord.created_at) < end)):
        timings = answer.timings or {}
        rows.answers.append((answer.created_at, str(getattr(answer.outcome, "value", answer.outcome)),
                             _number(timings.get("total_ms")), _number(timings.get("ttft_ms")),
                             answer.feedback, answer.question))
    rows.escalations = session.exec(select(func.count()).select_from(Escalation).where(
        col(Escalation.created_at) >= start, col(Escalation.created_at) < end)).one()
    rows.voice_seconds = float(session.exec(select(func.coalesce(func.sum(TranscriptRecord.duration_s), 0.0)).where(
        col(TranscriptRecord.created_at) >= start, col(TranscriptRecord.created_at) < end)).one())
    rows.meetings = _count_meetings(session, start, end)
    rows.reactions = reaction_repo.reactions_of_period(session, start=start, end=end)
    return rows


def _count_meetings(session: Session, start: datetime, end: datetime) -> int:
    """Meetings booked in the period: drafts that reached "booked" then (a later cancellation un-counts one)."""
    return int(session.exec(select(func.count()).select_from(MeetingDraft).where(
        col(MeetingDraft.status) == "booked", col(MeetingDraft.updated_at) >= start,
        col(MeetingDraft.updated_at) < end)).one())


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def unanswered_questions(session: Session, *, since: datetime, limit: int = 500) -> list[tuple[str, datetime, str]]:
    """Recent questions answered "not found" or given 👎: (question, when, reason), newest first."""
    query = (select(AnswerRecord.question, AnswerRecord.created_at, AnswerRecord.outcome, AnswerRecord.feedback)
             .where(col(AnswerRecord.created_at) >= since,
                    (col(AnswerRecord.outcome) == Outcome.not_found) | (col(AnswerRecord.feedback) == -1))
             .order_by(col(AnswerRecord.created_at).desc()).limit(limit))
    return [(question, at, "disliked" if feedback == -1 else "not_found")
            for question, at, _outcome, feedback in session.exec(query) if question.strip()]
