"""The ceiling report's arithmetic, statistics as vLLM computes them, run bounds, and wrapped reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.ceiling import BANDWIDTH_TBS, ceiling_tps, gpu_row
from benchmarks.cli import main
from benchmarks.harness.bounds import Budget
from benchmarks.harness.records import RunContext, environment, validate
from benchmarks.harness.stats import direction, distribution, percentile
from benchmarks.scenarios.wrapped import flatten, ingest_records, quality_records
from tests.support.gpu import nvml_works


def test_ceiling_of_a_7_6b_bf16_model_on_h100_sxm() -> None:
    """3.35 TB/s ÷ (7.6e9 × 2 bytes) ≈ 220 tokens/s, the SPEC's figure; AWQ reads a quarter of the bytes."""
    assert ceiling_tps(3.35, 7.6e9, "bf16") == pytest.approx(220.39, abs=0.01)
    assert ceiling_tps(3.35, 7.6e9, "awq") == pytest.approx(4 * 220.39, abs=0.05)
    assert ceiling_tps(4.8, 7.6e9, "fp8") == pytest.approx(631.58, abs=0.01)
    with pytest.raises(ValueError, match="unknown dtype"):
        ceiling_tps(3.35, 7.6e9, "fp3")


@pytest.mark.parametrize(("nvml_name", "row"), [
    ("NVIDIA H100 80GB HBM3", "H100 SXM"), ("NVIDIA H100 PCIe", "H100 PCIe"), ("NVIDIA H100 NVL", "H100 NVL"),
    ("NVIDIA H200", "H200"), ("NVIDIA A100-SXM4-80GB", "A100 80GB"), ("NVIDIA A100-PCIE-40GB", "A100 40GB"),
    ("NVIDIA L40S", "L40S"), ("NVIDIA GeForce RTX 4090", "RTX 4090"), ("h100 sxm", "H100 SXM"),
    ("NVIDIA GH200 480GB", None), ("Tesla T4", None)])
def test_gpu_names_map_to_the_bandwidth_table(nvml_name: str, row: str | None) -> None:
    """NVML's names (and the table's own) find their row; unknown GPUs find none."""
    assert gpu_row(nvml_name) == row
    assert row is None or row in BANDWIDTH_TBS


def test_ceiling_cli(capsys: pytest.CaptureFixture[str], recorded: tuple[Path, Path]) -> None:
    """Given a measurement: the fraction and the verdict against 65 %; from a results file: its concurrency-1 tok/s."""
    assert main(["ceiling", "--gpu", "H100 SXM", "--params", "7.6e9", "--dtype", "bf16", "--measured-tps", "150"]) == 0
    out = capsys.readouterr().out
    assert "220.4 tokens/s" in out and "143.3 tokens/s" in out and "68.1% of the ceiling — meets" in out
    assert main(["ceiling", "--gpu", "L40S", "--params", "8e9", "--results", str(recorded[0])]) == 0
    out = capsys.readouterr().out
    assert "54.0 tokens/s" in out and "measured 50.0 tokens/s" in out and "92.6%" in out  # 0.864e12 / 16e9
    assert main(["ceiling", "--gpu", "Voodoo 2", "--params", "7e9"]) == 2
    assert main(["ceiling", "--bandwidth-tbs", "1.0", "--params", "1e9", "--dtype", "int4"]) == 0
    assert "2000.0 tokens/s" in capsys.readouterr().out


def test_statistics_match_numpy() -> None:
    """Linear-interpolation percentiles and the population std, as vLLM computes them with numpy."""
    values = [3.0, 1.0, 4.0, 1.5, 9.0, 2.6, 5.0]
    d = distribution(values, digits=6)
    for q in (50, 95, 99):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
        assert d[f"p{q}"] == pytest.approx(float(np.percentile(values, q)), abs=1e-6)
    assert d["std"] == pytest.approx(float(np.std(values)), abs=1e-6)
    assert d["median"] == d["p50"] and d["n"] == 7
    assert distribution([]) == {"n": 0, "mean": None, "median": None, "std": None, "min": None, "max": None,
                                "p50": None, "p95": None, "p99": None}


def test_metric_directions() -> None:
    """Latencies and RTF are better lower; throughputs, recall and fractions higher."""
    lower = ["ttft_ms", "ingest_s", "rtf", "embed_plus_search_p50_ms"]
    higher = ["output_throughput_tok_s", "request_throughput_per_s", "chunks_per_s", "recall_at_1_ru", "mrr",
              "correct_passes_floor_fraction"]
    assert [direction(m) for m in lower] == ["lower"] * len(lower)
    assert [direction(m) for m in higher] == ["higher"] * len(higher)
    assert direction("output_tokens_per_request") is None


def test_budget_bounds_requests_and_time() -> None:
    """The request bound and the time bound each stop admission and say which one did."""
    budget = Budget(max_requests=2, max_seconds=60)
    assert [budget.take() for _ in range(3)] == [True, True, False]
    assert budget.stopped_by == "max_requests"
    late = Budget(max_requests=10, max_seconds=0)
    assert not late.take() and late.stopped_by == "max_seconds" and late.taken == 0


def test_environment_tags() -> None:
    """Commit, host, CPU from /proc/cpuinfo, and GPUs ("none" here, a list of names with NVML)."""
    env = environment()
    assert len(env["git_commit"]) >= 7 and env["hostname"] and env["cpu_count"] >= 1
    cpuinfo = Path("/proc/cpuinfo").read_text()
    assert env["cpu_model"] in cpuinfo
    if nvml_works():  # the GPU host: every GPU by name
        assert isinstance(env["gpus"], list) and env["gpus"] and all(env["gpus"])
    else:
        assert env["gpus"] == "none"


def test_quality_report_becomes_records_per_mode() -> None:
    """retrieval_quality.py's report: one retrieval_quality record per mode with recall, MRR and latency."""
    groups = {"overall": {"n": 4, "recall@1": 0.5, "recall@5": 1.0, "mrr": 0.7, "correct_passes_floor": 0.75},
              "ru": {"n": 2, "recall@1": 0.0, "recall@5": 1.0, "mrr": 0.4, "correct_passes_floor": 0.5},
              "off_topic_let_through": {"en": "1/10"}, "latency_ms": {"p50": 3.0, "p95": 5.0, "mean": 3.4}}
    report = {"embedding_model": "all-minilm-l6-v2", "corpus": {"documents": "handbook", "chunks": 104},
              "settings": {"chunk_size": 512, "modes": {"dense": {}}}, "results": {"dense": groups, "hybrid": groups}}
    records = quality_records(report, RunContext(scenario="retrieval"), 12.0)
    assert validate(records) == []
    assert [(r["scenario"], r["key"]) for r in records] == [("retrieval_quality", {"mode": "dense"}),
                                                           ("retrieval_quality", {"mode": "hybrid"})]
    m = records[0]["metrics"]
    assert (m["recall_at_1"], m["recall_at_5_ru"], m["mrr"]) == (0.5, 1.0, 0.7)
    assert m["correct_passes_floor_fraction"] == 0.75
    assert m["search_ms"] == {"n": 4, "p50": 3.0, "p95": 5.0, "mean": 3.4}
    assert records[0]["settings"]["chunks"] == 104 and "modes" not in records[0]["settings"]


def test_ingest_report_becomes_records_per_level(tmp_path: Path) -> None:
    """ingest_throughput.py's report: one ingest record per index size; another shape is flattened."""
    level = {"chunks": 1000, "embedding": "model", "ingest": {"chunks_added": 1000, "seconds": 50.0,
                                                              "chunks_per_s": 20.0},
             "search_dense_ms": {"p50": 1.0, "p95": 2.0, "mean": 1.2, "n": 20},
             "search_hybrid_ms": {"p50": 4.0, "p95": 6.0, "mean": 4.4, "n": 20},
             "embed_plus_dense_ms_p50": 8.0, "lexical_index_build_s": 0.3, "storage_mib": {"qdrant": 5.0}}
    report = {"settings": {"embedding_model": "all-minilm-l6-v2"}, "embed_query_ms": {"p50": 7.0, "n": 20},
              "levels": {"1000": level, "10000": {**level, "chunks": 10000}}, "notes": ["pooled past 1000"]}
    script = tmp_path / "ingest_throughput.py"
    records = ingest_records(script, report, RunContext(scenario="ingest"), 99.0)
    assert validate(records) == []
    assert [r["key"] for r in records] == [{"index_size": 1000}, {"index_size": 10000}]
    m = records[0]["metrics"]
    assert m["chunks_per_s"] == 20.0 and m["search_ms"]["p95"] == 2.0 and m["qdrant_mib"] == 5.0
    assert "pooled past 1000" in records[0]["notes"]
    (generic,) = ingest_records(script, {"benchmark": "x", "rate": {"chunks_per_s": 3.5}, "rows": [1]},
                                RunContext(scenario="ingest"), 1.0)
    assert generic["metrics"] == {"rate.chunks_per_s": 3.5} and generic["key"] == {"source": script.name}
    assert flatten({"a": {"b@1": 1, "ok": True, "rows": [2]}, "c": "text"}) == {"a.b_at_1": 1}
    json.dumps(records)  # records are plain JSON
