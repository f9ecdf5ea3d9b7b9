"""Review requests for resolved tickets: one that Telegram did not take is sent again, never marked sent."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from bot.dialog.escalation import send_reviews
from bot.store import escalation_repo
from bot.store.db import make_engine, migrate, session_scope
from bot.store.escalation_models import TicketEntry, TicketEntryStatus
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_CHAT_ID, ADMIN_ID


async def test_a_review_request_the_bot_api_refused_is_sent_on_the_next_round(tg: BotApiEmulator,
                                                                              tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram={"admin_chat_id": ADMIN_CHAT_ID, "admin_ids": [ADMIN_ID]})
    tg.group_chat(ADMIN_CHAT_ID, "Admins")
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        escalation_repo.save_ticket_entry(session, ticket_id="5001", title="Заявка №5001 (решена 01.12)",
                                          markdown="# Заявка №5001\n\n**Решение:** Нажмите WPS.",
                                          status=TicketEntryStatus.pending)
    notifier = TelegramNotifier(tg.make_bot(), settings.telegram)
    tg.fail_next("sendMessage", 502, description="Bad Gateway")  # the Bot API is down for this round
    try:
        assert await send_reviews(engine, notifier, "ru") == 0
        with Session(engine) as session:
            assert session.exec(select(TicketEntry)).one().review_sent_at is None, "not marked sent"
        assert await send_reviews(engine, notifier, "ru") == 1, "sent on the next round"
        assert await send_reviews(engine, notifier, "ru") == 0, "and only once"
    finally:
        engine.dispose()
    delivered = [c for c in tg.calls_to("sendMessage") if c.error is None and int(c.params["chat_id"]) == ADMIN_CHAT_ID]
    assert len(delivered) == 1 and "Нажмите WPS" in delivered[0].params["text"]
    buttons = [b["callback_data"] for row in delivered[0].params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["tkb:add:1", "tkb:skip:1"]
