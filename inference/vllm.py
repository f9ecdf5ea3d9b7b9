"""vLLM launch configuration as data (the served-model check lives in :mod:`inference.served`).

vLLM runs as its own container (it pins its own CUDA torch); the bot only speaks HTTP to it.
``compose.gpu.yml``'s ``vllm`` service is this module's output: its ``command`` is
``VLLMLaunchConfig().compose_command()`` and its ``environment`` holds ``offline_env()`` plus the API
key. ``python -m inference.vllm`` prints both, so a change here is pasted into the compose file,
and ``tests/inference/test_vllm.py`` fails until it is.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from inference.served import ServedModelCheck, check_served_model

__all__ = ["OFFLINE_ENV", "ServedModelCheck", "VLLMLaunchConfig", "check_served_model"]

# vLLM and the Hugging Face stack inside its image: no usage statistics, no hub, no downloads.
OFFLINE_ENV: dict[str, str] = {
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}

# The compose variable that overrides each tunable, with the value compose falls back to.
COMPOSE_VARS: dict[str, str] = {
    "model_path": "VLLM_MODEL_DIR",
    "served_model_name": "DK_LLM__MODEL",
    "max_model_len": "VLLM_MAX_MODEL_LEN",
    "gpu_memory_utilization": "VLLM_GPU_MEMORY_UTILIZATION",
    "tensor_parallel_size": "VLLM_TENSOR_PARALLEL_SIZE",
    "dtype": "VLLM_DTYPE",
}

Quantization = Literal["awq", "awq_marlin", "gptq", "gptq_marlin", "fp8"]


@dataclass(frozen=True)
class VLLMLaunchConfig:
    """How ``vllm serve`` starts: one model from a local directory, served under one name."""

    model_path: str = "/models/prod/qwen2.5-7b-instruct"  # inside the container; models/ is mounted read-only
    served_model_name: str = "dialog-keeper"  # what DK_LLM__MODEL names
    host: str = "0.0.0.0"  # inside the container network; compose publishes no port
    port: int = 8000
    max_model_len: int = 8192
    gpu_memory_utilization: float = 0.85  # leaves ~12 GB of an 80 GB GPU to the worker (Whisper, e5)
    enable_prefix_caching: bool = True  # the RAG system prompt repeats on every request
    quantization: Quantization | None = None  # None: vLLM reads it from the model's config.json (AWQ repos)
    tensor_parallel_size: int = 1
    dtype: Literal["auto", "bfloat16", "float16"] = "bfloat16"
    api_key: str | None = field(default=None, repr=False)  # passed as VLLM_API_KEY, never on the command line
    extra_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 < self.gpu_memory_utilization <= 1.0:
            raise ValueError(f"gpu_memory_utilization must be in (0, 1], got {self.gpu_memory_utilization}")
        if self.max_model_len < 256 or self.tensor_parallel_size < 1 or not 0 < self.port < 65536:
            raise ValueError("max_model_len ≥ 256, tensor_parallel_size ≥ 1 and a valid port are required")

    def _values(self, interpolate: bool) -> dict[str, str]:
        values = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        if interpolate:
            for name, var in COMPOSE_VARS.items():
                default = values[name].removeprefix("/models/") if name == "model_path" else values[name]
                values[name] = f"${{{var}:-{default}}}"
            values["model_path"] = f"/models/{values['model_path']}"
        return values

    def _args(self, interpolate: bool) -> list[str]:
        v = self._values(interpolate)
        args = [v["model_path"],
                "--served-model-name", v["served_model_name"],
                "--host", v["host"], "--port", v["port"],
                "--max-model-len", v["max_model_len"],
                "--gpu-memory-utilization", v["gpu_memory_utilization"],
                "--tensor-parallel-size", v["tensor_parallel_size"],
                "--dtype", v["dtype"]]
        if self.enable_prefix_caching:
            args.append("--enable-prefix-caching")
        if self.quantization:
            args += ["--quantization", self.quantization]
        return [*args, *self.extra_args]

    def serve_args(self) -> list[str]:
        """Arguments after ``vllm serve`` (the model directory first, as vLLM ≥ 0.6 wants)."""
        return self._args(interpolate=False)

    def command(self) -> list[str]:
        """The whole command line: ``vllm serve <model> …``."""
        return ["vllm", "serve", *self.serve_args()]

    def compose_command(self) -> list[str]:
        """``serve_args()`` with each tunable as a compose ``${VAR:-default}`` interpolation."""
        return self._args(interpolate=True)

    def env(self) -> dict[str, str]:
        """The environment of the vLLM process: offline pins, plus the API key when one is set."""
        env = dict(OFFLINE_ENV)
        if self.api_key:
            env["VLLM_API_KEY"] = self.api_key  # vLLM then refuses /v1 requests without this bearer token
        return env


def _compose_snippet(config: VLLMLaunchConfig) -> dict[str, Any]:
    return {"entrypoint": ["vllm", "serve"], "command": config.compose_command(),
            "environment": {**OFFLINE_ENV, "VLLM_API_KEY": "${DK_LLM__API_KEY:?…}"}}


if __name__ == "__main__":  # print what compose.gpu.yml's vllm service must say
    json.dump(_compose_snippet(VLLMLaunchConfig()), sys.stdout, indent=2)
    print()
