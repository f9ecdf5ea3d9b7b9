"""What every CLI command shares: exit codes, printing streamed text and sources, one-line failures."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Lang, t
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.dialog.answer import Source

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LLM, EXIT_SETUP = 0, 1, 2, 3, 4


def fail(message: str, code: int) -> int:
    """Print a message to stderr and return the exit code."""
    print(message, file=sys.stderr)
    return code


async def print_piece(piece: str) -> None:
    """Print streamed text as it arrives."""
    print(piece, end="", flush=True)


def print_sources(sources: Sequence[Source], lang: Lang) -> None:
    """Print an answer's numbered sources under it."""
    print("\n")
    if not sources:
        print(t("no_sources", lang))
        return
    print(t("sources", lang))
    for s in sources:
        page = f", p. {s.page}" if s.page else ""
        print(f"  [{s.number}] {s.heading_path or s.title} — {Path(s.source).name}{page} (score {s.score:.2f})")


Command = Callable[[Settings, argparse.Namespace], int]
