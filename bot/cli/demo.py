"""`demo`: the embedded stack from nothing to a streamed answer with sources."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from bot.cli.ask import ask_once
from bot.cli.console import EXIT_OK, Command
from bot.cli.knowledge import cmd_ingest
from bot.cli.models import cmd_models
from bot.i18n import Lang
from bot.settings import ROOT, Settings

SAMPLE_KB = ROOT / "samples/handbook"
# One question per language: retrieval (multilingual e5 + BM25) and the sources are what the demo shows;
# the 135M demo LLM writes poor Russian (production runs a 7B+ model on vLLM).
DEMO_QUESTIONS: tuple[tuple[Lang, str], ...] = (
    ("ru", "Сколько дней отпуска положено в год и можно ли перенести неиспользованные дни?"),
    ("en", "How many vacation days do I get per year, and can I carry unused days over?"),
)


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``demo`` sub-command."""
    sub.add_parser("demo", help="install dev models, start the LLM, ingest the sample KB, ask")
    return {"demo": cmd_demo}


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Set up the embedded stack, index the sample handbook and answer a sample question."""
    from bot.ops import llm_server as control

    steps: list[Callable[[], int]] = [
        lambda: cmd_models(settings, argparse.Namespace(action="install-dev", pack="dev")),
        lambda: control.start(settings, foreground=False),
        lambda: cmd_ingest(settings, argparse.Namespace(path=str(SAMPLE_KB), space="global")),
    ]
    for step in steps:
        if (code := step()) != EXIT_OK:
            return code
    code = EXIT_OK
    for lang, question in DEMO_QUESTIONS:
        print(f"\n> {question}\n")
        code = asyncio.run(ask_once(settings, question, lang)) or code
    print("\nThe 135M demo model writes poor Russian; retrieval and sources are what the demo shows "
          "(production runs a 7B+ model on vLLM).")
    print("The LLM server keeps running for `dialog-keeper ask` / `chat` / `search`; "
          "stop it with `dialog-keeper llm-server stop`.")
    return code
