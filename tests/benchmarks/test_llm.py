"""The llm scenario: vLLM's metric definitions, usage vs chunk counting, bounds, and a smoke run on llama.cpp."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from benchmarks.cli import main
from benchmarks.harness.records import read_jsonl, validate
from benchmarks.scenarios.llm import CHUNK_COUNT_NOTE, summarise_level
from benchmarks.scenarios.openai_stream import StreamResult, chat_payload, stream_chat

from .conftest import CHUNK_GAP_S, CONTENT, FIRST_TOKEN_DELAY_S, USAGE


def test_metrics_follow_vllm_bench_serve_definitions() -> None:
    """TTFT, TPOT = (e2e − ttft)/(n − 1), pooled ITL, throughputs over the wall duration; failures excluded."""
    results = [
        StreamResult(ok=True, latency=1.0, ttft=0.1, itl=[0.1] * 9, chunks=10),  # 10 tokens counted from chunks
        StreamResult(ok=True, latency=2.0, ttft=0.5, itl=[0.3] * 5, chunks=6, usage_output_tokens=16),  # usage wins
        StreamResult(ok=False, error="HTTP 500: boom"),
    ]
    metrics, counts = summarise_level(results, duration_s=4.0)
    assert counts == {"requests": 3, "completed": 2, "failed": 1, "output_tokens": 26}
    assert metrics["ttft_ms"]["mean"] == pytest.approx(300.0)
    assert metrics["tpot_ms"]["n"] == 2
    assert metrics["tpot_ms"]["min"] == pytest.approx(100.0)  # (1.0 − 0.1) / 9
    assert metrics["tpot_ms"]["max"] == pytest.approx(100.0)  # (2.0 − 0.5) / 15
    assert metrics["itl_ms"]["n"] == 14  # every gap of every request, pooled
    assert metrics["itl_ms"]["p99"] == pytest.approx(300.0)
    assert metrics["e2el_ms"]["median"] == pytest.approx(1500.0)
    assert metrics["output_throughput_tok_s"] == pytest.approx(26 / 4.0)
    assert metrics["request_throughput_per_s"] == pytest.approx(2 / 4.0)
    assert "total_token_throughput_tok_s" not in metrics  # no prompt-token counts were reported


def test_stream_timing_and_usage_against_a_vllm_like_server(vllm_like: tuple[str, list[dict[str, object]]]) -> None:
    """First content chunk is TTFT (not the empty role chunk); usage overrides the chunk count."""
    base_url, requests = vllm_like
    payload = chat_payload(model="stand-in-7b", prompt="hi", max_tokens=8, temperature=0.0, ignore_eos=True)

    async def one() -> StreamResult:
        async with httpx.AsyncClient() as client:
            return await stream_chat(client, f"{base_url}/chat/completions", payload, headers={}, timeout_s=10)

    result = asyncio.run(one())
    assert result.ok, result.error
    assert requests[0]["stream_options"] == {"include_usage": True} and requests[0]["ignore_eos"] is True
    assert result.chunks == len(CONTENT)
    assert result.output_tokens == USAGE["completion_tokens"]
    assert result.usage_prompt_tokens == USAGE["prompt_tokens"]
    assert result.ttft is not None and result.ttft >= FIRST_TOKEN_DELAY_S * 0.9
    assert len(result.itl) == len(CONTENT) - 1
    assert all(gap >= CHUNK_GAP_S * 0.8 for gap in result.itl)
    assert result.tpot == pytest.approx((result.latency - result.ttft) / (USAGE["completion_tokens"] - 1))


def test_stream_failure_is_a_result(vllm_like: tuple[str, list[dict[str, object]]]) -> None:
    """A refused connection is a failed result with a message, not an exception."""
    async def one() -> StreamResult:
        async with httpx.AsyncClient() as client:
            return await stream_chat(client, "http://127.0.0.1:9/v1/chat/completions", {}, headers={}, timeout_s=5)

    result = asyncio.run(one())
    assert not result.ok and result.error


def test_run_against_a_url_records_usage_counts(tmp_path: Path, vllm_like: tuple[str, list[dict[str, object]]]) -> None:
    """``--base-url``: the served model is discovered, tokens come from usage, total throughput is reported."""
    base_url, _ = vllm_like
    out = tmp_path / "llm.jsonl"
    assert main(["run", "llm", "--base-url", base_url, "--concurrency", "1", "3", "--max-requests", "3",
                 "--max-tokens", "8", "--out", str(out), "--no-progress", "--label", "stand-in"]) == 0
    records = read_jsonl(out)
    assert validate(records) == []
    assert [r["key"] for r in records] == [{"concurrency": 1}, {"concurrency": 3}]
    for record in records:
        assert record["settings"]["model"] == "stand-in-7b" and record["settings"]["endpoint"] == "external"
        assert record["settings"]["output_tokens_from"] == "usage"
        assert CHUNK_COUNT_NOTE not in record["notes"]
        assert record["counts"]["completed"] == 3 and record["counts"]["output_tokens"] == 15
        assert record["metrics"]["total_token_throughput_tok_s"] == pytest.approx(
            (3 * USAGE["total_tokens"]) / record["duration_s"], rel=0.01)
        assert record["label"] == "stand-in" and record["stopped_by"] == "max_requests"
    # three requests at once finish together: the level takes about as long as one request, not three
    assert records[1]["duration_s"] < records[0]["duration_s"] * 0.7


def test_run_stops_at_max_seconds(tmp_path: Path, vllm_like: tuple[str, list[dict[str, object]]]) -> None:
    """A level with a huge request budget stops by itself once its time is up."""
    base_url, _ = vllm_like
    out = tmp_path / "llm.jsonl"
    assert main(["run", "llm", "--base-url", base_url, "--concurrency", "1", "--max-requests", "100000",
                 "--max-seconds", "0.6", "--warmup", "0", "--out", str(out), "--no-progress"]) == 0
    (record,) = read_jsonl(out)
    assert record["stopped_by"] == "max_seconds"
    assert 1 <= record["counts"]["requests"] <= 4  # each request takes ≥ 0.18 s
    assert record["duration_s"] < 1.2


def test_smoke_on_the_embedded_llama_cpp_server(tmp_path: Path) -> None:
    """Concurrency 1 and 2, 2 requests each, 16 tokens: the scenario starts and stops its own server."""
    out = tmp_path / "llm.jsonl"
    assert main(["run", "llm", "--concurrency", "1", "2", "--max-requests", "2", "--max-tokens", "16",
                 "--warmup", "0", "--out", str(out), "--no-progress"]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert validate(records) == []
    assert [r["key"]["concurrency"] for r in records] == [1, 2]
    for record in records:
        metrics = record["metrics"]
        assert record["counts"] == {"requests": 2, "completed": 2, "failed": 0,
                                    "output_tokens": record["counts"]["output_tokens"]}
        assert 2 <= record["counts"]["output_tokens"] <= 32
        assert record["settings"]["endpoint"] == "embedded llama.cpp"
        # llama-cpp-python's server ignores stream_options.include_usage: tokens are counted from chunks, and said so
        assert record["settings"]["output_tokens_from"] == "stream_chunks" and CHUNK_COUNT_NOTE in record["notes"]
        assert 0 < metrics["ttft_ms"]["max"] <= metrics["e2el_ms"]["max"]
        assert metrics["itl_ms"]["n"] == record["counts"]["output_tokens"] - 2  # one gap fewer than tokens, per request
        assert metrics["output_throughput_tok_s"] == pytest.approx(
            record["counts"]["output_tokens"] / record["duration_s"], rel=0.01)
        assert "smollm2" in record["models"]["llm"]
