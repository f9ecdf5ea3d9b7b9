"""Claims are leases shared by every process over one database: owner + expiry, takeover only when expired, and
each chat answered in order (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.container import Container
from bot.dialog.notify import Keyboard
from bot.store import claims, repo
from bot.store.claims import Claim
from bot.store.db import session_scope
from bot.store.models import Message, MessageStatus, utcnow
from tests.conftest import make_settings

OTHER = "other-host:4242:abcd1234"


@pytest.fixture(params=["sqlite", "postgresql"])
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A container over SQLite, or over a fresh PostgreSQL database."""
    overrides: dict[str, Any] = {"inbox": {"lease_s": 30}}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    built = Container(make_settings(tmp_path, **overrides))
    yield built
    built.close_sync()


def _add(engine: Engine, chat: int, text: str, *, tg_id: int | None = None,
         status: MessageStatus = MessageStatus.pending, owner: str | None = None,
         lease_s: float | None = None) -> int:
    with session_scope(engine) as session:
        chat_row = repo.get_or_create_chat(session, telegram_id=chat)
        assert chat_row.id is not None
        message = repo.add_message(session, chat_id=chat_row.id, text=text, status=status, telegram_message_id=tg_id)
        message.claimed_by = owner
        message.lease_until = utcnow() + timedelta(seconds=lease_s) if lease_s is not None else None
        session.add(message)
        session.flush()
        assert message.id is not None
        return message.id


def _claim(engine: Engine, message_id: int, owner: str = "me:1:x", **kw: Any) -> Claim:
    with session_scope(engine) as session:
        return claims.claim_message(session, message_id=message_id, owner=owner, lease_s=30, **kw)


def _status(engine: Engine, message_id: int) -> tuple[MessageStatus, str | None]:
    with Session(engine) as session:
        message = session.get_one(Message, message_id)
        return message.status, message.claimed_by


def _finish(engine: Engine, message_id: int) -> None:
    with session_scope(engine) as session:
        claims.finish_claim(session, message_id=message_id, owner="me:1:x", status=MessageStatus.done)


def test_a_live_claim_of_another_replica_is_never_taken_an_expired_one_is(container: Container) -> None:
    engine = container.engine
    live = _add(engine, 1, "live", status=MessageStatus.answering, owner=OTHER, lease_s=30)
    expired = _add(engine, 2, "expired", status=MessageStatus.answering, owner=OTHER, lease_s=-1)

    assert _claim(engine, live) is Claim.taken
    assert _status(engine, live) == (MessageStatus.answering, OTHER)
    assert _claim(engine, expired) is Claim.claimed
    assert _status(engine, expired) == (MessageStatus.answering, "me:1:x")
    assert _claim(engine, live, now=utcnow() + timedelta(seconds=31)) is Claim.claimed, "once its lease ran out"


def test_a_chat_is_claimed_in_order_other_chats_are_not_held_up(container: Container) -> None:
    engine = container.engine
    first, second = _add(engine, 1, "first", tg_id=10), _add(engine, 1, "second", tg_id=11)
    elsewhere = _add(engine, 2, "other chat", tg_id=10)

    assert _claim(engine, second) is Claim.blocked
    with session_scope(engine) as session:
        assert claims.claimable_ids(session, limit=10, lease_s=30) == [first, elsewhere]
    assert _claim(engine, elsewhere) is Claim.claimed
    assert _claim(engine, first) is Claim.claimed
    assert _claim(engine, second) is Claim.blocked, "the earlier one is being answered"
    _finish(engine, first)
    assert _claim(engine, second) is Claim.claimed


def test_telegram_order_wins_over_stored_order(container: Container) -> None:
    """A webhook or a failover may store a later message first: Telegram's message id restores the order."""
    engine = container.engine
    later = _add(engine, 1, "stored first, sent second", tg_id=21)
    earlier = _add(engine, 1, "stored second, sent first", tg_id=20)

    assert _claim(engine, later) is Claim.blocked
    assert _claim(engine, earlier) is Claim.claimed


def test_an_orphaned_or_deferred_earlier_message_does_not_hold_the_chat(container: Container) -> None:
    engine = container.engine
    deferred = _add(engine, 1, "put off while the model was down", tg_id=1)
    with session_scope(engine) as session:
        repo.update_message(session, message_id=deferred, deferred_at=utcnow())
    dead = _add(engine, 1, "claimed by a process that died", tg_id=2, status=MessageStatus.answering, owner=OTHER,
                lease_s=-5)
    latest = _add(engine, 1, "now", tg_id=3)

    assert _claim(engine, latest) is Claim.blocked, "the expired claim is claimable again, so it comes first"
    assert _claim(engine, dead) is Claim.claimed
    _finish(engine, dead)
    assert _claim(engine, latest) is Claim.claimed


def test_many_processes_racing_for_one_message_one_wins(container: Container) -> None:
    engine = container.engine
    message_id = _add(engine, 1, "contended")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda n: _claim(engine, message_id, owner=f"p{n}:1:x"), range(8)))

    assert outcomes.count(Claim.claimed) == 1
    # A racer that met the winner's claim in flight (the chat's turn held) is told to try again: then it is taken.
    assert outcomes.count(Claim.taken) + outcomes.count(Claim.blocked) == 7
    again = [_claim(engine, message_id, owner=f"p{n}:1:x") for n, o in enumerate(outcomes) if o is Claim.blocked]
    assert set(again) <= {Claim.taken}


def test_two_processes_claiming_two_messages_of_one_chat_at_once_take_turns(container: Container) -> None:
    """Under PostgreSQL's READ COMMITTED two claims in flight at once would each miss the other's uncommitted
    one: with the earlier message waiting longer than a lease (a backlog; such a message is no longer waited
    for), both would win and the later answer could go out first. The chat's claims take turns instead."""
    engine = container.engine
    first, second = _add(engine, 1, "first", tg_id=30), _add(engine, 1, "second", tg_id=31)
    with session_scope(engine) as session:  # both waited longer than a lease: a busy cluster's backlog
        for message_id in (first, second):
            repo.update_message(session, message_id=message_id, stored_at=utcnow() - timedelta(seconds=90))

    holder = Session(engine)  # the first claim, made and not yet committed
    try:
        assert claims.claim_message(holder, message_id=first, owner="p1:1:x", lease_s=30) is Claim.claimed
        with ThreadPoolExecutor(max_workers=1) as pool:
            racing = pool.submit(_claim, engine, second, "p2:1:x")
            try:
                early = racing.result(timeout=1.0)  # SQLite has one writer at a time anyway: this times out
            except TimeoutError:
                early = None
            holder.commit()
            outcome = early or racing.result(timeout=10)
    finally:
        holder.close()
    assert outcome is Claim.blocked, "the second message was claimed while the first was being claimed"
    assert _status(engine, second) == (MessageStatus.pending, None)


class RecordingChannel:
    """The transport side of the Channel protocol: records what the pipeline says; ``gate`` holds a reply."""

    lang = "en"

    def __init__(self, said: list[str], gate: asyncio.Event | None = None) -> None:
        self.said, self.gate = said, gate

    async def say(self, text: str, *, buttons: Keyboard = ()) -> int | None:
        if self.gate is not None:
            await self.gate.wait()
        self.said.append(text)
        return 1


async def test_resume_takes_over_only_expired_claims_and_those_of_a_dead_local_process(container: Container) -> None:
    engine = container.engine
    dead_pid = os.getpid() + 100000  # no such process
    live = _add(engine, 1, "", status=MessageStatus.answering, owner=OTHER, lease_s=30)
    expired = _add(engine, 2, "", status=MessageStatus.answering, owner=OTHER, lease_s=-1)
    crashed = _add(engine, 3, "", status=MessageStatus.answering, owner=f"{socket.gethostname()}:{dead_pid}:x",
                   lease_s=30)
    pending = _add(engine, 4, "")
    said: list[str] = []

    async def channel(_: Any) -> Any:
        return RecordingChannel(said)

    assert await container.inbox.resume(channel) == 3

    assert _status(engine, live) == (MessageStatus.answering, OTHER), "another replica is answering it right now"
    for message_id in (expired, crashed, pending):
        assert _status(engine, message_id) == (MessageStatus.done, container.inbox.owner)
    assert len(said) == 3


async def test_the_owner_renews_its_claim_while_it_works(tmp_path: Path) -> None:
    container = Container(make_settings(tmp_path, inbox={"lease_s": 0.6}))
    engine = container.engine
    message_id = _add(engine, 1, "")
    gate = asyncio.Event()
    kept = await container.inbox.kept_by_id(message_id)
    work = asyncio.create_task(container.inbox.process(kept, RecordingChannel([], gate)))  # type: ignore[arg-type]
    for _ in range(50):
        if _status(engine, message_id)[0] is MessageStatus.answering:
            break
        await asyncio.sleep(0.02)

    await asyncio.sleep(1.5)  # two and a half leases: renewed meanwhile
    assert _claim(engine, message_id, owner=OTHER) is Claim.taken
    gate.set()
    assert await work is MessageStatus.done
    assert _status(engine, message_id) == (MessageStatus.done, container.inbox.owner)
    container.close_sync()


def test_delivery_is_fenced_and_a_message_put_off_again_is_not_delivered(container: Container) -> None:
    """The fence passes only for the claim's owner; a message finished as pending again (a notice went out, not
    the answer) no longer says its answer may have been delivered."""
    engine = container.engine
    message_id = _add(engine, 1, "the model is down")
    assert _claim(engine, message_id) is Claim.claimed
    with session_scope(engine) as session:
        assert not claims.begin_delivery(session, message_id=message_id, owner=OTHER, lease_s=30)
        assert claims.begin_delivery(session, message_id=message_id, owner="me:1:x", lease_s=30)
    with Session(engine) as session:
        assert session.get_one(Message, message_id).delivering_at is not None
    with session_scope(engine) as session:
        assert not claims.finish_claim(session, message_id=message_id, owner=OTHER, status=MessageStatus.done)
        assert claims.finish_claim(session, message_id=message_id, owner="me:1:x", status=MessageStatus.pending)
    with Session(engine) as session:
        row = session.get_one(Message, message_id)
        assert (row.status, row.delivering_at) == (MessageStatus.pending, None)
