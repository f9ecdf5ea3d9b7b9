"""Job functions for tests that need a real RQ job: like every job here, each takes the worker's container first."""

from __future__ import annotations

from typing import Any


def square_root(container: Any, value: float) -> float:
    """A job that succeeds."""
    return float(value) ** 0.5


def parse_number(container: Any, text: str) -> int:
    """A job that fails quoting its argument when it is not a number ("invalid literal for int() … 'text'")."""
    return int(text)
