"""Russian-first with the embedded multilingual model: Russian questions answered, Russian off-topic refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.container import Container
from bot.store.models import Outcome


@pytest.mark.parametrize("question", ["Кто написал «Войну и мир»?", "Как приготовить борщ?"])
async def test_a_russian_off_topic_question_is_not_found_without_calling_the_llm(kb: Container,
                                                                                 question: str) -> None:
    answer = await kb.answers.answer(question)

    assert answer.outcome is Outcome.not_found and answer.sources == []
    assert answer.language == "ru" and "В базе знаний нет ответа" in answer.text
    assert answer.timings.llm_ms == 0, "below the floor nothing reaches the model"


async def test_a_russian_question_is_answered_from_the_russian_page(kb: Container) -> None:
    answer = await kb.answers.answer("Сколько дней ежегодного оплачиваемого отпуска положено сотруднику?")

    assert answer.outcome is Outcome.answered and answer.text
    assert Path(answer.sources[0].source).name == "otpusk.md"
    assert answer.sources[0].score >= kb.min_score


def test_dense_search_alone_understands_russian(kb: Container) -> None:
    # No BM25 here: the multilingual vectors alone must find the Russian section.
    hits = kb.index._dense(kb.index.embed_query("Как сообщить о фишинговом письме?"), top_k=1, spaces=None)
    assert Path(hits[0].node.metadata["source"]).name == "bezopasnost.md"
    assert "фишинг" in hits[0].node.metadata["heading_path"].lower()
