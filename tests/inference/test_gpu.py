"""GPU metrics through NVML: clean degradation on this GPU-less machine, and the figures' conversion.

The real pynvml runs here and finds no driver. The conversion of figures is checked against a
stand-in NVML module that answers like a driver would (the hardware cannot run here).
"""

from __future__ import annotations

import types
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot.ops.metrics import GpuCollector, register_gpu_collector
from bot.ops.probes import start_metrics_server
from inference.gpu import GpuUnavailable, gpu_status, read_gpus
from tests.conftest import free_port
from tests.support.gpu import HAS_NVIDIA_DRIVER

no_gpu_here = pytest.mark.skipif(HAS_NVIDIA_DRIVER, reason="this machine has an NVIDIA driver")


@no_gpu_here
def test_without_a_driver_status_says_no_gpu_and_the_collector_yields_nothing() -> None:
    with pytest.raises(GpuUnavailable):
        read_gpus()
    status = gpu_status()
    assert len(status) == 1 and status[0].startswith("no GPU (")
    registry = CollectorRegistry()
    register_gpu_collector(registry)
    register_gpu_collector(registry)  # a second registration is a no-op, not "Duplicated timeseries"
    assert list(registry.collect()) == []
    assert b"dk_gpu_" not in generate_latest(registry)


@no_gpu_here
def test_the_metrics_endpoint_serves_without_gpu_samples() -> None:
    registry = CollectorRegistry()
    port = free_port()
    start_metrics_server(port, registry=registry)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert b"dk_gpu_" not in response.read()


class FakeNVMLError(Exception):
    """Stands in for pynvml.NVMLError."""


def fake_nvml(*, fail_on_device: int | None = None, no_power_on: int | None = None) -> types.SimpleNamespace:
    """An NVML module answering for two GPUs the way the driver does (bytes name on old drivers, mW)."""
    calls: list[str] = []

    def handle(index: int) -> int:
        if index == fail_on_device:
            raise FakeNVMLError("GPU is lost")
        return index

    def power(h: int) -> int:
        if h == no_power_on:
            raise FakeNVMLError("Not Supported")
        return 312_500 + h

    return types.SimpleNamespace(
        NVMLError=FakeNVMLError, NVML_TEMPERATURE_GPU=0, calls=calls,
        nvmlInit=lambda: calls.append("init"), nvmlShutdown=lambda: calls.append("shutdown"),
        nvmlDeviceGetCount=lambda: 2, nvmlDeviceGetHandleByIndex=handle,
        nvmlDeviceGetName=lambda h: b"NVIDIA H100 80GB HBM3" if h == 0 else "NVIDIA L40S",
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=15 * 2**30 + h, total=80 * 2**30, free=0),
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=37 + h, memory=10),
        nvmlDeviceGetTemperature=lambda h, sensor: 54 + h,
        nvmlDeviceGetPowerUsage=power)


def test_readings_convert_units_and_skip_what_a_device_does_not_report() -> None:
    nvml = fake_nvml(no_power_on=1)
    first, second = read_gpus(nvml)
    assert nvml.calls == ["init", "shutdown"]
    assert (first.index, first.name, first.utilization_percent) == (0, "NVIDIA H100 80GB HBM3", 37.0)
    assert first.memory_used_bytes == 15 * 2**30 and first.memory_total_bytes == 80 * 2**30
    assert first.power_watts == 312.5 and first.temperature_celsius == 54.0
    assert second.name == "NVIDIA L40S" and second.power_watts is None
    assert gpu_status(fake_nvml())[0] == "GPU 0 NVIDIA H100 80GB HBM3: 37% busy, 15.0/80.0 GiB, 54 °C, 312 W"


def test_a_device_lost_mid_read_is_unavailable_and_nvml_is_still_shut_down() -> None:
    nvml = fake_nvml(fail_on_device=1)
    with pytest.raises(GpuUnavailable, match="GPU is lost"):
        read_gpus(nvml)
    assert nvml.calls == ["init", "shutdown"]
    assert gpu_status(fake_nvml(fail_on_device=0)) == ["no GPU (GPU is lost)"]


def test_collector_exports_dk_gpu_gauges_with_index_and_name_labels() -> None:
    registry = CollectorRegistry()
    registry.register(GpuCollector(lambda: read_gpus(fake_nvml(no_power_on=1))))
    text = generate_latest(registry).decode()
    assert 'dk_gpu_memory_used_bytes{gpu="0",name="NVIDIA H100 80GB HBM3"} 1.610612736e+10' in text
    assert 'dk_gpu_utilization_percent{gpu="1",name="NVIDIA L40S"} 38.0' in text
    assert 'dk_gpu_power_watts{gpu="0",name="NVIDIA H100 80GB HBM3"} 312.5' in text
    assert 'dk_gpu_power_watts{gpu="1"' not in text  # unsupported on that device: no sample, not a zero
    assert 'dk_gpu_temperature_celsius{gpu="1",name="NVIDIA L40S"} 55.0' in text
    assert {s.name for m in registry.collect() for s in m.samples} == {
        "dk_gpu_utilization_percent", "dk_gpu_memory_used_bytes", "dk_gpu_memory_total_bytes",
        "dk_gpu_temperature_celsius", "dk_gpu_power_watts"}
