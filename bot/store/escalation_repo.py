"""Repository functions of escalations, their tickets, their messages in chats and synced ticket entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.store.escalation_models import EscalationMessage, TicketEntry, TicketEntryStatus, TicketSyncState
from bot.store.models import AnswerRecord, Chat, Escalation, EscalationStatus, Message, User, utcnow

OPEN = (EscalationStatus.queued, EscalationStatus.created)  # escalations whose ticket is not resolved yet


def find_escalation(session: Session, *, chat_id: int, question_key: str) -> Escalation | None:
    """The escalation already made about this question in this chat, if any."""
    return session.exec(select(Escalation).where(Escalation.chat_id == chat_id,
                                                 Escalation.question_key == question_key)).first()


def create_escalation(session: Session, **fields: Any) -> tuple[Escalation, bool]:
    """Insert an escalation unless its (chat, question) has one; returns (row, created).

    The unique constraint decides between concurrent presses: the loser gets the winner's row.
    """
    existing = find_escalation(session, chat_id=fields["chat_id"], question_key=fields["question_key"])
    if existing is not None:
        return existing, False
    escalation = Escalation(**fields, updated_at=utcnow())
    try:
        with session.begin_nested():
            session.add(escalation)
            session.flush()
    except IntegrityError:
        existing = find_escalation(session, chat_id=fields["chat_id"], question_key=fields["question_key"])
        assert existing is not None  # the constraint fired because it exists
        return existing, False
    if escalation.tracker:
        escalation.external_id = f"dk:{escalation.id}"
        session.add(escalation)
        session.flush()
    return escalation, True


def escalation_context(session: Session, *, escalation_id: int) -> tuple[Escalation, Chat, User | None,
                                                                         AnswerRecord | None, Message | None]:
    """An escalation with its chat, user, the bot's answer and the stored question message."""
    escalation = session.get_one(Escalation, escalation_id)
    chat = session.get_one(Chat, escalation.chat_id)
    user = session.get(User, escalation.user_id) if escalation.user_id is not None else None
    answer = session.get(AnswerRecord, escalation.answer_id) if escalation.answer_id is not None else None
    message = session.get(Message, escalation.message_id) if escalation.message_id is not None else None
    return escalation, chat, user, answer, message


def update_escalation(session: Session, *, escalation_id: int, **fields: Any) -> Escalation:
    """Set fields of an escalation (and its ``updated_at``)."""
    escalation = session.get_one(Escalation, escalation_id)
    for name, value in fields.items():
        setattr(escalation, name, value)
    escalation.updated_at = utcnow()
    session.add(escalation)
    session.flush()
    return escalation


def claim_flag(session: Session, *, escalation_id: int, flag: str, **where: Any) -> bool:
    """Atomically turn a false boolean ``flag`` true (when ``where`` holds); False if someone else did."""
    column = getattr(Escalation, flag)
    query = update(Escalation).where(col(Escalation.id) == escalation_id, column.is_(False))
    for name, value in where.items():
        query = query.where(getattr(Escalation, name) == value)
    result = session.execute(query.values({flag: True, "updated_at": utcnow()}))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def escalations(session: Session, *, statuses: tuple[EscalationStatus, ...] | None = None,
                tracker: str | None = None) -> list[tuple[Escalation, Chat]]:
    """Escalations (optionally with these statuses, of this tracker) with their chats, oldest first."""
    query = select(Escalation, Chat).join(Chat, col(Chat.id) == Escalation.chat_id).order_by(col(Escalation.id))
    if statuses is not None:
        query = query.where(col(Escalation.status).in_(statuses))
    if tracker is not None:
        query = query.where(Escalation.tracker == tracker)
    return [(e, c) for e, c in session.exec(query)]


def add_escalation_message(session: Session, *, escalation_id: int, chat_telegram_id: int, telegram_message_id: int,
                           kind: str, comment_id: int | None = None) -> None:
    """Remember a bot message that belongs to a ticket (a reply to it goes to the card)."""
    session.add(EscalationMessage(escalation_id=escalation_id, chat_telegram_id=chat_telegram_id,
                                  telegram_message_id=telegram_message_id, kind=kind, comment_id=comment_id))
    session.flush()


def escalation_by_message(session: Session, *, chat_telegram_id: int, telegram_message_id: int) -> Escalation | None:
    """The escalation a bot message in a chat belongs to, if any."""
    query = (select(Escalation).join(EscalationMessage, col(EscalationMessage.escalation_id) == Escalation.id)
             .where(EscalationMessage.chat_telegram_id == chat_telegram_id,
                    EscalationMessage.telegram_message_id == telegram_message_id))
    return session.exec(query).first()


def ticket_entry(session: Session, *, ticket_id: str) -> TicketEntry | None:
    """The synced entry of a ticket, if any."""
    return session.exec(select(TicketEntry).where(TicketEntry.ticket_id == ticket_id)).first()


def save_ticket_entry(session: Session, *, ticket_id: str, **fields: Any) -> TicketEntry:
    """Create or update the entry of a ticket."""
    entry = ticket_entry(session, ticket_id=ticket_id) or TicketEntry(ticket_id=ticket_id)
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


def ticket_entries(session: Session, *, status: TicketEntryStatus | None = None,
                   ids: list[int] | None = None) -> list[TicketEntry]:
    """Entries (with this status, with these ids), oldest first."""
    query = select(TicketEntry).order_by(col(TicketEntry.id))
    if status is not None:
        query = query.where(TicketEntry.status == status)
    if ids is not None:
        query = query.where(col(TicketEntry.id).in_(ids))
    return list(session.exec(query))


def pending_reviews(session: Session) -> list[TicketEntry]:
    """Entries awaiting an admin whose review request has not reached the admins yet."""
    return list(session.exec(select(TicketEntry).where(TicketEntry.status == TicketEntryStatus.pending,
                                                       col(TicketEntry.review_sent_at).is_(None))
                             .order_by(col(TicketEntry.id))))


def claim_review(session: Session, *, entry_id: int, decision: TicketEntryStatus) -> TicketEntry | None:
    """Move a pending entry to ``decision`` (added|skipped) once; None if it was decided already."""
    result = session.execute(update(TicketEntry).where(col(TicketEntry.id) == entry_id,
                                                       col(TicketEntry.status) == TicketEntryStatus.pending)
                             .values(status=decision, updated_at=utcnow()))
    if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        return None
    return session.get(TicketEntry, entry_id)


def last_sync(session: Session) -> datetime | None:
    """When resolved tickets were last synced."""
    state = session.get(TicketSyncState, 1)
    return state.last_sync_at if state else None


def set_last_sync(session: Session, *, at: datetime) -> None:
    """Record a finished sync."""
    state = session.get(TicketSyncState, 1) or TicketSyncState(id=1)
    state.last_sync_at = at
    session.add(state)
