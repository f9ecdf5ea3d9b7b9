"""`run`, `worker`, `doctor` and `llm-server`: running and checking the stack."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_SETUP, Command, fail
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.container import Container


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``run``, ``worker``, ``doctor`` and ``llm-server`` sub-commands."""
    sub.add_parser("run", help="run the Telegram bot (polling or webhook, see DK_TELEGRAM__MODE)")
    worker = sub.add_parser("worker", help="run a queue worker (voice transcription)")
    worker.add_argument("--queues", nargs="*",
                        help="queues to serve (default: DK_STT__QUEUE, plus DK_TRACKER__QUEUE with a tracker)")
    worker.add_argument("--slot", type=int, default=0, help="worker number on this host (names it)")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    sub.add_parser("doctor", help="check every dependency")
    server = sub.add_parser("llm-server", help="the embedded llama.cpp server")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("--foreground", action="store_true", help="run in this terminal")
    return {"run": cmd_run, "worker": cmd_worker, "doctor": cmd_doctor, "llm-server": cmd_llm_server}


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    """Check every dependency and print how to fix what is wrong."""
    from bot.ops.doctor import run_checks

    checks = run_checks(settings)
    for check in checks:
        print(f"{'OK ' if check.ok else 'FAIL'} {check.name:22} {check.detail}")
        if not check.ok and check.fix:
            print(f"     {'':22} fix: {check.fix}")
    return EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED


def cmd_llm_server(settings: Settings, args: argparse.Namespace) -> int:
    """Start, stop or probe the embedded llama.cpp server."""
    from bot.ops import llm_server as control

    return {"start": control.start, "stop": control.stop, "status": control.status}[args.action](
        settings, foreground=getattr(args, "foreground", False))


def serve_metrics(settings: Settings, role: str = "bot", container: Container | None = None) -> None:
    """Serve Prometheus /metrics and the /healthz, /readyz probes on DK_METRICS_PORT when it is set."""
    if settings.metrics_port is not None:
        from bot.container import Container
        from bot.ops.probes import process_checks, readiness_for, start_metrics_server

        probed = container or Container(settings)  # backends are built lazily: only /readyz touches them
        start_metrics_server(settings.metrics_port, settings.metrics_host,
                             readiness=readiness_for(probed, process_checks(probed, role)))


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling or webhook, per settings)."""
    from bot.container import Container
    from bot.telegram.app import MissingToken, run

    container = Container(settings)
    serve_metrics(settings, "bot", container)
    try:
        run(container)
    except MissingToken as exc:
        return fail(str(exc), EXIT_SETUP)
    finally:
        container.close_sync()
    return EXIT_OK


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """Run an RQ worker (transcription by default) that loads its models once."""
    from redis import RedisError

    from bot.container import Container
    from bot.jobs.worker import run_worker

    serve_metrics(settings, "worker")  # several workers on one host: give each its own DK_METRICS_PORT
    try:
        # with a tracker configured the default worker also makes the tickets (DK_TRACKER__QUEUE)
        default = [settings.stt.queue] + ([settings.tracker.queue] if settings.tracker.kind != "none" else [])
        run_worker(Container(settings), args.queues or default, slot=args.slot, burst=args.burst)
    except RedisError as exc:
        return fail(f"Redis unavailable at {settings.redis_url}: {exc}", EXIT_SETUP)
    return EXIT_OK
