"""Which language a message is in, for the reply (bot/i18n.py detect_language)."""

from __future__ import annotations

import pytest

from bot.i18n import detect_language


@pytest.mark.parametrize(("text", "expected"), [
    ("Сколько дней отпуска?", "ru"), ("How many vacation days?", "en"),
    ("Как настроить VPN на ноутбуке?", "ru"),  # a Latin acronym in a Russian sentence
    ("Where is the офис?", "en"), ("Ёжик", "ru"),
])
def test_the_dominant_script_decides(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_no_letters_fall_back_to_the_default() -> None:
    assert detect_language("12:30 ?!", default="en") == "en"
    assert detect_language("", default="ru") == "ru"
    assert detect_language("👍") == "ru"
