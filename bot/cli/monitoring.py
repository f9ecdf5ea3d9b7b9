"""`health` and `report`: the health table of the bot's checks, and the nightly report of any day."""

from __future__ import annotations

import argparse
import json
from datetime import date

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, fail
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``health`` and ``report`` sub-commands."""
    health = sub.add_parser("health", help="check every dependency now (exit 1 when one is down)")
    health.add_argument("--json", action="store_true", help="print the results as JSON")
    report = sub.add_parser("report", help="write the nightly report (PNG chart + text) of a day")
    report.add_argument("--date", help="YYYY-MM-DD in DK_OPS__TIMEZONE (default: today)")
    report.add_argument("--out", default=".", help="directory for report-DAY.png, .txt and .json (default: .)")
    return {"health": cmd_health, "report": cmd_report}


def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    """Run the health round once and print its table (or JSON)."""
    import asyncio

    from bot.container import Container
    from bot.ops.doctor import COLD_START_S
    from bot.ops.health import run_checks

    with Container(settings) as container:
        report = asyncio.run(run_checks(container, bound_s=COLD_START_S))  # cold backends, like doctor
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else report.table())
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """Write the report of a day: the chart as PNG, the summary as text, the figures as JSON."""
    import asyncio
    from datetime import UTC, datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from bot.container import Container
    from bot.ops.report import render

    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(UTC).astimezone(
            ZoneInfo(settings.ops.timezone)).date()
    except ValueError:
        return fail(f"--date must be YYYY-MM-DD, not {args.date!r}", EXIT_USAGE)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with Container(settings) as container:
        report, png = asyncio.run(render(container, day, settings.language))
    stem = out / f"report-{day.isoformat()}"
    stem.with_suffix(".png").write_bytes(png)
    text = report.summary(settings.language)
    stem.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    stem.with_suffix(".json").write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    print(text)
    print(f"\n{stem.with_suffix('.png')}\n{stem.with_suffix('.txt')}")
    return EXIT_OK
