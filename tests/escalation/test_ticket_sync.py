"""Resolved tickets into the knowledge base: done (and archived) cards synced, cited, replaced, reviewed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.container import Container
from bot.dialog.answer import AnswerService
from bot.integrations.kaiten import KaitenClient
from bot.knowledge.ticket_sync import TicketSync, send_reviews
from bot.store.escalation_models import TicketEntry
from bot.store.models import DocumentRecord
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import TEST_REDIS_URL, make_settings
from tests.escalation.conftest import _env, tracker_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.kaiten_standin import AGENT, BOT_USER, DONE_COLUMN, QUEUE_COLUMN, KaitenStandIn
from tests.telegram.conftest import ADMIN_CHAT_ID, ADMIN_ID, start_bot, stop_bot

PRINTER = "How do I connect the printer in meeting room 3?"
PRINTER_FIX = "Press the WPS button on the printer, then choose the Office-Print network on your laptop."


def _container(kb: Container, data_dir: Path, kaiten: KaitenStandIn, **kaiten_overrides: Any) -> Container:
    settings = make_settings(data_dir, llm={"base_url": kb.settings.llm.base_url, "max_tokens": 40},
                             **tracker_settings(kaiten, "unused", **kaiten_overrides))
    return Container(settings, embed_model=kb.embed_model)  # an index of its own, the loaded model


def _tickets(container: Container) -> list[DocumentRecord]:
    with Session(container.engine) as session:
        return list(session.exec(select(DocumentRecord).where(DocumentRecord.space == "tickets")))


async def test_done_and_archived_cards_are_synced_cited_and_replaced(kb: Container, tmp_path: Path,
                                                                     kaiten: KaitenStandIn) -> None:
    printer = kaiten.add_card(title=PRINTER, column_id=DONE_COLUMN, description="Room 3, HP LaserJet")
    kaiten.comment(printer["id"], "Checking", author=AGENT)
    kaiten.comment(printer["id"], PRINTER_FIX, author=AGENT)
    kaiten.comment(printer["id"], "Ticket closed automatically", author=BOT_USER)  # the bot's own: not a resolution
    archived = kaiten.add_card(title="Where is the spare monitor cable?", column_id=DONE_COLUMN, archived=True)
    kaiten.comment(archived["id"], "In the cabinet next to the kitchen, second shelf.", author=AGENT)
    silent = kaiten.add_card(title="Nobody answered this", column_id=DONE_COLUMN)
    kaiten.add_card(title="Still open", column_id=QUEUE_COLUMN)
    container = _container(kb, tmp_path, kaiten)
    try:
        async with KaitenClient(kaiten.url, kaiten.token, rate_per_s=20) as api:
            sync = TicketSync(kaiten=api, engine=container.engine, ingest=container.ingest, settings=container.settings)
            first = await sync.run()
            again = await sync.run()  # the overlap window reads the same cards: nothing changes
            assert (first.found, first.added, first.replaced, first.skipped) == (3, 2, 0, 1)
            assert (again.added, again.replaced) == (0, 0) and again.skipped == again.found
            docs = {d.source: d for d in _tickets(container)}
            assert set(docs) == {f"kaiten:{printer['id']}", f"kaiten:{archived['id']}"}
            assert f"kaiten:{silent['id']}" not in docs
            assert docs[f"kaiten:{printer['id']}"].title.startswith(f"Заявка №{printer['id']} (решена ")

            answers = AnswerService(engine=container.engine, index=container.index, llm=kb.llm, top_k=3,
                                    min_score=container.min_score)
            answer = await answers.answer(PRINTER, spaces=container.spaces_for_chat(701))
            labels = [s.heading_path or s.title for s in answer.sources]
            assert any(label.startswith(f"Заявка №{printer['id']} (решена ") for label in labels), labels

            # reopened, answered differently, done again → its entry is replaced, not duplicated
            kaiten.move(printer["id"], QUEUE_COLUMN)
            kaiten.comment(printer["id"], "Room 3 now has a new printer: use the QR code on its front.", author=AGENT)
            kaiten.move(printer["id"], DONE_COLUMN)
            redone = await sync.run()
        assert redone.replaced == 1 and redone.added == 0
        [doc] = [d for d in _tickets(container) if d.source == f"kaiten:{printer['id']}"]
        assert doc.id == docs[f"kaiten:{printer['id']}"].id
        with Session(container.engine) as session:
            text = session.get_one(DocumentRecord, doc.id).content[0]["text"]  # type: ignore[index]
        assert "QR code" in text and "WPS" not in text
    finally:
        container.close_sync()


async def test_review_mode_asks_the_admins_first(tg: BotApiEmulator, kb: Container, tmp_path: Path,
                                                 kaiten: KaitenStandIn) -> None:
    card = kaiten.add_card(title=PRINTER, column_id=DONE_COLUMN)
    kaiten.comment(card["id"], PRINTER_FIX, author=AGENT)
    settings = tracker_settings(kaiten, "tickets-review", sync_review=True, poll_s=3600)
    bot = await start_bot(tg, kb, tmp_path, share_index=False, **settings)
    try:
        container = bot.container
        async with KaitenClient(kaiten.url, kaiten.token, rate_per_s=20) as api:
            report = await TicketSync(kaiten=api, engine=container.engine, ingest=container.ingest,
                                      settings=container.settings).run()
        assert (report.found, report.for_review, report.added) == (1, 1, 0) and _tickets(container) == []
        notifier = TelegramNotifier(bot.app.bot, container.settings.telegram)
        assert await send_reviews(container.engine, notifier, "ru") == 1
        assert await send_reviews(container.engine, notifier, "ru") == 0, "asked once"
        asked = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID
                                  and "решена" in str(c.params.get("text")))
        buttons = [b["callback_data"] for row in asked.params["reply_markup"]["inline_keyboard"] for b in row]
        assert [b.split(":")[1] for b in buttons] == ["add", "skip"] and all(len(b.encode()) <= 64 for b in buttons)
        message = next(m for m in tg.messages_in(ADMIN_CHAT_ID, from_bot=True) if "решена" in (m.text or ""))
        await tg.inject_callback_query(message, tg.user(ADMIN_ID, "Admin"), buttons[0])
        await tg.wait_for(lambda c: c.method == "answerCallbackQuery" and "Добавлено" in str(c.params.get("text")),
                          timeout=60)
        [doc] = _tickets(container)
        assert doc.source == f"kaiten:{card['id']}"
        with Session(container.engine) as session:
            assert session.exec(select(TicketEntry)).one().status == "added"
    finally:
        await stop_bot(bot)


def test_cli_tickets_sync_prints_found_added_replaced_skipped(kb: Container, tmp_path: Path,
                                                              kaiten: KaitenStandIn) -> None:
    card = kaiten.add_card(title=PRINTER, column_id=DONE_COLUMN)
    kaiten.comment(card["id"], PRINTER_FIX, author=AGENT)
    kaiten.add_card(title="No answer", column_id=DONE_COLUMN)
    env = {**os.environ, "DK_DATA_DIR": str(tmp_path), "DK_REDIS_URL": TEST_REDIS_URL,
           **_env(tracker_settings(kaiten, "unused"))}
    run = subprocess.run([sys.executable, "-m", "bot", "tickets", "sync"], env=env, capture_output=True, text=True,
                         timeout=240)
    assert run.returncode == 0, run.stderr
    assert "found 2, added 1, replaced 0, skipped 1" in run.stdout
    listed = subprocess.run([sys.executable, "-m", "bot", "tickets", "list"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0 and "no open escalations" in listed.stdout
