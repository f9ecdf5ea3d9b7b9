"""Admins add documents by sending them: ingestion job with progress, spaces, /docs and /forget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, stop_bot

PARKING = b"""# Parking rules

## Garage

The underground garage on level -2 has 42 spaces. Employees book a parking space in the ParkBot app
at least one day ahead; guests get a visitor pass at reception.
"""


def _said(fragment: str) -> Callable[[Any], bool]:
    return lambda c: c.method in ("sendMessage", "editMessageText") and c.error is None \
        and fragment in str(c.params.get("text"))


async def test_admin_upload_is_indexed_scoped_listed_and_forgotten(bot_factory: Callable[..., Any],
                                                                   tg: BotApiEmulator, queue_name: str) -> None:
    bot = await bot_factory(share_index=False, jobs={"ingest_queue": queue_name})
    admin, alice = tg.user(ADMIN_ID, "Admin"), tg.user(ALICE_ID, "Alice")
    admin_chat, alice_chat = tg.private_chat(admin), tg.private_chat(alice)
    try:
        await tg.inject_document(admin_chat, admin, PARKING, "parking.md", "text/markdown", caption="space: chat")
        added = await tg.wait_for(_said("Добавлено:"), timeout=60)
        await tg.inject_document(admin_chat, admin, PARKING, "parking.md", "text/markdown", caption="space: chat")
        unchanged = await tg.wait_for(_said("Без изменений"), timeout=60)

        since = tg.mark()
        await tg.inject_message(admin_chat, admin, "How many parking spaces does the underground garage have?")
        own = await bot.final_reply(ADMIN_ID, since=since)
        since = tg.mark()
        await tg.inject_message(alice_chat, alice, "How many parking spaces does the underground garage have?")
        other = await bot.final_reply(ALICE_ID, since=since)

        await tg.inject_message(admin_chat, admin, "/docs")
        listing = await tg.wait_for(_said("Документы (1)"), timeout=30)
        document_id = listing.params["text"].split("#")[1].split()[0]
        await tg.inject_message(admin_chat, admin, f"/forget {document_id}")
        await tg.wait_for(_said("Удалён: «Parking rules»"), timeout=30)
        since = tg.mark()
        await tg.inject_message(admin_chat, admin, "How many parking spaces does the underground garage have?")
        after = await bot.final_reply(ADMIN_ID, since=since)
    finally:
        await stop_bot(bot)

    assert "«Parking rules»" in added.params["text"] and f"(пространство chat:{ADMIN_ID})" in added.params["text"]
    assert "«Parking rules» уже в базе знаний" in unchanged.params["text"]
    assert "Parking rules" in own.text, "the admin's chat sees its own space"
    assert "Parking rules" not in other.text, "another chat never sees it"
    assert "Parking rules" not in after.text, "forgotten documents leave no vectors behind"


async def test_bad_uploads_are_refused_with_the_reason(bot_factory: Callable[..., Any], tg: BotApiEmulator,
                                                       queue_name: str) -> None:
    bot = await bot_factory(share_index=False, jobs={"ingest_queue": queue_name})
    admin = tg.user(ADMIN_ID, "Admin")
    chat = tg.private_chat(admin)
    try:
        await tg.inject_document(chat, admin, b"PK\x03\x04 not a sheet", "budget.xlsx", "application/vnd.ms-excel")
        unsupported = await tg.wait_for(_said("не поддерживается"), timeout=60)
        await tg.inject_document(chat, admin, b"%PDF-1.7 broken", "broken.pdf", "application/pdf")
        corrupt = await tg.wait_for(_said("повреждён"), timeout=60)
        await tg.inject_document(chat, admin, b"x", "huge.pdf", "application/pdf", file_size=50 * 2**20)
        huge = await tg.wait_for(_said("больше допустимого"), timeout=30)
        await tg.inject_document(chat, admin, b"# Doc\n", "doc.md", "text/markdown", caption="space: Sales Team")
        bad_space = await tg.wait_for(_said("неизвестное пространство"), timeout=30)
    finally:
        await stop_bot(bot)
    assert "budget.xlsx" in unsupported.params["text"] and "broken.pdf" in corrupt.params["text"]
    assert "20" in huge.params["text"] and "doc.md" in bad_space.params["text"]
