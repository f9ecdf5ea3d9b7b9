"""``run quality``: does the answer path find the right document, and refuse what no document answers?

Each set (``benchmarks/frozen/`` — written before tuning, the real figure — and
``benchmarks/tuning/``, ``benchmarks/tuning2/`` and ``benchmarks/tuning3/``, the only ones retrieval was
tuned on) is a knowledge
base (``kb/``) and labelled questions (``kb_questions.tsv``: kind, language, question, expected_file, previous). The
knowledge base is ingested through the bot's own ingestion into a scratch data directory; every
question then goes through the answer path's retrieval (``bot.dialog.retrieve.retrieve``: search,
relevance floor, follow-up fallback with the previous question), and, with ``--answerability on``,
the LLM's answerability verdict (``bot.dialog.answerability``, against ``--base-url``: the GPU
scenario — see docs/knowledge.md).

One record per set × kind. Answerable kinds: ``first_fraction`` (the expected document is the
first document of the ranking), ``top3_fraction`` (among the first three distinct documents),
``kept_fraction`` (the bot would answer, not say "not found"). Kinds that must be refused
(``off_topic``, ``near_miss``): ``refused_fraction``. Plus ``all_answerable`` and ``all_refusal``
per set.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness.records import ROOT, RunContext, display_path, make_settings

DEFAULTS = {"max_requests": 1000, "max_seconds": 1800.0}
RESULT_FILE = "quality.json"
SETS = {"frozen": ROOT / "benchmarks/frozen", "tuning": ROOT / "benchmarks/tuning",
        "tuning2": ROOT / "benchmarks/tuning2",
        # tuning2's knowledge base (kb/ is a symlink) with new colloquial questions: see tuning3/KB_README.md
        "tuning3": ROOT / "benchmarks/tuning3"}
REFUSE = "-"  # expected_file of a question that must be refused
REFUSAL_KINDS = ("off_topic", "near_miss")
# Sets whose missed questions are never written to the results (figures only), so nobody tunes on them by reading.
BLIND = ("frozen",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run quality``."""
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS))
    parser.add_argument("--per-kind", type=int, default=0,
                        help="only the first N questions of each kind (a quick slice; default all)")
    parser.add_argument("--mode", choices=["dense", "hybrid"], default=None, help="default: the setting's")
    parser.add_argument("--fusion", choices=["relative", "rrf"], default=None, help="default: the setting's")
    parser.add_argument("--cross-language", choices=["on", "off"], default=None,
                        help="per-language dense pools (default: the setting DK_RETRIEVAL__CROSS_LANGUAGE)")
    parser.add_argument("--offset", type=float, default=None, help="cross-language offset (default: the setting's)")
    parser.add_argument("--floor-offset", type=float, default=None,
                        help="cross-language floor offset (default: the setting's)")
    parser.add_argument("--lexical-share", type=float, default=None,
                        help="cross-language lexical share in fusion (default: the setting's)")
    parser.add_argument("--answerability", choices=["off", "on"], default="off",
                        help="also ask the LLM whether the fragments answer (needs --base-url)")
    parser.add_argument("--base-url", default=None, help="OpenAI-compatible server for --answerability on")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--model", default=None, help="served model name (default: the setting's)")


@dataclass(frozen=True)
class Question:
    """One labelled question."""

    kind: str
    language: str
    question: str
    expected: str
    previous: str


def load(path: Path, per_kind: int = 0) -> list[Question]:
    """A set's labelled questions (the first ``per_kind`` of each kind when that is set)."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [Question(r["kind"], r["language"], r["question"], r["expected_file"], r.get("previous") or "")
                for r in csv.DictReader(f, delimiter="\t") if r.get("question")]
    if per_kind:
        seen: dict[str, int] = defaultdict(int)
        kept = []
        for row in rows:
            seen[row.kind] += 1
            if seen[row.kind] <= per_kind:
                kept.append(row)
        rows = kept
    return rows


def documents(hits: list[Any]) -> list[str]:
    """Distinct source file names in rank order."""
    names: list[str] = []
    for hit in hits:
        name = Path(str(hit.node.metadata.get("source", ""))).name
        if name not in names:
            names.append(name)
    return names


def _judge(args: argparse.Namespace, settings: Any) -> Any:
    """(the LLM client, the answerability judge) for ``--answerability on``, else None."""
    if args.answerability == "off":
        return None
    from bot.dialog.answerability import judge
    from inference.llm import LLMClient

    if not args.base_url:
        raise SystemExit("--answerability on needs --base-url (an OpenAI-compatible server)")
    client = LLMClient(base_url=args.base_url, api_key=args.api_key or "local", model=args.model or settings.llm.model,
                       timeout_s=settings.llm.timeout_s, connect_timeout_s=settings.llm.connect_timeout_s,
                       retries=settings.llm.retries, max_tokens=settings.llm.max_tokens,
                       temperature=settings.llm.temperature, server_kind=settings.llm.server_kind)
    return client, judge


def run_set(name: str, args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Ingest one set's knowledge base and ask every question; one record per kind (and the two totals)."""
    from bot.container import Container
    from bot.dialog.retrieve import retrieve
    from bot.knowledge.floor import relevance_floor
    from bot.knowledge.loaders import iter_files

    folder = SETS[name]
    questions = load(folder / "kb_questions.tsv", args.per_kind)[: args.max_requests]
    retrieval: dict[str, Any] = {}
    if args.mode:
        retrieval["mode"] = args.mode
    if args.offset is not None:
        retrieval["cross_language_offset"] = args.offset
    if args.floor_offset is not None:
        retrieval["cross_language_floor_offset"] = args.floor_offset
    if args.lexical_share is not None:
        retrieval["cross_language_lexical_share"] = args.lexical_share
    if args.fusion:
        retrieval["fusion"] = args.fusion
    if args.cross_language:
        retrieval["cross_language"] = args.cross_language == "on"
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(data_dir=Path(tmp), retrieval=retrieval,
                                 qdrant={"collection_prefix": f"q{uuid.uuid4().hex[:6]}"})
        container = Container(settings)
        judged = _judge(args, settings)
        ctx.models["embeddings"] = settings.embeddings.model_dir.name
        if judged:
            ctx.models["llm"] = judged[0].model
        try:
            started = time.perf_counter()
            for _path, _result in container.ingest.ingest_files(iter_files(folder / "kb")):
                pass
            ingest_s = time.perf_counter() - started
            index, min_score, top_k = container.index, relevance_floor(settings), settings.retrieval.top_k
            index.embed_query("warm-up")
            started = time.perf_counter()
            for q in questions:
                found = retrieve(index, q.question, top_k=top_k, min_score=min_score, previous=q.previous)
                kept = bool(found.hits)
                used = found.hits
                if kept and judged:
                    client, judge = judged
                    verdict = asyncio.run(judge(client, q.question, found.hits))
                    kept = verdict.answerable
                    used = [found.hits[i - 1] for i in verdict.fragments if 0 < i <= len(found.hits)] or found.hits
                ranking = documents(found.candidates)
                rows.append({"kind": q.kind, "language": q.language, "question": q.question,
                             "expected": q.expected, "ranking": ranking[:3], "kept": kept,
                             "cited": documents(used) if kept else [],
                             "top_score": round(found.candidates[0].score, 3) if found.candidates else None})
            ask_s = time.perf_counter() - started
            chunks = index.count()
        finally:
            container.close_sync()
    common = {"set": display_path(folder), "questions": len(questions), "chunks": chunks,
              "embedding_model": settings.embeddings.model_dir.name, "mode": settings.retrieval.mode,
              "fusion": settings.retrieval.fusion, "cross_language": settings.retrieval.cross_language,
              "cross_language_offset": settings.retrieval.cross_language_offset,
              "cross_language_floor_offset": settings.retrieval.cross_language_floor_offset,
              "cross_language_lexical_share": settings.retrieval.cross_language_lexical_share,
              "lexical_colloquial_weight": settings.retrieval.lexical_colloquial_weight,
              "lexical_translation_weight": settings.retrieval.lexical_translation_weight,
              "min_score": min_score, "top_k": top_k, "answerability": args.answerability,
              "per_kind": args.per_kind, "ingest_s": round(ingest_s, 2), "ask_s": round(ask_s, 2)}
    return summarise(name, rows, common, ctx)


def summarise(name: str, rows: list[dict[str, Any]], common: dict[str, Any], ctx: RunContext) -> list[dict[str, Any]]:
    """Records per kind, then all answerable and all refusal questions of the set."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["kind"]].append(row)
    groups["all_answerable"] = [r for r in rows if r["expected"] != REFUSE]
    groups["all_refusal"] = [r for r in rows if r["expected"] == REFUSE]
    records = []
    for kind, group in groups.items():
        if not group:
            continue
        n = len(group)
        if group[0]["expected"] == REFUSE:
            metrics = {"refused_fraction": round(sum(not r["kept"] for r in group) / n, 3)}
            misses = [r for r in group if r["kept"]]
        else:
            metrics = {"first_fraction": round(sum(r["ranking"][:1] == [r["expected"]] for r in group) / n, 3),
                       "top3_fraction": round(sum(r["expected"] in r["ranking"][:3] for r in group) / n, 3),
                       "kept_fraction": round(sum(r["kept"] for r in group) / n, 3)}
            misses = [r for r in group if r["expected"] not in r["ranking"][:1] or not r["kept"]]
        record = ctx.record(key={"set": name, "kind": kind}, settings=common, metrics=metrics,
                            counts={"requests": n, "completed": n, "failed": 0}, stopped_by="completed",
                            duration_s=common["ask_s"],
                            notes=["first/top3: the expected document among the first 1/3 distinct documents "
                                   "of the answer path's candidates; kept: the bot would answer; refused: it "
                                   "would say 'not found'",
                                   "the frozen set was written before tuning and is never tuned on; the tuning "
                                   "set is the one retrieval was tuned on"])
        record["details"] = ({"misses_left_out": len(misses)} if name in BLIND else {"misses": misses[:40]})
        records.append(record)
    return records


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Every chosen set in turn."""
    records: list[dict[str, Any]] = []
    for name in args.sets:
        records += run_set(name, args, ctx)
    return records
