"""``python -m benchmarks run|compare|plot|ceiling``: the one entry point of the benchmarks.

    python -m benchmarks run llm --concurrency 1 4 16 32          # embedded llama.cpp server
    python -m benchmarks run llm --base-url http://gpu:8000/v1    # any OpenAI-compatible server (vLLM)
    python -m benchmarks run e2e | stt | retrieval | ingest
    python -m benchmarks run intents [--base-url URL]              # rules, LLM and combined intent accuracy
    python -m benchmarks run cluster --dialogs 1 2 4               # DK_ROLES: answers/s with N dialog processes
    python -m benchmarks run quality [--answerability on --base-url URL]  # right document / refusal per kind
    python -m benchmarks compare A.jsonl B.jsonl
    python -m benchmarks plot RESULTS.jsonl [MORE.jsonl …] --out DIR
    python -m benchmarks ceiling --gpu "H100 SXM" --params 7.6e9 --dtype bf16 [--measured-tps X]
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

SCENARIOS = {
    "llm": "benchmarks.scenarios.llm",
    "e2e": "benchmarks.scenarios.e2e",
    "stt": "benchmarks.scenarios.stt",
    "retrieval": "benchmarks.scenarios.retrieval",
    "ingest": "benchmarks.scenarios.ingest",
    "intents": "benchmarks.scenarios.intents",
    "cluster": "benchmarks.scenarios.cluster",
    "quality": "benchmarks.scenarios.quality",
}


def _scenario(name: str) -> ModuleType:
    return importlib.import_module(SCENARIOS[name])


def _add_run(subparsers: Any) -> None:
    run = subparsers.add_parser("run", help="measure one scenario and write JSON lines")
    scenarios = run.add_subparsers(dest="scenario", required=True, metavar="SCENARIO")
    for name in SCENARIOS:
        module = _scenario(name)
        parser = scenarios.add_parser(name, help=(module.__doc__ or "").splitlines()[0].split(": ", 1)[-1],
                                      description=module.__doc__,
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
        defaults = module.DEFAULTS
        common = parser.add_argument_group("bounds and output (every scenario)")
        common.add_argument("--max-requests", type=int, default=defaults["max_requests"],
                            help=f"requests per setting (default {defaults['max_requests']})")
        common.add_argument("--max-seconds", type=float, default=defaults["max_seconds"],
                            help=f"no new request after this many seconds per setting "
                                 f"(default {defaults['max_seconds']:g})")
        common.add_argument("--out", type=Path, default=None,
                            help=f"results file: JSON lines, or a JSON array when it ends in .json (default "
                                 f"benchmarks/results/{result_file(module, name)})")
        common.add_argument("--append", action="store_true", help="append to --out instead of replacing it")
        common.add_argument("--label", default=None, help="a name for this run (legends, compare headers)")
        common.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bars")
        module.add_arguments(parser)


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True)
    if not argv or argv[0] in ("run", "-h", "--help"):
        _add_run(subparsers)  # imports the scenario modules: only when they are needed
    else:
        subparsers.add_parser("run", help="measure one scenario and write JSON lines")
    compare = subparsers.add_parser("compare", help="ratios B/A per metric of two result files")
    compare.add_argument("a", type=Path)
    compare.add_argument("b", type=Path)
    compare.add_argument("--stats", default="mean,p50,p95,p99", help="statistics of distributions to compare")
    compare.add_argument("--tolerance", type=float, default=0.05,
                         help="ratios within 1 ± this are marked ≈ (default 0.05)")
    compare.add_argument("--json", action="store_true", help="rows as JSON instead of a table")
    plot = subparsers.add_parser("plot", help="PNG plots of result files")
    plot.add_argument("results", type=Path, nargs="+")
    plot.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    ceiling = subparsers.add_parser("ceiling", help="memory-bandwidth ceiling of single-stream decode")
    ceiling.add_argument("--gpu", default=None, help='e.g. "H100 SXM" (default: the GPU NVML sees)')
    ceiling.add_argument("--bandwidth-tbs", type=float, default=None, help="memory bandwidth in TB/s (any GPU)")
    ceiling.add_argument("--params", type=float, required=True, help="parameter count, e.g. 7.6e9")
    ceiling.add_argument("--dtype", default="bf16", help="bf16/fp16 (2 bytes), fp8/int8 (1), awq/gptq/int4 (0.5)")
    measured = ceiling.add_mutually_exclusive_group()
    measured.add_argument("--measured-tps", type=float, default=None, help="measured single-stream tokens/s")
    measured.add_argument("--results", type=Path, default=None,
                          help="an llm result file: its concurrency-1 output tokens/s is the measured figure")
    return parser


def result_file(module: ModuleType, name: str) -> str:
    """A scenario's default results file name: its ``RESULT_FILE``, else ``NAME.jsonl``."""
    return str(getattr(module, "RESULT_FILE", f"{name}.jsonl"))


def _run(args: argparse.Namespace) -> int:
    from benchmarks.harness.records import RESULTS_DIR, RunContext, validate, write_records

    ctx = RunContext(scenario=args.scenario, label=args.label, progress=args.progress)
    module = _scenario(args.scenario)
    records = module.run(args, ctx)
    out = args.out or RESULTS_DIR / result_file(module, args.scenario)
    write_records(records, out, append=args.append)
    for record in records:
        print(headline(record))
    problems = validate(records)
    for problem in problems:
        print(f"schema: {problem}", file=sys.stderr)
    print(f"wrote {len(records)} record(s) to {out}")
    return 1 if problems or not records else 0


def headline(record: dict[str, Any], limit: int = 6) -> str:
    """One line per record: scenario, key, and the first metrics (p50 of distributions)."""
    key = " ".join(f"{k}={v}" for k, v in record["key"].items())
    parts = []
    for name, value in list(record["metrics"].items())[:limit]:
        shown = value.get("p50") if isinstance(value, dict) else value
        parts.append(f"{name}{' p50' if isinstance(value, dict) else ''}={shown}")
    counts = record.get("counts", {})
    done = f"{counts.get('completed', '?')}/{counts.get('requests', '?')} ok"
    return f"{record['scenario']:9} {key:18} {done:10} " + "  ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and dispatch; the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(argv).parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "compare":
        from benchmarks.compare import main as compare_main

        return compare_main(args)
    if args.command == "plot":
        from benchmarks.plot import main as plot_main

        return plot_main(args)
    from benchmarks.ceiling import main as ceiling_main

    return ceiling_main(args)
