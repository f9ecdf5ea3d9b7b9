"""`ask` and `chat`: questions to the knowledge base from the terminal."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.console import EXIT_LLM, EXIT_OK, EXIT_USAGE, Command, fail
from bot.cli.console_channel import ConsoleNotifier, converse
from bot.i18n import Lang, detect_language, t
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``ask`` and ``chat`` sub-commands."""
    ask = sub.add_parser("ask", help="one message through the dialog pipeline (answer, hand-off or meeting)")
    ask.add_argument("question", nargs="*", default=[])
    for p in (ask, sub.add_parser("chat", help="interactive chat with memory")):
        p.add_argument("--lang", choices=["ru", "en"], default=None, help="language of messages")
    return {"ask": cmd_ask, "chat": cmd_chat}


async def ask_once(settings: Settings, question: str, lang: Lang) -> int:
    """Answer one message: stream the text, then list the sources (or hand off, or offer meeting slots)."""
    from bot.container import Container
    from bot.store.models import utcnow
    from bot.store.repo import CLI_CHAT_TELEGRAM_ID
    from inference.llm import LLMError, LLMUnavailable

    if not question.strip():
        return fail(t("empty_question", lang), EXIT_USAGE)
    async with Container(settings, notifier=ConsoleNotifier(CLI_CHAT_TELEGRAM_ID)) as container:
        await container.conversations.reset(CLI_CHAT_TELEGRAM_ID, utcnow())  # one question: no earlier turns
        try:
            await converse(container, question, lang)
        except LLMUnavailable as exc:
            return fail(f"\n{t('llm_unavailable', lang)}\n({exc})", EXIT_LLM)
        except LLMError as exc:
            return fail(f"\n{t('llm_failed', lang)}\n({exc})", EXIT_LLM)
    return EXIT_OK


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, streaming the text, then list the sources."""
    question = " ".join(args.question)
    return asyncio.run(ask_once(settings, question, detect_language(question, args.lang or settings.language)))


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """A REPL that remembers the recent turns."""
    from bot.cli.chat import run_repl

    return asyncio.run(run_repl(settings, args.lang or settings.language))
