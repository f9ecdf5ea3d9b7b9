"""The GPU metrics (``dk_gpu_*``); every other metric is in ``bot/metrics.py``.

GPU figures are read from NVML at scrape time by :class:`GpuCollector`; without a GPU it yields
no samples at all (the families are not even announced), so dashboards show "no data" rather than
zeros that look like an idle GPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from inference.gpu import GpuReading, GpuUnavailable, read_gpus

log = logging.getLogger(__name__)

GPU_LABELS = ("gpu", "name")  # index and model name: as many series as GPUs in the host

# name, help, how to read the figure from a reading
GPU_METRICS: tuple[tuple[str, str, Callable[[GpuReading], float | int | None]], ...] = (
    ("dk_gpu_utilization_percent", "GPU busy time over the last sample period (NVML), percent",
     lambda r: r.utilization_percent),
    ("dk_gpu_memory_used_bytes", "GPU memory in use, bytes", lambda r: r.memory_used_bytes),
    ("dk_gpu_memory_total_bytes", "GPU memory installed, bytes", lambda r: r.memory_total_bytes),
    ("dk_gpu_temperature_celsius", "GPU core temperature, degrees Celsius", lambda r: r.temperature_celsius),
    ("dk_gpu_power_watts", "GPU board power draw, watts", lambda r: r.power_watts),
)


class GpuCollector(Collector):
    """Reads NVML on each scrape; yields nothing when there is no GPU or driver."""

    def __init__(self, read: Callable[[], list[GpuReading]] = read_gpus) -> None:
        self._read = read
        self._warned = False

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The dk_gpu_* families with one sample per GPU and figure reported."""
        try:
            readings = self._read()
        except GpuUnavailable as exc:
            if not self._warned:  # once per process: a CPU-only host scrapes this every 15 s
                log.info("GPU metrics off: %s", exc)
                self._warned = True
            return
        for name, documentation, value_of in GPU_METRICS:
            family = GaugeMetricFamily(name, documentation, labels=GPU_LABELS)
            for reading in readings:
                value = value_of(reading)
                if value is not None:
                    family.add_metric([str(reading.index), reading.name], float(value))
            if family.samples:
                yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """Nothing up front: registration must not touch NVML (it may hang on a sick driver)."""
        return iter(())


_gpu_collectors: dict[int, GpuCollector] = {}


def register_gpu_collector(registry: CollectorRegistry = REGISTRY) -> GpuCollector:
    """Register the NVML collector once per registry (a second call returns the first collector)."""
    key = id(registry)
    if key not in _gpu_collectors:
        collector = GpuCollector()
        registry.register(collector)
        _gpu_collectors[key] = collector
    return _gpu_collectors[key]
