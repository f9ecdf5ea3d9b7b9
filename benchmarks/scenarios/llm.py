"""``run llm``: serving latency and throughput of an OpenAI-compatible LLM at rising concurrency.

The definitions are those of ``vllm bench serve`` (closed loop: at most N requests in flight,
the next one sent as soon as one ends): TTFT, TPOT = (E2E − TTFT) / (output tokens − 1), ITL
(every gap between streamed tokens, pooled over requests), E2E latency, output throughput =
output tokens of completed requests / wall duration, request throughput = completed / duration.
One record per concurrency level. Without ``--base-url`` the embedded llama.cpp server is started.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.embedded import LLMEndpoint, run_on_endpoint
from benchmarks.harness.records import ROOT, RunContext
from benchmarks.harness.stats import distribution
from benchmarks.scenarios.openai_stream import StreamResult, chat_payload, stream_chat

DEFAULTS = {"max_requests": 64, "max_seconds": 120.0}
DEFAULT_PROMPTS = ROOT / "benchmarks/questions_en.txt"
CHUNK_COUNT_NOTE = ("the server sent no usage in the stream (stream_options.include_usage ignored): output "
                    "tokens are the streamed content chunks (llama-cpp-python sends one token per chunk)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run llm``."""
    add_endpoint_arguments(parser)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 32],
                        help="levels: requests in flight at once (default 1 4 16 32)")
    parser.add_argument("--max-tokens", type=int, default=128, help="max_tokens per request (default 128)")
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--ignore-eos", action="store_true",
                        help="ask for exactly --max-tokens tokens (vLLM honours it; llama.cpp ignores it)")
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS,
                        help="one prompt per line (text before a tab); used in turn")
    parser.add_argument("--warmup", type=int, default=1, help="requests sent first and not measured")
    parser.add_argument("--request-timeout", type=float, default=300.0, help="seconds one request may take")


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """Which LLM: an OpenAI-compatible URL, or the embedded llama.cpp server when none is given."""
    parser.add_argument("--base-url", default=None, help="OpenAI-compatible /v1 URL (vLLM); default: the "
                                                         "embedded llama.cpp server on a free port")
    parser.add_argument("--model", default=None, help="served model name (default: the server's first)")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY"),
                        help="bearer token (default $OPENAI_API_KEY); never written to results")
    parser.add_argument("--llm-log", type=Path, default=None, help="keep the embedded server's log here")


def load_prompts(path: Path) -> list[str]:
    """The prompts of a file: one per line, the text before the first tab."""
    prompts = [line.split("\t")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [p for p in prompts if p] or ["Hello"]


def summarise_level(results: list[StreamResult], duration_s: float) -> tuple[dict[str, Any], dict[str, int]]:
    """The metrics of one level, as ``vllm bench serve`` computes them, and the request counts."""
    done = [r for r in results if r.ok]
    output = sum(r.output_tokens for r in done)
    duration_s = max(duration_s, 1e-9)
    metrics: dict[str, Any] = {
        "ttft_ms": distribution([r.ttft * 1000 for r in done if r.ttft is not None]),
        "tpot_ms": distribution([t * 1000 for r in done if (t := r.tpot) is not None]),
        "itl_ms": distribution([gap * 1000 for r in done for gap in r.itl]),
        "e2el_ms": distribution([r.latency * 1000 for r in done]),
        "output_tokens_per_request": distribution([float(r.output_tokens) for r in done], digits=1),
        "request_throughput_per_s": round(len(done) / duration_s, 4),
        "output_throughput_tok_s": round(output / duration_s, 3),
    }
    prompt_tokens = [r.usage_prompt_tokens for r in done]
    if done and all(p is not None for p in prompt_tokens):
        metrics["total_token_throughput_tok_s"] = round((sum(p or 0 for p in prompt_tokens) + output) / duration_s, 3)
    counts = {"requests": len(results), "completed": len(done), "failed": len(results) - len(done),
              "output_tokens": output}
    return metrics, counts


def token_source(results: list[StreamResult]) -> str:
    """Where output-token counts came from: ``usage``, ``stream_chunks`` or ``mixed``."""
    from_usage = {r.usage_output_tokens is not None for r in results if r.ok}
    if from_usage == {True}:
        return "usage"
    return "stream_chunks" if from_usage == {False} else "mixed"


async def _level(client: httpx.AsyncClient, endpoint: LLMEndpoint, args: argparse.Namespace,
                 prompts: itertools.cycle[str], concurrency: int,
                 enabled: bool) -> tuple[list[StreamResult], float, str]:
    budget = Budget(args.max_requests, args.max_seconds)
    results: list[StreamResult] = []
    url = f"{endpoint.base_url}/chat/completions"
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    bar = progress(args.max_requests, f"llm c={concurrency}", enabled=enabled)

    async def worker() -> None:
        while budget.take():
            payload = chat_payload(model=endpoint.model, prompt=next(prompts), max_tokens=args.max_tokens,
                                   temperature=args.temperature, ignore_eos=args.ignore_eos)
            results.append(await stream_chat(client, url, payload, headers=headers, timeout_s=args.request_timeout))
            bar.update(1)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    duration = time.perf_counter() - started
    bar.close()
    return results, duration, budget.stopped_by


async def _measure(args: argparse.Namespace, ctx: RunContext, endpoint: LLMEndpoint) -> list[dict[str, Any]]:
    prompts = itertools.cycle(load_prompts(args.prompts))
    limits = httpx.Limits(max_connections=max(args.concurrency) + 4, max_keepalive_connections=max(args.concurrency))
    records = []
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(args.request_timeout)) as client:
        for _ in range(args.warmup):
            payload = chat_payload(model=endpoint.model, prompt=next(prompts), max_tokens=args.max_tokens,
                                   temperature=args.temperature, ignore_eos=args.ignore_eos)
            await stream_chat(client, f"{endpoint.base_url}/chat/completions", payload,
                              headers={"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {},
                              timeout_s=args.request_timeout)
        for concurrency in args.concurrency:
            results, duration, stopped_by = await _level(client, endpoint, args, prompts, concurrency, ctx.progress)
            metrics, counts = summarise_level(results, duration)
            source = token_source(results)
            settings = {"concurrency": concurrency, "effective_concurrency": min(concurrency, args.max_requests),
                        "max_tokens": args.max_tokens, "temperature": args.temperature, "ignore_eos": args.ignore_eos,
                        "prompts": Path(args.prompts).name, "warmup": args.warmup,
                        "request_timeout_s": args.request_timeout, "max_requests": args.max_requests,
                        "max_seconds": args.max_seconds, "endpoint": endpoint.kind, "base_url": endpoint.base_url,
                        "model": endpoint.model, "stream_options_include_usage": True,
                        "output_tokens_from": source}
            notes = [CHUNK_COUNT_NOTE] if source != "usage" else []
            if "total_token_throughput_tok_s" not in metrics:
                notes.append("no prompt-token counts from the server: total_token_throughput_tok_s not reported")
            records.append(ctx.record(key={"concurrency": concurrency}, settings=settings, metrics=metrics,
                                      counts=counts, stopped_by=stopped_by, duration_s=duration, notes=notes,
                                      errors=[r.error for r in results if r.error]))
    return records


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Measure every concurrency level; one record each."""
    return run_on_endpoint(args, ctx, lambda endpoint, _: _measure(args, ctx, endpoint))
