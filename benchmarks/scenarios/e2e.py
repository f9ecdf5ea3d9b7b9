"""``run e2e``: a question's way through the real bot at rising concurrency, as the user sees it.

A real PTB application polls the Bot API emulator (tests/support) on loopback; N chats ask at
once, each chat one question, the next chat asking as soon as one is answered (closed loop).
Per question: update injected → placeholder shown (a placeholder message, or the empty
"Thinking…" draft), → first visible text (the first streamed edit, or the first draft with
text), → final message (the final HTML edit, or the one sendMessage after the drafts), and the
Bot API calls the answer took; the answer's own LLM time and TTFT come from its stored timings,
and bot overhead = final − LLM time. ``--stream edits|auto`` compares edits with drafts in
private chats. One record per concurrency level.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.embedded import run_on_endpoint
from benchmarks.harness.records import ROOT, RunContext, display_path, make_settings
from benchmarks.harness.stats import distribution
from benchmarks.scenarios.llm import add_endpoint_arguments, load_prompts

if TYPE_CHECKING:
    from bot.container import Container
    from tests.support.bot_api_emulator import BotApiEmulator

DEFAULTS = {"max_requests": 32, "max_seconds": 180.0}
TIMINGS = ("placeholder_ms", "first_text_ms", "final_ms", "llm_ms", "llm_ttft_ms", "overhead_ms", "final_after_llm_ms",
           "bot_api_calls", "bot_api_calls_no_typing", "embed_ms", "search_ms", "prompt_ms")
SHOWN = ("sendMessage", "editMessageText", "sendMessageDraft")  # the calls that put text in front of the user


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run e2e``."""
    add_endpoint_arguments(parser)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 32],
                        help="chats asking at once (default 1 4 16 32)")
    parser.add_argument("--max-tokens", type=int, default=24, help="the bot's max_tokens per answer (default 24)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples/handbook/en", help="documents to index")
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks/questions_en.txt")
    parser.add_argument("--request-timeout", type=float, default=300.0, help="seconds one answer may take")
    parser.add_argument("--warmup", type=int, default=1, help="questions asked first and not measured (default 1)")
    parser.add_argument("--chat", choices=["private", "group"], default="private",
                        help="where questions are asked: private chats, or groups with /ask (paced edits)")
    parser.add_argument("--stream", choices=["auto", "edits"], default="auto",
                        help="DK_TELEGRAM__STREAM: auto = drafts in private chats (default), edits = edits everywhere")


@asynccontextmanager
async def bot_stack(data_dir: Path, *, base_url: str, model: str, api_key: str | None, max_tokens: int,
                    corpus: Path, stream: str = "auto") -> AsyncIterator[tuple[BotApiEmulator, Container]]:
    """The emulator, a container over ``corpus`` and the running bot (polling), stopped afterwards."""
    from bot.container import Container
    from bot.knowledge.loaders import iter_files
    from bot.telegram.app import build_application
    from tests.support.bot_api_emulator import BotApiEmulator

    async with BotApiEmulator() as tg:
        settings = make_settings(data_dir=data_dir,
                                 llm={"base_url": base_url, "model": model, "api_key": api_key or "local",
                                      "max_tokens": max_tokens},
                                 telegram={"token": tg.token, "base_url": tg.base_url,
                                           "base_file_url": tg.base_file_url, "open_access": True,
                                           "user_rate_per_minute": 100_000, "stream": stream})
        container = Container(settings)
        for path in iter_files(corpus):
            container.ingest.ingest_file(path)
        app = build_application(container)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield tg, container
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await container.aclose()


def _is_final(call: Any, chat_id: int) -> bool:
    return (call.method in ("editMessageText", "sendMessage") and call.error is None
            and call.params.get("parse_mode") == "HTML" and int(call.params["chat_id"]) == chat_id)


def _row(tg: BotApiEmulator, container: Container, chat_id: int, injected: float, since: int, *,
         user_id: int) -> dict[str, Any]:
    """Timings of one answered question from the emulator's call log and the stored answer."""
    from sqlmodel import Session, col, select

    from bot.store.models import AnswerRecord, Message, User

    mine = [c for c in tg.calls[since:] if str(c.params.get("chat_id")) == str(chat_id)]
    final_call = next((c for c in mine if _is_final(c, chat_id)), None)
    mine = mine[:mine.index(final_call) + 1] if final_call is not None else mine
    calls = [c for c in mine if c.error is None and c.method in SHOWN]
    placeholder = next((c.time for c in calls if c.method in ("sendMessage", "sendMessageDraft")), None)
    first_text = next((c.time for c in calls if c.method == "editMessageText"
                       or (c.method == "sendMessageDraft" and c.params.get("text"))), None)
    final = final_call.time if final_call is not None else None
    if placeholder is None or final is None:
        return {"chat_id": chat_id, "error": "no placeholder or no final message"}
    if first_text is None:  # a short answer may go from the placeholder straight to the final message
        first_text = final
    with Session(container.engine) as session:
        answer = session.exec(select(AnswerRecord).join(Message, col(Message.id) == col(AnswerRecord.message_id))
                              .join(User, col(User.id) == col(Message.user_id))
                              .where(User.telegram_id == user_id)).first()
    timings = answer.timings if answer else {}
    llm_ms = float(timings.get("llm_ms", 0.0))
    final_ms = (final - injected) * 1000
    # the model's last token, on the same wall clock: the answer's start plus its total time
    llm_done = answer.created_at.timestamp() + float(timings.get("total_ms", 0.0)) / 1000 if answer else final
    return {"final_after_llm_ms": (final - llm_done) * 1000, "chat_id": chat_id,
            "placeholder_ms": (placeholder - injected) * 1000,
            "first_text_ms": (first_text - injected) * 1000, "final_ms": final_ms, "llm_ms": llm_ms,
            "bot_api_calls": len(mine), "bot_api_calls_no_typing": sum(c.method != "sendChatAction" for c in mine),
            "llm_ttft_ms": float(timings.get("ttft_ms", 0.0)), "overhead_ms": final_ms - llm_ms,
            # where the overhead goes before the model is asked (the answer's stored timings)
            "embed_ms": float(timings.get("embed_ms", 0.0)), "search_ms": float(timings.get("retrieve_ms", 0.0)),
            "prompt_ms": float(timings.get("prompt_ms", 0.0)),
            "outcome": answer.outcome.value if answer else None, "error": None}


async def ask(tg: BotApiEmulator, container: Container, chat_id: int, question: str,
              timeout_s: float, *, group: bool = False) -> dict[str, Any]:
    """One user asks one question in a private chat (or, ``group``, with /ask in a group of its own)."""
    user = tg.user(chat_id, f"User{chat_id}")
    chat = tg.group_chat(-chat_id, f"Group {chat_id}") if group else tg.private_chat(user)
    since = tg.mark()
    injected = time.time()  # the emulator stamps calls with wall-clock time
    await tg.inject_message(chat, user, f"/ask {question}" if group else question)
    try:
        await tg.wait_for(lambda c: _is_final(c, chat.id), timeout_s, since=since)
    except TimeoutError:
        return {"chat_id": chat.id, "error": f"no final edit within {timeout_s:.0f} s"}
    return _row(tg, container, chat.id, injected, since, user_id=chat_id)


async def run_level(tg: BotApiEmulator, container: Container, questions: list[str], concurrency: int,
                    budget: Budget, *, base_id: int, timeout_s: float, group: bool = False,
                    bar: Any = None) -> tuple[list[dict[str, Any]], float]:
    """``concurrency`` chats ask in a closed loop until the budget says stop; rows and the wall duration."""
    rows: list[dict[str, Any]] = []
    numbers = itertools.count()

    async def chat() -> None:
        while budget.take():
            i = next(numbers)
            rows.append(await ask(tg, container, base_id + i, questions[i % len(questions)], timeout_s, group=group))
            if bar is not None:
                bar.update(1)

    started = time.perf_counter()
    await asyncio.gather(*(chat() for _ in range(concurrency)))
    return rows, time.perf_counter() - started


def summarise_level(rows: list[dict[str, Any]], duration_s: float) -> tuple[dict[str, Any], dict[str, int]]:
    """Distributions of each timing over the answered questions, throughput and counts."""
    done = [r for r in rows if r.get("error") is None]
    metrics: dict[str, Any] = {name: distribution([r[name] for r in done], digits=1) for name in TIMINGS}
    metrics["answers_per_s"] = round(len(done) / max(duration_s, 1e-9), 4)
    counts = {"requests": len(rows), "completed": len(done), "failed": len(rows) - len(done),
              "answered": sum(r.get("outcome") == "answered" for r in done),
              "not_found": sum(r.get("outcome") == "not_found" for r in done)}
    return metrics, counts


async def _measure(args: argparse.Namespace, ctx: RunContext, data_dir: Path, endpoint: Any) -> list[dict[str, Any]]:
    questions = load_prompts(args.questions)
    records = []
    async with bot_stack(data_dir, base_url=endpoint.base_url, model=endpoint.model, api_key=endpoint.api_key,
                         max_tokens=args.max_tokens, corpus=args.corpus, stream=args.stream) as (tg, container):
        settings_ = container.settings
        ctx.models["embeddings"] = settings_.embeddings.model_dir.name
        for i in range(args.warmup):  # first-use costs of the models and the bot
            await ask(tg, container, 1 + i, questions[i % len(questions)], args.request_timeout,
                      group=args.chat == "group")
        for level, concurrency in enumerate(args.concurrency, start=1):
            budget = Budget(args.max_requests, args.max_seconds)
            bar = progress(args.max_requests, f"e2e c={concurrency}", enabled=ctx.progress)
            rows, duration = await run_level(tg, container, questions, concurrency, budget, base_id=100_000 * level,
                                              timeout_s=args.request_timeout, group=args.chat == "group", bar=bar)
            bar.close()
            metrics, counts = summarise_level(rows, duration)
            settings = {"concurrency": concurrency, "effective_concurrency": min(concurrency, args.max_requests),
                        "max_tokens": args.max_tokens, "corpus": display_path(args.corpus),
                        "questions": Path(args.questions).name, "warmup": args.warmup,
                        "edit_interval_s": settings_.telegram.edit_interval_s, "chat": args.chat,
                        "stream": args.stream, "draft_interval_s": settings_.telegram.draft_interval_s,
                        "group_edit_interval_s": settings_.telegram.group_edit_interval_s,
                        "store": settings_.db_url.split(":")[0],
                        "request_timeout_s": args.request_timeout, "max_requests": args.max_requests,
                        "max_seconds": args.max_seconds, "endpoint": endpoint.kind, "base_url": endpoint.base_url,
                        "model": endpoint.model, "transport": "Bot API emulator on loopback, PTB long polling"}
            key: dict[str, Any] = {"concurrency": concurrency, **({"chat": "group"} if args.chat == "group" else {}),
                                   **({"stream": "drafts"} if args.chat == "private" and args.stream == "auto" else {})}
            records.append(ctx.record(key=key, settings=settings,
                                      metrics=metrics,
                                      counts=counts, stopped_by=budget.stopped_by, duration_s=duration,
                                      notes=["overhead_ms = final_ms − llm_ms (everything the bot adds around "
                                             "the model, Telegram transport included)",
                                             "bot_api_calls: every Bot API call of the answer's chat from the "
                                             "question to the final message (typing actions included)"],
                                      errors=[r["error"] for r in rows if r.get("error")]))
    return records


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Start the stack, measure every concurrency level; one record each."""
    return run_on_endpoint(args, ctx, lambda endpoint, folder: _measure(args, ctx, folder, endpoint))
