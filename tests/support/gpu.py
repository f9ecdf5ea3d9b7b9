"""Whether this machine has a working NVIDIA driver (tests that differ on the GPU host branch on it)."""

from __future__ import annotations


def nvml_works() -> bool:
    """True when NVML initialises (an NVIDIA driver and GPU are present)."""
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True
