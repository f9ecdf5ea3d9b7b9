"""Every Prometheus metric of Dialog Keeper, in one module (``dk_*``, labels with bounded values).

GPU figures are read from NVML at scrape time by :class:`GpuCollector`; without a GPU it yields
no samples at all (the families are not even announced), so dashboards show "no data" rather than
zeros that look like an idle GPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from inference.gpu import GpuReading, GpuUnavailable, read_gpus

log = logging.getLogger(__name__)

# Dialog figures. Labels take only enum values (message kinds, outcomes, statuses), never user ids.
MESSAGES = Counter("dk_messages_total", "Telegram updates stored, by message kind", ["kind"])
ANSWERS = Counter("dk_answers_total", "Questions answered, by outcome (answered, not_found, error)", ["outcome"])
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 20, 40, 80)
ANSWER_SECONDS = Histogram("dk_answer_seconds", "Question → complete answer", buckets=_LATENCY_BUCKETS)
TTFT_SECONDS = Histogram("dk_answer_ttft_seconds", "LLM request → first token", buckets=_LATENCY_BUCKETS)
OVERHEAD_SECONDS = Histogram("dk_answer_overhead_seconds", "Answer time spent outside the LLM",
                             buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1))
TRANSCRIPTIONS = Counter("dk_transcriptions_total", "Voice transcriptions, by result (ok, no_speech, corrupt)",
                         ["status"])
INTENTS = Counter("dk_intents_total", "Messages classified, by intent and by the path that decided (rule, llm, "
                  "default)", ["intent", "path"])
AUDIO_SECONDS = Counter("dk_transcribed_audio_seconds_total", "Seconds of audio transcribed")

# Set by the bot's health round (bot/ops/health.py); labels are check and queue names from settings.
HEALTH_UP = Gauge("dk_health_check_up", "Last health round: 1 when the check passed, 0 when it failed", ["check"])
HEALTH_ROUND_SECONDS = Gauge("dk_health_round_seconds", "Wall time of the last health round")
QUEUE_JOBS = Gauge("dk_queue_jobs", "Jobs waiting in an RQ queue (last health round)", ["queue"])
QUEUE_OLDEST_SECONDS = Gauge("dk_queue_oldest_job_age_seconds",
                             "Age of the oldest waiting job in an RQ queue, 0 when empty", ["queue"])
QUEUE_WORKERS = Gauge("dk_queue_workers", "Live RQ workers serving a queue (fresh heartbeat)", ["queue"])

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
