"""The container a job uses: the bot's own when it runs jobs in-process, else one built per worker."""

from __future__ import annotations

from bot.container import Container
from bot.settings import get_settings

_container: Container | None = None


def use_container(container: Container) -> None:
    """Make jobs in this process share ``container`` (the bot: its local Qdrant store is already open)."""
    global _container  # one container per process, set once at start
    _container = container


def job_container() -> Container:
    """This process's container, built from the environment on first use in a worker."""
    global _container
    if _container is None:
        _container = Container(get_settings())
    return _container
