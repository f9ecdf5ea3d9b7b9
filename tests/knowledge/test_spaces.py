"""Knowledge spaces: a chat sees global, its own and its teams' documents — never another chat's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.container import Container
from bot.dialog.answer import AnswerService
from bot.knowledge.errors import InvalidSpace
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.ingest import IngestService
from bot.knowledge.spaces import spaces_for_chat, validate_space
from bot.store.models import Outcome

Fresh = tuple[IngestService, KnowledgeIndex]
CHAT_A, CHAT_B = -1001111111111, -1002222222222


def test_spaces_for_chat_are_global_own_and_teams() -> None:
    teams = {"sales": [CHAT_A, 5], "ops": [CHAT_B]}
    assert spaces_for_chat(CHAT_A, teams=teams) == ["global", f"chat:{CHAT_A}", "team:sales", "tickets"]
    assert spaces_for_chat(42) == ["global", "chat:42", "tickets"]
    for good in ("global", "chat:-100123", "team:sales-eu", "tickets"):
        assert validate_space(good) == good
    for bad in ("", "Global", "chat:abc", "team:", "team:Sales", "chat:1;drop"):
        with pytest.raises(InvalidSpace):
            validate_space(bad)


def _write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@pytest.mark.parametrize("hybrid", [True, False], ids=["hybrid", "dense"])
def test_a_chat_never_sees_another_chats_space(fresh: Fresh, tmp_path: Path, hybrid: bool) -> None:
    service, index = fresh
    if not hybrid:
        index.lexical = None
    service.ingest_file(_write(tmp_path, "a.md", "# Chat A notes\n\nThe alpha project deadline is 12 March."),
                        space=f"chat:{CHAT_A}")
    service.ingest_file(_write(tmp_path, "b.md", "# Chat B notes\n\nThe alpha project budget is 900 thousand."),
                        space=f"chat:{CHAT_B}")
    service.ingest_file(_write(tmp_path, "g.md", "# Company\n\nThe alpha project is run by the Kazan office."))
    service.ingest_file(_write(tmp_path, "t.md", "# Sales team\n\nThe alpha project client is Volga Bank."),
                        space="team:sales")
    question = "What is the alpha project budget of 900 thousand?"  # B's own words

    spaces = spaces_for_chat(CHAT_A, teams={"sales": [CHAT_A]})
    seen = {h.node.metadata["space"] for h in index.search(index.embed_query(question), top_k=10, spaces=spaces,
                                                            query=question)}
    everything = {h.node.metadata["space"] for h in index.search(index.embed_query(question), top_k=10,
                                                                 query=question)}

    assert seen == {"global", f"chat:{CHAT_A}", "team:sales"}
    assert f"chat:{CHAT_B}" in everything, "without a filter (admin view) every space is searched"


def test_the_same_file_in_two_spaces_is_two_documents(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    page = _write(tmp_path, "faq.md", "# FAQ\n\nThe printer is next to room 409.")
    one = service.ingest_file(page, space=f"chat:{CHAT_A}")
    two = service.ingest_file(page, space=f"chat:{CHAT_B}")
    assert one.document_id != two.document_id and index.count() == 2

    service.delete_document(one.document_id)

    hits = index.search(index.embed_query("Where is the printer?"), top_k=5, spaces=[f"chat:{CHAT_B}"])
    assert index.count() == 1 and len(hits) == 1 and hits[0].node.metadata["space"] == f"chat:{CHAT_B}"


async def test_an_answer_in_one_chat_never_cites_another_chats_document(kb: Container, fresh: Fresh,
                                                                       tmp_path: Path) -> None:
    service, index = fresh
    service.ingest_file(_write(tmp_path, "b.md", "# Chat B notes\n\nThe alpha project budget is 900 thousand."),
                        space=f"chat:{CHAT_B}")
    answers = AnswerService(engine=service.engine, index=index, llm=kb.llm, top_k=4, min_score=0.3)

    in_a = await answers.answer("What is the alpha project budget?", spaces=spaces_for_chat(CHAT_A))

    assert in_a.outcome is Outcome.not_found and in_a.sources == [], "found nothing, so the LLM was not asked"
