"""The GPU stack's one CUDA line: what each part needs, and the rule that they agree.

The parts are built separately (the dialog-keeper image's torch and CTranslate2, the vLLM image, the
host's driver), so nothing at run time would notice that they were built for different CUDA versions
until Whisper fails to load ``libcublas.so.12`` or torch finds no GPU. ``tests/deploy/test_cuda_line.py``
reads the Dockerfile, compose.gpu.yml and ansible/ and applies :func:`disagreements` to them;
``dialog-keeper gpu-check`` applies the same rule to the host it runs on.

The tables hold published facts; an upgrade to a version not listed fails the test until someone
looks the new version up and adds it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The newest CUDA each driver series supports (NVIDIA's CUDA toolkit release notes, "minimum driver").
DRIVER_SERIES_CUDA: dict[int, str] = {
    535: "12.2", 545: "12.3", 550: "12.4", 555: "12.5", 560: "12.6", 570: "12.8", 575: "12.9", 580: "13.0",
}

# CTranslate2 release series on PyPI → the CUDA toolkit its Linux wheel is built with and the cuDNN major
# it loads: 4.8 is a CUDA 12.4 build that dlopens libcublas.so.12 and libcudnn*.so.9 (it fails with
# "Library libcublas.so.12 is not found" where only CUDA 13 is installed).
CTRANSLATE2_CUDA: dict[str, tuple[str, int]] = {"4.8": ("12.4", 9)}

# vLLM's official images (vllm/vllm-openai) → the CUDA they are built on (docker/Dockerfile's CUDA_VERSION).
VLLM_IMAGE_CUDA: dict[str, str] = {"v0.11.0": "12.8"}


def version_tuple(version: str) -> tuple[int, ...]:
    """``"12.8"`` → ``(12, 8)``; ``"cu128"`` → ``(12, 8)`` (PyTorch's wheel-index names)."""
    if version.startswith("cu"):
        digits = version[2:]
        return int(digits[:-1]), int(digits[-1])
    return tuple(int(part) for part in version.split(".")[:2])


def cuda_name(version: tuple[int, ...]) -> str:
    """``(12, 8)`` → ``"12.8"``."""
    return ".".join(str(part) for part in version)


@dataclass(frozen=True)
class CudaStack:
    """What each part of a deployment is built for, as read from its files."""

    torch_cuda: str  # the CUDA of the image's torch build ("12.8" or PyTorch's "cu128")
    cudnn_major: int  # the cuDNN the image provides
    ctranslate2_version: str  # the CTranslate2 the image installs (under faster-whisper)
    vllm_image_tag: str  # vllm/vllm-openai:<tag>
    driver_series: int  # the host driver's branch, e.g. 570


def disagreements(stack: CudaStack) -> list[str]:
    """Every way the parts disagree, one sentence each; empty when the stack runs one CUDA line."""
    problems = []
    line = version_tuple(stack.torch_cuda)
    series = ".".join(stack.ctranslate2_version.split(".")[:2])
    if series not in CTRANSLATE2_CUDA:
        problems.append(f"CTranslate2 {stack.ctranslate2_version}: its CUDA is not known; look it up and add it "
                        "to inference/cuda_stack.py CTRANSLATE2_CUDA")
    else:
        ct2_cuda, ct2_cudnn = CTRANSLATE2_CUDA[series]
        needed = version_tuple(ct2_cuda)
        if needed[0] != line[0] or needed > line:
            problems.append(f"CTranslate2 {stack.ctranslate2_version} needs CUDA {needed[0]}.x ≥ {ct2_cuda} "
                            f"(libcublas.so.{needed[0]}), but torch is built for CUDA {cuda_name(line)}")
        if ct2_cudnn != stack.cudnn_major:
            problems.append(f"CTranslate2 {stack.ctranslate2_version} needs cuDNN {ct2_cudnn}, "
                            f"the image provides cuDNN {stack.cudnn_major}")
    vllm = VLLM_IMAGE_CUDA.get(stack.vllm_image_tag)
    if vllm is None:
        problems.append(f"vllm/vllm-openai:{stack.vllm_image_tag}: its CUDA is not known; look it up and add it "
                        "to inference/cuda_stack.py VLLM_IMAGE_CUDA")
    elif version_tuple(vllm) != line:
        problems.append(f"the vLLM image is built on CUDA {vllm}, torch on CUDA {cuda_name(line)}: one line, please")
    driver = DRIVER_SERIES_CUDA.get(stack.driver_series)
    if driver is None:
        problems.append(f"driver series {stack.driver_series}: the CUDA it supports is not known; add it to "
                        "inference/cuda_stack.py DRIVER_SERIES_CUDA")
    else:
        newest = max([line] + ([version_tuple(vllm)] if vllm else []))
        if version_tuple(driver) < newest:
            problems.append(f"driver {stack.driver_series} supports CUDA ≤ {driver}, the stack needs "
                            f"{cuda_name(newest)}: install a newer series")
    return problems


def driver_supports(driver_cuda: tuple[int, ...], runtime_cuda: tuple[int, ...]) -> bool:
    """Whether a driver reporting CUDA ``driver_cuda`` (NVML) runs code built for ``runtime_cuda``."""
    return driver_cuda >= runtime_cuda
