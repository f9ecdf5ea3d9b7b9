"""Bot overhead through the Telegram layer at 1, 8 and 32 concurrent chats (the older report).

A thin wrapper over the harness's e2e scenario (``python -m benchmarks run e2e`` measures the
same at any concurrency, bounded, as JSON lines): a real PTB application polls the Bot API
emulator (tests/support) on loopback; at each level every chat asks one question at once. Per
question: update injected → placeholder sent, → first streamed edit, → final edit; overhead =
final − LLM time (the answer's own llm_ms). Writes ``results/telegram_overhead.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness.bounds import Budget  # noqa: E402  # after the path set-up above
from benchmarks.harness.embedded import embedded_llm  # noqa: E402
from benchmarks.harness.records import environment  # noqa: E402
from benchmarks.harness.stats import percentile  # noqa: E402
from benchmarks.scenarios.e2e import bot_stack, run_level  # noqa: E402
from benchmarks.scenarios.llm import load_prompts  # noqa: E402

# old report name → the e2e scenario's row field
FIELDS = {"placeholder_ms": "placeholder_ms", "first_edit_ms": "first_text_ms", "final_ms": "final_ms",
          "llm_ms": "llm_ms", "overhead_ms": "overhead_ms"}


def stats(values: list[float]) -> dict[str, float]:
    """p50 and p95."""
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1), "n": len(values)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, run each concurrency level (one question per chat, all at once), summarise."""
    questions = load_prompts(ROOT / "benchmarks/questions_en.txt")
    rows: list[dict[str, Any]] = []
    with (tempfile.TemporaryDirectory() as tmp,
          embedded_llm(Path(args.llm_log or Path(tmp) / "llm.log"), port=args.port) as llm):
        async with bot_stack(Path(tmp), base_url=llm.base_url, model=llm.model, api_key=None,
                             max_tokens=args.max_tokens, corpus=ROOT / "samples/handbook/en") as (tg, container):
            edit_interval = container.settings.telegram.edit_interval_s
            for level, chats in enumerate(args.levels):
                found, _ = await run_level(tg, container, questions, chats, Budget(chats, 3600.0),
                                           base_id=10_000 * (level + 1), timeout_s=600.0)
                rows += [{"chats": chats, **{old: r.get(new) for old, new in FIELDS.items()},
                          "outcome": r.get("outcome"), "error": r.get("error")} for r in found]
    summary = {str(c): {k: stats([r[k] for r in rows if r["chats"] == c and r[k] is not None]) for k in FIELDS}
               for c in args.levels}
    return {"benchmark": "telegram_overhead", "edit_interval_s": edit_interval, "max_tokens": args.max_tokens,
            "git_commit": environment()["git_commit"], "by_concurrent_chats": summary, "rows": rows}


def main() -> None:
    """Parse arguments, run, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
