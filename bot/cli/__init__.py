"""The ``dialog-keeper`` command line: one module per command group, each with ``register(sub)``.

Command modules import heavy libraries (torch, LlamaIndex, PTB) only inside the command that needs them,
so ``--help`` and light commands start fast.
"""

from __future__ import annotations

import argparse
from types import ModuleType

from bot.cli import ask, classify, demo, gpu, knowledge, meetings, models, monitoring, ops, search, tickets
from bot.cli.console import EXIT_FAILED, EXIT_SETUP, Command, fail
from bot.i18n import Lang, t
from bot.settings import Settings, get_settings

# Order here is the order of `dialog-keeper --help`.
GROUPS: tuple[ModuleType, ...] = (ops, monitoring, ask, classify, knowledge, search, models, demo, meetings, tickets,
                                  gpu)


SERVICES = frozenset({"run", "worker"})  # long-running processes whose logs are their output


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    """The argument parser with every sub-command, and the command each sub-command runs."""
    parser = argparse.ArgumentParser(prog="dialog-keeper", description="Dialog Keeper: a self-hosted Telegram "
                                     "assistant on local models")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DK_LOG_LEVEL instead of warnings only")
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, Command] = {}
    for group in GROUPS:
        commands |= group.register(sub)
    return parser, commands


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dialog-keeper`` console script."""
    from pydantic import ValidationError

    from bot.ops.logging import add_secrets_of, setup_logging

    parser, commands = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        return fail(f"configuration error: {exc}", EXIT_SETUP)
    # Services (the bot, workers) log at DK_LOG_LEVEL; other commands print what happened and log only with -v.
    service = args.command in SERVICES
    setup_logging(settings.log_level if args.verbose or service else "WARNING",
                  json=settings.log_json or settings.profile == "production")  # production: JSON lines only
    add_secrets_of(settings)  # never in a log line
    return run_guarded(commands[args.command], settings, args)


def run_guarded(command: Command, settings: Settings, args: argparse.Namespace) -> int:
    """Run a command, turning the failures a user can fix into one clear line (no traceback)."""
    from sqlalchemy.exc import OperationalError

    from bot.knowledge.errors import DocumentError
    from inference.embeddings import ModelNotInstalled
    from inference.model_pack import ManifestError

    lang: Lang = settings.language
    try:
        return command(settings, args)
    except ModelNotInstalled as exc:
        return fail(t("model_missing", lang, detail=exc), EXIT_SETUP)
    except (FileNotFoundError, DocumentError, ManifestError) as exc:
        return fail(str(exc), EXIT_FAILED)
    except OperationalError as exc:
        return fail(f"database unavailable: {exc.orig}", EXIT_SETUP)
    except KeyboardInterrupt:
        return EXIT_FAILED
