"""A seeded day of dialogs for the report tests (and the example chart in docs/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.store import repo
from bot.store.db import session_scope
from bot.store.meeting_models import MeetingDraft
from bot.store.models import AnswerRecord, Escalation, MessageKind, Outcome, TranscriptRecord
from bot.store.ops_models import GpuSample

DAY = date(2026, 11, 25)
TZ = "Europe/Moscow"  # UTC+3: the 01:30 local message is still the day before in UTC
GIB = 1 << 30


@dataclass
class Seeded:
    """What was put in, so tests compare the report with the seed rather than with literals."""

    kinds: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    ttft_ms: list[float] = field(default_factory=list)
    up: int = 0
    down: int = 0
    escalations: int = 0
    meetings: int = 0
    voice_seconds: float = 0.0
    hourly: dict[int, dict[str, int]] = field(default_factory=dict)
    unanswered: list[tuple[str, int]] = field(default_factory=list)


# local hour, minute, outcome, total ms, ttft ms, feedback, kind, question
QUESTIONS = [
    (9, 5, "answered", 1000, 100, 1, "text", "How many vacation days do I get?"),
    (9, 20, "answered", 2000, 200, 1, "text", "Where is the office?"),
    (9, 40, "answered", 3000, 300, None, "text", "How do I reset my password?"),
    (10, 10, "not_found", 500, None, None, "text", "Как оформить визу?"),
    (10, 30, "not_found", 700, None, None, "text", "как оформить визу"),
    (14, 0, "error", 800, None, None, "text", "What is the wifi password?"),
    (14, 30, "answered", 4000, 400, None, "voice", "Can I carry unused days over?"),
    (15, 45, "answered", 5000, 500, -1, "text", "Who approves expenses?"),
]
PLAIN = [(1, 30, "text"), (16, 0, "text"), (16, 10, "text"), (16, 20, "text"), (16, 30, "text"), (17, 0, "document")]
VOICE_SECONDS = (90.0, 30.0)
GPU = [(10, 20.0), (60, 95.0), (30, 50.0)]  # (GiB used, utilisation %) at three health rounds


def at(hour: int, minute: int, day: date = DAY) -> datetime:
    """A local time of the seeded day, in UTC."""
    return datetime.combine(day, time(hour, minute), ZoneInfo(TZ)).astimezone(UTC)


def seed_day(engine: Engine) -> Seeded:
    """Fill the database with one day of dialogs (plus rows just outside it) and return what went in."""
    s = Seeded()
    with session_scope(engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=-100777, type="supergroup", title="Team")
        user = repo.get_or_create_user(session, telegram_id=4242, full_name="Anna")
        assert chat.id is not None and user.id is not None
        for n, (hour, minute, outcome, total, ttft, feedback, kind, question) in enumerate(QUESTIONS):
            message = repo.add_message(session, chat_id=chat.id, user_id=user.id, text=question,
                                       kind=MessageKind(kind), telegram_message_id=100 + n, sent_at=at(hour, minute))
            timings = {"total_ms": float(total), **({"ttft_ms": float(ttft)} if ttft else {})}
            session.add(AnswerRecord(message_id=message.id, question=question, outcome=Outcome(outcome),
                                     timings=timings, feedback=feedback, created_at=at(hour, minute) +
                                     timedelta(seconds=2)))
            s.kinds[kind] = s.kinds.get(kind, 0) + 1
            s.outcomes[outcome] = s.outcomes.get(outcome, 0) + 1
            s.latencies_ms.append(float(total))
            s.ttft_ms += [float(ttft)] if ttft else []
            s.up += feedback == 1
            s.down += feedback == -1
            s.hourly.setdefault(hour, {}).setdefault(outcome, 0)
            s.hourly[hour][outcome] += 1
            if kind == "voice":
                for seconds in VOICE_SECONDS:
                    session.add(TranscriptRecord(message_id=message.id if seconds == VOICE_SECONDS[0] else
                                                 _voice_note(session, chat.id, user.id, hour, minute),
                                                 text=question, duration_s=seconds, created_at=at(hour, minute)))
                    s.voice_seconds += seconds
        s.kinds["voice"] += 1  # the second voice note (a transcript without a question)
        s.hourly[14]["message"] = 1
        for n, (hour, minute, kind) in enumerate(PLAIN):
            repo.add_message(session, chat_id=chat.id, user_id=user.id, text=f"chatter {n}", kind=MessageKind(kind),
                             telegram_message_id=200 + n, sent_at=at(hour, minute))
            s.kinds[kind] = s.kinds.get(kind, 0) + 1
            s.hourly.setdefault(hour, {}).setdefault("message", 0)
            s.hourly[hour]["message"] += 1
        for hour in (11, 15):
            session.add(Escalation(chat_id=chat.id, user_id=user.id, created_at=at(hour, 0)))
            s.escalations += 1
        # Booked through the day's meeting flow; an open draft and a cancelled booking are not meetings.
        for n, (hour, status) in enumerate(((10, "booked"), (12, "open"), (13, "cancelled"), (16, "booked"))):
            session.add(MeetingDraft(chat_id=chat.telegram_id, user_id=user.telegram_id, status=status,
                                     uid=f"seed-{n}@dialog-keeper", created_at=at(hour, 0), updated_at=at(hour, 5)))
            s.meetings += status == "booked"
        # Just outside the local day: must not count.
        for n, moment in enumerate((at(23, 30, DAY - timedelta(days=1)), at(0, 30, DAY + timedelta(days=1)))):
            message = repo.add_message(session, chat_id=chat.id, user_id=user.id, text="outside",
                                       telegram_message_id=300 + n, sent_at=moment)
            session.add(AnswerRecord(message_id=message.id, question="outside", outcome=Outcome.not_found,
                                     timings={"total_ms": 99999.0}, feedback=-1, created_at=moment))
            session.add(Escalation(chat_id=chat.id, created_at=moment))
            session.add(MeetingDraft(chat_id=chat.telegram_id, status="booked", uid=f"outside-{n}@dialog-keeper",
                                     created_at=moment, updated_at=moment))
        for n, (gib, util) in enumerate(GPU):
            session.add(GpuSample(taken_at=at(12, 5 * n), gpu=0, name="NVIDIA H100 80GB HBM3",
                                  utilization_percent=util, memory_used_bytes=gib * GIB, memory_total_bytes=80 * GIB,
                                  temperature_celsius=60.0))
    s.unanswered = [("Как оформить визу?", 2), ("Who approves expenses?", 1)]
    return s


def _voice_note(session: object, chat_id: int, user_id: int, hour: int, minute: int) -> int:
    """A second voice note in the same hour that never became a question."""
    message = repo.add_message(session, chat_id=chat_id, user_id=user_id, text="",  # type: ignore[arg-type]
                               kind=MessageKind.voice, telegram_message_id=400, sent_at=at(hour, minute + 1))
    assert message.id is not None
    return message.id
