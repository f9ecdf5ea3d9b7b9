"""``dialog-keeper gpu-check``: prove each GPU path of the host and print one table.

Without a GPU it says so and succeeds (exit 0): there is nothing to prove. With one, every probe of
:mod:`inference.gpu_probes` must pass, else the exit code is 1 (Ansible's last provisioning step).
``--random-weights`` builds the architectures with random weights instead of loading the models
directory, for a GPU machine that has no weights and no network; its output says so.

Stand-alone too (no settings, no database): ``python -m inference.gpu_check --random-weights``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inference import gpu_probes
from inference.cuda_stack import cuda_name, driver_supports, version_tuple
from inference.gpu_probes import ProbeSkipped

log = logging.getLogger(__name__)

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
RANDOM_NOTE = ("random weights: the architectures run on the GPU with random weights (no model weights on this "
               "machine); speeds are real, outputs are not")


@dataclass(frozen=True)
class GpuCheckConfig:
    """What to check: the models and the LLM server of the deployment (``None``: not configured)."""

    embedding_model_dir: Path | None = None
    stt_model_dir: Path | None = None
    llm_base_url: str | None = None
    llm_model: str = "dialog-keeper"
    llm_api_key: str = "local"
    random_weights: bool = False


@dataclass
class CheckResult:
    """One row of the table."""

    name: str
    status: str
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass
class GpuCheckReport:
    """The whole check: whether a GPU is here, and each probe's row."""

    gpu: bool
    reason: str
    random_weights: bool
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No probe failed (a host without a GPU is ok: there is nothing to prove)."""
        return all(r.status != FAIL for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {**asdict(self), "ok": self.ok}


def detect_gpu() -> tuple[bool, str]:
    """Whether this machine has an NVIDIA GPU (NVML or torch sees one), and what was seen."""
    reasons = []
    try:
        from inference.gpu import GpuUnavailable, read_gpus

        try:
            readings = read_gpus()
            if readings:
                return True, ", ".join(r.name for r in readings)
            reasons.append("NVML sees no device")
        except GpuUnavailable as exc:
            reasons.append(f"NVML: {exc}")
    except ImportError:
        reasons.append("nvidia-ml-py is not installed")
    try:
        import torch

        if torch.cuda.is_available():
            return True, torch.cuda.get_device_name(0)
        reasons.append(f"torch {torch.__version__} sees no CUDA device")
    except ImportError:
        reasons.append("torch is not installed")
    return False, "; ".join(reasons)


def _run(name: str, probe: Callable[[], dict[str, Any]], *, missing_is_skip: bool) -> CheckResult:
    try:
        figures = probe()
    except ProbeSkipped as exc:
        return CheckResult(name, SKIP, str(exc))
    except ImportError as exc:
        what = f"{exc.name or exc} is not installed here"
        return CheckResult(name, SKIP if missing_is_skip else FAIL, what)
    # Any other error is this path's failure: the table must show it and the rest must still run.
    except Exception as exc:
        log.debug("probe %s failed", name, exc_info=True)
        return CheckResult(name, FAIL, f"{type(exc).__name__}: {exc}"[:300])
    return CheckResult(name, PASS, _summary(name, figures), figures)


def _summary(name: str, f: dict[str, Any]) -> str:
    """The figures of one probe as one line."""
    if name == "torch fp16":
        return f"{f['device']}, {f['capability']}, torch {f['torch']} (CUDA {f['torch_cuda']}); " \
               f"fp16 matmul 8192³ {f['fp16_tflops']} TFLOP/s"
    if name.startswith("embeddings"):
        return f"{f['model']}: query p50 {f['query_p50_ms']} ms, {f['chunks_per_s']} chunks/s (batch {f['batch']})"
    if name.startswith("whisper") and "rtf" in f:
        said = f" «{f['text']}»" if "text" in f else ""
        return f"{f['model']}: RTF {f['rtf']} on the 5 s clip{said}"
    if name == "ctranslate2":
        return f"CTranslate2 {f['ctranslate2']}: {f['cuda_devices']} CUDA device(s), {f['compute_types']}"
    if name == "nvml":
        return f"driver {f['driver']} (CUDA ≤ {f['driver_cuda']}); " + "; ".join(f["gpus"])
    if name == "llm":
        return f"{f['server']} serves {f['model']!r}; one-token TTFT {f['ttft_ms']} ms"
    return json.dumps(f)


def _cuda_line(results: list[CheckResult]) -> CheckResult | None:
    """torch's CUDA against what the driver supports (the failure PyPI's CUDA 13 torch meets on driver 570)."""
    rows = {r.name: r for r in results}
    torch_row, nvml_row = rows.get("torch fp16"), rows.get("nvml")
    if not (torch_row and nvml_row and torch_row.figures and nvml_row.figures):
        return None
    runtime, driver = version_tuple(torch_row.figures["torch_cuda"]), version_tuple(nvml_row.figures["driver_cuda"])
    ok = driver_supports(driver, runtime)
    detail = f"torch built for CUDA {cuda_name(runtime)}, driver supports ≤ {cuda_name(driver)}"
    return CheckResult("cuda line", PASS if ok else FAIL, detail)


def run_checks(config: GpuCheckConfig) -> GpuCheckReport:
    """Run every probe (or none, without a GPU) and collect the rows."""
    gpu, reason = detect_gpu()
    report = GpuCheckReport(gpu=gpu, reason=reason, random_weights=config.random_weights)
    if not gpu:
        return report
    rnd = config.random_weights
    probes: list[tuple[str, Callable[[], dict[str, Any]]]] = [("torch fp16", gpu_probes.probe_torch)]
    if rnd:
        probes.append(("embeddings (random)", gpu_probes.probe_embeddings_random))
    elif config.embedding_model_dir is not None:
        model_dir = config.embedding_model_dir
        probes.append(("embeddings", lambda: gpu_probes.probe_embeddings(model_dir)))
    probes.append(("ctranslate2", gpu_probes.probe_ctranslate2))
    if rnd:
        probes.append(("whisper (random)", gpu_probes.probe_whisper_random))
    elif config.stt_model_dir is not None:
        stt_dir = config.stt_model_dir
        probes.append(("whisper", lambda: gpu_probes.probe_whisper(stt_dir)))
    probes.append(("nvml", gpu_probes.probe_nvml))
    for name, probe in probes:
        report.results.append(_run(name, probe, missing_is_skip=rnd))
    line = _cuda_line(report.results)
    if line is not None:
        report.results.append(line)
    report.results.append(_llm_row(config))
    return report


def _llm_row(config: GpuCheckConfig) -> CheckResult:
    if not config.llm_base_url:
        if config.random_weights:
            return CheckResult("llm", SKIP, "no LLM server given (--llm-url); vLLM is not on this machine")
        return CheckResult("llm", FAIL, "no LLM server configured (DK_LLM__BASE_URL)")
    url, model, key = config.llm_base_url, config.llm_model, config.llm_api_key
    row = _run("llm", lambda: gpu_probes.probe_llm(url, model, key), missing_is_skip=config.random_weights)
    if row.status == FAIL and config.random_weights and "ConnectError" in row.detail:
        return CheckResult("llm", SKIP, f"no LLM server at {url} on this machine (vLLM is not here)")
    return row


def render(report: GpuCheckReport) -> str:
    """The report as the table the command prints."""
    if not report.gpu:
        return f"gpu-check: no GPU on this machine ({report.reason}); nothing to check.\n"
    lines = [f"gpu-check on {report.reason}" + (f"\n  ({RANDOM_NOTE})" if report.random_weights else ""), ""]
    width = max(len(r.name) for r in report.results)
    lines.append(f"{'check':{width}}  result  detail")
    for r in report.results:
        lines.append(f"{r.name:{width}}  {r.status:6}  {r.detail}")
    failed = [r.name for r in report.results if r.status == FAIL]
    lines += ["", f"FAILED: {', '.join(failed)}" if failed else "every GPU path works"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m inference.gpu_check``: the check without the bot's settings."""
    parser = argparse.ArgumentParser(prog="python -m inference.gpu_check", description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--embedding-model-dir", type=Path)
    parser.add_argument("--stt-model-dir", type=Path)
    parser.add_argument("--llm-url")
    parser.add_argument("--llm-model", default="dialog-keeper")
    args = parser.parse_args(argv)
    config = GpuCheckConfig(embedding_model_dir=args.embedding_model_dir, stt_model_dir=args.stt_model_dir,
                            llm_base_url=args.llm_url, llm_model=args.llm_model, random_weights=args.random_weights)
    return report_and_exit(run_checks(config), args.json)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options the CLI command and ``python -m`` share."""
    parser.add_argument("--random-weights", action="store_true",
                        help="build the architectures with random weights (a GPU machine without the models)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")


def report_and_exit(report: GpuCheckReport, json_path: Path | None) -> int:
    """Print the table, write the JSON when asked; 0 when nothing failed (or no GPU), else 1."""
    sys.stdout.write(render(report))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
