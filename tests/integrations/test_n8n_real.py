"""The shipped workflow in a real n8n (``make test-n8n`` starts it; skipped otherwise)."""

from __future__ import annotations

import os

import pytest

from bot.integrations.n8n import N8nClient, N8nError

URL = os.environ.get("DK_TEST_N8N_URL")
SECRET = os.environ.get("DK_TEST_N8N_SECRET")

pytestmark = pytest.mark.skipif(not URL, reason="real n8n runs only under `make test-n8n`")


async def test_the_shipped_workflow_answers_a_ticket_id_and_checks_the_secret() -> None:
    assert URL is not None
    payload = {"escalation_id": 1, "external_id": "dk:1", "question": "Как сбросить пароль?", "transcript": [],
               "user": {"id": 701, "name": "Alice"}, "chat": {"id": 701}, "answer": None, "sources": []}
    client = N8nClient(URL, SECRET)
    try:
        ticket = await client.create_ticket(payload)
    finally:
        await client.aclose()
    assert ticket.ticket_id.startswith("N8N-")
    wrong = N8nClient(URL, "not-the-secret")
    try:
        with pytest.raises(N8nError):
            await wrong.create_ticket(payload)
    finally:
        await wrong.aclose()
