"""Claims on kept messages as leases, shared by every bot process over one database (SQLite or PostgreSQL).

A claim is one conditional UPDATE (pending → answering, or an expired claim → ours), so two processes never
both win it. It names its owner and expires at ``lease_until`` unless the owner renews it; a process that
starts takes over only expired claims. A message is claimed only when no earlier message of its chat is
unfinished, so each chat is answered in order whichever process takes it: "earlier" is Telegram's message id
within the chat (webhooks and failovers may store them out of order), else the stored order.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlmodel import Session, col

from bot.store.models import Chat, Message, MessageStatus, utcnow


class Claim(enum.StrEnum):
    """How a claim attempt ended."""

    claimed = "claimed"  # ours now
    taken = "taken"  # someone else holds a live claim, or it is finished
    blocked = "blocked"  # an earlier message of the same chat is unfinished: try again later


_table = Message.__table__  # type: ignore[attr-defined]  # the Core table of the SQLModel class
_chats = Chat.__table__  # type: ignore[attr-defined]


def _claimable(now: datetime) -> Any:
    """Pending, or claimed by someone whose lease ran out (or a claim from before leases existed)."""
    c = _table.c
    return or_(c.status == MessageStatus.pending.name,
               and_(c.status == MessageStatus.answering.name, or_(c.lease_until.is_(None), c.lease_until < now)))


def _earlier_unfinished(now: datetime, lease: timedelta) -> Any:
    """An earlier message of the same chat (as the outer ``message`` row) that is being answered, or waits
    (not put off by an outage, and not orphaned: one nobody took within a lease is not waited for)."""
    other = _table.alias("earlier")
    c, me = other.c, _table.c
    both_numbered = and_(me.telegram_message_id.is_not(None), c.telegram_message_id.is_not(None))
    earlier = or_(and_(both_numbered, c.telegram_message_id < me.telegram_message_id),
                  and_(not_(both_numbered), c.id < me.id))
    # being answered, or its answerer died within the last lease (another process is about to take it over)
    unfinished = or_(and_(c.status == MessageStatus.answering.name, c.lease_until >= now - lease),
                     and_(c.status == MessageStatus.pending.name, c.deferred_at.is_(None), c.stored_at >= now - lease))
    return exists(select(c.id).where(c.chat_id == me.chat_id, c.id != me.id, earlier, unfinished)
                  .correlate(_table))


def claim_message(session: Session, *, message_id: int, owner: str, lease_s: float,
                  now: datetime | None = None) -> Claim:
    """Claim a message for ``owner`` until now + ``lease_s``: one atomic UPDATE, ordered per chat."""
    now = now or utcnow()
    lease = timedelta(seconds=lease_s)
    # The chat's claims take turns: its row stays locked until this transaction ends. Under PostgreSQL's READ
    # COMMITTED, two processes claiming two messages of one chat at once would each miss the other's uncommitted
    # claim, and the later message could be answered before the earlier one (SQLite has one writer anyway).
    # Never waited for: a chat whose claim is in flight elsewhere is "blocked" now and tried again, so a stalled
    # process cannot make the others queue behind its lock. NO KEY UPDATE lets messages of the chat be stored.
    chat_id = session.execute(select(_table.c.chat_id).where(_table.c.id == message_id)).scalar_one_or_none()
    if chat_id is not None and session.execute(
            select(_chats.c.id).where(_chats.c.id == chat_id).with_for_update(skip_locked=True, key_share=True)
    ).first() is None:
        return Claim.blocked
    result = session.execute(
        update(_table).where(_table.c.id == message_id, _claimable(now), not_(_earlier_unfinished(now, lease)))
        .values(status=MessageStatus.answering.name, claimed_by=owner, lease_until=now + lease))
    if result.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        return Claim.claimed
    still = session.execute(select(_table.c.id).where(_table.c.id == message_id, _claimable(now))).first()
    return Claim.blocked if still is not None else Claim.taken


def _update_held(session: Session, message_id: int, owner: str, **values: Any) -> bool:
    """Change the message while ``owner`` still holds its claim (one conditional UPDATE); False when it does not."""
    result = session.execute(update(Message).where(
        col(Message.id) == message_id, col(Message.claimed_by) == owner,
        col(Message.status) == MessageStatus.answering).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def renew_claim(session: Session, *, message_id: int, owner: str, lease_s: float) -> bool:
    """Extend our claim; False when it is no longer ours (it expired and another process took it over)."""
    return _update_held(session, message_id, owner, lease_until=utcnow() + timedelta(seconds=lease_s))


def begin_delivery(session: Session, *, message_id: int, owner: str, lease_s: float) -> bool:
    """The fence before the final answer is sent: True (and the moment recorded, the lease renewed) while the
    claim is still ``owner``'s; False when its lease ran out and another process took the message over."""
    now = utcnow()
    return _update_held(session, message_id, owner, delivering_at=now, lease_until=now + timedelta(seconds=lease_s))


def finish_claim(session: Session, *, message_id: int, owner: str, status: MessageStatus) -> bool:
    """Record how the message ended and let go of the lease (the owner stays, for the record); False, and
    nothing changed, when the claim is no longer ``owner``'s (its new owner records the end). Pending again (to
    be answered later) has delivered no answer: the "I will answer later" notice it sent is not one."""
    undelivered = {"delivering_at": None} if status is MessageStatus.pending else {}
    return _update_held(session, message_id, owner, status=status, lease_until=None, **undelivered)


def claimable_ids(session: Session, *, limit: int, lease_s: float, now: datetime | None = None) -> list[int]:
    """Oldest first: questions waiting (not put off by an outage, not behind an unfinished earlier one of their
    chat) and expired claims of stopped processes."""
    now = now or utcnow()
    c = _table.c
    query = (select(c.id).where(_claimable(now), c.deferred_at.is_(None),
                                not_(_earlier_unfinished(now, timedelta(seconds=lease_s))))
             .order_by(c.id).limit(limit))
    return list(session.execute(query).scalars())


def expired_claims(session: Session, *, now: datetime | None = None) -> list[int]:
    """Claims whose owner stopped renewing them (and claims from before leases existed)."""
    now = now or utcnow()
    query = select(col(Message.id)).where(col(Message.status) == MessageStatus.answering,
                                          or_(col(Message.lease_until).is_(None), col(Message.lease_until) < now))
    return list(session.execute(query.order_by(col(Message.id))).scalars())


def dispatch_ids(session: Session, *, limit: int) -> list[int]:
    """Updates an ingress kept for a dialog process to run through the handlers (commands, buttons), oldest first."""
    query = select(col(Message.id)).where(col(Message.dispatch).is_(True)).order_by(col(Message.id)).limit(limit)
    return list(session.execute(query).scalars())


def take_dispatch(session: Session, *, message_id: int) -> bool:
    """Take one such update (atomically: one dialog process runs it)."""
    result = session.execute(update(Message).where(col(Message.id) == message_id, col(Message.dispatch).is_(True))
                             .values(dispatch=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE
