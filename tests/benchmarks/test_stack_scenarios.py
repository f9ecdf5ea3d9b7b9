"""e2e, stt, retrieval and ingest at smoke size on the embedded stack; their records follow the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.cli import main
from benchmarks.harness.records import read_jsonl, validate
from bot.settings import ROOT

ONE_DOC = ROOT / "samples/handbook/en/vacation-policy.md"


def _run(tmp_path: Path, *args: str) -> list[dict]:
    out = tmp_path / "result.jsonl"
    assert main(["run", *args, "--out", str(out), "--no-progress"]) == 0
    records = read_jsonl(out)
    assert records and validate(records) == []
    return records


@pytest.mark.parametrize(("stream", "key"), [("auto", {"concurrency": 1, "stream": "drafts"}),
                                             ("edits", {"concurrency": 1})])
def test_e2e_one_chat(tmp_path: Path, llm_base_url: str, stream: str, key: dict[str, object]) -> None:
    """One chat through the real bot and the emulator: placeholder → first text → final, overhead = final − LLM."""
    (record,) = _run(tmp_path, "e2e", "--base-url", llm_base_url, "--concurrency", "1", "--max-requests", "1",
                     "--warmup", "0", "--max-tokens", "8", "--corpus", str(ONE_DOC), "--stream", stream)
    m = record["metrics"]
    assert record["key"] == key and record["counts"]["completed"] == 1 and record["settings"]["stream"] == stream
    assert m["bot_api_calls"]["p50"] >= 2, "at least a placeholder (or empty draft) and the final message"
    assert record["settings"]["endpoint"] == "external" and record["settings"]["corpus"] == str(
        ONE_DOC.relative_to(ROOT))
    assert 0 < m["placeholder_ms"]["p50"] <= m["first_text_ms"]["p50"] <= m["final_ms"]["p50"]
    assert m["llm_ms"]["p50"] > 0
    assert m["overhead_ms"]["p50"] == pytest.approx(m["final_ms"]["p50"] - m["llm_ms"]["p50"], abs=0.2)
    assert record["models"]["embeddings"] == "multilingual-e5-small-q4"


def test_stt_one_clip(tmp_path: Path) -> None:
    """A 5 s clip once, in process: RTF = transcription time / audio time."""
    (record,) = _run(tmp_path, "stt", "--lengths", "5", "--repeats", "1", "--paths", "direct")
    assert record["key"] == {"path": "direct", "clip_s": 5}
    assert record["counts"] == {"requests": 1, "completed": 1, "failed": 0}
    rtf, ms = record["metrics"]["rtf"]["p50"], record["metrics"]["transcribe_ms"]["p50"]
    assert 0 < rtf < 5
    assert ms / 1000 / rtf == pytest.approx(5.0, rel=0.05)  # the clip's duration, as Whisper measured it
    assert record["settings"]["compute_type"] == "int8" and "whisper" in record["models"]["stt"]


def test_retrieval_latency_by_size(tmp_path: Path) -> None:
    """The real chunks of one document, then the index grown to 200 with synthetic neighbours."""
    records = _run(tmp_path, "retrieval", "--sizes", "200", "--max-requests", "5", "--corpus", str(ONE_DOC),
                   "--no-quality")
    real = records[0]["settings"]["real_chunks"]
    assert 0 < real < 200
    assert [r["key"]["index_size"] for r in records] == [real, 200]
    for record in records:
        m = record["metrics"]
        assert record["counts"] == {"requests": 5, "completed": 5, "failed": 0}
        assert m["search_ms"]["p50"] > 0 and m["qdrant_ms"]["p50"] > 0
        assert m["embed_plus_search_ms"]["mean"] == pytest.approx(
            m["embed_ms"]["mean"] + m["search_ms"]["mean"], abs=0.01)


def test_ingest_own(tmp_path: Path) -> None:
    """The harness's own ingestion run: one document, then again unchanged."""
    (record,) = _run(tmp_path, "ingest", "--own", "--corpus", str(ONE_DOC))
    m, s = record["metrics"], record["settings"]
    assert s["files"] == 1 and s["chunks"] > 0 and s["bytes"] == ONE_DOC.stat().st_size
    assert m["chunks_per_s"] == pytest.approx(s["chunks"] / m["ingest_s"], rel=0.01)
    assert m["unchanged_reingest_ms"]["n"] == 1
    assert m["unchanged_reingest_ms"]["p50"] < m["per_file_ms"]["p50"]  # unchanged content is a no-op
