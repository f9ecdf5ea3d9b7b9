"""Untrusted bits of updates: ids in button data and commands, «/…» texts, a document's name and MIME type."""

from __future__ import annotations

import pytest

from bot.dialog.memory import question_text
from bot.dialog.ownership import row_id, telegram_id
from bot.knowledge.errors import UnsupportedDocument
from bot.knowledge.loaders import check_upload_type
from bot.telegram.parse import looks_like_command


def test_ids_outside_their_range_or_not_ascii_digits_are_none() -> None:
    assert row_id("42") == 42 and row_id(str(2**31 - 1)) == 2**31 - 1
    for raw in ("0", str(2**31), "99999999999999999999", "-1", "٣", "²", "1e3", " 1", ""):
        assert row_id(raw) is None, raw
    assert telegram_id("-1001234567890") == -1001234567890 and telegram_id(str(2**63 - 1)) == 2**63 - 1
    for raw in ("0", str(2**63), "99999999999999999999", "--1", "12abc", "@bob"):
        assert telegram_id(raw) is None, raw


def test_only_telegram_command_syntax_is_a_command() -> None:
    for text in ("/start", "/foo bar", "/help@dk_bot", "/ask_2 x"):
        assert looks_like_command(text), text
    for text in ("/? как оформить отпуск", "/отпуск сколько дней", "/", "/foo-bar", "a /start", "//x"):
        assert not looks_like_command(text), text
    assert question_text("/? как оформить отпуск") == "как оформить отпуск"
    assert question_text("/отпуск сколько дней") == "отпуск сколько дней"


def test_a_documents_name_and_mime_type_are_checked_before_download() -> None:
    assert check_upload_type("notes.md", "text/markdown") == "text/markdown"
    assert check_upload_type("Report.PDF", "application/octet-stream") == "application/pdf"
    assert check_upload_type("page.html", None) == "text/html"
    for name, mime in [("setup.exe", "application/x-msdownload"), ("report.pdf", "application/x-msdownload"),
                       ("notes.txt", "image/png"), ("budget.xlsx", "application/vnd.ms-excel"), ("noext", None)]:
        with pytest.raises(UnsupportedDocument):
            check_upload_type(name, mime)
