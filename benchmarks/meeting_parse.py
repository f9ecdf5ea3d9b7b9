"""Meeting-request parsing accuracy: exact match over the labelled RU/EN phrases at a fixed "now".

Each line of ``meeting_phrases.jsonl`` has the text and the expected ``start`` (local, minutes), ``day``,
``duration_min``, ``participants`` and ``problem`` (past / too_far / ambiguous). A phrase counts as correct only
when all five match. Rules alone always run; ``--llm URL`` also runs the rules + LLM fallback against an
OpenAI-compatible server (the model only fills surface fields, the rules compute dates). Results go to
``results/meeting_parse.json``.

    python benchmarks/meeting_parse.py [--llm http://127.0.0.1:8765/v1] [--model NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.dialog.meeting_directory import Directory, Person  # noqa: E402  # after the path set-up above
from bot.dialog.meeting_llm import parse_with_fallback  # noqa: E402
from bot.dialog.meeting_parse import MeetingRequest, parse_meeting  # noqa: E402

PHRASES = Path(__file__).parent / "meeting_phrases.jsonl"
RESULT = Path(__file__).parent / "results" / "meeting_parse.json"
TZ = "Europe/Moscow"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo(TZ))  # a Thursday
DIRECTORY = Directory([
    Person("Иван Иванов", "ivanov@example.org", ("Иванов", "Ивановым", "Ваня", "Ivanov"), 701),
    Person("Анна Смирнова", "anna@example.org", ("Anna Smirnova", "Anna")),
    Person("John Smith", "john@example.org", ("John",)),
])
FIELDS = ("start", "day", "duration_min", "participants", "problem")


def observed(req: MeetingRequest) -> dict[str, Any]:
    """The labelled fields of a parse, in the label format (start to the minute, local time)."""
    return {"start": req.start.strftime("%Y-%m-%dT%H:%M") if req.start else None,
            "day": req.day.isoformat() if req.day else None, "duration_min": req.duration_min,
            "participants": sorted(req.participants), "problem": req.problem}


def score(rows: list[dict[str, Any]], parsed: list[MeetingRequest]) -> dict[str, Any]:
    """Exact-match accuracy overall, per language and per field, and the misses."""
    misses, per_lang, per_field = [], {}, dict.fromkeys(FIELDS, 0)
    for row, req in zip(rows, parsed, strict=True):
        got = observed(req)
        want = {k: (sorted(row[k]) if k == "participants" else row[k]) for k in FIELDS}
        ok = got == want
        lang = per_lang.setdefault(row["lang"], [0, 0])
        lang[0] += ok
        lang[1] += 1
        for k in FIELDS:
            per_field[k] += got[k] == want[k]
        if not ok:
            misses.append({"text": row["text"], "expected": want, "got": got})
    n = len(rows)
    return {"phrases": n, "exact_match": round(sum(v[0] for v in per_lang.values()) / n, 4),
            "by_language": {k: {"exact_match": round(v[0] / v[1], 4), "phrases": v[1]} for k, v in per_lang.items()},
            "by_field": {k: round(v / n, 4) for k, v in per_field.items()}, "misses": misses}


async def run_llm(rows: list[dict[str, Any]], base_url: str, model: str) -> tuple[list[MeetingRequest], float]:
    """Rules + LLM fallback for every phrase; returns the parses and the seconds taken."""
    from inference.llm import LLMClient

    llm = LLMClient(base_url=base_url, api_key="local", model=model, timeout_s=60, connect_timeout_s=3, retries=0,
                    max_tokens=120, temperature=0.0)
    started = time.perf_counter()
    try:
        parsed = [await parse_with_fallback(r["text"], now=NOW, tz=TZ, directory=DIRECTORY, max_days_ahead=90,
                                            llm=llm) for r in rows]
    finally:
        await llm.aclose()
    return parsed, time.perf_counter() - started


def main() -> int:
    """Run the benchmark and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", help="OpenAI-compatible base URL: also measure rules + LLM fallback")
    parser.add_argument("--model", default="dialog-keeper")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    rows = [json.loads(line) for line in PHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    rules = [parse_meeting(r["text"], now=NOW, tz=TZ, directory=DIRECTORY) for r in rows]
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "benchmark": "meeting_parse", "now": NOW.isoformat(), "time_zone": TZ, "python": platform.python_version(),
        "rules": {**score(rows, rules), "ms_per_phrase": round(1000 * seconds / len(rows), 2)},
    }
    if args.llm:
        parsed, llm_seconds = asyncio.run(run_llm(rows, args.llm, args.model))
        result["rules_plus_llm"] = {**score(rows, parsed), "model": args.model,
                                    "llm_used": sum(r.source == "llm" for r in parsed),
                                    "ms_per_phrase": round(1000 * llm_seconds / len(rows), 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summary = {k: {"exact_match": v["exact_match"], "misses": len(v["misses"])} for k, v in result.items()
               if isinstance(v, dict) and "exact_match" in v}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
