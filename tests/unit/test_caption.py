"""Which knowledge space an uploaded document goes to, from its caption (bot/dialog/media.py)."""

from __future__ import annotations

import pytest

from bot.dialog.media import space_from_caption
from bot.knowledge.spaces import GLOBAL, chat_space


@pytest.mark.parametrize(("caption", "expected"), [
    (None, GLOBAL), ("", GLOBAL), ("the new handbook", GLOBAL),
    ("space: chat", chat_space(-100123)), ("Пространство = чат", chat_space(-100123)),
    ("space: team:sales", "team:sales"), ("SPACE:Team:Sales please", "team:sales"),
    ("handbook, space=global", GLOBAL),
])
def test_caption_names_the_space(caption: str | None, expected: str) -> None:
    assert space_from_caption(caption, -100123) == expected


def test_an_invalid_space_is_refused() -> None:
    with pytest.raises(ValueError):
        space_from_caption("space: ../../etc", -100123)
