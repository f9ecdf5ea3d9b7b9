"""Migrations from an empty database on SQLite and PostgreSQL, and the repository on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import Session

from bot.store import repo
from bot.store.db import HEAD_REVISION, alembic_config, make_engine, migrate, schema_revision, session_scope
from bot.store.models import AnswerRecord, MessageKind, Outcome

TABLES = {"chat", "users", "message", "answer", "document", "chunk"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_upgrade_from_empty_creates_every_table_at_head(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    migrate(database_url)  # applying again is a no-op, as on every start
    engine.dispose()


def test_the_head_a_start_checks_for_is_alembics_head() -> None:
    """A start at HEAD_REVISION skips Alembic: a new migration must move it, or databases would never get it."""
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD_REVISION


def test_a_database_one_migration_behind_is_upgraded_on_start(database_url: str) -> None:
    migrate(database_url)
    script = ScriptDirectory.from_config(alembic_config(database_url))
    previous = script.get_revision(HEAD_REVISION).down_revision
    command.downgrade(alembic_config(database_url), str(previous))
    assert schema_revision(database_url) == previous
    migrate(database_url)
    assert schema_revision(database_url) == HEAD_REVISION


def test_a_new_sqlite_file_is_not_created_by_asking_its_revision(tmp_path: Path) -> None:
    assert schema_revision(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert not (tmp_path / "none.db").exists()


def test_downgrade_to_base_removes_the_tables(database_url: str) -> None:
    migrate(database_url)
    command.downgrade(alembic_config(database_url), "base")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    engine.dispose()


def test_dialog_rows_round_trip(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    big_id = 9_100_000_000  # Telegram ids exceed 32 bits
    with session_scope(engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=-1000000000000 - big_id, type="supergroup", title="Ops")
        user = repo.get_or_create_user(session, telegram_id=big_id, username="anna", full_name="Anna")
        assert chat.id is not None and user.id is not None
        message = repo.add_message(session, chat_id=chat.id, user_id=user.id, text="Где ключи?",
                                   kind=MessageKind.voice, update_id=big_id, telegram_message_id=5)
        answer = repo.start_answer(session, question="Где ключи?", message_id=message.id)
        answer_id = answer.id
    with session_scope(engine) as session:
        assert repo.get_or_create_chat(session, telegram_id=-1000000000000 - big_id).id == chat.id
        repo.finish_answer(session, answer_id=answer_id or 0, outcome=Outcome.answered, text="У охраны [1]",
                           sources=[{"number": 1, "title": "Офис"}], timings={"total_ms": 12.5})
    with Session(engine) as session:
        stored = session.get(AnswerRecord, answer_id)
        assert stored is not None and stored.outcome == Outcome.answered
        assert stored.sources == [{"number": 1, "title": "Офис"}] and stored.timings == {"total_ms": 12.5}
    engine.dispose()
