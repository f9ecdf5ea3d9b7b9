"""`python -m benchmarks run intents` against a loopback OpenAI-compatible stand-in: records, figures, matrix."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from benchmarks.harness.records import ROOT, validate
from bot.dialog.intents import classify_by_rules
from tests.support.openai_stand_in import serve_stand_in

DATA = """text\tintent\tlang
Позовите человека\thuman\tru
Your bot is a joke, put a human on\thuman\ten
давайте созвонимся завтра\tmeeting\tru
How do I book a meeting room?\tquestion\ten
какой регламент у встреч с клиентами?\tquestion\tru
привет!\tsmalltalk\tru
asdfgh\tother\ten
Are you free for a quick call tomorrow?\tmeeting\ten
"""


async def test_intents_run_reports_each_path(tmp_path: Path) -> None:
    data = tmp_path / "set.tsv"
    data.write_text(DATA, encoding="utf-8")
    out = tmp_path / "intents.json"
    async with serve_stand_in() as server:
        server.owner = "vllm"
        server.content = '{"intent": "meeting", "confidence": 0.9}'  # the "model" calls everything a meeting
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks", "run", "intents", "--base-url", server.base_url, "--data", str(data),
            "--out", str(out), "--no-progress", cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    assert len(server.requests) == 8  # one LLM request per message
    assert server.requests[0]["response_format"]["type"] == "json_schema"  # auto found vLLM
    records = {r["key"]["path"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert validate(list(records.values())) == []
    assert set(records) == {"rules", "rules_then_question", "llm", "combined"}

    labels = [line.split("\t") for line in DATA.splitlines()[1:]]
    claimed = [(intent, c.intent.value) for text, intent, _ in labels if (c := classify_by_rules(text))]
    rules = records["rules"]["metrics"]
    assert rules["coverage_fraction"] == round(len(claimed) / 8, 4)
    assert rules["precision_fraction"] == round(sum(t == p for t, p in claimed) / len(claimed), 4)
    assert records["llm"]["metrics"]["accuracy_fraction"] == 0.25  # the two meetings of eight
    assert records["llm"]["details"]["confusion"]["question"]["meeting"] == 2
    combined = [c.intent.value if (c := classify_by_rules(text)) else "meeting" for text, _, _ in labels]
    expected = sum(c == intent for c, (_, intent, _) in zip(combined, labels, strict=True)) / 8
    assert records["combined"]["metrics"]["accuracy_fraction"] == round(expected, 4)
    assert records["rules"]["details"]["confusion"]["human"]["(none)"] == 1  # "Your bot is a joke, put a human on"
    assert "path=combined" in stdout.decode()
