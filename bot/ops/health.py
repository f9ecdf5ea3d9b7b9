"""Health rounds: every check side by side, the table admins read, and alerts on change.

:func:`run_checks` only probes (``dialog-keeper health`` and ``/health`` use it); :class:`HealthMonitor`
is the bot's periodic round: it also steps the alert state machine (``bot/ops/alerts.py``), persists the
state, samples the GPUs for the nightly report, sets the ``dk_health_*``/``dk_queue_*`` gauges and sends
the admins a notice for each change through the ``Notifier`` seam.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.i18n import Lang, t
from bot.ops.alerts import Transition, format_duration, step
from bot.ops.checks import CHECKS, CheckResult
from bot.store import ops_repo
from bot.store.db import in_session
from bot.store.ops_models import CheckState

if TYPE_CHECKING:
    from bot.container import Container
    from bot.dialog.notify import Notifier

log = logging.getLogger(__name__)

GPU_SAMPLE_RETENTION = timedelta(days=40)


@dataclass(frozen=True)
class HealthReport:
    """One round's results, in check order."""

    results: list[CheckResult]
    checked_at: datetime
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(r.ok for r in self.results)

    @property
    def down(self) -> list[str]:
        """Names of the checks that failed."""
        return [r.name for r in self.results if not r.ok]

    def table(self) -> str:
        """The plain-text table: check, state, latency, detail (one line per check)."""
        rows = [("check", "state", "ms", "detail")]
        for r in self.results:
            latency = f"{r.latency_ms:.0f}" if r.latency_ms is not None else "—"
            rows.append((r.name, "OK" if r.ok else "DOWN", latency, r.detail))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}  {d}" for a, b, c, d in rows]
        verdict = "all OK" if self.ok else f"DOWN: {', '.join(self.down)}"
        return "\n".join([*lines, f"{verdict} ({self.seconds * 1000:.0f} ms)"])

    def to_json(self) -> dict[str, Any]:
        """The round as JSON-safe data (``dialog-keeper health --json``)."""
        return {"ok": self.ok, "checked_at": self.checked_at.isoformat(), "round_ms": round(self.seconds * 1000, 1),
                "checks": [{"name": r.name, "ok": r.ok, "detail": r.detail, "latency_ms": r.latency_ms,
                            "data": r.data} for r in self.results]}


async def _bounded(container: Container, name: str, timeout_s: float) -> CheckResult:
    try:
        return await asyncio.wait_for(asyncio.to_thread(CHECKS[name], container), timeout_s)
    except TimeoutError:  # the thread finishes on its own; the round does not wait for it
        return CheckResult(name, False, f"no answer in {timeout_s:.0f} s")


async def run_checks(container: Container, names: Sequence[str] | None = None) -> HealthReport:
    """Run the checks (all by default) concurrently, each bounded; never raises for a dependency down."""
    started = time.perf_counter()
    chosen = list(names or CHECKS)
    timeout = container.settings.ops.check_timeout_s * 2 + 1  # a check may make two bounded calls
    results = await asyncio.gather(*(_bounded(container, name, timeout) for name in chosen))
    return HealthReport(list(results), datetime.now(UTC), time.perf_counter() - started)


def describe_transition(transition: Transition, lang: Lang) -> str:
    """The admin notice for a change: the reason when down, the downtime when recovered."""
    if transition.kind == "down":
        return t("ops_alert_down", lang, name=transition.name, failures=transition.failures, detail=transition.detail)
    return t("ops_alert_recovered", lang, name=transition.name,
             duration=format_duration(transition.down_for or timedelta()), detail=transition.detail)


class HealthMonitor:
    """The bot's periodic round: checks → alert state (persisted) → notices on change → GPU samples."""

    def __init__(self, container: Container, notifier: Notifier, *, lang: Lang | None = None) -> None:
        self.container = container
        self.notifier = notifier
        self.lang: Lang = lang or container.settings.language
        self._states: dict[str, CheckState] | None = None  # loaded from the database on the first round

    async def round(self) -> tuple[HealthReport, list[Transition]]:
        """One round; returns the results and the transitions that were announced."""
        report = await run_checks(self.container)
        threshold = self.container.settings.ops.fail_threshold
        if self._states is None:
            try:  # the engine's first use applies migrations, so it too may raise while the database is down
                self._states = await in_session(self.container.engine, ops_repo.check_states)
            except SQLAlchemyError as exc:  # the database check reports it; alerts still work from memory
                log.warning("alert state not loaded (%s); using memory until the database answers", exc)
        states = self._states if self._states is not None else {}
        transitions = []
        for result in report.results:
            states[result.name], transition = step(states.get(result.name), name=result.name, ok=result.ok,
                                                   detail=result.detail, now=report.checked_at, threshold=threshold)
            if transition is not None:
                transitions.append(transition)
        self._states = states  # from now on memory leads and the database follows (it may be the one down)
        for transition in transitions:
            log.warning("health: %s %s: %s", transition.name, transition.kind, transition.detail)
            await self.notifier.notify_admins(describe_transition(transition, self.lang))
        await self._persist(report, list(states.values()))
        _export_metrics(report)
        return report, transitions

    async def _persist(self, report: HealthReport, states: list[CheckState]) -> None:
        gpus: list[dict[str, Any]] = next((r.data.get("gpus", []) for r in report.results if r.name == "gpu"), [])

        def save(session: Any) -> None:
            ops_repo.save_check_states(session, states)
            if gpus:
                ops_repo.add_gpu_samples(session, gpus, taken_at=report.checked_at)
                ops_repo.prune_gpu_samples(session, before=report.checked_at - GPU_SAMPLE_RETENTION)

        try:
            await in_session(self.container.engine, save)
        except SQLAlchemyError as exc:
            log.warning("alert state not saved (%s); kept in memory", exc)


def _export_metrics(report: HealthReport) -> None:
    metrics.HEALTH_ROUND_SECONDS.set(report.seconds)
    for result in report.results:
        metrics.HEALTH_UP.labels(result.name).set(1 if result.ok else 0)
        for queue, figures in result.data.get("queues", {}).items():
            metrics.QUEUE_JOBS.labels(queue).set(figures["waiting"])
            metrics.QUEUE_WORKERS.labels(queue).set(figures["workers"])
            metrics.QUEUE_OLDEST_SECONDS.labels(queue).set(figures["oldest_wait_s"] or 0)
