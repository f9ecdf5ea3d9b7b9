"""How answers look in Telegram: HTML body, numbered sources, buttons, 4096-character parts."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.dialog.answer import Answer, Source
from bot.dialog.messages import Outcome
from bot.i18n import Lang, t

MESSAGE_LIMIT = 4096


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most ``limit`` characters, cut at a line break, else a space, else anywhere."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text or not parts else parts


_CODE_BLOCK = re.compile(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_INLINE = [
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<b>\1</b>"),
    (re.compile(r"__(?=\S)(.+?)(?<=\S)__"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"<s>\1</s>"),
    (re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE), r"<b>\1</b>"),
    (re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE), "\\1• "),
]


def markdown_to_html(text: str) -> str:
    """The common Markdown of LLM output as Telegram HTML; everything else escaped, so the result always parses."""
    blocks: list[str] = []

    def stash(match: re.Match[str]) -> str:
        blocks.append(f"<pre>{html.escape(match.group(1).strip(chr(10)))}</pre>")
        return f"\x00{len(blocks) - 1}\x00"

    escaped = html.escape(_CODE_BLOCK.sub(stash, text), quote=False)
    for pattern, replacement in _INLINE:
        escaped = pattern.sub(replacement, escaped)
    return re.sub("\x00(\\d+)\x00", lambda m: blocks[int(m.group(1))], escaped)


def markdown_to_plain(text: str) -> str:
    """The answer without Markdown markers, for the plain-text fallback."""
    return re.sub(r"<[^>]+>", "", html.unescape(markdown_to_html(text)))


def sources_lines(sources: Sequence[Source]) -> list[str]:
    """One line per distinct document section, numbered as cited."""
    seen: set[str] = set()
    lines = []
    for source in sources:
        label = source.heading_path or source.title
        if source.page is not None:
            label += f", p. {source.page}"
        if label not in seen:
            seen.add(label)
            lines.append(f"[{source.number}] {label}")
    return lines


def render_answer(answer: Answer, lang: Lang) -> tuple[str, str]:
    """The final message as (HTML, plain text); plain is the fallback when Telegram rejects the HTML."""
    lines = sources_lines(answer.sources)
    body_html, body_plain = markdown_to_html(answer.text), markdown_to_plain(answer.text)
    if not lines:
        return body_html, body_plain
    html_text = (f"{body_html}\n\n<b>{html.escape(t('sources', lang))}</b>\n"
                 + "\n".join(html.escape(line) for line in lines))
    plain = f"{body_plain}\n\n{t('sources', lang)}\n" + "\n".join(lines)
    return html_text, plain


def answer_keyboard(answer: Answer, lang: Lang, *, rate: bool = True) -> InlineKeyboardMarkup | None:
    """👍 / 👎 under an answer (unless ``rate`` is off: groups use reactions) and «ask for a human»."""
    if answer.answer_id is None or answer.outcome is Outcome.error:
        return None
    human = InlineKeyboardButton(t("btn_human", lang), callback_data=f"human:{answer.answer_id}")
    if answer.outcome is Outcome.not_found or not rate:
        return InlineKeyboardMarkup([[human]])
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t("btn_up", lang), callback_data=f"fb:{answer.answer_id}:1"),
         InlineKeyboardButton(t("btn_down", lang), callback_data=f"fb:{answer.answer_id}:-1")],
        [human]])
