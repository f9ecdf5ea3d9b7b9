"""`dialog-keeper chat`: a terminal conversation through the same pipeline as a Telegram chat."""

from __future__ import annotations

import asyncio

from bot.cli.console_channel import ConsoleNotifier, converse
from bot.container import Container
from bot.i18n import Lang, t
from bot.settings import Settings
from bot.store.models import utcnow
from bot.store.repo import CLI_CHAT_TELEGRAM_ID
from inference.llm import LLMError


async def run_repl(settings: Settings, lang: Lang) -> int:
    """Read messages until EOF or /exit; /reset forgets the conversation (it starts empty, too)."""
    async with Container(settings, notifier=ConsoleNotifier(CLI_CHAT_TELEGRAM_ID)) as container:
        conversations = container.conversations
        await conversations.reset(CLI_CHAT_TELEGRAM_ID, utcnow())
        print(t("chat_hint", lang))
        while True:
            try:
                line = (await asyncio.to_thread(input, "> ")).strip()
            except EOFError:
                return 0
            if line == "/exit":
                return 0
            if line == "/reset":
                await conversations.reset(CLI_CHAT_TELEGRAM_ID, utcnow())
                print(t("chat_reset", lang))
                continue
            if not line:
                print(t("empty_question", lang))
                continue
            try:
                await converse(container, line, lang)
            except LLMError as exc:
                print(f"\n{t('llm_unavailable', lang)} ({exc})")
