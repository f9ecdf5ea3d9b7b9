"""The retry of deferred questions touches only them: an answer in progress keeps its claim."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from bot.container import Container
from bot.store import repo
from bot.store.models import Message, MessageStatus, utcnow
from tests.conftest import make_settings


async def test_only_deferred_questions_are_retried_and_live_claims_stay(tmp_path: Path) -> None:
    container = Container(make_settings(tmp_path))
    with Session(container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=42)
        assert chat.id is not None
        answering = repo.add_message(session, chat_id=chat.id, text="being answered", status=MessageStatus.answering)
        fresh = repo.add_message(session, chat_id=chat.id, text="owed", status=MessageStatus.pending)
        old = repo.add_message(session, chat_id=chat.id, text="owed long", status=MessageStatus.pending)
        fresh.deferred_at, old.deferred_at = utcnow(), utcnow() - timedelta(hours=30)
        session.add_all([fresh, old])
        session.commit()
        ids = answering.id, fresh.id, old.id

    waiting = await container.inbox.deferred(timedelta(hours=24))

    assert [(kept.id, too_old) for kept, too_old in waiting] == [(ids[1], False), (ids[2], True)]
    with Session(container.engine) as session:
        assert session.get_one(Message, ids[0]).status == MessageStatus.answering, "a live claim is not voided"
    container.close_sync()
