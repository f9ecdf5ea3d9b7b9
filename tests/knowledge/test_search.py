"""`search`: the fragments a query retrieves with their dense, lexical and fused scores and the floor verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.container import Container
from bot.knowledge.search import explain, format_report
from tests.conftest import SAMPLE_KB, TEST_REDIS_URL, make_settings


def test_explain_ranks_fragments_with_every_score_and_the_floor_verdict(kb: Container) -> None:
    report = explain(kb.index, "Сколько дней отпуска положено в год?", min_score=kb.min_score, top_k=6)

    assert report.mode == "hybrid" and report.fusion == "relative" and report.min_score == kb.min_score
    assert len(report.fragments) == 6 and [f.rank for f in report.fragments] == list(range(1, 7))
    top = report.fragments[0]
    assert Path(top.source).name == "otpusk.md" and top.space == "global" and top.relevant
    assert top.fused is not None and top.lexical is not None and top.bm25 is not None
    fused = [f.fused for f in report.fragments]
    assert fused == sorted(fused, reverse=True), "fragments come in fused order"  # type: ignore[type-var]
    assert all(f.relevant == (f.dense >= kb.min_score or (f.lexical or 0) >= report.min_lexical)
               for f in report.fragments)
    assert report.answerable


def test_an_off_topic_query_shows_nothing_clearing_the_floor(kb: Container) -> None:
    report = explain(kb.index, "Кто написал «Войну и мир»?", min_score=kb.min_score)
    assert report.fragments and not report.answerable
    assert not any(f.relevant for f in report.fragments[:report.answer_top_k])
    lines = format_report(report)
    assert "not found" in lines[-1] and "✗ below floor" in "\n".join(lines)


def test_spaces_limit_the_fragments(kb: Container) -> None:
    assert explain(kb.index, "vacation", min_score=kb.min_score, spaces=["chat:42"]).fragments == []


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory: pytest.TempPathFactory, kb: Container) -> Path:
    """A data directory with two vacation pages (English and Russian), indexed with the default model."""
    data_dir = tmp_path_factory.mktemp("search")
    container = Container(make_settings(data_dir), embed_model=kb.embed_model)  # the model is loaded once
    try:
        for page in ("en/vacation-policy.md", "ru/otpusk.md"):
            container.ingest.ingest_file(SAMPLE_KB / page)
    finally:
        container.close_sync()  # local Qdrant belongs to one process: the CLI opens it next
    return data_dir


def _search(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL}
    return subprocess.run([sys.executable, "-m", "bot", "search", *args], capture_output=True, text=True,
                          env=env, cwd=data_dir, timeout=120)


def test_cli_search_prints_ranked_fragments_with_scores(search_dir: Path) -> None:
    result = _search(search_dir, "How many vacation days do I get per year?")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "hybrid, relative fusion; model multilingual-e5-small-q4; floor: cosine ≥ 0." in out
    first = out.splitlines()[1]
    assert first.startswith(" 1. ✓ relevant") and "dense 0." in first and "fused " in first and "lexical " in first
    assert "Vacation and Leave Policy › Annual paid vacation — vacation-policy.md [global]" in out
    assert out.strip().endswith("answer: from these fragments")


def test_cli_search_json_and_space_filter(search_dir: Path) -> None:
    result = _search(search_dir, "Кто написал «Войну и мир»?", "--json", "--top", "3")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["query"] == "Кто написал «Войну и мир»?" and report["answerable"] is False
    assert report["model"] == "multilingual-e5-small-q4" and report["collection"].endswith("_384")
    assert len(report["fragments"]) == 3
    assert {"rank", "title", "heading_path", "source", "space", "page", "dense", "lexical", "bm25", "fused",
            "relevant", "preview"} <= set(report["fragments"][0])
    assert not any(f["relevant"] for f in report["fragments"])

    scoped = json.loads(_search(search_dir, "vacation", "--json", "--space", "chat:1").stdout)
    assert scoped["fragments"] == []
    bad = _search(search_dir, "vacation", "--space", "nowhere")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
