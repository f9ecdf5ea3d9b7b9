"""The restore drill: ingest, ask, escalate, back up, wipe everything, restore — on SQLite and on PostgreSQL.

The bot runs over the Bot API emulator with a real ticket worker and the Kaiten stand-in; `dialog-keeper backup`
and `restore` run as the admin would run them, in processes of their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.settings import ROOT
from bot.store.db import make_engine
from bot.store.models import AnswerRecord, Escalation, Message, MessageStatus
from tests.conftest import SAMPLE_KB, TEST_REDIS_URL, scratch_queue
from tests.escalation.conftest import bot_says, ticket_worker, tracker_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.kaiten_standin import KaitenStandIn
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, eventually, rows, start_bot, stop_bot

VACATION = "How many vacation days do I get per year?"
PENDING = "Who approves travel expenses?"
PARKING = b"""# Parking rules

## Garage

The underground garage on level -2 has 42 spaces. Employees book a parking space in the ParkBot app
at least one day ahead; guests get a visitor pass at reception.
"""


def _cli(args: list[str], data_dir: Path, database_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL}
    if database_url:
        env["DK_DATABASE_URL"] = database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False, cwd=data_dir)


def _history(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return [(m.text, m.status.value) for m in session.exec(select(Message).order_by(Message.id))]
    finally:
        engine.dispose()


def _recreate_empty(url: str) -> None:
    """Wipe a PostgreSQL database: drop it and create it again, empty."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def _sources(answer: AnswerRecord) -> list[str]:
    return [Path(s["source"]).name for s in answer.sources]


@pytest.fixture
def ingest_queue() -> Any:
    """An ingest queue of this test's own on the test Redis database."""
    with scratch_queue("ingest") as name:
        yield name


@pytest.fixture
def tickets_queue() -> Any:
    """A ticket queue of this test's own on the test Redis database."""
    with scratch_queue("tickets") as name:
        yield name


@pytest.mark.timeout(1800)  # three bot starts, two CLI runs and three answers on a shared 2-core machine
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_restore_drill(backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                             tg: BotApiEmulator, kb: Any,
                             tmp_path: Path, kaiten: KaitenStandIn, tickets_queue: str, dead_llm_url: str) -> None:
    database_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    if database_url:  # the ticket worker process reads it from the environment
        monkeypatch.setenv("DK_DATABASE_URL", database_url)
    live, restored, backup = tmp_path / "live", tmp_path / "restored", tmp_path / "backup"
    live.mkdir()
    url = database_url or f"sqlite:///{live / 'dialog_keeper.db'}"
    db = {"database_url": database_url} if database_url else {}
    settings = tracker_settings(kaiten, tickets_queue)
    ingest_queue = request.getfixturevalue("ingest_queue")
    settings["jobs"] = {"ingest_queue": ingest_queue}  # the admin's upload goes through a queue of this test's own
    alice, admin = tg.user(ALICE_ID, "Alice", "alice"), tg.user(ADMIN_ID, "Admin")

    # 1. Ingest (the handbook by the CLI's path, a document sent by the admin), ask, escalate.
    with ticket_worker(live, settings):
        bot = await start_bot(tg, kb, live, share_index=False, **settings, **db)
        try:
            for name in ("vacation-policy.md", "expenses.md", "office.md"):
                await asyncio.to_thread(bot.container.ingest.ingest_file, SAMPLE_KB / "en" / name)
            await tg.inject_document(tg.private_chat(admin), admin, PARKING, "parking.md", "text/markdown")
            await tg.wait_for(lambda c: c.method in ("sendMessage", "editMessageText")
                              and "Добавлено:" in str(c.params.get("text")), timeout=180)
            await tg.inject_message(tg.private_chat(alice), alice, VACATION)
            reply = await bot.final_reply(ALICE_ID, timeout=300)
            await eventually(lambda: any(a.reply_telegram_id for a in rows(bot, AnswerRecord)), timeout=20)
            [asked] = rows(bot, AnswerRecord)
            await tg.inject_callback_query(reply, alice, f"human:{asked.id}")
            await bot_says(tg, ALICE_ID, "Заявка №", timeout=40)
        finally:
            await stop_bot(bot)
            bot.container.close_sync()  # its own local Qdrant store: released for the next process

    # 2. A question arrives while the model server is down: it stays pending (the user is told).
    bot = await start_bot(tg, kb, live, share_index=False, llm={"base_url": dead_llm_url}, **settings, **db)
    try:
        await tg.inject_message(tg.private_chat(alice), alice, PENDING)
        await eventually(lambda: any(m.text == PENDING and m.status == MessageStatus.pending
                                     for m in rows(bot, Message)), timeout=60)
    finally:
        await stop_bot(bot)
        bot.container.close_sync()
    history = _history(url)
    [escalation] = _rows_of(url, Escalation)
    assert escalation.ticket_id is not None and escalation.resolved_at is None

    # 3. Back up; a restore over the live install is refused in one sentence.
    made = _cli(["backup", "--out", str(backup)], live, database_url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backup {backup}:")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["kind"] == backend and manifest["database"]["schema_revision"]
    assert manifest["uploads"]["files"] == 1 and manifest["qdrant"]["collections"][0]["points"] > 0
    refused = _cli(["restore", str(backup)], live, database_url)
    assert refused.returncode == 1 and "restore writes only into an empty install" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    # 4. Wipe everything: the data directory (SQLite, local Qdrant, uploads) and the PostgreSQL database.
    shutil.rmtree(live)
    if database_url:
        _recreate_empty(database_url)
    url = database_url or f"sqlite:///{restored / 'dialog_keeper.db'}"
    back = _cli(["restore", str(backup)], restored, database_url)
    assert back.returncode == 0, back.stderr
    assert _history(url) == history, "the conversation history is back, statuses included"
    [again] = _rows_of(url, Escalation)
    assert (again.ticket_id, again.status, again.resolved_at) == (escalation.ticket_id, escalation.status, None)
    assert [p for p in (restored / "uploads").rglob("*") if p.is_file()], "the admin's document is back"

    # 5. The restored bot answers the pending question and finds the same sources for the same question.
    since = tg.mark()
    bot = await start_bot(tg, kb, restored, share_index=False, **settings, **db)
    try:
        resumed = await bot.final_reply(ALICE_ID, since=since, timeout=300)
        await eventually(lambda: any(m.text == PENDING and m.status == MessageStatus.done
                                     for m in rows(bot, Message)), timeout=30)
        since = tg.mark()
        await tg.inject_message(tg.private_chat(alice), alice, VACATION)
        await bot.final_reply(ALICE_ID, since=since, timeout=300)
        await eventually(lambda: len([a for a in rows(bot, AnswerRecord) if a.question == VACATION]) == 2, 20)
        first, second = [a for a in rows(bot, AnswerRecord) if a.question == VACATION]
        parking = bot.container.index.search(bot.container.index.embed_query("underground garage parking spaces"),
                                             top_k=1, query="underground garage parking spaces")
    finally:
        await stop_bot(bot)
        bot.container.close_sync()
    assert resumed.text
    assert _sources(second) == _sources(first) and "vacation-policy.md" in _sources(first)
    assert parking and parking[0].node.metadata["title"] == "Parking rules", "the uploaded document is searchable"


def _rows_of(url: str, model: type) -> list[Any]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(model)))
    finally:
        engine.dispose()

