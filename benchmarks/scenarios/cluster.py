"""``run cluster``: answers per second and latency with 1, 2, 4 ``dialog`` processes (DK_ROLES) on loopback.

One ``ingress,scheduler`` process polls the Bot API emulator; N ``dialog`` processes claim the kept questions
from PostgreSQL (a lease per claim) and stream answers from fixed-speed OpenAI-compatible stand-ins behind
``vllm-router``, so the bot tier's own scaling is what is measured (the model's pace is fixed by ``--ttft`` and
``--tokens-per-s``). Closed loop: ``--chats`` chats each ask their next question as soon as the last is answered.
Per question: injected → final text (the HTML edit, or the HTML message after drafts): the latency; the
answer's LLM time from its stored timings; bot overhead = latency − LLM time. Shared Redis limits apply
(1 send per second per chat); ``--overall-rate`` lifts the 30 sends/s per bot so that Telegram's cap does not
hide the bot's own ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.records import ROOT, RunContext, display_path
from benchmarks.harness.stats import distribution

DEFAULTS = {"max_requests": 120, "max_seconds": 120.0}
POSTGRES_ADMIN_URL = os.environ.get("DK_TEST_POSTGRES_URL", "postgresql+psycopg://dk:dk@127.0.0.1:5432/postgres")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run cluster``."""
    parser.add_argument("--dialogs", type=int, nargs="+", default=[1, 2, 4], help="dialog processes (default 1 2 4)")
    parser.add_argument("--chats", type=int, default=32, help="chats asking at once (default 32)")
    parser.add_argument("--ttft", type=float, default=0.5, help="stand-ins' time to first token, s (default 0.5)")
    parser.add_argument("--tokens-per-s", type=float, default=40.0, help="stand-ins' decode speed (default 40)")
    parser.add_argument("--tokens", type=int, default=24, help="tokens per answer (default 24)")
    parser.add_argument("--overall-rate", type=int, default=1000, help="sends per second per bot (Telegram: 30)")
    parser.add_argument("--overhead-questions", type=int, default=8,
                        help="questions asked one at a time in one chat, for the overhead p50 (default 8)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples/handbook/en", help="documents to index")
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks/questions_en.txt")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds one answer may take")


def _scratch_database() -> tuple[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"dk_bench_{uuid.uuid4().hex[:10]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop


def _final(call: Any, chat_id: int) -> bool:
    """The answer's final text: the HTML edit (streamed by edits) or the one HTML sendMessage after drafts."""
    return (call.method in ("editMessageText", "sendMessage") and call.error is None
            and call.params.get("parse_mode") == "HTML" and int(call.params["chat_id"]) == chat_id)


def _llm_ms(database_url: str, chat_id: int) -> float | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.timings FROM answer a JOIN message m ON m.id = a.message_id JOIN chat c ON c.id = m.chat_id "
            "WHERE c.telegram_id = :c ORDER BY a.id DESC LIMIT 1"), {"c": chat_id}).first()
    engine.dispose()
    timings = row[0] if row else None
    return float(timings.get("llm_ms", 0.0)) if isinstance(timings, dict) else None


async def _ask(tg: Any, database_url: str, chat_no: int, question: str, timeout_s: float) -> dict[str, Any]:
    user = tg.user(chat_no, f"User{chat_no}")
    chat = tg.private_chat(user)
    since = tg.mark()
    injected = time.time()
    await tg.inject_message(chat, user, question)
    try:
        call = await tg.wait_for(lambda c: _final(c, chat.id), timeout_s, since=since)
    except TimeoutError:
        return {"error": f"no final text within {timeout_s:.0f} s"}
    latency_ms = (call.time - injected) * 1000
    llm_ms = await asyncio.to_thread(_llm_ms, database_url, chat.id)
    return {"latency_ms": latency_ms, "llm_ms": llm_ms,
            "overhead_ms": latency_ms - llm_ms if llm_ms is not None else None, "error": None}


async def _level(args: argparse.Namespace, ctx: RunContext, dialogs: int, questions: list[str]) -> dict[str, Any]:
    from tests.support.bot_api_emulator import BotApiEmulator
    from tests.support.cluster import Cluster, bot_env, copy_knowledge, seed_knowledge

    database_url, drop = await asyncio.to_thread(_scratch_database)
    workdir = Path(tempfile.mkdtemp(prefix=f"dk-cluster-{dialogs}-"))
    cluster = Cluster(workdir)
    try:
        async with BotApiEmulator() as tg:
            seed = await asyncio.to_thread(seed_knowledge, workdir, database_url, args.corpus)
            llm_url = await asyncio.to_thread(cluster.start_llm, 2, ttft=args.ttft, tokens_per_s=args.tokens_per_s,
                                              tokens=args.tokens)
            redis_url = os.environ.get("DK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
            env = bot_env(tg_token=tg.token, tg_base_url=tg.base_url, tg_file_url=tg.base_file_url,
                          database_url=database_url, llm_url=llm_url, redis_url=redis_url,
                          max_tokens=args.tokens + 8)
            env["DK_TELEGRAM__OVERALL_RATE_PER_S"] = str(args.overall_rate)
            for n in range(dialogs):
                store = copy_knowledge(seed, workdir / f"qdrant-{n}")
                cluster.start_bot(f"dialog-{n}", "dialog", {**env, "DK_QDRANT__PATH": str(store)})
            cluster.start_bot("ingress", "ingress,scheduler", env)
            warm = await _ask(tg, database_url, 1, questions[0], 120)  # every process imported and connected
            if warm.get("error"):
                raise RuntimeError(f"the cluster did not answer: {warm['error']}")
            overhead = [await _ask(tg, database_url, 2, questions[i % len(questions)], args.request_timeout)
                        for i in range(args.overhead_questions)]
            budget = Budget(args.max_requests, args.max_seconds)
            bar = progress(args.max_requests, f"cluster dialogs={dialogs}", enabled=ctx.progress)
            rows: list[dict[str, Any]] = []
            numbers = itertools.count()

            async def chat(chat_no: int) -> None:
                while budget.take():
                    i = next(numbers)
                    rows.append(await _ask(tg, database_url, chat_no, questions[i % len(questions)],
                                           args.request_timeout))
                    bar.update(1)

            started = time.perf_counter()
            await asyncio.gather(*(chat(1000 + c) for c in range(args.chats)))
            duration = time.perf_counter() - started
            bar.close()
    finally:
        await asyncio.to_thread(cluster.close)
        await asyncio.to_thread(drop)
    done = [r for r in rows if r.get("error") is None]
    quiet = [r for r in overhead if r.get("error") is None and r.get("overhead_ms") is not None]
    metrics = {"answers_per_s": round(len(done) / max(duration, 1e-9), 3),
               "latency_ms": distribution([r["latency_ms"] for r in done], digits=1),
               "llm_ms": distribution([r["llm_ms"] for r in done if r["llm_ms"] is not None], digits=1),
               "overhead_1chat_ms": distribution([r["overhead_ms"] for r in quiet], digits=1)}
    settings = {"dialogs": dialogs, "chats": args.chats, "ttft_s": args.ttft, "tokens_per_s": args.tokens_per_s,
                "tokens": args.tokens, "llm_servers": 2, "router": "vllm-router consistent_hash",
                "overall_rate_per_s": args.overall_rate, "corpus": display_path(args.corpus),
                "store": "postgresql", "max_requests": args.max_requests, "max_seconds": args.max_seconds,
                "cpu_count": os.cpu_count()}
    return ctx.record(key={"dialogs": dialogs}, settings=settings, metrics=metrics,
                      counts={"requests": len(rows), "completed": len(done), "failed": len(rows) - len(done)},
                      stopped_by=budget.stopped_by, duration_s=duration,
                      notes=["overhead_1chat_ms = latency − LLM time, one question at a time in one chat",
                             "every process shares the same cores: the ratio flattens where the CPU saturates"],
                      errors=[r["error"] for r in rows if r.get("error")])


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """One record per number of dialog processes, each on a fresh cluster and database."""
    from benchmarks.scenarios.llm import load_prompts

    questions = load_prompts(args.questions)
    records = [asyncio.run(_level(args, ctx, dialogs, questions)) for dialogs in args.dialogs]
    base = records[0]["metrics"]["answers_per_s"] or 1e-9
    for record in records:
        record["metrics"]["answers_per_s_ratio"] = round(record["metrics"]["answers_per_s"] / base, 2)
    return records
