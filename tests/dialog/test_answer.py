"""The answer service against the real llama.cpp server, embeddings and local Qdrant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.container import Container
from bot.dialog.answer import AnswerService, EmptyQuestion
from bot.dialog.prompts import build_messages
from bot.store.models import AnswerRecord, Outcome
from inference.llm import ChatMessage, LLMClient, LLMUnavailable


def _collector() -> tuple[list[str], Callable[[str], Awaitable[None]]]:
    """A list and an ``on_text`` callback that appends every streamed piece to it."""
    pieces: list[str] = []

    async def collect(piece: str) -> None:
        pieces.append(piece)

    return pieces, collect


def _record(kb: Container, answer_id: int | None) -> AnswerRecord:
    with Session(kb.engine) as session:
        record = session.get(AnswerRecord, answer_id)
        assert record is not None
        return record


async def test_answer_streams_text_and_cites_the_right_document(kb: Container) -> None:
    pieces, collect = _collector()
    answer = await kb.answers.answer("How many vacation days do I get per year?", on_text=collect)

    assert answer.outcome is Outcome.answered
    assert answer.text and len(pieces) > 1, "the answer arrives as a stream of pieces"
    assert "".join(pieces).strip() == answer.text
    assert Path(answer.sources[0].source).name == "vacation-policy.md"
    assert "Annual paid vacation" in answer.sources[0].heading_path
    assert [s.number for s in answer.sources] == list(range(1, len(answer.sources) + 1))
    assert answer.timings.ttft_ms > 0 and answer.timings.llm_ms >= answer.timings.ttft_ms
    assert answer.timings.total_ms >= answer.timings.llm_ms + answer.timings.embed_ms
    record = _record(kb, answer.answer_id)
    assert record.outcome == Outcome.answered and record.text == answer.text
    assert record.sources[0]["source"].endswith("vacation-policy.md") and record.model == "dialog-keeper"


@pytest.mark.parametrize("question, page", [
    ("What is the name of the guest Wi-Fi network in the office?", "office.md"),
    ("What is the taxi limit per ride?", "expenses.md"),
    ("Can I use SMS codes for two-factor authentication?", "security.md"),
])
async def test_retrieval_finds_the_page_that_holds_the_answer(kb: Container, question: str, page: str) -> None:
    hits = kb.index.search(kb.index.embed_query(question), top_k=4)
    assert Path(hits[0].node.metadata["source"]).name == page


async def test_question_outside_the_knowledge_base_is_not_found_without_calling_the_llm(kb: Container) -> None:
    pieces, collect = _collector()
    answer = await kb.answers.answer("Who won the 2018 FIFA World Cup final?", on_text=collect)

    assert answer.outcome is Outcome.not_found
    assert answer.sources == []
    assert answer.language == "en" and "no answer" in answer.text
    assert pieces == [answer.text]
    assert answer.timings.llm_ms == 0, "nothing relevant means no generation at all"
    record = _record(kb, answer.answer_id)
    assert record.outcome == Outcome.not_found and record.sources == []


async def test_russian_question_gets_a_russian_not_found(kb: Container) -> None:
    # The packaged embedding model is English-only, so an empty space stands in for "nothing relevant".
    answer = await kb.answers.answer("Какой рецепт у борща с пампушками?", spaces=["no-such-space"])
    assert answer.outcome is Outcome.not_found and answer.language == "ru"
    assert "В базе знаний нет ответа" in answer.text


async def test_llm_down_raises_a_typed_error_and_keeps_the_question(kb: Container, dead_llm_url: str) -> None:
    dead = LLMClient(base_url=dead_llm_url, api_key="local", model="dialog-keeper", timeout_s=5,
                     connect_timeout_s=0.5, retries=1, max_tokens=32, temperature=0)
    service = AnswerService(engine=kb.engine, index=kb.index, llm=dead, top_k=4, min_score=0.3)

    with pytest.raises(LLMUnavailable, match="unreachable"):
        await service.answer("How many vacation days do I get per year?")

    with Session(kb.engine) as session:
        record = session.exec(select(AnswerRecord).order_by(AnswerRecord.id.desc())).first()  # type: ignore[union-attr]
    assert record is not None and record.question == "How many vacation days do I get per year?"
    assert record.outcome == Outcome.error and "unreachable" in (record.error or "")


@pytest.mark.parametrize("question", ["", "   \n\t "])
async def test_empty_question_is_refused(kb: Container, question: str) -> None:
    with pytest.raises(EmptyQuestion):
        await kb.answers.answer(question)


async def test_follow_up_uses_the_previous_question_when_it_alone_finds_nothing(kb: Container) -> None:
    turns = [ChatMessage("user", "How many vacation days do I get per year?"),
             ChatMessage("assistant", "28 calendar days [1].")]
    alone = await kb.answers.answer("And what about that?")
    follow_up = await kb.answers.answer("And what about that?", turns=turns)

    assert alone.outcome is Outcome.not_found
    assert follow_up.outcome is Outcome.answered
    assert Path(follow_up.sources[0].source).name == "vacation-policy.md"


async def test_an_off_topic_question_never_borrows_the_previous_topic(kb: Container) -> None:
    turns = [ChatMessage("user", "How many vacation days do I get per year?"),
             ChatMessage("assistant", "28 calendar days.")]
    again = await kb.answers.answer("What is the capital of Australia?", turns=turns)
    assert again.outcome is Outcome.not_found and again.sources == []


def test_only_short_referring_messages_count_as_follow_ups() -> None:
    from bot.dialog.retrieve import is_follow_up

    assert is_follow_up("And what about that?") and is_follow_up("а для стажёров?") and is_follow_up("and interns?")
    assert not is_follow_up("What is the capital of Australia?")
    assert not is_follow_up("Кто написал «Войну и мир»?")


def test_prompt_carries_sources_turns_and_the_question_in_order() -> None:
    turns = [ChatMessage("user", "first question"), ChatMessage("assistant", "first answer")]
    messages = build_messages("second question", [], turns, "ru")
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0].content.startswith("Ты — Dialog Keeper")
    assert messages[-1].content == "second question"
    assert build_messages("q", [], [], "en")[0].content.startswith("You are Dialog Keeper")


async def test_answers_are_counted_and_timed_in_prometheus(kb: Container) -> None:
    from prometheus_client import REGISTRY

    def sample(name: str, labels: dict[str, str] | None = None) -> float:
        return REGISTRY.get_sample_value(name, labels or {}) or 0.0

    before = sample("dk_answers_total", {"outcome": "not_found"}), sample("dk_answer_seconds_count")
    await kb.answers.answer("Who won the 2018 FIFA World Cup final?")
    assert sample("dk_answers_total", {"outcome": "not_found"}) == before[0] + 1
    assert sample("dk_answer_seconds_count") == before[1] + 1
