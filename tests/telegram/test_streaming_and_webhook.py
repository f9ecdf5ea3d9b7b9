"""Streaming past 4096 characters and the HTML fallback (real PTB Bot over HTTP), and webhook mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from telegram.constants import ParseMode

from bot.telegram.render import MESSAGE_LIMIT, split_text
from bot.telegram.streaming import ChatPacer, StreamingReply
from tests.conftest import free_port
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ALICE_ID, stop_bot


def test_split_prefers_line_breaks_and_never_exceeds_the_limit() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(120))
    parts = split_text(text)
    assert all(len(p) <= MESSAGE_LIMIT for p in parts) and len(parts) == 3
    assert all(p.startswith("line ") for p in parts), "cuts fall on line breaks"
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]


async def test_long_answer_continues_in_new_messages_with_buttons_on_the_last(tg: BotApiEmulator) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    alice = tg.user(ALICE_ID, "Alice")
    tg.private_chat(alice)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:1:1")]])
    async with tg.make_bot() as bot:
        reply = StreamingReply(bot, ALICE_ID, reply_to=None, interval=0.0, placeholder="⏳", pacer=ChatPacer())
        await reply.open()
        text = "\n".join(f"Paragraph {i}: " + "words " * 30 for i in range(60))  # ~11 000 characters
        for start in range(0, len(text), 500):
            await reply.push(text[start:start + 500])
        await reply.close(text, text, keyboard)

    messages = tg.messages_in(ALICE_ID, from_bot=True)
    assert len(messages) == 3 == len(reply.message_ids)
    assert all(len(m.text or "") <= MESSAGE_LIMIT for m in messages)
    assert [m.reply_markup is not None for m in messages] == [False, False, True]
    assert "".join(m.text or "" for m in messages).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")


async def test_rejected_html_falls_back_to_plain_text(tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    tg.private_chat(alice)
    async with tg.make_bot() as bot:
        reply = StreamingReply(bot, ALICE_ID, reply_to=None, interval=0.0, placeholder="⏳", pacer=ChatPacer())
        await reply.open()
        await reply.push("Answer")
        await reply.close("<b>Answer <i>broken</b>", "Answer (plain)", None)

    [message] = tg.messages_in(ALICE_ID, from_bot=True)
    assert message.text == "Answer (plain)"
    html_edits = [c for c in tg.calls_to("editMessageText") if c.params.get("parse_mode") == ParseMode.HTML]
    assert html_edits and "can't parse entities" in str(html_edits[-1].error)


async def test_webhook_mode_checks_the_secret_token(bot_factory: Callable[..., Any], tg: BotApiEmulator) -> None:
    bot = await bot_factory()
    await bot.app.updater.stop()  # type: ignore[union-attr]  # switch this bot from polling to a webhook
    port = free_port()
    await bot.app.updater.start_webhook(  # type: ignore[union-attr]
        listen="127.0.0.1", port=port, url_path="telegram", webhook_url=f"http://127.0.0.1:{port}/telegram",
        secret_token="s3cret-token")
    assert tg.webhook is not None and tg.webhook["secret_token"] == "s3cret-token"
    alice = tg.user(ALICE_ID, "Alice")
    update = await tg.inject_message(tg.private_chat(alice), alice, "What colour are flamingos?")

    reply = await bot.final_reply(ALICE_ID)
    forged = await tg.post_to_webhook(update, secret_token="wrong")
    async with aiohttp.ClientSession() as http:
        missing = await http.post(f"http://127.0.0.1:{port}/telegram", json=update)
    await stop_bot(bot)

    assert "no answer" in reply.text or "нет ответа" in reply.text
    assert forged == 403 and missing.status == 403
    assert (update["update_id"], 200) in tg.webhook_deliveries


def test_sources_name_the_section_and_the_pdf_page_once_each() -> None:
    from bot.dialog.answer import Source
    from bot.telegram.render import sources_lines

    sources = [Source(1, "Handbook", "Handbook › Travel", "h.pdf", 0.8, 0, page=4),
               Source(2, "Handbook", "Handbook › Travel", "h.pdf", 0.7, 1, page=4),
               Source(3, "Office", "Office › Wi-Fi", "office.md", 0.6, 0)]
    assert sources_lines(sources) == ["[1] Handbook › Travel, p. 4", "[3] Office › Wi-Fi"]
