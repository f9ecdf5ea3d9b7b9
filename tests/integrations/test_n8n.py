"""n8n as the tracker: the payload and secret reach a webhook stand-in, its ticket id comes back; no empty secret."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from pydantic import ValidationError

from bot.container import Container
from bot.dialog.escalation import Requester
from bot.jobs.inprocess import start_thread_worker
from bot.settings import ROOT
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Outcome
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import free_port, make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_CHAT_ID, ADMIN_ID, ALICE_ID

SECRET = "n8n-shared-secret"


@pytest_asyncio.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in of the shipped workflow: checks X-DK-Secret, answers {ticket_id, url}; 404 elsewhere."""
    received: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("X-DK-Secret") != SECRET:
            return web.json_response({"message": "forbidden"}, status=403)
        body = await request.json()
        received.append(body)
        return web.json_response({"ticket_id": f"N8N-{len(received)}", "url": f"https://tracker.example/{len(received)}"},
                                 status=201)

    app = web.Application()
    app.router.add_post("/webhook/dk-escalation", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/webhook/dk-escalation", received
    await runner.cleanup()


def _question(container: Container) -> int:
    with session_scope(container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=ALICE_ID)
        user = repo.get_or_create_user(session, telegram_id=ALICE_ID, username="alice", full_name="Alice")
        message = repo.add_message(session, chat_id=chat.id or 0, user_id=user.id, text="Где взять пропуск?",
                                   telegram_message_id=41)
        answer = repo.start_answer(session, question=message.text, message_id=message.id)
        repo.finish_answer(session, answer_id=answer.id or 0, outcome=Outcome.not_found)
        return answer.id or 0


async def test_n8n_gets_the_payload_and_secret_and_its_ticket_reaches_the_user(
        tg: BotApiEmulator, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]], queue_name: str) -> None:
    url, received = webhook
    settings = make_settings(tmp_path, tracker={"kind": "n8n", "queue": queue_name, "wait_s": 20},
                             n8n={"webhook_url": url, "secret": SECRET},
                             telegram={"admin_chat_id": ADMIN_CHAT_ID, "admin_ids": [ADMIN_ID]})
    tg.group_chat(ADMIN_CHAT_ID, "Admins")
    container = Container(settings, notifier=TelegramNotifier(tg.make_bot(), settings.telegram))
    worker = start_thread_worker(container, queue_name)  # the in-process runner, as the bot uses for ingestion
    service = container.escalations  # the n8n tracker, chosen by the container
    try:
        answer_id = _question(container)
        result = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                       source="not_found", answer_id=answer_id)
    finally:
        worker.stop_after_current_job()
        await asyncio.sleep(0)
        container.close_sync()
    assert result.ticket_id == "N8N-1"
    [payload] = received
    assert payload["escalation_id"] == result.escalation_id and payload["external_id"] == f"dk:{result.escalation_id}"
    assert payload["question"] == "Где взять пропуск?" and payload["source"] == "not_found"
    assert payload["user"] == {"id": ALICE_ID, "name": "Alice", "username": "alice", "link": f"tg://user?id={ALICE_ID}"}
    assert payload["chat"]["id"] == ALICE_ID and payload["answer"]["outcome"] == "not_found"
    assert payload["transcript"][0]["text"] == "Где взять пропуск?" and payload["sources"] == []
    told = [c.params for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ALICE_ID]
    assert [p["text"] for p in told] == ["Заявка №N8N-1 создана, ответ придёт сюда же."]
    assert told[0]["reply_parameters"]["message_id"] == 41
    admin = [c.params["text"] for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ADMIN_CHAT_ID]
    assert len(admin) == 1 and "https://tracker.example/1" in admin[0] and "tg://user?id=701" in admin[0]


WORKFLOW = ROOT / "deploy/n8n/escalation.json"


def _secret_check(env_secret: str | None, header: str | None) -> bool:
    """The shipped workflow's secret condition, evaluated by Node.js as n8n evaluates its expressions."""
    workflow = json.loads(WORKFLOW.read_text())
    [node] = [n for n in workflow["nodes"] if n["type"] == "n8n-nodes-base.if"]
    [condition] = node["parameters"]["conditions"]["boolean"]
    assert condition["value2"] is True and condition["value1"].startswith("={{")
    expression = condition["value1"].removeprefix("={{").removesuffix("}}")
    env = {} if env_secret is None else {"DK_N8N_SECRET": env_secret}
    headers = {} if header is None else {"x-dk-secret": header}
    script = (f"const $env = {json.dumps(env)}; const $json = {json.dumps({'headers': headers})};"
              f"process.stdout.write(JSON.stringify(Boolean({expression})));")
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return bool(json.loads(run.stdout))


@pytest.mark.skipif(shutil.which("node") is None, reason="evaluating the workflow's expression needs Node.js")
def test_the_shipped_workflow_rejects_every_request_while_its_secret_is_empty() -> None:
    assert _secret_check(SECRET, SECRET) is True
    assert _secret_check(SECRET, "wrong") is False and _secret_check(SECRET, None) is False
    for empty in ("", None):
        assert _secret_check(empty, None) is False, "no secret set must not match a request without one"
        assert _secret_check(empty, "") is False
        assert _secret_check(empty, "anything") is False
    workflow = json.loads(WORKFLOW.read_text())
    connections = workflow["connections"]["Secret matches"]["main"]
    assert [[c["node"] for c in branch] for branch in connections] == [["Ticket created"], ["Wrong secret"]]


def test_an_n8n_tracker_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    for secret in (None, "", "  "):
        n8n: dict[str, Any] = {"webhook_url": "http://127.0.0.1:9/webhook/dk-escalation"}
        if secret is not None:
            n8n["secret"] = secret
        with pytest.raises(ValidationError, match="DK_N8N__SECRET must be set when DK_TRACKER__KIND=n8n"):
            make_settings(tmp_path, tracker={"kind": "n8n"}, n8n=n8n)
    env = {**os.environ, "DK_DATA_DIR": str(tmp_path), "DK_TRACKER__KIND": "n8n",
           "DK_N8N__WEBHOOK_URL": "http://127.0.0.1:9/webhook/dk-escalation", "DK_N8N__SECRET": ""}
    run = subprocess.run([sys.executable, "-m", "bot", "tickets", "list"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 4 and "DK_N8N__SECRET must be set" in run.stderr and "Traceback" not in run.stderr
