"""One CUDA line across the GPU stack: the Dockerfile, compose.gpu.yml, ansible/ and the docs agree.

Read from the files themselves: torch's CUDA build (Dockerfile TORCH_CUDA), the cuDNN the image checks
for, the CTranslate2 pin (pyproject.toml), the vLLM image tag (compose.gpu.yml) and the driver series
(ansible group_vars). inference/cuda_stack.py's rule must find no disagreement, and must find each
one when a single part moves off the line.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from bot.settings import ROOT
from inference.cuda_stack import DRIVER_SERIES_CUDA, CudaStack, disagreements, version_tuple

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _arg(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert match, f"Dockerfile declares no ARG {name}=…"
    return match.group(1)


def _driver_series(package: str) -> int:
    match = re.fullmatch(r"nvidia-(?:driver|utils)-(\d+)(?:-server)?(?:-open)?", package)
    assert match, package
    return int(match.group(1))


def deployed_stack() -> CudaStack:
    """The stack as the repository deploys it."""
    pin = re.search(r'"ctranslate2==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pin, "pyproject.toml pins ctranslate2 (its CUDA build decides the image's CUDA line)"
    compose = yaml.safe_load((ROOT / "compose.gpu.yml").read_text())
    repository, _, tag = compose["services"]["vllm"]["image"].rpartition(":")
    assert repository == "vllm/vllm-openai"
    group_vars = yaml.safe_load((ROOT / "ansible/group_vars/all.yml").read_text())
    return CudaStack(torch_cuda=_arg("TORCH_CUDA"), cudnn_major=int(_arg("CUDNN_MAJOR")),
                     ctranslate2_version=pin.group(1), vllm_image_tag=tag,
                     driver_series=_driver_series(group_vars["nvidia_driver_package"]))


def test_the_deployed_stack_runs_one_cuda_line() -> None:
    stack = deployed_stack()
    assert disagreements(stack) == []
    assert version_tuple(stack.torch_cuda) == (12, 8) and stack.cudnn_major == 9


def test_the_driver_packages_are_one_series() -> None:
    group_vars = yaml.safe_load((ROOT / "ansible/group_vars/all.yml").read_text())
    series = {_driver_series(p) for p in [group_vars["nvidia_driver_package"],
                                          *group_vars["nvidia_driver_extra_packages"]]}
    assert len(series) == 1, f"driver and NVML packages of different branches: {series}"


@pytest.mark.parametrize(("change", "complaint"), [
    ({"torch_cuda": "cu130"}, "CTranslate2 4.8.5 needs CUDA 12.x"),  # PyPI's torch: CUDA 13
    ({"torch_cuda": "cu126"}, "the vLLM image is built on CUDA 12.8, torch on CUDA 12.6"),
    ({"cudnn_major": 8}, "needs cuDNN 9"),
    ({"driver_series": 550}, "driver 550 supports CUDA ≤ 12.4"),
    ({"driver_series": 999}, "driver series 999"),
    ({"vllm_image_tag": "v0.99.0"}, "vllm/vllm-openai:v0.99.0: its CUDA is not known"),
    ({"ctranslate2_version": "3.24.0"}, "CTranslate2 3.24.0: its CUDA is not known"),
])
def test_each_part_moved_off_the_line_is_reported(change: dict[str, object], complaint: str) -> None:
    problems = disagreements(dataclasses.replace(deployed_stack(), **change))  # type: ignore[arg-type]
    assert any(complaint in p for p in problems), problems


def test_the_image_builds_torch_for_that_line_from_pytorchs_index_and_checks_it() -> None:
    torch_cuda = _arg("TORCH_CUDA")
    assert '--index-url "${TORCH_INDEX_URL}/${TORCH_CUDA}" "torch==' in DOCKERFILE
    # The build itself refuses a torch of another CUDA, and missing cuBLAS 12 / cuDNN libraries.
    assert "assert cuda == '${TORCH_CUDA}'" in DOCKERFILE and "'libcublas.so.12'" in DOCKERFILE
    assert "libcudnn_ops.so.${CUDNN_MAJOR}" in DOCKERFILE
    ld_path = re.search(r"^ENV LD_LIBRARY_PATH=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert ld_path and {"cublas", "cudnn"} <= set(re.findall(r"\{NVIDIA_LIBS\}/(\w+)/lib", ld_path.group(1)))
    assert torch_cuda.startswith("cu")


def test_the_cpu_install_for_development_stays_the_cpu_build() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    install = (ROOT / "scripts/install.sh").read_text()
    assert '"torch==2.13.0"' in pyproject and '"torch==2.13.0" -e' in install
    assert "--index-url" not in install


def test_the_docs_name_the_driver_series_and_the_cuda_line() -> None:
    stack = deployed_stack()
    line = ".".join(map(str, version_tuple(stack.torch_cuda)))
    guide = (ROOT / "docs/admin-guide.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for text, name in ((guide, "admin guide"), (readme, "README")):
        assert f"CUDA {line}" in text, f"the {name} names the CUDA line"
        assert str(stack.driver_series) in text, f"the {name} names the driver series"
    assert f"nvidia-driver-{stack.driver_series}" in guide
    assert version_tuple(DRIVER_SERIES_CUDA[stack.driver_series]) >= version_tuple(line)
    assert "dialog-keeper gpu-check" in guide
