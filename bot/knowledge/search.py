"""Why did the bot answer that: the ranked fragments of a query with every score and the floor verdict.

The same retrieval the answer path runs (``KnowledgeIndex.search`` and the relevance floor), laid
out for an admin: ``dialog-keeper search`` and the Telegram ``/search`` command print it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.knowledge.relevance import MIN_LEXICAL_COVERAGE, is_relevant

if TYPE_CHECKING:
    from bot.knowledge.index import KnowledgeIndex


@dataclass(frozen=True)
class Fragment:
    """One ranked chunk: where it comes from, its scores, and whether it clears the relevance floor."""

    rank: int
    title: str
    heading_path: str
    source: str
    space: str
    page: int | None
    dense: float  # cosine similarity to the query
    lexical: float | None  # share of the query's BM25 term weight it holds (hybrid only)
    bm25: float | None  # raw BM25 score (hybrid only)
    fused: float | None  # the fusion score it was ranked by (hybrid only)
    relevant: bool
    preview: str


@dataclass(frozen=True)
class SearchReport:
    """A query's retrieval as the answer path sees it."""

    query: str
    mode: str
    fusion: str | None
    model: str
    collection: str
    min_score: float
    min_lexical: float
    answer_top_k: int
    fragments: list[Fragment]

    @property
    def answerable(self) -> bool:
        """Whether the answer path would answer (some fragment among its top_k clears the floor)."""
        return any(f.relevant for f in self.fragments[:self.answer_top_k])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**asdict(self), "answerable": self.answerable}


def explain(index: KnowledgeIndex, query: str, *, min_score: float, top_k: int = 10, answer_top_k: int = 4,
            spaces: Sequence[str] | None = None, preview_chars: int = 160) -> SearchReport:
    """Search ``query`` as the answer path does and describe the ``top_k`` best fragments."""
    hits = index.search(index.embed_query(query), top_k=max(top_k, answer_top_k), spaces=spaces, query=query)
    fragments = []
    for rank, hit in enumerate(hits[:top_k], start=1):
        meta = hit.node.metadata
        text = " ".join(hit.node.get_content().split())
        fragments.append(Fragment(
            rank=rank, title=str(meta.get("title", "")), heading_path=str(meta.get("heading_path", "")),
            source=str(meta.get("source", "")), space=str(meta.get("space", "")), page=meta.get("page"),
            dense=round(hit.score, 4), lexical=_round(hit.lexical), bm25=_round(hit.bm25), fused=_round(hit.fused),
            relevant=is_relevant(hit, min_score, lexical_weight=index.floor_lexical_weight),
            preview=text if len(text) <= preview_chars else text[:preview_chars - 1] + "…"))
    return SearchReport(query=query, mode=index.mode, fusion=index.fusion if index.mode == "hybrid" else None,
                        model=index.model_name, collection=index.collection, min_score=min_score,
                        min_lexical=MIN_LEXICAL_COVERAGE, answer_top_k=answer_top_k, fragments=fragments)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def format_report(report: SearchReport, *, width: int = 100) -> list[str]:
    """The report as text lines (the CLI prints them; Telegram sends them)."""
    fusion = f", {report.fusion} fusion" if report.fusion else ""
    lines = [f"{report.mode}{fusion}; model {report.model}; floor: cosine ≥ {report.min_score:.2f}"
             + (f" or lexical ≥ {report.min_lexical:.2f}" if report.mode == "hybrid" else "")
             + f"; the answer uses the top {report.answer_top_k}"]
    if not report.fragments:
        return [*lines, "no fragments (the knowledge base is empty for these spaces)"]
    for f in report.fragments:
        scores = f"dense {f.dense:.3f}"
        if f.fused is not None:
            scores += f"  lexical {f.lexical or 0.0:.2f} (bm25 {f.bm25 or 0.0:.2f})  fused {f.fused:.3f}"
        page = f", p. {f.page}" if f.page else ""
        verdict = "✓ relevant" if f.relevant else "✗ below floor"
        lines.append(f"{f.rank:>2}. {verdict}  {scores}")
        lines.append(f"    {f.heading_path or f.title} — {Path(f.source).name}{page} [{f.space}]")
        lines.append(f"    {f.preview[:width]}")
    lines.append("answer: from these fragments" if report.answerable
                 else "answer: not found (no fragment in the top clears the floor)")
    return lines
