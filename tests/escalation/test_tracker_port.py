"""A third tracker is one class plus one registration: an HTTP-free tracker defined here runs the whole flow.

The class below implements the ``Tracker`` port and nothing else; ``TRACKERS["memory"]`` is the one line that
plugs it in. The escalation service, the ticket job (on a real RQ worker thread), the support poller, relayed
replies and the resolved-ticket sync then work with it unchanged.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.container import TRACKERS, Container
from bot.dialog.escalation import (
    Comment,
    Requester,
    ResolvedTicket,
    SupportPoller,
    Ticket,
    TicketRequest,
    TicketState,
    Tracker,
)
from bot.jobs.inprocess import start_thread_worker
from bot.settings import ROOT
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import EscalationStatus, Outcome
from bot.telegram.notifier import TelegramNotifier
from tests.conftest import make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_CHAT_ID, ADMIN_ID, ALICE_ID


class MemoryTracker:
    """A tracker in a dict: tickets ``MEM-<n>``, comments by id, one resolved flag per ticket."""

    kind = "memory"
    supports_comments = True
    supports_resolution_sync = True

    def __init__(self) -> None:
        self.tickets: dict[str, TicketRequest] = {}
        self.comments: dict[str, list[Comment]] = {}
        self.ours: list[tuple[str, str]] = []  # comments the bot added
        self.resolved: dict[str, datetime] = {}

    async def check(self) -> None:
        """Always usable."""

    async def create_ticket(self, request: TicketRequest) -> Ticket:
        """One ticket per external id."""
        for ticket_id, known in self.tickets.items():
            if known.external_id == request.external_id:
                return Ticket(ticket_id)
        ticket_id = f"MEM-{len(self.tickets) + 1}"
        self.tickets[ticket_id] = request
        return Ticket(ticket_id, url=f"memory://{ticket_id}")

    async def new_comments(self, ticket_id: str, after: int | None) -> list[Comment]:
        """Support's comments newer than ``after``."""
        return [c for c in self.comments.get(ticket_id, []) if c.id > (after or 0)]

    async def add_comment(self, ticket_id: str, text: str) -> None:
        """Remember the bot's comment."""
        self.ours.append((ticket_id, text))

    async def state(self, ticket_id: str) -> TicketState:
        """Resolved once marked so."""
        if ticket_id not in self.tickets:
            return TicketState.gone
        return TicketState.resolved if ticket_id in self.resolved else TicketState.open

    async def list_resolved(self, since: datetime | None) -> list[ResolvedTicket]:
        """Every resolved ticket (no resolution read yet)."""
        return [ResolvedTicket(ticket_id, self.tickets[ticket_id].title, "", None, at)
                for ticket_id, at in self.resolved.items() if since is None or at >= since]

    async def resolution(self, ticket_id: str) -> str:
        """The last support comment."""
        comments = self.comments.get(ticket_id, [])
        return comments[-1].text if comments else ""

    async def aclose(self) -> None:
        """Nothing to release."""


@pytest.fixture
def memory_tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryTracker]:
    """The one registration a new tracker needs."""
    tracker = MemoryTracker()
    monkeypatch.setitem(TRACKERS, "memory", lambda settings: tracker)
    yield tracker


def _question(container: Container, text: str) -> int:
    with session_scope(container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=ALICE_ID)
        user = repo.get_or_create_user(session, telegram_id=ALICE_ID, username="alice", full_name="Alice")
        message = repo.add_message(session, chat_id=chat.id or 0, user_id=user.id, text=text, telegram_message_id=41)
        answer = repo.start_answer(session, question=message.text, message_id=message.id)
        repo.finish_answer(session, answer_id=answer.id or 0, outcome=Outcome.not_found)
        return answer.id or 0


async def test_an_in_test_tracker_plugged_in_by_one_registration_runs_the_whole_escalation(
        tg: BotApiEmulator, tmp_path: Path, queue_name: str, memory_tracker: MemoryTracker) -> None:
    settings = make_settings(tmp_path, tracker={"kind": "memory", "queue": queue_name, "wait_s": 20},
                             telegram={"admin_chat_id": ADMIN_CHAT_ID, "admin_ids": [ADMIN_ID]})
    tg.group_chat(ADMIN_CHAT_ID, "Admins")
    tg.private_chat(tg.user(ALICE_ID, "Alice", "alice"))
    container = Container(settings, notifier=TelegramNotifier(tg.make_bot(), settings.telegram))
    assert container.tracker is memory_tracker, "chosen by DK_TRACKER__KIND through the registration"
    service = container.escalations
    worker = start_thread_worker(container, queue_name)  # the ticket job runs as on a worker
    try:
        result = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                       source="not_found", answer_id=_question(container, "Где взять пропуск?"))
        assert result.ticket_id == "MEM-1" and result.status == EscalationStatus.created
        [request] = memory_tracker.tickets.values()
        assert request.title == "Где взять пропуск?" and request.external_id == f"dk:{result.escalation_id}"
        assert "### Вопрос" in request.description and request.data["user"]["username"] == "alice"
        assert request.tags == ("dialog-keeper", "not-found")

        memory_tracker.comments["MEM-1"] = [Comment(7, "Пропуск выдают на ресепшене.", "agent")]
        memory_tracker.resolved["MEM-1"] = datetime.now(UTC)
        report = await SupportPoller(service).tick()
        again = await SupportPoller(service).tick()
        # the user answers the «Заявка №…» message: the reply goes to the ticket as the bot's comment
        notice = next(c for c in tg.calls_to("sendMessage") if "Заявка №MEM-1 создана" in str(c.params["text"]))
        assert await service.relay_user_reply(ALICE_ID, int(notice.result["message_id"]), "Спасибо!",
                                              "Alice (@alice)")
    finally:
        worker.stop_after_current_job()
        await asyncio.sleep(0)
        container.close_sync()
    assert (report.relayed, report.resolved) == (1, 1) and (again.relayed, again.resolved) == (0, 0)
    told = [c.params["text"] for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ALICE_ID]
    assert told == ["Заявка №MEM-1 создана, ответ придёт сюда же.",
                    "💬 Ответ поддержки по заявке №MEM-1:\n\nПропуск выдают на ресепшене.\n\n"
                    "Ответьте на это сообщение, чтобы дописать в заявку.",
                    "✅ Заявка №MEM-1 решена.", "Добавил в заявку №MEM-1."]
    assert memory_tracker.ours == [("MEM-1", "**Alice (@alice)** (Telegram): Спасибо!")]
    admin = [c.params["text"] for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ADMIN_CHAT_ID]
    assert len(admin) == 1 and "memory://MEM-1" in admin[0]


def test_an_unknown_tracker_kind_is_refused_with_a_sentence(tmp_path: Path) -> None:
    from bot.container import UnknownTracker

    container = Container(make_settings(tmp_path, tracker={"kind": "jira"}))
    with pytest.raises(UnknownTracker, match="DK_TRACKER__KIND=jira is not a tracker: use one of none, kaiten, n8n"):
        _ = container.tracker


def test_the_adapters_satisfy_the_port(tmp_path: Path) -> None:
    from bot.integrations.kaiten import KaitenTracker
    from bot.integrations.n8n import N8nTracker

    settings = make_settings(tmp_path)
    trackers: list[Tracker] = [KaitenTracker(settings.kaiten), N8nTracker(settings.n8n), MemoryTracker()]
    assert [(t.kind, t.supports_comments, t.supports_resolution_sync) for t in trackers] == [
        ("kaiten", True, True), ("n8n", False, False), ("memory", True, True)]


def test_trackers_and_their_clients_are_built_only_in_the_container_and_integrations() -> None:
    builders = {"KaitenTracker", "N8nTracker", "KaitenClient", "N8nClient"}
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "bot/container.py" or relative.startswith("bot/integrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in builders:
                offenders.append(f"{relative}:{node.lineno} {node.func.id}")
    assert offenders == []


def test_kaiten_comment_json_is_read_only_in_integrations() -> None:
    """The review's finding: ``author_id``/``internal`` parsing had leaked into dialog and knowledge."""
    leaks = [path.relative_to(ROOT).as_posix() for path in (ROOT / "bot").rglob("*.py")
             if not path.relative_to(ROOT).as_posix().startswith("bot/integrations/")
             and ('"author_id"' in path.read_text() or '"internal"' in path.read_text())]
    assert leaks == []


async def test_every_notice_of_an_escalation_speaks_the_language_of_its_first_reply(
        tg: BotApiEmulator, tmp_path: Path, queue_name: str, memory_tracker: MemoryTracker) -> None:
    """An English-app user (the transport passes ``en``) in a Russian deployment: English from first to last."""
    settings = make_settings(tmp_path, tracker={"kind": "memory", "queue": queue_name, "wait_s": 20})
    assert settings.language == "ru"
    tg.private_chat(tg.user(ALICE_ID, "Alice", "alice", language_code="en"))
    container = Container(settings, notifier=TelegramNotifier(tg.make_bot(), settings.telegram))
    service = container.escalations
    worker = start_thread_worker(container, queue_name)
    try:
        answer_id = _question(container, "Where do I get a pass?")
        first = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                      source="button", answer_id=answer_id, lang="en")
        again = await service.request(chat_telegram_id=ALICE_ID, requester=Requester(ALICE_ID, "Alice", "alice"),
                                      source="button", answer_id=answer_id, lang="en")
        memory_tracker.comments["MEM-1"] = [Comment(3, "At the front desk.", "agent")]
        memory_tracker.resolved["MEM-1"] = datetime.now(UTC)
        await SupportPoller(service).tick()
    finally:
        worker.stop_after_current_job()
        await asyncio.sleep(0)
        container.close_sync()
    assert first.ticket_id == "MEM-1" and not again.created
    told = [c.params["text"] for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == ALICE_ID]
    assert told == ["Ticket #MEM-1 is created; the answer will come here.",
                    "A human has already been asked about this question (ticket #MEM-1). The answer will come here.",
                    "💬 Support replied to ticket #MEM-1:\n\nAt the front desk.\n\n"
                    "Reply to this message to add to the ticket.",
                    "✅ Ticket #MEM-1 is resolved."]
