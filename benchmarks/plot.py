"""``plot RESULTS.jsonl [MORE.jsonl …] --out DIR``: PNG plots of result files.

Each file is one series (named by its records' label, else the file name), so two runs can be
drawn over each other. Files written, for the scenarios present:
``llm_latency.png`` (TTFT, TPOT, ITL, E2E p50/p95/p99 vs concurrency), ``llm_throughput.png``,
``e2e_latency.png`` (first text, final edit, bot overhead vs concurrency), ``stt_rtf.png``
(RTF vs clip length) and ``retrieval_latency.png`` (search latency vs index size).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness.records import read_jsonl

PERCENTILES = (("p50", "-", "o"), ("p95", "--", "s"), ("p99", ":", "^"))
Series = list[tuple[str, list[dict[str, Any]]]]  # (name, records of one file)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _points(records: list[dict[str, Any]], scenario: str, x_key: str, metric: str, stat: str | None,
            where: Mapping[str, Any] | None = None) -> tuple[list[float], list[float]]:
    chosen = [r for r in records if r["scenario"] == scenario and x_key in r["key"] and metric in r["metrics"]
              and all(r["key"].get(k) == v for k, v in (where or {}).items())]
    pairs = []
    for r in chosen:
        value = r["metrics"][metric]
        y = value.get(stat) if isinstance(value, Mapping) and stat else value
        if isinstance(y, int | float):
            pairs.append((float(r["key"][x_key]), float(y)))
    pairs.sort()
    return [x for x, _ in pairs], [y for _, y in pairs]


def percentile_panels(series: Series, scenario: str, metrics: Sequence[tuple[str, str]], x_key: str,
                      x_label: str, title: str, path: Path, *, log_x: bool = True) -> Path | None:
    """One panel per metric: p50/p95/p99 against ``x_key``, one colour per series."""
    series = _having(series, scenario)
    if not series:
        return None
    plt = _pyplot()
    columns = 2 if len(metrics) > 1 else 1
    rows = (len(metrics) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 4 * rows), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (metric, label) in zip(axes.flat, metrics, strict=False):
        ticks: set[float] = set()
        for i, (name, records) in enumerate(series):
            for stat, style, marker in PERCENTILES:
                xs, ys = _points(records, scenario, x_key, metric, stat)
                ticks.update(xs)
                if xs:
                    ax.plot(xs, ys, linestyle=style, marker=marker, color=colours[i % len(colours)],
                            label=f"{name} {stat}")
        ax.set_title(label)
        ax.set_xlabel(x_label)
        ax.set_ylabel("ms")
        if log_x:
            ax.set_xscale("log", base=2 if x_key == "concurrency" else 10)
        if x_key == "concurrency" and ticks:
            _integer_ticks(ax, ticks)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _having(series: Series, scenario: str) -> Series:
    """The series that have records of ``scenario`` (so colours stay in order per plot)."""
    return [(name, records) for name, records in series if any(r["scenario"] == scenario for r in records)]


def _integer_ticks(ax: Any, ticks: set[float]) -> None:
    ax.set_xticks(sorted(ticks))
    ax.set_xticklabels([f"{t:g}" for t in sorted(ticks)])
    ax.minorticks_off()


def llm_throughput(series: Series, path: Path) -> Path | None:
    """Output tokens/s and requests/s against concurrency."""
    series = _having(series, "llm")
    if not series:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, (metric, label) in zip(axes, [("output_throughput_tok_s", "output tokens/s"),
                                          ("request_throughput_per_s", "requests/s")], strict=True):
        ticks: set[float] = set()
        for name, records in series:
            xs, ys = _points(records, "llm", "concurrency", metric, None)
            ticks.update(xs)
            if xs:
                ax.plot(xs, ys, marker="o", label=name)
        ax.set_xscale("log", base=2)
        _integer_ticks(ax, ticks)
        ax.set_xlabel("concurrent requests")
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle("LLM throughput vs concurrency")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def stt_rtf(series: Series, path: Path) -> Path | None:
    """RTF (p50, bars to p95) against clip length, one line per series and path."""
    series = _having(series, "stt")
    if not series:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, records in series:
        for route in sorted({r["key"].get("path") for r in records if r["scenario"] == "stt"}):
            xs, p50 = _points(records, "stt", "clip_s", "rtf", "p50", where={"path": route})
            _, p95 = _points(records, "stt", "clip_s", "rtf", "p95", where={"path": route})
            if xs:
                errors = [[0.0] * len(xs), [max(h - m, 0.0) for m, h in zip(p50, p95, strict=True)]]
                ax.errorbar(xs, p50, yerr=errors, marker="o", capsize=3, label=f"{name} {route} (p50, bar to p95)")
    ax.set_xlabel("clip length, s")
    ax.set_ylabel("real-time factor (transcription s / audio s)")
    ax.set_title("Speech-to-text real-time factor vs clip length")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_all(series: Series, out: Path) -> list[Path]:
    """Every plot the series have data for; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        percentile_panels(series, "llm", [("ttft_ms", "time to first token"), ("tpot_ms", "time per output token"),
                                          ("itl_ms", "inter-token latency"), ("e2el_ms", "end-to-end latency")],
                          "concurrency", "concurrent requests", "LLM latency vs concurrency", out / "llm_latency.png"),
        llm_throughput(series, out / "llm_throughput.png"),
        percentile_panels(series, "e2e", [("first_text_ms", "message in → first visible text"),
                                          ("final_ms", "message in → final edit"),
                                          ("overhead_ms", "bot overhead (final − LLM time)"),
                                          ("placeholder_ms", "message in → placeholder")],
                          "concurrency", "chats asking at once", "Telegram end to end vs concurrency",
                          out / "e2e_latency.png"),
        stt_rtf(series, out / "stt_rtf.png"),
        percentile_panels(_retrieval_series(series), "retrieval",
                          [("search_ms", "dense search (KnowledgeIndex.search)"),
                           ("embed_plus_search_ms", "query embedding + search")],
                          "index_size", "chunks in the index", "Retrieval latency vs index size",
                          out / "retrieval_latency.png"),
    ]
    return [p for p in written if p is not None]


def _retrieval_series(series: Series) -> Series:
    """Retrieval records, plus the ingest records keyed by index size (ingest_throughput.py) as series of their own."""
    merged: Series = []
    for name, records in series:
        merged.append((name, [r for r in records if r["scenario"] == "retrieval"]))
        grown = [{**r, "scenario": "retrieval"} for r in records
                 if r["scenario"] == "ingest" and "index_size" in r["key"]]
        if grown:
            merged.append((f"{name} (ingest)", grown))
    return merged


def load_series(paths: Sequence[Path]) -> Series:
    """Each file's records, named by their label (else the file name)."""
    series = []
    for path in paths:
        records = read_jsonl(path)
        labels = {str(r["label"]) for r in records if r.get("label")}
        series.append((labels.pop() if len(labels) == 1 else path.stem, records))
    return series


def main(args: argparse.Namespace) -> int:
    """Write the plots and list them."""
    written = plot_all(load_series(args.results), args.out)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("nothing to plot: no llm, e2e, stt or retrieval records")
    return 0 if written else 1
