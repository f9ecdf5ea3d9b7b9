"""What an admin's ``/status`` shows: GPUs, the LLM server and the versions that are running.

:func:`collect_status` only gathers; the Telegram command renders (and adds queue depth).
It never raises for a dependency that is down: that is what it reports.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata

from bot.settings import Settings
from inference.gpu import gpu_status
from inference.served import ServedModelCheck, check_served_model

# Distributions whose versions matter when reading a bug report from a deployment.
KEY_LIBRARIES = ("python-telegram-bot", "openai", "qdrant-client", "llama-index-core", "sentence-transformers",
                 "torch", "faster-whisper", "ctranslate2", "rq", "sqlmodel", "nvidia-ml-py")


@dataclass(frozen=True)
class Status:
    """A snapshot of the deployment for admins."""

    gpu: list[str]
    llm: ServedModelCheck
    llm_url: str
    versions: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Plain-text lines, one fact each (the Telegram command may format them its own way)."""
        llm = f"LLM {'OK' if self.llm.ok else 'DOWN'}: {self.llm.detail}"
        if self.llm.version:
            llm += f" (server {self.llm.version})"
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return [*self.gpu, llm, f"versions: {versions}"]


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


def collect_status(settings: Settings, *, timeout_s: float = 3.0) -> Status:
    """GPU lines, LLM server health and served models, and versions."""
    llm = settings.llm
    check = check_served_model(llm.base_url, llm.api_key.get_secret_value(), llm.model, timeout_s=timeout_s)
    return Status(gpu=gpu_status(), llm=check, llm_url=llm.base_url, versions=versions())
