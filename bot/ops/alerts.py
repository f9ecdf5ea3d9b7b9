"""The alert state machine: a notice only when a check changes state, after N consecutive failures.

A check is "down" once it failed ``threshold`` rounds in a row; that moment sends one alert with the
reason. Further failed rounds send nothing. The first passing round after an alert sends one recovery
notice with how long it was down (counted from its first failed round). A failure that clears before
the threshold (a flap) sends nothing at all. The state is a table row per check, so a restarted bot
carries on where the last one stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.store.ops_models import CheckState


@dataclass(frozen=True)
class Transition:
    """A change worth telling the admins about."""

    kind: Literal["down", "recovered"]
    name: str
    detail: str
    down_for: timedelta | None = None  # recoveries: first failed round → this round
    failures: int = 0


def step(state: CheckState | None, *, name: str, ok: bool, detail: str, now: datetime,
         threshold: int) -> tuple[CheckState, Transition | None]:
    """The check's next state after one round, and the transition to announce (None: stay quiet)."""
    current = state or CheckState(name=name, ok=True, failures=0, alerted=False, detail="", checked_at=now)
    if ok:
        transition = None
        if current.alerted:
            since = current.failing_since or current.checked_at
            transition = Transition("recovered", name, detail, down_for=now - since, failures=current.failures)
        return CheckState(name=name, ok=True, failures=0, failing_since=None, alerted=False, detail=detail,
                          checked_at=now), transition
    failures = current.failures + 1
    since = current.failing_since if current.failures and current.failing_since else now
    alert = failures >= threshold and not current.alerted
    new = CheckState(name=name, ok=False, failures=failures, failing_since=since,
                     alerted=current.alerted or alert, detail=detail, checked_at=now)
    return new, Transition("down", name, detail, failures=failures) if alert else None


def format_duration(delta: timedelta) -> str:
    """``2 h 05 min``, ``7 min 30 s`` or ``12 s``: how long something was down."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        return f"{hours // 24} d {hours % 24} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
