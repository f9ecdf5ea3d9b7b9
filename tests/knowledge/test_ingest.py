"""Ingestion: chunk metadata, idempotency by content hash, replacement, bad input, e5 prefixes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from sqlmodel import Session, select

from bot.container import Container
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.ingest import IngestService, IngestStatus
from bot.knowledge.loaders import EmptyDocument, UnsupportedDocument
from bot.store.models import ChunkRecord, DocumentRecord
from inference.embeddings import is_e5, load_embedding
from tests.conftest import SAMPLE_KB


def test_sample_kb_chunks_carry_document_heading_path_and_position(kb: Container) -> None:
    with Session(kb.engine) as session:
        documents = session.exec(select(DocumentRecord)).all()
        chunks = session.exec(select(ChunkRecord)).all()
    assert len(documents) == 12 and sum(d.chunk_count for d in documents) == len(chunks) == kb.index.count()
    hits = kb.index.search(kb.index.embed_query("carry over unused vacation days"), top_k=1)
    meta = hits[0].node.metadata
    assert meta["title"] == "Vacation and Leave Policy"
    assert meta["heading_path"].startswith("Vacation and Leave Policy › ")
    assert isinstance(meta["position"], int) and meta["source"].endswith("vacation-policy.md")
    assert kb.index.collection == "kb_multilingual-e5-small-q4_384", "collection named by model and dimension"


def test_reingesting_the_same_content_adds_nothing(fresh: tuple[IngestService, KnowledgeIndex],
                                                   tmp_path: Path) -> None:
    service, index = fresh
    page = SAMPLE_KB / "en/office.md"
    first = service.ingest_file(page)
    count = index.count()
    copy = tmp_path / "office-copy.md"
    shutil.copy(page, copy)

    again = service.ingest_file(page)
    same_content_elsewhere = service.ingest_file(copy)

    assert first.status is IngestStatus.added and first.chunks == count > 0
    assert again.status is same_content_elsewhere.status is IngestStatus.unchanged
    assert again.document_id == first.document_id
    assert index.count() == count


def test_changed_file_replaces_its_old_chunks(fresh: tuple[IngestService, KnowledgeIndex], tmp_path: Path) -> None:
    service, index = fresh
    page = tmp_path / "parking.md"
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 40 spaces on level -2.\n")
    first = service.ingest_file(page)
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 55 spaces.\n\n## Bikes\n\nBike racks are at gate B.\n")

    second = service.ingest_file(page)

    assert second.status is IngestStatus.replaced and second.document_id == first.document_id
    assert index.count() == second.chunks
    texts = [h.node.get_content() for h in index.search(index.embed_query("garage spaces"), top_k=10)]
    assert any("55 spaces" in t for t in texts) and not any("40 spaces" in t for t in texts)


def test_unsupported_and_empty_files_are_refused_clearly(fresh: tuple[IngestService, KnowledgeIndex],
                                                         tmp_path: Path) -> None:
    service, index = fresh
    (tmp_path / "table.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "blank.md").write_text("  \n\n")
    with pytest.raises(UnsupportedDocument, match=r"unsupported type \.xlsx"):
        service.ingest_file(tmp_path / "table.xlsx")
    with pytest.raises(EmptyDocument, match="empty"):
        service.ingest_file(tmp_path / "blank.md")
    assert index.count() == 0


def test_e5_models_get_query_and_passage_prefixes(tmp_path: Path, minilm: HuggingFaceEmbedding) -> None:
    # The sentence-transformers path (production's multilingual-e5-large): a MiniLM copy named e5 stands in.
    minilm_dir = Path(minilm.model_name)
    e5_dir = tmp_path / "multilingual-e5-test"
    shutil.copytree(minilm_dir, e5_dir)
    assert is_e5(e5_dir) and not is_e5(minilm_dir)

    e5 = load_embedding(e5_dir)

    assert (e5.query_instruction, e5.text_instruction) == ("query: ", "passage: ")
    plain = minilm.get_query_embedding("vacation days")
    prefixed = e5.get_query_embedding("vacation days")
    assert plain != prefixed, "the prefix reaches the model"
    assert prefixed == pytest.approx(minilm.get_query_embedding("query: vacation days"), abs=1e-5)
