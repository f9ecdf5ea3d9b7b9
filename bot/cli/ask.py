"""`ask` and `chat`: questions to the knowledge base from the terminal."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.console import EXIT_LLM, EXIT_OK, EXIT_USAGE, Command, fail, print_piece, print_sources
from bot.i18n import Lang, detect_language, t
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``ask`` and ``chat`` sub-commands."""
    ask = sub.add_parser("ask", help="answer one question from the knowledge base")
    ask.add_argument("question", nargs="*", default=[])
    for p in (ask, sub.add_parser("chat", help="interactive chat with memory")):
        p.add_argument("--lang", choices=["ru", "en"], default=None, help="language of messages")
    return {"ask": cmd_ask, "chat": cmd_chat}


async def ask_once(settings: Settings, question: str, lang: Lang) -> int:
    """Answer one question: stream the text, then list the sources."""
    from bot.container import Container
    from bot.dialog.answer import EmptyQuestion
    from bot.store import repo
    from bot.store.db import in_session
    from inference.llm import LLMError, LLMUnavailable

    if not question.strip():
        return fail(t("empty_question", lang), EXIT_USAGE)
    container = Container(settings)
    try:
        message_id = await in_session(container.engine, repo.add_cli_question, text=question)
        answer = await container.answers.answer(question, message_id=message_id, on_text=print_piece)
        print_sources(answer.sources, answer.language)
    except EmptyQuestion:
        return fail(t("empty_question", lang), EXIT_USAGE)
    except LLMUnavailable as exc:
        return fail(f"\n{t('llm_unavailable', lang)}\n({exc})", EXIT_LLM)
    except LLMError as exc:
        return fail(f"\n{t('llm_failed', lang)}\n({exc})", EXIT_LLM)
    finally:
        await container.aclose()
    return EXIT_OK


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, streaming the text, then list the sources."""
    question = " ".join(args.question)
    return asyncio.run(ask_once(settings, question, detect_language(question, args.lang or settings.language)))


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """A REPL that remembers the recent turns."""
    from bot.cli.chat import run_repl

    return asyncio.run(run_repl(settings, args.lang or settings.language))
