"""Meeting drafts: create, read, change (sync functions for ``in_session``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.store.meeting_models import MeetingDraft
from bot.store.models import utcnow


def add_draft(session: Session, **fields: Any) -> MeetingDraft:
    """Store a new draft and return it with its id."""
    draft = MeetingDraft(**fields)
    session.add(draft)
    session.flush()
    session.refresh(draft)
    return draft


def get_draft(session: Session, draft_id: int) -> MeetingDraft | None:
    """The draft with this id, or None."""
    return session.get(MeetingDraft, draft_id)


def update_draft(session: Session, draft_id: int, **changes: Any) -> MeetingDraft | None:
    """Apply ``changes`` to a draft; None when it does not exist."""
    draft = session.get(MeetingDraft, draft_id)
    if draft is None:
        return None
    for key, value in changes.items():
        setattr(draft, key, value)
    draft.updated_at = utcnow()
    session.add(draft)
    session.flush()
    session.refresh(draft)
    return draft


def drafts_by_uid(session: Session, uid: str) -> list[MeetingDraft]:
    """Drafts whose event has this UID (at most one)."""
    return list(session.exec(select(MeetingDraft).where(MeetingDraft.uid == uid)))
