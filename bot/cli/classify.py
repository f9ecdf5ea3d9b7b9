"""`classify`: the intent of one message as the bot decides it (rules, then the LLM), for admins."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.console import EXIT_OK, EXIT_USAGE, Command, fail
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``classify`` sub-command."""
    classify = sub.add_parser("classify", help="print a message's intent: intent confidence path")
    classify.add_argument("text", nargs="+", help="the message")
    classify.add_argument("--llm", choices=["on", "off", "auto"], default=None,
                          help="ask the LLM when no rule decides (default DK_INTENTS__LLM)")
    return {"classify": cmd_classify}


async def classify_text(settings: Settings, text: str) -> str:
    """``intent confidence path`` of one message, through the container's classifier."""
    from bot.container import Container

    async with Container(settings) as container:
        result = await container.intents.classify(text)
    return f"{result.intent.value} {result.confidence:.2f} {result.path}"


def cmd_classify(settings: Settings, args: argparse.Namespace) -> int:
    """Classify one message and print ``intent confidence path`` (e.g. ``human 1.00 rule``)."""
    text = " ".join(args.text).strip()
    if not text:
        return fail("classify needs a message", EXIT_USAGE)
    if args.llm is not None:
        settings = settings.model_copy(update={"intents": settings.intents.model_copy(update={"llm": args.llm})})
    print(asyncio.run(classify_text(settings, text)))
    return EXIT_OK
