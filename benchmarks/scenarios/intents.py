"""``run intents``: intent accuracy and confusion matrix per path (rules, LLM alone, both as the bot runs them).

Every message of the labelled sets (text, intent, lang) is classified by the phrase rules
(``bot.dialog.intents.classify_by_rules``) and by the LLM through ``IntentClassifier`` (JSON schema in the server's
dialect, temperature 0). The sets are reported apart (``key.set``): ``frozen2`` (``benchmarks/frozen2/intents.tsv``,
written blind on 2026-12-02 and never tuned on: the real figure), ``frozen`` (written before tuning, but the rules
were later tuned on it: an upper bound), ``tuning`` (``intents_labelled.tsv`` + ``intents_holdout.tsv``),
``tuning2`` and ``tuning3`` (each written blind before the round that read it), what the rules were tuned on.
Records, by ``key.path``:

- ``rules``: precision of what the rules claim, and the fraction they claim (coverage);
- ``rules_then_question``: the bot with ``DK_INTENTS__LLM=off`` (and ``auto`` on llama.cpp): rules, else question;
- ``llm``: the LLM alone on every message (below ``--min-confidence`` or an invalid reply: question);
- ``combined``: rules, then the LLM — the bot with ``DK_INTENTS__LLM=on``.

Without ``--base-url`` the embedded llama.cpp server is started. Results: ``benchmarks/results/intents.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.embedded import LLMEndpoint, run_on_endpoint
from benchmarks.harness.records import ROOT, RunContext, display_path
from benchmarks.scenarios.llm import add_endpoint_arguments
from bot.dialog.intents import Classification, Intent, IntentClassifier, classify_by_rules

DEFAULTS = {"max_requests": 1000, "max_seconds": 1800.0}
DEFAULT_DATA = [ROOT / "benchmarks/frozen2/intents.tsv", ROOT / "benchmarks/frozen/intents.tsv",
                ROOT / "benchmarks/tuning/intents_labelled.tsv", ROOT / "benchmarks/tuning/intents_holdout.tsv",
                ROOT / "benchmarks/tuning2/intents.tsv", ROOT / "benchmarks/tuning3/intents.tsv"]
SET_FOLDERS = ("frozen", "tuning", "frozen2", "tuning2", "tuning3")
RESULT_FILE = "intents.json"
LABELS = [i.value for i in Intent]
UNCLAIMED = "(none)"  # the rules' column for messages no rule matched


@dataclass(frozen=True)
class Labelled:
    """One message of a labelled set and its expected intent."""

    text: str
    intent: str
    lang: str
    set: str = "tuning"  # frozen (written before tuning) or tuning; another file: its name


@dataclass(frozen=True)
class Outcome:
    """What each path decided for one message."""

    item: Labelled
    rule: Classification | None
    llm: Classification  # the LLM path alone, thresholded as the bot does
    raw_llm: str  # what the model said before the confidence threshold ("" for an invalid reply)
    raw_confidence: float

    @property
    def combined(self) -> Classification:
        """Rules first, then the LLM: ``IntentClassifier.classify`` with ``use_llm="on"``."""
        return self.rule or self.llm


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run intents``."""
    add_endpoint_arguments(parser)
    parser.add_argument("--server-kind", choices=["auto", "llamacpp", "vllm"], default="auto",
                        help="structured-output dialect (default auto: asked from the server's /models)")
    parser.add_argument("--data", type=Path, nargs="+", default=DEFAULT_DATA,
                        help="labelled TSV files: text, intent, lang (default the frozen set and the tuning sets)")
    parser.add_argument("--min-confidence", type=float, default=0.6,
                        help="below it the LLM's intent counts as question (DK_INTENTS__MIN_CONFIDENCE)")
    parser.add_argument("--concurrency", type=int, default=1, help="LLM requests in flight at once (default 1)")
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds one request may take")
    parser.add_argument("--rules-only", action="store_true",
                        help="no LLM at all: only the rules and rules_then_question records (what DK_INTENTS__LLM="
                             "auto does on llama.cpp), in a second")


def load_labelled(paths: Sequence[Path]) -> list[Labelled]:
    """The messages of labelled TSV files (header ``text intent lang``); unknown intents are an error."""
    items = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["intent"] not in LABELS:
                    raise ValueError(f"{path}: unknown intent {row['intent']!r} for {row['text']!r}")
                items.append(Labelled(row["text"], row["intent"], row["lang"], set_name(path)))
    return items


def set_name(path: Path) -> str:
    """The set a labelled file belongs to: its folder (``frozen``, ``tuning``, ``frozen2``…), else the file's stem."""
    return path.parent.name if path.parent.name in SET_FOLDERS else path.stem


def confusion(pairs: Sequence[tuple[str, str]], columns: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of (expected, predicted) as {expected: {predicted: n}}, every label present."""
    counts = Counter(pairs)
    return {truth: {pred: counts[(truth, pred)] for pred in columns} for truth in LABELS}


def scores(pairs: Sequence[tuple[str, str]], langs: Sequence[str]) -> dict[str, float]:
    """Accuracy (overall and per language), macro F1, and recall/precision per intent."""
    n = len(pairs)
    metrics: dict[str, float] = {"accuracy_fraction": round(sum(t == p for t, p in pairs) / n, 4) if n else 0.0}
    f1s = []
    for label in LABELS:
        tp = sum(t == p == label for t, p in pairs)
        truth = sum(t == label for t, _ in pairs)
        predicted = sum(p == label for _, p in pairs)
        recall = tp / truth if truth else 0.0
        precision = tp / predicted if predicted else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        metrics[f"recall_{label}"] = round(recall, 4)
        metrics[f"precision_{label}_fraction"] = round(precision, 4)
    metrics["macro_f1_fraction"] = round(sum(f1s) / len(f1s), 4)
    for lang in sorted(set(langs)):
        chosen = [pair for pair, lg in zip(pairs, langs, strict=True) if lg == lang]
        metrics[f"accuracy_{lang}_fraction"] = round(sum(t == p for t, p in chosen) / len(chosen), 4)
    return metrics


def mistakes(outcomes: Sequence[Outcome], predicted: Sequence[str], limit: int = 25) -> list[dict[str, str]]:
    """The first wrong answers of a path, for reading."""
    wrong = [{"text": o.item.text, "expected": o.item.intent, "got": p}
             for o, p in zip(outcomes, predicted, strict=True) if p != UNCLAIMED and p != o.item.intent]
    return wrong[:limit]


def path_records(outcomes: Sequence[Outcome], ctx: RunContext, settings: dict[str, Any], duration_s: float,
                 stopped_by: str, notes: list[str], set_label: str | None = None) -> list[dict[str, Any]]:
    """The four records of one set: rules, rules_then_question, llm, combined."""
    truth = [o.item.intent for o in outcomes]
    langs = [o.item.lang for o in outcomes]
    n = len(outcomes)
    invalid = sum(o.llm.path == "default" for o in outcomes)
    claimed = [(o.item.intent, o.rule.intent.value) for o in outcomes if o.rule]
    rules_pred = [o.rule.intent.value if o.rule else UNCLAIMED for o in outcomes]
    rules_metrics: dict[str, float] = {
        "precision_fraction": round(sum(t == p for t, p in claimed) / len(claimed), 4) if claimed else 0.0,
        "coverage_fraction": round(len(claimed) / n, 4) if n else 0.0,
        "claimed": len(claimed), "claimed_correct": sum(t == p for t, p in claimed)}
    for label in LABELS:
        mine = [(t, p) for t, p in claimed if p == label]
        rules_metrics[f"precision_{label}_fraction"] = round(sum(t == p for t, p in mine) / len(mine), 4) \
            if mine else 0.0
        rules_metrics[f"recall_{label}"] = round(len([1 for t, p in mine if t == p]) / max(truth.count(label), 1), 4)
    paths: dict[str, tuple[list[str], dict[str, float], dict[str, int]]] = {
        "rules": (rules_pred, rules_metrics, {"requests": n, "completed": len(claimed), "failed": 0}),
    }
    for name, predicted, failed in (
            ("rules_then_question", [p if p != UNCLAIMED else "question" for p in rules_pred], 0),
            ("llm", [o.llm.intent.value for o in outcomes], invalid),
            ("combined", [o.combined.intent.value for o in outcomes],
             sum(o.rule is None and o.llm.path == "default" for o in outcomes))):
        metrics = scores(list(zip(truth, predicted, strict=True)), langs)
        counts = {"requests": n, "completed": n - failed, "failed": failed}
        if name == "llm":
            metrics["raw_accuracy_fraction"] = round(sum(o.raw_llm == o.item.intent for o in outcomes) / n, 4)
            counts["below_min_confidence"] = sum(bool(o.raw_llm) and o.raw_confidence < settings["min_confidence"]
                                                 for o in outcomes)
        paths[name] = (predicted, metrics, counts)
    records = []
    for name, (predicted, metrics, counts) in paths.items():
        columns = [*LABELS, UNCLAIMED] if name == "rules" else LABELS
        key = {"path": name} if set_label is None else {"set": set_label, "path": name}
        record = ctx.record(key=key, settings=settings, metrics=metrics, counts=counts,
                            stopped_by=stopped_by, duration_s=duration_s, notes=notes)
        record["details"] = {"confusion": confusion(list(zip(truth, predicted, strict=True)), columns),
                             "confusion_rows": "expected intent", "confusion_columns": "decided intent",
                             "mistakes": mistakes(outcomes, predicted)}
        records.append(record)
    return records


def print_tables(records: Sequence[dict[str, Any]]) -> None:
    """Each path's confusion matrix (rows: expected, columns: decided) on stdout."""
    for record in records:
        matrix = record["details"]["confusion"]
        columns = list(next(iter(matrix.values())))
        accuracy = record["metrics"].get("accuracy_fraction")
        print(f"\n{record['key'].get('set', '')} {record['key']['path']}  (rows expected, columns decided)"
              + (f"  accuracy {accuracy:.3f}" if accuracy is not None else ""))
        print(f"{'':10}" + "".join(f"{c[:9]:>10}" for c in columns))
        for truth, row in matrix.items():
            print(f"{truth:10}" + "".join(f"{row[c]:>10}" for c in columns))
    print()


async def _classify_all(items: Sequence[Labelled], raw: IntentClassifier, args: argparse.Namespace,
                        enabled: bool) -> tuple[list[Outcome], str]:
    budget = Budget(args.max_requests, args.max_seconds)
    outcomes: dict[int, Outcome] = {}
    queue = iter(enumerate(items))
    bar = progress(min(len(items), args.max_requests), "intents", enabled=enabled, unit="msg")

    async def worker() -> None:
        for index, item in queue:
            if not budget.take():
                return
            # One request per message: the unthresholded reply gives both the raw and the thresholded intent.
            unthresholded = await raw.classify_by_llm(item.text)
            decided = unthresholded
            if unthresholded.path == "llm" and unthresholded.confidence < args.min_confidence:
                decided = Classification(Intent.question, unthresholded.confidence, "llm")
            raw_intent = unthresholded.intent.value if unthresholded.path == "llm" else ""
            outcomes[index] = Outcome(item, classify_by_rules(item.text), decided, raw_intent,
                                      unthresholded.confidence)
            bar.update(1)

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    bar.close()
    stopped = "completed" if len(outcomes) == len(items) else budget.stopped_by
    return [outcomes[i] for i in sorted(outcomes)], stopped


async def _measure(args: argparse.Namespace, ctx: RunContext, endpoint: LLMEndpoint) -> list[dict[str, Any]]:
    from inference.llm import LLMClient

    items = load_labelled(args.data)
    if args.max_requests < len(items):  # a spread of intents, not the first file's first rows
        items = random.Random(0).sample(items, args.max_requests)
    llm = LLMClient(base_url=endpoint.base_url, api_key=endpoint.api_key or "local", model=endpoint.model,
                    timeout_s=args.request_timeout, connect_timeout_s=5.0, retries=1, max_tokens=24,
                    temperature=0.0, server_kind=args.server_kind)
    try:
        kind = await llm.resolved_kind()
        raw = IntentClassifier(llm, min_confidence=0.0, use_llm="on")
        started = time.perf_counter()
        outcomes, stopped_by = await _classify_all(items, raw, args, ctx.progress)
        duration = time.perf_counter() - started
    finally:
        await llm.aclose()
    settings = {"data": [display_path(p) for p in args.data], "messages": len(outcomes),
                "min_confidence": args.min_confidence, "server_kind": args.server_kind, "resolved_kind": kind,
                "endpoint": endpoint.kind, "base_url": endpoint.base_url, "model": endpoint.model,
                "concurrency": args.concurrency, "max_tokens": 24, "temperature": 0.0,
                "max_requests": args.max_requests, "max_seconds": args.max_seconds}
    notes = ["combined = rules, else the LLM path (IntentClassifier.classify with use_llm='on'); the LLM is "
             "asked once per message at temperature 0 and its reply reused",
             "llm: an invalid reply or one below min_confidence counts as question, as in the bot; "
             "raw_accuracy_fraction is the model's own intent before the threshold",
             "rules: precision_fraction = correct / claimed, coverage_fraction = claimed / messages"]
    sets = list(dict.fromkeys(o.item.set for o in outcomes))
    records = [r for name in sets for r in path_records([o for o in outcomes if o.item.set == name], ctx,
                                                        {**settings, "set": name}, duration, stopped_by, notes,
                                                        name if len(sets) > 1 else None)]
    print_tables(records)
    return records


def _rules_only(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    items = load_labelled(args.data)
    started = time.perf_counter()
    unasked = Classification(Intent.question, 0.0, "default")
    outcomes = [Outcome(item, classify_by_rules(item.text), unasked, "", 0.0) for item in items]
    duration = time.perf_counter() - started
    settings = {"data": [display_path(p) for p in args.data], "messages": len(outcomes), "llm": "none"}
    notes = ["--rules-only: the LLM was not asked; rules_then_question is the bot with DK_INTENTS__LLM=off, or auto "
             "on llama.cpp"]
    sets = list(dict.fromkeys(o.item.set for o in outcomes))
    records = [r for name in sets
               for r in path_records([o for o in outcomes if o.item.set == name], ctx, {**settings, "set": name},
                                     duration, "completed", notes, name if len(sets) > 1 else None)
               if r["key"]["path"] in ("rules", "rules_then_question")]
    print_tables(records)
    return records


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Classify every labelled message by every path; one record per path (and set)."""
    if args.rules_only:
        return _rules_only(args, ctx)
    return run_on_endpoint(args, ctx, lambda endpoint, _: _measure(args, ctx, endpoint))
