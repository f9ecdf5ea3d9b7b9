"""What one health check answers (the suite is ``bot/ops/checks.py``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    """The answer of one probe: up or down, one line why, figures for the table and a fix hint for doctor."""

    name: str
    ok: bool
    detail: str
    latency_ms: float | None = None
    data: dict[str, Any] = field(default_factory=dict)
    fix: str = ""  # what a person does about a failure (doctor prints it)


def ms(started: float) -> float:
    """Milliseconds since ``started`` (a ``perf_counter`` reading), rounded for the table."""
    return round((time.perf_counter() - started) * 1000, 1)


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (or its class name), short enough for a table cell."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
