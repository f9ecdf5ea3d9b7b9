"""Every run is bounded in requests and in time, and stops by itself; progress goes to stderr."""

from __future__ import annotations

import sys
import time
from typing import Any

from tqdm import tqdm


class Budget:
    """Admits at most ``max_requests`` requests and none after ``max_seconds`` from its creation.

    A request already admitted runs to its end (bounded by its own timeout), so a setting
    ends at most ``max_seconds`` + one request timeout after it began.
    """

    def __init__(self, max_requests: int, max_seconds: float) -> None:
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.started = time.perf_counter()
        self.taken = 0
        self.stopped_by = "completed"

    @property
    def elapsed(self) -> float:
        """Seconds since the budget was created."""
        return time.perf_counter() - self.started

    @property
    def remaining_s(self) -> float:
        """Seconds left before no request is admitted any more."""
        return max(self.max_seconds - self.elapsed, 0.0)

    def take(self) -> bool:
        """Admit one more request, or say no (and remember which bound said it)."""
        if self.taken >= self.max_requests:
            self.stopped_by = "max_requests"
            return False
        if self.elapsed >= self.max_seconds:
            self.stopped_by = "max_seconds"
            return False
        self.taken += 1
        return True


def progress(total: int | None, desc: str, *, enabled: bool, unit: str = "req") -> Any:
    """A tqdm bar on stderr (a silent one when disabled)."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not enabled, leave=False,
                dynamic_ncols=True)
