"""`dialog-keeper chat`: a terminal conversation that remembers the recent turns."""

from __future__ import annotations

import asyncio

from bot.cli.console import print_piece, print_sources
from bot.container import Container
from bot.dialog.answer import EmptyQuestion
from bot.i18n import Lang, t
from bot.settings import Settings
from bot.store import repo
from bot.store.db import in_session
from inference.llm import ChatMessage, LLMError


async def run_repl(settings: Settings, lang: Lang) -> int:
    """Read questions until EOF or /exit; /reset forgets the conversation."""
    container = Container(settings)
    turns: list[ChatMessage] = []
    print(t("chat_hint", lang))
    try:
        while True:
            try:
                line = (await asyncio.to_thread(input, "> ")).strip()
            except EOFError:
                return 0
            if line == "/exit":
                return 0
            if line == "/reset":
                turns.clear()
                print(t("chat_reset", lang))
                continue
            message_id = await in_session(container.engine, repo.add_cli_question, text=line)
            try:
                answer = await container.answers.answer(line, turns=turns, message_id=message_id,
                                                        on_text=print_piece)
            except EmptyQuestion:
                print(t("empty_question", lang))
                continue
            except LLMError as exc:
                print(f"\n{t('llm_unavailable', lang)} ({exc})")
                continue
            print_sources(answer.sources, answer.language)
            turns += [ChatMessage("user", line), ChatMessage("assistant", answer.text)]
            del turns[: -2 * settings.retrieval.history_turns]
    finally:
        await container.aclose()
