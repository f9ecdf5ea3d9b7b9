"""Managing documents: list, delete, failures that leave nothing half-indexed, reindex, the CLI commands."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from llama_index.core.schema import BaseNode
from llama_index.vector_stores.qdrant import QdrantVectorStore
from qdrant_client.http.models import PointStruct
from sqlmodel import Session, func, select

from bot.cli import knowledge as commands
from bot.container import Container
from bot.knowledge.errors import DocumentNotFound
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.ingest import IngestService
from bot.knowledge.lexical import LexicalIndex
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import ChunkRecord, DocumentRecord
from tests.conftest import make_settings
from tests.knowledge.conftest import make_service
from tests.knowledge.documents import make_docx, make_pdf

Fresh = tuple[IngestService, KnowledgeIndex]


def _rows(service: IngestService) -> tuple[int, int]:
    with Session(service.engine) as session:
        return (session.exec(select(func.count()).select_from(DocumentRecord)).one(),
                session.exec(select(func.count()).select_from(ChunkRecord)).one())


def _texts(index: KnowledgeIndex, question: str) -> list[str]:
    return [h.node.get_content() for h in index.search(index.embed_query(question), top_k=10, query=question)]


def test_list_and_delete_remove_rows_and_vectors(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    pdf = service.ingest_file(make_pdf(tmp_path / "f.pdf"), space="team:ops")
    docx = service.ingest_file(make_docx(tmp_path / "t.docx"))
    listed = service.list_documents()
    assert [d.id for d in listed] == [docx.document_id, pdf.document_id], "newest first"
    assert [d.id for d in service.list_documents("team:ops")] == [pdf.document_id]
    assert listed[1].pages == 3 and listed[1].chunks == pdf.chunks and listed[1].content_type == "application/pdf"

    gone = service.delete_document(pdf.document_id)
    by_source = service.delete_document(("global", docx.source))

    assert gone.title == "Facilities Handbook" and by_source.id == docx.document_id
    assert index.count() == 0 and _rows(service) == (0, 0) and service.list_documents() == []
    assert _texts(index, "rooftop garden") == []
    with pytest.raises(DocumentNotFound) as caught:
        service.delete_document(pdf.document_id)
    assert caught.value.reason == "not_found"


def test_a_failing_vector_store_leaves_nothing_half_indexed(fresh: Fresh, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    service, index = fresh
    store_add = QdrantVectorStore.add
    batches: list[int] = []

    def add_then_fail(store: QdrantVectorStore, nodes: list[BaseNode], **kwargs: object) -> list[str]:
        batches.append(len(nodes))
        if len(batches) == 2:
            raise RuntimeError("qdrant went away")
        return store_add(store, nodes)

    monkeypatch.setattr(QdrantVectorStore, "add", add_then_fail)  # a pydantic model: patched on the class
    with pytest.raises(RuntimeError, match="went away"):
        service.ingest_file(make_pdf(tmp_path / "f.pdf"))

    assert batches == [2, 1] and index.count() == 0, "the first batch was written, then removed"
    assert _rows(service) == (0, 0)


def test_a_failed_replacement_keeps_the_old_version_whole(fresh: Fresh, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    service, index = fresh
    page = tmp_path / "parking.md"
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 40 spaces on level -2.\n")
    first = service.ingest_file(page)
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 55 spaces.\n\n## Bikes\n\nRacks are at gate B.\n")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(repo, "replace_chunks", broken)
    with pytest.raises(RuntimeError, match="database"):
        service.ingest_file(page)

    assert index.count() == first.chunks and _rows(service) == (1, first.chunks)
    texts = _texts(index, "garage spaces")
    assert any("40 spaces" in t for t in texts) and not any("55 spaces" in t for t in texts)


def test_reindex_fills_a_new_models_collection_from_stored_text(kb: Container, fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    pdf = service.ingest_file(make_pdf(tmp_path / "f.pdf"))
    docx = service.ingest_file(make_docx(tmp_path / "t.docx"))
    (tmp_path / "f.pdf").unlink()
    (tmp_path / "t.docx").unlink()  # reindex needs no original file
    client = index._client
    # Another embedding model means another collection; here another prefix stands in for it.
    other = make_service(kb, tmp_path / "kb.db", client=client, prefix="next")
    assert other.index.collection != index.collection and other.index.count() == 0

    done: list[tuple[int, int]] = []
    result = other.reindex(progress=lambda d, t: done.append((d, t)))

    assert result.reembedded == 2 and result.chunks == pdf.chunks + docx.chunks and not result.failed
    assert other.index.count() == index.count() == pdf.chunks + docx.chunks and done[-1] == (2, 2)
    hit = other.index.search(other.index.embed_query("rooftop garden opening"), top_k=1)[0]
    assert hit.node.metadata["page"] == 2
    again = other.reindex()
    assert again.up_to_date == 2 and again.reembedded == 0 and again.pruned == 0


def test_reindex_with_new_chunk_settings_replaces_vectors_and_prunes_orphans(kb: Container, fresh: Fresh,
                                                                             tmp_path: Path) -> None:
    service, index = fresh
    service.ingest_file(make_docx(tmp_path / "t.docx"))
    old_ids = index.point_ids()
    [existing] = index._client.retrieve(index.collection, [next(iter(old_ids))], with_vectors=True)
    orphan = PointStruct(id="00000000-0000-0000-0000-0000000000aa", vector=existing.vector or [], payload={})
    index._client.upsert(index.collection, [orphan])  # a vector no chunk row refers to
    recut = make_service(kb, tmp_path / "kb.db", client=index._client, chunk_size=64)

    result = recut.reindex()

    new_ids = index.point_ids()
    assert result.reembedded == 1 and result.pruned == 1
    assert new_ids and not new_ids & old_ids and len(new_ids) == result.chunks
    with Session(service.engine) as session:
        assert set(repo.chunk_ids(session)) == new_ids


def test_reindex_reports_documents_it_cannot_rebuild(fresh: Fresh, tmp_path: Path) -> None:
    service, _ = fresh
    legacy = service.ingest_file(make_docx(tmp_path / "t.docx"))
    with session_scope(service.engine) as session:  # as if ingested before migration 0004
        row = session.get_one(DocumentRecord, legacy.document_id)
        row.content = None
        session.add(row)
    (tmp_path / "t.docx").unlink()

    result = service.reindex(force=True)

    assert result.reembedded == 0 and result.skipped and "source file is gone" in result.skipped[0]


def test_a_second_process_sees_new_documents_in_its_lexical_index(fresh: Fresh, tmp_path: Path) -> None:
    service, _ = fresh
    other_process = LexicalIndex(service.engine, refresh_s=0)
    assert other_process.search("rooftop garden", top_k=3) == []

    service.ingest_file(make_pdf(tmp_path / "f.pdf"))

    hits = other_process.search("rooftop garden", top_k=3)
    assert hits and hits[0].coverage == 1.0


def test_cli_ingest_docs_forget_reindex(kb: Container, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    model = kb.embed_model
    monkeypatch.setattr(Container, "embed_model", property(lambda self: model))  # load the model only once
    settings = make_settings(tmp_path / "data")
    folder = tmp_path / "in"
    folder.mkdir()
    make_pdf(folder / "facilities.pdf")
    (folder / "broken.pdf").write_bytes(b"not a pdf")
    (folder / "notes.xlsx").write_bytes(b"skipped: unsupported types are not picked up from folders")

    code = commands.cmd_ingest(settings, argparse.Namespace(path=str(folder), space="team:ops"))
    out = capsys.readouterr().out
    assert code == 1 and "added" in out and "failed" in out and "damaged" in out and "2 file(s), 1 failed" in out

    assert commands.cmd_docs(settings, argparse.Namespace(space=None)) == 0
    out = capsys.readouterr().out
    assert "team:ops" in out and "pdf" in out and "Facilities Handbook — facilities.pdf" in out

    assert commands.cmd_reindex(settings, argparse.Namespace(force=True, no_prune=False)) == 0
    assert "1 re-embedded" in capsys.readouterr().out

    assert commands.cmd_forget(settings, argparse.Namespace(document_id=1)) == 0
    assert "deleted #1 Facilities Handbook" in capsys.readouterr().out
    assert commands.cmd_docs(settings, argparse.Namespace(space=None)) == 0
    assert "no documents" in capsys.readouterr().out

