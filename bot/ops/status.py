"""What an admin's ``/status`` shows: a view of the health suite (GPUs, the model server, the queues) and versions.

It never raises for a dependency that is down: that is what it reports.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING

from bot.ops.checks import CheckResult

if TYPE_CHECKING:
    from bot.container import Container

# Distributions whose versions matter when reading a bug report from a deployment.
KEY_LIBRARIES = ("python-telegram-bot", "httpx", "qdrant-client", "llama-index-core", "sentence-transformers",
                 "torch", "faster-whisper", "ctranslate2", "rq", "sqlmodel", "nvidia-ml-py")
STATUS_CHECKS = ("gpu", "llm", "workers")  # the checks /status shows (/health shows them all)


@dataclass(frozen=True)
class Status:
    """A snapshot of the deployment for admins: the status checks' results and the versions running."""

    checks: dict[str, CheckResult]
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def llm(self) -> CheckResult:
        """The model server's check."""
        return self.checks["llm"]

    def lines(self) -> list[str]:
        """Plain-text lines, one fact each: GPUs, the LLM, each queue, the versions."""
        gpu, llm, workers = (self.checks[name] for name in STATUS_CHECKS)
        llm_line = f"LLM {'OK' if llm.ok else 'DOWN'}: {llm.detail}"
        if llm.data.get("version"):
            llm_line += f" (server {llm.data['version']})"
        queues = [f"queue {name}: {q['waiting']} waiting, {q['workers']} worker(s)"
                  for name, q in workers.data.get("queues", {}).items()]
        if not workers.ok:
            queues.append(f"workers DOWN: {workers.detail}")
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return [*gpu.detail.split("; "), llm_line, *queues, f"versions: {versions}"]


def versions(libraries: tuple[str, ...] = KEY_LIBRARIES) -> dict[str, str]:
    """Versions of Dialog Keeper, Python and the key libraries ("absent" when not installed)."""
    found = {"dialog-keeper": _version("dialog-keeper"), "python": platform.python_version()}
    found.update((name, _version(name)) for name in libraries)
    return found


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


async def collect_status(container: Container) -> Status:
    """The status checks of the health suite, run now, and the versions."""
    from bot.ops.health import run_checks

    report = await run_checks(container, STATUS_CHECKS)
    return Status({r.name: r for r in report.results}, versions())
