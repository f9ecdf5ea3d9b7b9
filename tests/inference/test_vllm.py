"""vLLM launch configuration → `vllm serve` arguments, environment and compose; the start-up check.

The start-up check runs against the real llama.cpp server and against a loopback stand-in that
answers vLLM's documented endpoints (/health, /version, /v1/models with bearer auth), since vLLM
itself needs a GPU.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from bot.container import Container
from bot.ops.status import Status, collect_status
from bot.settings import ROOT, Settings
from inference.vllm import OFFLINE_ENV, VLLMLaunchConfig, check_served_model
from tests.conftest import free_port, make_settings


def test_default_launch_serves_the_prod_model_offline_with_prefix_caching() -> None:
    config = VLLMLaunchConfig(api_key="k-123")
    args = config.serve_args()
    assert args[0] == "/models/prod/qwen2.5-7b-instruct"
    pairs = dict(zip(args[1::2], args[2::2], strict=False))
    assert pairs["--served-model-name"] == "dialog-keeper" and pairs["--max-model-len"] == "8192"
    assert pairs["--gpu-memory-utilization"] == "0.85" and pairs["--dtype"] == "bfloat16"
    assert pairs["--tensor-parallel-size"] == "1" and pairs["--port"] == "8000"
    assert "--enable-prefix-caching" in args and "--quantization" not in args
    assert config.command()[:3] == ["vllm", "serve", args[0]]
    assert "k-123" not in " ".join(config.command()), "the key never shows in `ps`"
    assert config.env() == {**OFFLINE_ENV, "VLLM_API_KEY": "k-123"}
    assert OFFLINE_ENV == {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1",
                           "TRANSFORMERS_OFFLINE": "1"}
    assert "k-123" not in repr(config)


def test_awq_fourteen_b_on_two_gpus() -> None:
    config = VLLMLaunchConfig(model_path="/models/prod/qwen2.5-14b-instruct", quantization="awq_marlin",
                              tensor_parallel_size=2, enable_prefix_caching=False, max_model_len=16384,
                              extra_args=("--max-num-seqs", "32"))
    args = config.serve_args()
    assert args[args.index("--quantization") + 1] == "awq_marlin"
    assert args[args.index("--tensor-parallel-size") + 1] == "2"
    assert "--enable-prefix-caching" not in args and args[-2:] == ["--max-num-seqs", "32"]
    assert "VLLM_API_KEY" not in config.env()


@pytest.mark.parametrize("bad", [{"gpu_memory_utilization": 1.5}, {"gpu_memory_utilization": 0},
                                 {"tensor_parallel_size": 0}, {"max_model_len": 16}, {"port": 0}])
def test_impossible_settings_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        VLLMLaunchConfig(**bad)  # type: ignore[arg-type]


def test_compose_runs_exactly_the_launch_config() -> None:
    vllm = yaml.safe_load((ROOT / "compose.gpu.yml").read_text())["services"]["vllm"]
    config = VLLMLaunchConfig()
    assert vllm["entrypoint"] == ["vllm", "serve"]
    assert vllm["command"] == config.compose_command(), "paste `python -m inference.vllm` into compose.gpu.yml"
    assert {k: vllm["environment"][k] for k in OFFLINE_ENV} == OFFLINE_ENV
    assert vllm["environment"]["VLLM_API_KEY"].startswith("${DK_LLM__API_KEY:?")
    # With nothing overridden, compose's ${VAR:-default} values are the launch config's own.
    resolved = [_default_of(a) for a in config.compose_command()]
    assert resolved == config.serve_args()


def _default_of(value: str) -> str:
    if "${" not in value:
        return value
    head, _, rest = value.partition("${")
    return head + rest.split(":-", 1)[1].rstrip("}")


class _FakeVLLM(BaseHTTPRequestHandler):
    """Answers like vLLM's OpenAI server: /health, /version, /v1/models behind a bearer key."""

    state: ClassVar[dict[str, object]] = {}

    def do_GET(self) -> None:  # http.server's naming
        if self.path == "/health":
            self._reply(int(self.state.get("health", 200)), b"")  # type: ignore[call-overload]
        elif self.path == "/version":
            self._reply(200, json.dumps({"version": "0.11.0"}).encode())
        elif self.path == "/v1/models":
            if self.headers.get("Authorization") != "Bearer right-key":
                self._reply(401, b'{"error": "Unauthorized"}')
            else:
                self._reply(200, json.dumps({"object": "list", "data": [
                    {"id": "dialog-keeper", "object": "model", "owned_by": "vllm"}]}).encode())
        else:
            self._reply(404, b"")

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the base class's name for its argument
        pass


@pytest.fixture
def fake_vllm() -> Iterator[str]:
    """The stand-in on a free loopback port; yields its /v1 base URL."""
    _FakeVLLM.state = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeVLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_check_served_model_against_vllm_endpoints(fake_vllm: str) -> None:
    good = check_served_model(fake_vllm, "right-key", "dialog-keeper")
    assert good.ok and good.served == ("dialog-keeper",) and good.version == "0.11.0"
    wrong_model = check_served_model(fake_vllm, "right-key", "qwen")
    assert not wrong_model.ok and "DK_LLM__MODEL" in wrong_model.detail and wrong_model.served == ("dialog-keeper",)
    wrong_key = check_served_model(fake_vllm, "wrong", "dialog-keeper")
    assert not wrong_key.ok and "API key refused" in wrong_key.detail
    _FakeVLLM.state["health"] = 503
    assert "still loading" in check_served_model(fake_vllm, "right-key", "dialog-keeper").detail


def test_check_served_model_when_nothing_listens() -> None:
    result = check_served_model(f"http://127.0.0.1:{free_port()}/v1", None, "dialog-keeper", timeout_s=2)
    assert not result.ok and "ConnectError" in result.detail


def test_check_served_model_against_the_real_llama_cpp_server(llm_base_url: str) -> None:
    result = check_served_model(llm_base_url, "local", "dialog-keeper")  # no /health there: /v1/models decides
    assert result.ok, result.detail
    assert result.version is None


def test_collect_status_reports_gpu_llm_and_versions(fake_vllm: str, tmp_path: Path) -> None:
    def status_of(settings: Settings) -> Status:
        container = Container(settings)
        try:
            return asyncio.run(collect_status(container))
        finally:
            container.close_sync()

    status = status_of(make_settings(tmp_path, llm={"base_url": fake_vllm, "api_key": "right-key"}))
    assert status.llm.ok and fake_vllm in status.llm.detail
    assert status.versions["dialog-keeper"] == "0.1.0" and status.versions["python"].startswith("3.11")
    assert status.versions["python-telegram-bot"] == "22.8"
    lines = status.lines()
    llm = next(line for line in lines if line.startswith("LLM "))
    assert llm.startswith("LLM OK") and "(server 0.11.0)" in llm
    assert lines[0].startswith(("no GPU", "GPU 0")) and any(line.startswith("queue stt:") for line in lines)
    down = status_of(make_settings(tmp_path, llm={"base_url": f"http://127.0.0.1:{free_port()}/v1"}))
    assert not down.llm.ok and any(line.startswith("LLM DOWN") for line in down.lines())
