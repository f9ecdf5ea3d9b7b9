"""The alert state machine alone: one notice per change, none while it stays, flaps stay quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ops.alerts import format_duration, step
from bot.store.ops_models import CheckState

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def run(results: list[bool], threshold: int = 2) -> list[tuple[str, timedelta | None]]:
    """Step through results five minutes apart; the transitions announced."""
    state: CheckState | None = None
    said = []
    for n, ok in enumerate(results):
        state, transition = step(state, name="llm", ok=ok, detail="x", now=T0 + timedelta(minutes=5 * n),
                                 threshold=threshold)
        if transition:
            said.append((transition.kind, transition.down_for))
    return said


def test_alert_after_threshold_once_then_one_recovery_with_downtime() -> None:
    assert run([True, False, False, False, False, True, True]) == [("down", None), ("recovered", timedelta(minutes=20))]


def test_a_flap_below_the_threshold_says_nothing() -> None:
    assert run([False, True, False, True]) == []


def test_threshold_one_alerts_at_once_and_each_outage_is_its_own() -> None:
    assert [k for k, _ in run([False, True, False, True], threshold=1)] == ["down", "recovered", "down", "recovered"]


def test_durations_read_well() -> None:
    assert format_duration(timedelta(seconds=12)) == "12 s"
    assert format_duration(timedelta(minutes=7, seconds=30)) == "7 min 30 s"
    assert format_duration(timedelta(hours=2, minutes=5)) == "2 h 05 min"
