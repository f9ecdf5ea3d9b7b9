"""`backup --out DIR` and `restore DIR`: one consistent backup of this install, and its way back."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, Command, fail

if TYPE_CHECKING:
    from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``backup`` and ``restore`` sub-commands."""
    backup = sub.add_parser("backup", help="write the database, the vectors and the uploads into one folder")
    backup.add_argument("--out", required=True, type=Path, help="a new (or empty) folder for the backup")
    restore = sub.add_parser("restore", help="bring a backup folder back into an empty install")
    restore.add_argument("source", type=Path, help="a folder written by `dialog-keeper backup`")
    return {"backup": cmd_backup, "restore": cmd_restore}


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Write a backup and print what it holds."""
    from bot.container import Container
    from bot.ops.backup import BackupError, create

    with Container(settings) as container:
        try:
            result = create(container, args.out)
        except BackupError as exc:
            return fail(str(exc), EXIT_FAILED)
    print(result.summary())
    return EXIT_OK


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restore a backup into this (empty) install."""
    from bot.container import Container
    from bot.ops.backup import BackupError, restore

    with Container(settings) as container:
        try:
            manifest = restore(container, args.source)
        except BackupError as exc:
            return fail(str(exc), EXIT_FAILED)
    points = sum(c["points"] for c in manifest["qdrant"]["collections"])
    print(f"restored {args.source} (taken {manifest['finished_at']}): database at revision "
          f"{manifest['database']['schema_revision']}, {points} vectors, {manifest['uploads']['files']} upload(s)")
    return EXIT_OK
