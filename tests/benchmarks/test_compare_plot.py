"""compare and plot on recorded result files (tests/benchmarks/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from benchmarks.cli import main
from benchmarks.compare import compare_records, differences, verdict
from benchmarks.harness.records import read_jsonl, validate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_recorded_files_follow_the_schema(recorded: tuple[Path, Path]) -> None:
    """The fixtures are valid records, so what compare and plot read is what run writes."""
    for path in recorded:
        assert validate(read_jsonl(path)) == []


def test_ratios_and_directions(recorded: tuple[Path, Path]) -> None:
    """B/A per metric; lower latency and higher throughput are improvements; ±5 % is ≈."""
    a, b = (read_jsonl(p) for p in recorded)
    rows = {(r.scenario, r.key, r.metric): r for r in compare_records(a, b, stats=["p50", "p99"])}
    ttft = rows[("llm", "concurrency=1", "ttft_ms.p50")]
    assert (ttft.a, ttft.b, ttft.ratio, ttft.better, ttft.verdict) == (100.0, 80.0, 0.8, "lower", "improved")
    tpot = rows[("llm", "concurrency=1", "tpot_ms.p99")]
    assert tpot.ratio == pytest.approx(1.2) and tpot.verdict == "regressed"
    tps = rows[("llm", "concurrency=1", "output_throughput_tok_s")]
    assert tps.ratio == pytest.approx(1.2) and tps.better == "higher" and tps.verdict == "improved"
    assert rows[("llm", "concurrency=4", "ttft_ms.p50")].verdict == "≈"  # 202 / 200
    assert rows[("stt", "path=direct clip_s=5", "rtf.p50")].ratio == pytest.approx(1.0)
    assert not any(key in ("concurrency=32", "concurrency=16") for _, key, _ in rows)  # one side only
    assert ("llm", "concurrency=1", "ttft_ms.mean") not in rows  # only the statistics asked for


def test_verdict_rules() -> None:
    """Direction decides; no direction means only 'changed'; a missing A gives n/a."""
    assert verdict(0.5, "higher", 0.05) == "regressed"
    assert verdict(1.5, None, 0.05) == "changed"
    assert verdict(None, "lower", 0.05) == "n/a"


def test_differences_name_unmatched_records_and_changed_settings(recorded: tuple[Path, Path]) -> None:
    """Records on one side only, and settings that differ (max_tokens at concurrency 4), are reported."""
    notes = differences(*(read_jsonl(p) for p in recorded))
    assert "only in A: llm concurrency=32" in notes
    assert "only in B: llm concurrency=16" in notes
    assert any("concurrency=4" in n and "max_tokens 64 → 128" in n for n in notes)
    assert not any("base_url" in n for n in notes)


def test_compare_cli_table_and_json(recorded: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The table names both runs and marks each figure; --json gives the same rows as data."""
    a, b = recorded
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "host bench-a" in out and "after — commit def5678, host bench-b" in out
    line = next(row for row in out.splitlines() if "concurrency=1" in row and "ttft_ms.p50" in row)
    assert line.split()[-4:] == ["80", "0.8", "lower", "improved"]
    assert "note: only in A: llm concurrency=32" in out
    assert main(["compare", str(a), str(b), "--json", "--stats", "p95"]) == 0
    rows = json.loads(capsys.readouterr().out)
    e2e = next(r for r in rows if r["scenario"] == "e2e" and r["metric"] == "answers_per_s" and r["key"] ==
               "concurrency=4")
    assert e2e["ratio"] == 1.0 and e2e["verdict"] == "≈"
    assert {r["metric"].split(".")[1] for r in rows if "." in r["metric"]} == {"p95"}


def test_plot_writes_valid_pngs(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    """One PNG per plot type, each a real image."""
    assert main(["plot", *map(str, recorded), "--out", str(tmp_path / "plots")]) == 0
    names = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert names == ["e2e_latency.png", "llm_latency.png", "llm_throughput.png", "retrieval_latency.png",
                     "stt_rtf.png"]
    for path in (tmp_path / "plots").iterdir():
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(path) as image:
            image.verify()
            assert image.size[0] >= 600 and image.size[1] >= 400


def test_plot_skips_scenarios_without_records(tmp_path: Path) -> None:
    """A file with only stt records gives only the stt plot; nothing to plot is an error."""
    only_stt = tmp_path / "stt.jsonl"
    records = [r for r in read_jsonl(Path(__file__).parent / "data/run_a.jsonl") if r["scenario"] == "stt"]
    only_stt.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["plot", str(only_stt), "--out", str(tmp_path / "p")]) == 0
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["stt_rtf.png"]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["plot", str(empty), "--out", str(tmp_path / "q")]) == 1


def test_committed_results_follow_the_schema() -> None:
    """Every harness record in benchmarks/results/ (the figures the README quotes) is valid, so compare and plot
    can read them; a scenario the schema does not know (cluster was one) fails here, not in someone's compare."""
    results = Path(__file__).resolve().parents[2] / "benchmarks/results"
    checked = 0
    for path in sorted(results.glob("*.jsonl")):
        records = [r for r in read_jsonl(path) if r.get("schema") == "dialog-keeper/bench-result/1"]
        assert validate(records) == [], path.name
        checked += len(records)
    assert checked > 0
