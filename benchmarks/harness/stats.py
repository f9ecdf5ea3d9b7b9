"""Summary statistics as ``vllm bench serve`` reports them, and which way each metric is better.

Percentiles interpolate linearly between the two nearest samples (numpy's default, which vLLM
uses); the standard deviation is the population one (``np.std``). Distributions keep mean,
median, std and p99 as vLLM prints them, plus p50 and p95.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Literal

STATS = ("n", "mean", "median", "std", "min", "max", "p50", "p95", "p99")

Direction = Literal["lower", "higher"]

# Metric-name endings → which way is better; the first match wins (see result.schema.json).
_HIGHER = ("_per_s", "_tok_s", "throughput", "recall", "mrr", "hit_rate", "fraction")
_LOWER = ("_ms", "_s", "rtf")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q / 100
    low, high = math.floor(k), min(math.floor(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def distribution(values: Sequence[float], digits: int = 3) -> dict[str, float | int | None]:
    """n, mean, median, std, min, max, p50, p95, p99 of ``values`` (``None`` for no values)."""
    if not values:
        return {"n": 0, **{k: None for k in STATS[1:]}}
    summary = {"mean": statistics.fmean(values), "median": statistics.median(values),
               "std": statistics.pstdev(values), "min": min(values), "max": max(values),
               "p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99)}
    return {"n": len(values), **{k: round(v, digits) for k, v in summary.items()}}


def direction(metric: str) -> Direction | None:
    """``lower`` or ``higher`` is better for a metric, by its name's ending; None when neither."""
    name = metric.lower()
    if name.endswith(_HIGHER) or any(word in name for word in ("throughput", "recall", "mrr")):
        return "higher"
    if name.endswith(_LOWER):
        return "lower"
    return None
