"""Bot overhead through the Telegram layer at 1, 8 and 32 concurrent chats.

A real PTB application polls the Bot API emulator (tests/support) on loopback; each chat sends
one question from the sample handbook. Per question: update injected → placeholder sent,
→ first streamed edit, → final edit; overhead = final − LLM time (the answer's own llm_ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402  # after the path set-up above

from benchmarks.answer_latency import percentile  # noqa: E402
from bot.container import Container  # noqa: E402
from bot.knowledge.loaders import iter_files  # noqa: E402
from bot.ops.llm_server import start_embedded  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store.models import AnswerRecord, Message, User  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from inference import llama_server  # noqa: E402
from tests.support.bot_api_emulator import BotApiEmulator  # noqa: E402


async def one_level(tg: BotApiEmulator, container: Container, questions: list[str], chats: int,
                    base_id: int) -> list[dict]:
    """Every chat asks one question at once; timings per question."""
    users = [tg.user(base_id + i, f"User{i}") for i in range(chats)]
    injected: dict[int, float] = {}
    for i, user in enumerate(users):
        injected[user.id] = time.time()  # the emulator stamps calls with wall-clock time
        await tg.inject_message(tg.private_chat(user), user, questions[i % len(questions)])
    for user in users:
        await tg.wait_for(lambda c, uid=user.id: c.method == "editMessageText" and c.error is None  # type: ignore[misc]
                          and c.params.get("parse_mode") == "HTML" and int(c.params["chat_id"]) == uid, 600)
    rows = []
    with Session(container.engine) as session:
        for user in users:
            calls = [c for c in tg.calls if c.error is None and str(c.params.get("chat_id")) == str(user.id)
                     and c.method in ("sendMessage", "editMessageText")]
            placeholder = next(c.time for c in calls if c.method == "sendMessage")
            first_edit = next((c.time for c in calls if c.method == "editMessageText"), None)
            final = [c.time for c in calls
                     if c.method == "editMessageText" and c.params.get("parse_mode") == "HTML"][-1]
            answer = session.exec(select(AnswerRecord).join(Message, Message.id == AnswerRecord.message_id)
                                  .join(User, User.id == Message.user_id).where(User.telegram_id == user.id)).first()
            llm_ms = answer.timings.get("llm_ms", 0.0) if answer else 0.0
            total_ms = (final - injected[user.id]) * 1000
            rows.append({"chats": chats, "placeholder_ms": (placeholder - injected[user.id]) * 1000,
                         "first_edit_ms": (first_edit - injected[user.id]) * 1000 if first_edit else None,
                         "final_ms": total_ms, "llm_ms": llm_ms, "overhead_ms": total_ms - llm_ms,
                         "outcome": answer.outcome.value if answer else None})
    return rows


def stats(values: list[float]) -> dict[str, float]:
    """p50 and p95."""
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1), "n": len(values)}


async def run(args: argparse.Namespace) -> dict:
    """Start the stack, run each concurrency level, summarise."""
    questions = [line.split("\t")[0] for line in (ROOT / "benchmarks/questions_en.txt").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        base_url = f"http://127.0.0.1:{args.port}/v1"
        async with BotApiEmulator() as tg:
            settings = Settings(_env_file=None, data_dir=Path(tmp),  # type: ignore[call-arg]
                                llm={"base_url": base_url, "max_tokens": args.max_tokens},
                                llama_server={"port": args.port, "start_timeout_s": 120},
                                telegram={"token": tg.token, "base_url": tg.base_url, "base_file_url": tg.base_file_url,
                                          "open_access": True, "user_rate_per_minute": 1000})
            server = start_embedded(settings, log_path=Path(args.llm_log or Path(tmp) / "llm.log"))
            container = Container(settings)
            for path in iter_files(ROOT / "samples/handbook/en"):
                container.ingest.ingest_file(path)
            app = build_application(container)
            await app.initialize()
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
            try:
                rows = []
                for level, chats in enumerate(args.levels):
                    rows += await one_level(tg, container, questions, chats, base_id=10_000 * (level + 1))
            finally:
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
                await app.shutdown()
                await container.aclose()
                llama_server.stop(server.pid)
    summary = {str(c): {k: stats([r[k] for r in rows if r["chats"] == c and r[k] is not None])
                        for k in ("placeholder_ms", "first_edit_ms", "final_ms", "llm_ms", "overhead_ms")}
               for c in args.levels}
    return {"benchmark": "telegram_overhead", "edit_interval_s": settings.telegram.edit_interval_s,
            "max_tokens": args.max_tokens,
            "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                         cwd=ROOT).stdout.strip(),
            "by_concurrent_chats": summary, "rows": rows}


def main() -> None:
    """Parse arguments, run, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--llm-log", default=None, help="keep the LLM server log here")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/telegram_overhead.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result["by_concurrent_chats"], indent=1))


if __name__ == "__main__":
    main()
