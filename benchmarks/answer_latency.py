"""Per-question latency of the embedded stack: embed, retrieve, prompt, TTFT, LLM, total, overhead.

Starts its own llama.cpp server and a scratch knowledge base (the sample handbook), asks every
question of ``questions_en.txt`` (+ ``questions_absent.txt``), and writes p50/p95 per stage as JSON.
Bot overhead = total − LLM time (everything the bot adds around the model).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness.records import make_settings  # noqa: E402  # after the path set-up above
from bot.container import Container  # noqa: E402
from bot.knowledge.floor import relevance_floor  # noqa: E402
from bot.knowledge.loaders import iter_files  # noqa: E402
from bot.ops.llm_server import start_embedded  # noqa: E402
from inference import llama_server  # noqa: E402

STAGES = ["embed_ms", "retrieve_ms", "prompt_ms", "ttft_ms", "llm_ms", "total_ms", "overhead_ms"]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarise(rows: list[dict], stage: str) -> dict[str, float]:
    """p50/p95/mean of one stage over the rows that have it."""
    values = [r[stage] for r in rows if r.get(stage) is not None]
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "mean": round(statistics.fmean(values), 2) if values else 0.0, "n": len(values)}


async def run(args: argparse.Namespace) -> dict:
    """Ask every question and collect the timings."""
    questions = [line.split("\t") for line in Path(args.questions).read_text().splitlines() if line.strip()]
    absent = [[q, ""] for q in Path(args.absent).read_text().splitlines() if q.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        port = args.port
        settings = make_settings(data_dir=Path(tmp),
                                 llm={"base_url": f"http://127.0.0.1:{port}/v1", "max_tokens": args.max_tokens},
                                 llama_server={"port": port, "start_timeout_s": 120})
        server = start_embedded(settings, log_path=Path(tmp) / "llm.log")
        container = Container(settings)
        try:
            started = time.perf_counter()
            chunks = sum(container.ingest.ingest_file(p).chunks for p in iter_files(ROOT / "samples/handbook"))
            ingest_s = time.perf_counter() - started
            await container.answers.answer("warm-up: how many vacation days?")  # first call pays model warm-up
            rows = []
            for question, expected in [*questions[: args.limit], *absent]:
                answer = await container.answers.answer(question)
                t = answer.timings
                rows.append({"question": question, "expected": expected, "outcome": answer.outcome.value,
                             "top_source": Path(answer.sources[0].source).name if answer.sources else None,
                             **{k: round(getattr(t, k), 2) for k in STAGES}})
                print(f"{t.total_ms:8.0f} ms  {answer.outcome.value:9}  {question}", file=sys.stderr)
        finally:
            await container.aclose()
            llama_server.stop(server.pid)
    answered = [r for r in rows if r["outcome"] == "answered"]
    labelled = [r for r in rows if r["expected"]]
    return {
        "benchmark": "answer_latency", "stack": f"embedded (llama.cpp SmolLM2-135M Q4_1, "
                                                f"{settings.embeddings.model_dir.name}, local Qdrant)",
        "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=ROOT).stdout.strip(),
        "host": {"machine": platform.machine(), "processor": platform.processor() or platform.machine(),
                 "python": platform.python_version()},
        "settings": {"max_tokens": args.max_tokens, "top_k": settings.retrieval.top_k,
                     "min_score": relevance_floor(settings)},
        "ingest": {"chunks": chunks, "seconds": round(ingest_s, 2), "chunks_per_s": round(chunks / ingest_s, 1)},
        "questions": len(rows), "answered": len(answered),
        "not_found": sum(r["outcome"] == "not_found" for r in rows),
        "top1_hit_rate": round(sum(r["top_source"] == r["expected"] for r in labelled) / max(len(labelled), 1), 3),
        "absent_refused": sum(r["outcome"] == "not_found" for r in rows if not r["expected"]),
        "answered_ms": {stage: summarise(answered, stage) for stage in STAGES},
        "all_ms": {stage: summarise(rows, stage) for stage in ["embed_ms", "retrieve_ms", "total_ms", "overhead_ms"]},
        "rows": rows,
    }


def main() -> None:
    """Parse arguments, run, write JSON."""
    here = Path(__file__).parent
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", default=str(here / "questions_en.txt"))
    parser.add_argument("--absent", default=str(here / "questions_absent.txt"))
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--out", default=str(here / "results/answer_latency.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    a = result["answered_ms"]
    print(json.dumps({k: a[k] for k in ("ttft_ms", "total_ms", "overhead_ms")}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
