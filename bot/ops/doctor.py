"""`dialog-keeper doctor`: the health suite (``bot/ops/checks.py``) once, with a fix for each failure."""

from __future__ import annotations

import asyncio

from bot.container import Container
from bot.ops.checks import CheckResult, safe_url
from bot.settings import Settings

Check = CheckResult  # doctor's rows are the suite's results
COLD_START_S = 120.0  # doctor opens every backend cold (models, a local Qdrant store): it may wait longer
__all__ = ["Check", "format_lines", "run_checks", "safe_url"]


def run_checks(settings: Settings, container: Container | None = None) -> list[CheckResult]:
    """Every check of this deployment against the backends ``container`` builds (the same as ``health``)."""
    from bot.ops.health import run_checks as round_of_checks

    own = container is None
    container = container or Container(settings)
    try:
        return asyncio.run(round_of_checks(container, bound_s=COLD_START_S)).results
    finally:
        if own:
            container.close_sync()  # releases local-mode Qdrant's lock for the bot


def format_lines(checks: list[CheckResult]) -> list[str]:
    """``OK``/``FAIL`` per check with its detail, and the fix under each failure."""
    lines = []
    for check in checks:
        lines.append(f"{'OK ' if check.ok else 'FAIL'} {check.name:10} {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"     {'':10} fix: {check.fix}")
    return lines
