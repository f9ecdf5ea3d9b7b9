"""`dialog-keeper gpu-check`: the no-GPU answer, the table and exit code, the probes that run without a GPU.

The GPU probes themselves ran on an H100 (benchmarks/results/gpu_check_h100.txt); here the command
runs for real as a process, the bundled clip goes through the real faster-whisper, and the LLM probe
talks to the real llama.cpp server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT
from inference.gpu_check import (
    FAIL,
    PASS,
    SKIP,
    CheckResult,
    GpuCheckConfig,
    GpuCheckReport,
    _cuda_line,
    _run,
    detect_gpu,
    render,
    report_and_exit,
)
from inference.gpu_probes import CLIP, CLIP_WORDS, probe_llm, read_clip

HAS_GPU = detect_gpu()[0]


def _gpu_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "gpu-check", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
@pytest.mark.parametrize("mode", [[], ["--random-weights"]])
def test_without_a_gpu_it_says_so_and_exits_0(tmp_path: Path, mode: list[str]) -> None:
    result = _gpu_check(*mode, "--json", str(tmp_path / "report.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("gpu-check: no GPU on this machine (") and "nothing to check" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["gpu"] is False and report["ok"] is True and report["results"] == []


@pytest.mark.skipif(not HAS_GPU, reason="no GPU on this machine")
def test_on_a_gpu_host_the_random_weight_variant_proves_torch_and_nvml(tmp_path: Path) -> None:
    result = _gpu_check("--random-weights", "--json", str(tmp_path / "report.json"))
    rows = {r["name"]: r for r in json.loads((tmp_path / "report.json").read_text())["results"]}
    assert rows["torch fp16"]["status"] == PASS and rows["nvml"]["status"] == PASS, result.stdout
    assert "random weights" in result.stdout


def test_a_failed_path_fails_the_command_and_is_named() -> None:
    report = GpuCheckReport(gpu=True, reason="NVIDIA H100", random_weights=False, results=[
        CheckResult("torch fp16", PASS, "fine"), CheckResult("whisper", FAIL, "RuntimeError: no libcublas.so.12"),
        CheckResult("llm", SKIP, "not here")])
    table = render(report)
    assert "whisper     FAIL    RuntimeError: no libcublas.so.12" in table and "FAILED: whisper" in table
    assert report_and_exit(report, None) == 1
    report.results.pop(1)
    assert report_and_exit(report, None) == 0 and "every GPU path works" in render(report)


def test_a_missing_library_is_skipped_only_in_the_random_weight_variant() -> None:
    def needs_a_library() -> dict[str, object]:
        import dk_library_that_is_not_installed  # noqa: F401

        return {}

    skipped = _run("whisper", needs_a_library, missing_is_skip=True)
    failed = _run("whisper", needs_a_library, missing_is_skip=False)
    assert skipped.status == SKIP and failed.status == FAIL
    assert "dk_library_that_is_not_installed is not installed here" in skipped.detail


@pytest.mark.parametrize(("torch_cuda", "driver_cuda", "status"), [
    ("13.0", "12.8", FAIL),  # PyPI's CUDA 13 torch on driver 570: torch finds no GPU
    ("12.8", "12.8", PASS), ("12.8", "13.0", PASS)])
def test_the_cuda_line_row_compares_torch_with_the_driver(torch_cuda: str, driver_cuda: str, status: str) -> None:
    rows = [CheckResult("torch fp16", PASS, "", {"torch_cuda": torch_cuda}),
            CheckResult("nvml", PASS, "", {"driver_cuda": driver_cuda})]
    row = _cuda_line(rows)
    assert row is not None and row.status == status


def test_the_bundled_clip_is_five_seconds_and_faster_whisper_understands_it() -> None:
    from inference.stt import WhisperTranscriber

    assert CLIP.stat().st_size <= 100 * 1024
    samples, duration = read_clip()
    assert duration == pytest.approx(5.0, abs=0.05) and len(samples) == pytest.approx(16000 * duration, abs=2)
    transcriber = WhisperTranscriber(ROOT / "models/dev/whisper-base", device="cpu", vad_filter=False, language="en")
    text = transcriber.transcribe(CLIP).text.lower()
    assert any(word in text for word in CLIP_WORDS), text


def test_the_llm_probe_measures_ttft_and_refuses_an_unserved_model(llm_base_url: str) -> None:
    figures = probe_llm(llm_base_url, "dialog-keeper", "local")
    assert figures["model"] == "dialog-keeper" and figures["ttft_ms"] > 0
    with pytest.raises(RuntimeError, match="not the configured 'qwen-72b'"):
        probe_llm(llm_base_url, "qwen-72b", "local")


def test_without_an_llm_server_the_row_fails_unless_random_weights(dead_llm_url: str) -> None:
    from inference.gpu_check import _llm_row

    assert _llm_row(GpuCheckConfig(llm_base_url=dead_llm_url)).status == FAIL
    skipped = _llm_row(GpuCheckConfig(llm_base_url=dead_llm_url, random_weights=True))
    assert skipped.status == SKIP and "vLLM is not here" in skipped.detail
