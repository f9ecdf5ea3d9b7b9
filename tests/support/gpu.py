"""Whether this test machine has an NVIDIA driver NVML can open (GPU-aware assertions, not skips)."""

from __future__ import annotations


def nvml_works() -> bool:
    """NVML starts here: a driver and at least the library are present."""
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


HAS_NVIDIA_DRIVER = nvml_works()
