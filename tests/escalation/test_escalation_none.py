"""Without a tracker: a stored request and one admin notice per question (three presses → one of each)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import Session, select

from bot.container import Container
from bot.dialog.escalation import EscalationService, Requester
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Escalation, Outcome
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_CHAT_ID, ADMIN_ID, ALICE_ID


async def test_three_presses_one_escalation_one_admin_notice_with_who(tg: BotApiEmulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram={"admin_chat_id": ADMIN_CHAT_ID, "admin_ids": [ADMIN_ID]})
    tg.group_chat(ADMIN_CHAT_ID, "Admins")
    tg.private_chat(tg.user(ALICE_ID, "Alice", "alice"))
    container = Container(settings)
    with session_scope(container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=ALICE_ID)
        message = repo.add_message(session, chat_id=chat.id or 0, text="Как оформить командировку?",
                                   telegram_message_id=7)
        answer = repo.start_answer(session, question=message.text, message_id=message.id)
        repo.finish_answer(session, answer_id=answer.id or 0, outcome=Outcome.not_found)
    service = EscalationService(engine=container.engine, settings=settings,
                                notifier=TelegramNotifier(tg.make_bot(), settings.telegram))
    alice = Requester(ALICE_ID, "Alice <A>", "alice")
    results = await asyncio.gather(*[service.request(chat_telegram_id=ALICE_ID, requester=alice, source="button",
                                                     answer_id=answer.id) for _ in range(3)])
    # a later `human` intent about the same stored question is the same escalation
    again = await service.request(chat_telegram_id=ALICE_ID, requester=alice, source="human", message_id=message.id)
    assert sorted(r.created for r in results) == [False, False, True] and not again.created
    assert len({r.escalation_id for r in [*results, again]}) == 1
    with Session(container.engine) as session:
        [row] = session.exec(select(Escalation)).all()
    assert row.status == "requested" and row.tracker is None and row.question == "Как оформить командировку?"
    admin = [c.params for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ADMIN_CHAT_ID]
    assert len(admin) == 1 and admin[0]["parse_mode"] == "HTML"
    assert '<a href="tg://user?id=701">Alice &lt;A&gt;</a> (@alice, id 701)' in admin[0]["text"]
    user = [c.params["text"] for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ALICE_ID]
    assert user.count("Передал ваш вопрос сотрудникам — с вами свяжутся.") == 1 and len(user) == 4
    container.close_sync()
