"""/search in Telegram: admins see what the answer path retrieves in their chat; others are refused."""

from __future__ import annotations

from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, BotUnderTest


async def test_admin_search_shows_fragments_scores_and_the_floor(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    admin, alice = tg.user(ADMIN_ID, "Admin"), tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, "/search отпуск")
    refused = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE_ID)
    assert "только для администраторов" in refused.params["text"]

    await tg.inject_message(tg.private_chat(admin), admin, "/search Сколько дней отпуска положено в год?")
    reply = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID
                              and "🔎" in str(c.params["text"]), 60)
    text = str(reply.params["text"])
    assert "«Сколько дней отпуска положено в год?»" in text and f"chat:{ADMIN_ID}" in text and "global" in text
    assert "floor: cosine ≥ 0.83" in text
    first = next(line for line in text.splitlines() if line.startswith(" 1. "))
    assert "✓ relevant" in first and "dense " in first and "fused " in first
    assert "otpusk.md [global]" in text and text.rstrip().endswith("answer: from these fragments")

    since = len(tg.calls)
    await tg.inject_message(tg.private_chat(admin), admin, "/search")
    usage = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID,
                              since=since)
    assert "/search <вопрос>" in usage.params["text"]
