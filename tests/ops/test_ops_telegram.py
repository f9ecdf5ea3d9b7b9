"""Ops in the running bot (PTB over the Bot API emulator): the report photo, the catch-up, /health, /audit,
/unanswered."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest
import pytest_asyncio
from sqlmodel import Session

from bot.container import Container
from bot.dialog import audit
from bot.ops.report import due_day, send_report
from bot.store import ops_repo
from bot.store.db import make_engine, migrate, session_scope
from bot.store.models import AnswerRecord, Outcome
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import make_settings
from tests.ops.seed import DAY, TZ, seed_day
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, start_bot, stop_bot

REPORT_CHAT = -1009200


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[BotApiEmulator]:
    """A running Bot API emulator."""
    async with BotApiEmulator() as emulator:
        emulator.group_chat(REPORT_CHAT, "Team")
        yield emulator


def _ops_settings() -> dict[str, object]:
    return {"telegram": {"report_chat_id": REPORT_CHAT}, "ops": {"timezone": TZ, "worker_queues": []},
            "language": "en"}


async def test_report_photo_reaches_the_report_chat(tg: BotApiEmulator, kb: Container, tmp_path: Path) -> None:
    bot = await start_bot(tg, kb, tmp_path, **_ops_settings())
    try:
        seeded = seed_day(bot.container.engine)
        mark = tg.mark()
        assert await send_report(bot.container, TelegramNotifier(bot.app.bot, bot.container.settings.telegram), DAY)
        call = await tg.wait_for(lambda c: c.method == "sendPhoto" and c.error is None, 30, since=mark)
        assert int(call.params["chat_id"]) == REPORT_CHAT
        caption = str(call.params["caption"])
        assert f"Questions: {sum(seeded.outcomes.values())}" in caption
        assert f"👍 {seeded.up} · 👎 {seeded.down}" in caption
        png = next(iter(call.files.values()))
        assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (600, 1200)
        [photo] = [m for m in tg.messages_in(REPORT_CHAT, from_bot=True) if m.payload.get("photo")]
        assert photo.payload["caption"] == caption
        with Session(bot.container.engine) as session:
            assert ops_repo.report_sent(session, day=DAY)
    finally:
        await stop_bot(bot)


async def test_a_missed_report_is_sent_at_the_next_start_once(tg: BotApiEmulator, kb: Container, tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path, **_ops_settings())  # type: ignore[arg-type]
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    due = due_day(datetime.now(UTC), settings.ops.report_time, TZ)
    with session_scope(engine) as session:  # the bot sent reports before, then was down at report time
        ops_repo.mark_report_sent(session, day=due - timedelta(days=1), chat_id=REPORT_CHAT, summary={})
    engine.dispose()
    bot = await start_bot(tg, kb, tmp_path, **_ops_settings())
    try:
        call = await tg.wait_for(lambda c: c.method == "sendPhoto" and c.error is None, 30)
        assert int(call.params["chat_id"]) == REPORT_CHAT and due.isoformat() in str(call.params["caption"])
    finally:
        await stop_bot(bot)
    caplog.set_level(logging.INFO, logger="bot.telegram.ops")
    caplog.clear()
    bot = await start_bot(tg, kb, tmp_path, **_ops_settings())  # a second start owes nothing
    try:
        for _ in range(300):  # the barrier: the catch-up (3 s after the start) has run and concluded
            if any("report catch-up: nothing owed" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the catch-up never ran at the second start")
        assert len(tg.calls_to("sendPhoto")) == 1
    finally:
        await stop_bot(bot)


async def test_admin_commands_health_audit_unanswered(tg: BotApiEmulator, kb: Container, tmp_path: Path) -> None:
    bot = await start_bot(tg, kb, tmp_path, **_ops_settings())
    admin, alice = tg.user(ADMIN_ID, "Admin", language_code="en"), tg.user(ALICE_ID, "Alice")
    try:
        await tg.inject_message(tg.private_chat(alice), alice, "/health")
        refused = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE_ID)
        assert "admin" in str(refused.params["text"]).lower() or "администратор" in str(refused.params["text"])

        mark = tg.mark()
        await tg.inject_message(tg.private_chat(admin), admin, "/health")
        health = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID,
                                   60, since=mark)
        text = str(health.params["text"])
        assert "<pre>" in text and "database" in text and "llm" in text and "gpu" in text

        await audit.record(bot.container.engine, ADMIN_ID, "allow", "user 555", "by command")
        await audit.record(bot.container.engine, ADMIN_ID, "document_forgotten", "document 7", "vacation.md")
        mark = tg.mark()
        await tg.inject_message(tg.private_chat(admin), admin, "/audit")
        shown = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID,
                                  30, since=mark)
        lines = str(shown.params["text"])
        assert lines.index("document_forgotten document 7") < lines.index("allow user 555"), "newest first"

        now = datetime.now(UTC)
        with session_scope(bot.container.engine) as session:
            for minutes, question, outcome, feedback in [
                    (50, "How do I apply for a visa?", Outcome.not_found, None),
                    (40, "Where is the car park?", Outcome.not_found, None),
                    (30, "How can I apply for a visa?", Outcome.not_found, None),
                    (20, "What is the vacation policy?", Outcome.answered, -1),
                    (10, "What is the vacation policy?", Outcome.answered, 1)]:
                session.add(AnswerRecord(question=question, outcome=outcome, feedback=feedback,
                                         created_at=now - timedelta(minutes=minutes)))
        mark = tg.mark()
        await tg.inject_message(tg.private_chat(admin), admin, "/unanswered")
        listed = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID,
                                   60, since=mark)
        body = str(listed.params["text"]).splitlines()
        assert body[1].startswith("1. ×1 “What is the vacation policy?”"), body  # newest group first, 👎 only
        assert body[2].startswith("2. ×2 “How can I apply for a visa?”"), body  # two wordings, one group
        assert body[3].startswith("3. ×1 “Where is the car park?”") and len(body) == 4, body
        shown_at = (now - timedelta(minutes=20)).astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M %Z")
        assert shown_at in body[1] and "UTC" not in "\n".join(body), "times in DK_OPS__TIMEZONE"
    finally:
        await stop_bot(bot)
