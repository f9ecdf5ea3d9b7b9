"""Telegram rendering: the 4096-character split and Markdown → Telegram HTML (bot/telegram/render.py)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from bot.telegram.render import MESSAGE_LIMIT, markdown_to_html, split_text


def test_short_text_is_one_part() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("") == [""]


def test_long_text_is_cut_at_line_breaks_within_the_limit() -> None:
    lines = [f"line {i:04d} " + "x" * 80 for i in range(200)]
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) > 1 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert all(p.endswith("x") for p in parts), "each cut falls on a line break"
    assert "\n".join(parts) == text, "nothing lost or reordered"


def test_text_without_spaces_is_cut_hard() -> None:
    parts = split_text("y" * 10_000, limit=4096)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_words_are_not_broken_when_there_is_no_line_break() -> None:
    text = " ".join(["word"] * 2000)
    parts = split_text(text, limit=1000)
    assert all(len(p) <= 1000 and p.split(" ") == ["word"] * len(p.split(" ")) for p in parts)
    assert sum(len(p.split(" ")) for p in parts) == 2000


class _Checker(HTMLParser):
    """Fails on tags Telegram does not know or that are not closed in order."""

    ALLOWED = frozenset({"b", "i", "s", "code", "pre"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        assert tag in self.ALLOWED, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag


def _valid(markup: str) -> bool:
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    return checker.stack == []


def test_common_markdown_becomes_telegram_html() -> None:
    assert markdown_to_html("**bold** and *it* and `x<y`") == "<b>bold</b> and <i>it</i> and <code>x&lt;y</code>"
    assert markdown_to_html("## Title\n- one\n- two") == "<b>Title</b>\n• one\n• two"
    assert markdown_to_html("```python\nif a < b:\n    pass\n```") == "<pre>if a &lt; b:\n    pass</pre>"
    assert markdown_to_html("~~old~~") == "<s>old</s>"


def test_anything_else_is_escaped_so_the_result_always_parses() -> None:
    raw = "5 < 6 & <script>alert(1)</script> **unclosed *mixed** snake_case_name 2*3*4"
    out = markdown_to_html(raw)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "snake_case_name" in out, "underscores inside words are not italics"
    assert _valid(out)
    assert html.unescape(out.replace("<b>", "").replace("</b>", "")).count("<") == raw.count("<"), "no < is lost"
