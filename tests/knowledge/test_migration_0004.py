"""Migration 0004 (knowledge) over existing rows, up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.store.db import alembic_config, make_engine

NEW_COLUMNS = {"document": {"size_bytes", "pages", "content"}, "chunk": {"page", "text"}}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _columns(url: str) -> dict[str, set[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {table: {c["name"] for c in inspect(conn).get_columns(table)} for table in NEW_COLUMNS}
    engine.dispose()
    return found


def test_0004_adds_knowledge_columns_to_existing_rows_and_removes_them(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0003")
    engine = make_engine(database_url)
    with engine.begin() as conn:  # a document ingested before 0004
        conn.execute(text("INSERT INTO document (space, source, title, sha256, content_type, chunk_count, "
                          "embed_model, added_at, updated_at) VALUES ('global', '/kb/a.md', 'A', 'abc', "
                          "'text/markdown', 1, 'm', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        document_id = conn.execute(text("SELECT id FROM document")).scalar_one()
        conn.execute(text("INSERT INTO chunk (id, document_id, position, heading_path, chars) "
                          "VALUES ('c1', :d, 0, 'A', 10)"), {"d": document_id})
    engine.dispose()

    command.upgrade(config, "head")

    assert all(NEW_COLUMNS[t] <= cols for t, cols in _columns(database_url).items())
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT size_bytes, pages, content FROM document")).one() == (0, None, None)
        assert conn.execute(text("SELECT page, text FROM chunk")).one() == (None, "")
    engine.dispose()

    command.downgrade(config, "0003")

    assert not any(NEW_COLUMNS[t] & cols for t, cols in _columns(database_url).items())
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT source FROM document")).scalar_one() == "/kb/a.md", "rows survive"
    engine.dispose()
