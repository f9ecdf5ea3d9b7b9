"""Meeting-request parsing accuracy: exact match over labelled RU/EN phrases at a fixed "now", per set and kind.

Six sets: ``frozen/meeting_phrases.jsonl`` (written before tuning; the rules were later tuned on it too, so
its figure is an upper bound), ``tuning/meeting_phrases.jsonl`` (the phrases the rules were tuned on), and two
written blind on 2026-12-02 by a writer who saw neither the rules nor the earlier sets: ``frozen2/`` (only
measured: the real figure) and ``tuning2/`` (what later tuning may look at); ``tuning3/`` and ``tuning4/``
(typos of day words, relative and vague days), each written blind before its round read the rules, are tuned
on too. Each line has the text and the expected
``start`` (local, minutes; with the offset where a row has its own ``now``/``tz``), ``day``, ``duration_min``,
``participants`` and ``problem`` (past / too_far / ambiguous, or ``ask``: no day may be picked). A phrase counts
as correct only when all five match. A **silently wrong day** is a parse that picked a day (no problem flagged)
other than the expected one, or any day where ``ask`` was expected. Rules alone always run; ``--llm URL`` also
runs the rules + LLM fallback against an OpenAI-compatible server. Results go to ``results/meeting_parse.json``;
the blind set's misses are left out of it (figures only), so that nobody tunes on its phrases by reading them.

    python benchmarks/meeting_parse.py [--llm http://127.0.0.1:8765/v1] [--model NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.dialog.meetings.directory import Directory, Person  # noqa: E402  # after the path set-up above
from bot.dialog.meetings.llm import parse_with_fallback  # noqa: E402
from bot.dialog.meetings.parse import MeetingRequest, parse_meeting  # noqa: E402

# frozen2/tuning2: written blind on 2026-12-02, after the rules had been tuned on frozen (see frozen2/README.md);
# tuning3, tuning4: each written blind before its round read the rules (see their README.md)
SETS = {name: Path(__file__).parent / name / "meeting_phrases.jsonl"
        for name in ("frozen", "tuning", "frozen2", "tuning2", "tuning3", "tuning4")}
BLIND = ("frozen2",)  # only figures are written for these, never the phrases missed
RESULT = Path(__file__).parent / "results" / "meeting_parse.json"
TZ = "Europe/Moscow"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo(TZ))  # a Thursday
DIRECTORY = Directory([
    Person("Иван Иванов", "ivanov@example.org", ("Иванов", "Ивановым", "Ваня", "Ivanov"), 701),
    Person("Анна Смирнова", "anna@example.org", ("Anna Smirnova", "Anna")),
    Person("John Smith", "john@example.org", ("John",)),
])
FIELDS = ("start", "day", "duration_min", "participants", "problem")


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled phrases of one JSONL set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def row_now(row: dict[str, Any]) -> tuple[datetime, str]:
    """The "now" and zone a phrase is read against: the row's own, else the fixed Thursday noon in Moscow."""
    tz = row.get("tz", TZ)
    return (datetime.fromisoformat(row["now"]).astimezone(ZoneInfo(tz)) if "now" in row else NOW), tz


def parse_row(row: dict[str, Any]) -> MeetingRequest:
    """The rules' parse of one labelled phrase."""
    now, tz = row_now(row)
    return parse_meeting(row["text"], now=now, tz=tz, directory=DIRECTORY)


def observed(req: MeetingRequest, want: dict[str, Any]) -> dict[str, Any]:
    """The labelled fields of a parse, in the label format (start to the minute, local; offset if labelled)."""
    with_offset = isinstance(want.get("start"), str) and len(want["start"]) > 16
    start = None
    if req.start:
        start = req.start.isoformat(timespec="minutes") if with_offset else req.start.strftime("%Y-%m-%dT%H:%M")
    problem = req.problem
    if want.get("problem") == "ask" and req.start is None and req.day is None:
        problem = "ask"  # any way of not picking a day (nothing found, unclear, ambiguous) asks the user
    return {"start": start, "day": req.day.isoformat() if req.day else None, "duration_min": req.duration_min,
            "participants": sorted(req.participants), "problem": problem}


def wrong_day(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """A day was picked with no problem flagged, and it is not the expected day."""
    got_day = (got["start"] or "")[:10] or got["day"]
    want_day = (want["start"] or "")[:10] or want["day"]
    return got_day is not None and got["problem"] is None and got_day != want_day


def score(rows: Sequence[dict[str, Any]], parsed: Sequence[MeetingRequest]) -> dict[str, Any]:
    """Exact-match accuracy overall, per language, per kind and per field; silently wrong days; the misses."""
    misses, wrong, per_lang, per_kind, per_field = [], 0, {}, {}, dict.fromkeys(FIELDS, 0)
    for row, req in zip(rows, parsed, strict=True):
        want = {k: (sorted(row[k]) if k == "participants" else row[k]) for k in FIELDS}
        got = observed(req, want)
        ok = got == want
        silently = wrong_day(got, want)
        wrong += silently
        for bucket, key in ((per_lang, row["lang"]), (per_kind, row.get("kind", "plain"))):
            counts = bucket.setdefault(key, [0, 0, 0])
            counts[0] += ok
            counts[1] += 1
            counts[2] += silently
        for k in FIELDS:
            per_field[k] += got[k] == want[k]
        if not ok:
            misses.append({"text": row["text"], "expected": want, "got": got, "silently_wrong_day": silently})
    n = len(rows)

    def table(bucket: dict[str, list[int]]) -> dict[str, dict[str, float]]:
        return {k: {"exact_match": round(v[0] / v[1], 4), "phrases": v[1], "silently_wrong_days": v[2]}
                for k, v in sorted(bucket.items())}

    return {"phrases": n, "exact_match": round(sum(v[0] for v in per_lang.values()) / n, 4),
            "silently_wrong_days": wrong, "by_language": table(per_lang), "by_kind": table(per_kind),
            "by_field": {k: round(v / n, 4) for k, v in per_field.items()}, "misses": misses}


async def run_llm(rows: Sequence[dict[str, Any]], base_url: str, model: str
                  ) -> tuple[list[MeetingRequest], float]:
    """Rules + LLM fallback for every phrase; returns the parses and the seconds taken."""
    from inference.llm import LLMClient

    llm = LLMClient(base_url=base_url, api_key="local", model=model, timeout_s=60, connect_timeout_s=3, retries=0,
                    max_tokens=120, temperature=0.0)
    started = time.perf_counter()
    parsed = []
    try:
        for row in rows:
            now, tz = row_now(row)
            parsed.append(await parse_with_fallback(row["text"], now=now, tz=tz, directory=DIRECTORY,
                                                    max_days_ahead=90, llm=llm))
    finally:
        await llm.aclose()
    return parsed, time.perf_counter() - started


def measure(parse: Callable[[dict[str, Any]], MeetingRequest] = parse_row) -> dict[str, Any]:
    """Rules-only scores of every set: {set: score}."""
    result = {}
    for name, path in SETS.items():
        rows = load(path)
        started = time.perf_counter()
        parsed = [parse(r) for r in rows]
        seconds = time.perf_counter() - started
        result[name] = {**score(rows, parsed), "ms_per_phrase": round(1000 * seconds / len(rows), 2)}
    return result


def main() -> int:
    """Run the benchmark and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", help="OpenAI-compatible base URL: also measure rules + LLM fallback")
    parser.add_argument("--model", default="dialog-keeper")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "benchmark": "meeting_parse", "now": NOW.isoformat(), "time_zone": TZ, "python": platform.python_version(),
        "sets": {name: str(path.relative_to(ROOT)) for name, path in SETS.items()},
        "note": "frozen2 = written blind, never tuned on (the real figure; its misses are not written); frozen = "
                "written before tuning, later tuned on (an upper bound); tuning, tuning2, tuning3, tuning4 = what "
                "the rules were tuned on (tuning3 and tuning4 written blind before their rounds)",
        "rules": measure(),
    }
    if args.llm:
        result["rules_plus_llm"] = {}
        for name, path in SETS.items():
            rows = load(path)
            parsed, llm_seconds = asyncio.run(run_llm(rows, args.llm, args.model))
            result["rules_plus_llm"][name] = {**score(rows, parsed), "model": args.model,
                                              "llm_used": sum(r.source == "llm" for r in parsed),
                                              "ms_per_phrase": round(1000 * llm_seconds / len(rows), 2)}
    for section in ("rules", "rules_plus_llm"):
        for name in BLIND:
            result.get(section, {}).get(name, {}).pop("misses", None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summary = {f"{path}/{name}": {"exact_match": s["exact_match"], "silently_wrong_days": s["silently_wrong_days"],
                                  "by_kind": {k: v["exact_match"] for k, v in s["by_kind"].items()}}
               for path in ("rules", "rules_plus_llm") for name, s in result.get(path, {}).items()}
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
