"""`demo`: the embedded stack from nothing to a streamed answer with sources."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from bot.cli.ask import ask_once
from bot.cli.console import EXIT_OK, Command
from bot.cli.knowledge import cmd_ingest
from bot.cli.models import cmd_models
from bot.settings import ROOT, Settings

SAMPLE_KB = ROOT / "samples/handbook"
DEMO_QUESTION = "How many vacation days do I get per year, and can I carry unused days over?"


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
    print(f"\n> {DEMO_QUESTION}\n")
    code = asyncio.run(ask_once(settings, DEMO_QUESTION, "en"))
    print("\nThe LLM server keeps running for `dialog-keeper ask` / `chat`; "
          "stop it with `dialog-keeper llm-server stop`.")
    return code
