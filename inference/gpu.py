"""GPU readings through NVML (nvidia-ml-py): utilisation, memory, temperature, power per GPU.

Without a GPU or driver every function degrades cleanly: :func:`read_gpus` raises
:class:`GpuUnavailable` (the NVML error, caught narrowly), :func:`gpu_status` says "no GPU".
NVML is opened and closed for each reading, so a driver that comes back after a reload is seen.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any


class GpuUnavailable(RuntimeError):
    """NVML cannot be used here: no driver, no library or no device."""


@dataclass(frozen=True)
class GpuReading:
    """One GPU at one moment; a figure the device does not report is ``None``."""

    index: int
    name: str
    utilization_percent: float | None
    memory_used_bytes: int | None
    memory_total_bytes: int | None
    temperature_celsius: float | None
    power_watts: float | None


def _nvml() -> ModuleType:
    import pynvml  # the nvidia-ml-py distribution

    return pynvml


def _optional(nvml: Any, read: Any, *args: Any) -> Any:
    """A figure, or ``None`` when this device or driver does not support it."""
    try:
        return read(*args)
    except nvml.NVMLError:
        return None


def read_gpus(nvml: Any = None) -> list[GpuReading]:
    """Read every GPU NVML sees; raises :class:`GpuUnavailable` when NVML cannot start."""
    nvml = nvml or _nvml()
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        raise GpuUnavailable(str(exc) or type(exc).__name__) from exc
    try:
        readings = []
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = nvml.nvmlDeviceGetName(handle)
            memory = _optional(nvml, nvml.nvmlDeviceGetMemoryInfo, handle)
            util = _optional(nvml, nvml.nvmlDeviceGetUtilizationRates, handle)
            temp = _optional(nvml, nvml.nvmlDeviceGetTemperature, handle, nvml.NVML_TEMPERATURE_GPU)
            milliwatts = _optional(nvml, nvml.nvmlDeviceGetPowerUsage, handle)
            readings.append(GpuReading(
                index=index,
                name=name.decode() if isinstance(name, bytes) else str(name),
                utilization_percent=float(util.gpu) if util is not None else None,
                memory_used_bytes=int(memory.used) if memory is not None else None,
                memory_total_bytes=int(memory.total) if memory is not None else None,
                temperature_celsius=float(temp) if temp is not None else None,
                power_watts=milliwatts / 1000.0 if milliwatts is not None else None))
        return readings
    except nvml.NVMLError as exc:  # a device lost mid-read (Xid error, GPU fell off the bus)
        raise GpuUnavailable(str(exc) or type(exc).__name__) from exc
    finally:
        with contextlib.suppress(nvml.NVMLError):  # a half-initialised NVML has nothing left to release
            nvml.nvmlShutdown()


def describe(reading: GpuReading) -> str:
    """One line for an admin: ``GPU 0 NVIDIA H100: 37% busy, 61.2/80.0 GiB, 54 °C, 312 W``."""
    gib = 1 << 30
    parts = []
    if reading.utilization_percent is not None:
        parts.append(f"{reading.utilization_percent:.0f}% busy")
    if reading.memory_used_bytes is not None and reading.memory_total_bytes is not None:
        parts.append(f"{reading.memory_used_bytes / gib:.1f}/{reading.memory_total_bytes / gib:.1f} GiB")
    if reading.temperature_celsius is not None:
        parts.append(f"{reading.temperature_celsius:.0f} °C")
    if reading.power_watts is not None:
        parts.append(f"{reading.power_watts:.0f} W")
    return f"GPU {reading.index} {reading.name}: {', '.join(parts) or 'no figures reported'}"


def gpu_status(nvml: Any = None) -> list[str]:
    """Lines for ``/status``: one per GPU, or a single "no GPU (…)" line."""
    try:
        readings = read_gpus(nvml)
    except GpuUnavailable as exc:
        return [f"no GPU ({exc})"]
    return [describe(r) for r in readings] or ["no GPU (NVML sees no device)"]
