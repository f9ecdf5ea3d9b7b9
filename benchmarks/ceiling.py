"""``ceiling``: the memory-bandwidth ceiling of single-stream decode, and how close a measurement comes.

Decoding one stream reads every weight once per token, so tokens/s ≤ bandwidth / (parameters ×
bytes per parameter). The ceiling ignores the KV cache and activations (small at batch 1 and
short contexts), so real engines reach 60–85 % of it. SPEC target: ≥ 65 %.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from benchmarks.harness.records import gpu_names, read_jsonl

TARGET_FRACTION = 0.65

# Peak memory bandwidth in TB/s (vendor data sheets).
BANDWIDTH_TBS = {
    "H100 SXM": 3.35,
    "H100 PCIe": 2.0,
    "H100 NVL": 3.9,
    "H200": 4.8,
    "A100 80GB": 2.0,
    "A100 40GB": 1.56,
    "L40S": 0.864,
    "RTX 4090": 1.008,
}

# NVML names → table rows, most specific first (e.g. "NVIDIA H100 80GB HBM3" is the SXM part).
_NVML_PATTERNS = [
    (r"(?<!G)H200", "H200"),  # not GH200 (a different memory system)
    (r"H100.*PCIE", "H100 PCIe"),
    (r"H100.*NVL", "H100 NVL"),
    (r"H100", "H100 SXM"),
    (r"A100.*80\s*GB", "A100 80GB"),
    (r"A100", "A100 40GB"),
    (r"L40S", "L40S"),
    (r"RTX 4090", "RTX 4090"),
]

BYTES_PER_PARAM = {"bf16": 2.0, "fp16": 2.0, "float16": 2.0, "bfloat16": 2.0, "fp8": 1.0, "int8": 1.0,
                   "awq": 0.5, "gptq": 0.5, "int4": 0.5}


def gpu_row(name: str) -> str | None:
    """The table row for a GPU name as typed or as NVML reports it ("NVIDIA H100 80GB HBM3" → "H100 SXM")."""
    for row in BANDWIDTH_TBS:
        if name.strip().lower() == row.lower():
            return row
    upper = name.upper()
    return next((row for pattern, row in _NVML_PATTERNS if re.search(pattern, upper)), None)


def bytes_per_param(dtype: str) -> float:
    """Bytes per weight of a dtype or quantisation name."""
    try:
        return BYTES_PER_PARAM[dtype.lower()]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}; one of {', '.join(BYTES_PER_PARAM)}") from None


def ceiling_tps(bandwidth_tbs: float, params: float, dtype: str) -> float:
    """Single-stream decode ceiling in tokens/s: bandwidth / (params × bytes per param)."""
    return bandwidth_tbs * 1e12 / (params * bytes_per_param(dtype))


def measured_from_results(path: Path) -> tuple[float, str]:
    """Output tokens/s of the concurrency-1 llm record in a result file, and where it came from."""
    for record in read_jsonl(path):
        if record.get("scenario") == "llm" and record.get("key", {}).get("concurrency") == 1:
            tps = float(record["metrics"]["output_throughput_tok_s"])
            model = record.get("settings", {}).get("model", "?")
            gpus = record.get("env", {}).get("gpus", "none")
            where = ", ".join(gpus) if isinstance(gpus, list) else "no GPU — not comparable with a GPU ceiling"
            return tps, f"{path.name}: llm concurrency 1, model {model}, measured on {where}"
    raise ValueError(f"{path} has no llm record at concurrency 1")


def report(*, gpu: str, bandwidth_tbs: float, params: float, dtype: str, measured: float | None = None,
           source: str = "") -> list[str]:
    """The lines of the ceiling report."""
    ceiling = ceiling_tps(bandwidth_tbs, params, dtype)
    lines = [f"GPU {gpu}: {bandwidth_tbs:g} TB/s; model {params / 1e9:g}B parameters × "
             f"{bytes_per_param(dtype):g} bytes ({dtype}) = {params * bytes_per_param(dtype) / 1e9:.1f} GB per token",
             f"single-stream decode ceiling: {ceiling:.1f} tokens/s "
             f"(target ≥ {TARGET_FRACTION:.0%} = {ceiling * TARGET_FRACTION:.1f} tokens/s)"]
    if measured is not None:
        fraction = measured / ceiling
        verdict = "meets" if fraction >= TARGET_FRACTION else "below"
        lines.append(f"measured {measured:.1f} tokens/s{f' ({source})' if source else ''}: {fraction:.1%} of the "
                     f"ceiling — {verdict} the {TARGET_FRACTION:.0%} target")
    return lines


def main(args: argparse.Namespace) -> int:
    """Print the ceiling report for the command-line options."""
    name = args.gpu
    if name is None and args.bandwidth_tbs is None:
        found = gpu_names()
        if found == "none":
            print("no GPU visible to NVML: name one with --gpu (" + ", ".join(BANDWIDTH_TBS) + ") or --bandwidth-tbs")
            return 2
        name = found[0]
    row = gpu_row(name) if name else None
    bandwidth = args.bandwidth_tbs or (BANDWIDTH_TBS[row] if row else None)
    if bandwidth is None:
        print(f"unknown GPU {name!r}: one of {', '.join(BANDWIDTH_TBS)}, or give --bandwidth-tbs")
        return 2
    measured, source = args.measured_tps, "given"
    if args.results is not None:
        try:
            measured, source = measured_from_results(args.results)
        except (OSError, ValueError, KeyError) as exc:
            print(f"cannot read a measurement: {exc}")
            return 2
    try:
        lines = report(gpu=row or name or "custom", bandwidth_tbs=bandwidth, params=args.params, dtype=args.dtype,
                       measured=measured, source=source if measured is not None else "")
    except ValueError as exc:
        print(exc)
        return 2
    print("\n".join(lines))
    return 0
