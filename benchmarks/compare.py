"""``compare A.jsonl B.jsonl``: ratios B/A per metric of the records both files have.

Records match by scenario and key (e.g. ``llm`` at ``concurrency=4``). For a distribution the
chosen statistics are compared (mean, p50, p95, p99 by default). Each row says which way is
better for the metric and whether B improved, regressed or stayed within the tolerance (≈).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.harness.records import read_jsonl
from benchmarks.harness.stats import direction

IGNORED_SETTINGS = frozenset({"base_url"})  # differ between hosts without changing what is measured


@dataclass(frozen=True)
class Row:
    """One compared figure."""

    scenario: str
    key: str
    metric: str
    a: float | None
    b: float | None
    ratio: float | None  # B / A
    better: str | None  # "lower", "higher" or None (neither)
    verdict: str  # "improved", "regressed", "≈", "changed" or "n/a"


def key_text(key: Mapping[str, Any]) -> str:
    """``concurrency=4`` (keys in their recorded order)."""
    return " ".join(f"{k}={v}" for k, v in key.items())


def _index(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(r["scenario"], json.dumps(r["key"], sort_keys=True)): r for r in records}  # the last record wins


def verdict(ratio: float | None, better: str | None, tolerance: float) -> str:
    """Whether a ratio B/A is an improvement, given which way is better."""
    if ratio is None:
        return "n/a"
    if abs(ratio - 1) <= tolerance:
        return "≈"
    if better is None:
        return "changed"
    return "improved" if (ratio < 1) == (better == "lower") else "regressed"


def _figures(metrics: Mapping[str, Any], stats: Iterable[str]) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for name, value in metrics.items():
        if isinstance(value, Mapping):
            for stat in stats:
                if stat in value:
                    found[f"{name}.{stat}"] = value[stat]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found[name] = value
    return found


def compare_records(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]], *,
                    stats: Iterable[str] = ("mean", "p50", "p95", "p99"), tolerance: float = 0.05) -> list[Row]:
    """Rows for every metric of every record that A and B both have."""
    stats = list(stats)
    index_a, index_b = _index(a), _index(b)
    rows = []
    for ident in [i for i in index_a if i in index_b]:
        ra, rb = index_a[ident], index_b[ident]
        fa, fb = _figures(ra["metrics"], stats), _figures(rb["metrics"], stats)
        for metric in [m for m in fa if m in fb]:
            va, vb = fa[metric], fb[metric]
            ratio = vb / va if va not in (None, 0) and vb is not None else None
            better = direction(metric.split(".")[0])
            rows.append(Row(scenario=ident[0], key=key_text(ra["key"]), metric=metric, a=va, b=vb,
                            ratio=None if ratio is None else round(ratio, 4), better=better,
                            verdict=verdict(ratio, better, tolerance)))
    return rows


def differences(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]]) -> list[str]:
    """Records only one side has, and settings that differ between matched records."""
    index_a, index_b = _index(a), _index(b)
    notes = [f"only in A: {s} {key_text(json.loads(k))}" for s, k in index_a if (s, k) not in index_b]
    notes += [f"only in B: {s} {key_text(json.loads(k))}" for s, k in index_b if (s, k) not in index_a]
    for ident in [i for i in index_a if i in index_b]:
        sa, sb = index_a[ident]["settings"], index_b[ident]["settings"]
        changed = [f"{name} {sa.get(name)!r} → {sb.get(name)!r}" for name in sorted(set(sa) | set(sb))
                   if name not in IGNORED_SETTINGS and sa.get(name) != sb.get(name)]
        if changed:
            notes.append(f"settings differ in {ident[0]} {key_text(json.loads(ident[1]))}: {'; '.join(changed)}")
    return notes


def _who(records: Sequence[Mapping[str, Any]]) -> str:
    if not records:
        return "(no records)"
    r, env = records[0], records[0].get("env", {})
    gpus = env.get("gpus")
    return (f"{r.get('label') or r.get('run_id')} — commit {env.get('git_commit')}, host {env.get('hostname')}, "
            f"CPU {env.get('cpu_model')}, GPU {', '.join(gpus) if isinstance(gpus, list) else gpus}")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table."""
    header = ("scenario", "key", "metric", "A", "B", "B/A", "better", "B vs A")
    cells = [header] + [(r.scenario, r.key, r.metric, _fmt(r.a), _fmt(r.b), _fmt(r.ratio), r.better or "—",
                         r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) if i < 3 else c[i].rjust(widths[i]) for i in range(len(c)))
                     for c in cells)


def main(args: argparse.Namespace) -> int:
    """Print the comparison of two result files."""
    a, b = read_jsonl(args.a), read_jsonl(args.b)
    rows = compare_records(a, b, stats=[s.strip() for s in args.stats.split(",") if s.strip()],
                           tolerance=args.tolerance)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=1, ensure_ascii=False))
        return 0 if rows else 1
    print(f"A = {args.a}: {_who(a)}")
    print(f"B = {args.b}: {_who(b)}")
    print(table(rows) if rows else "no records in common (records match by scenario and key)")
    for note in differences(a, b):
        print(f"note: {note}")
    improved, regressed = sum(r.verdict == "improved" for r in rows), sum(r.verdict == "regressed" for r in rows)
    print(f"{len(rows)} figures: {improved} improved, {regressed} regressed (tolerance ±{args.tolerance:.0%})")
    return 0 if rows else 1
