"""MeetingService end to end over SQLite and a real Radicale: questions, slots, booking, cancel, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.dialog.meetings import MeetingService, Party, Reply
from bot.dialog.meetings.directory import load_directory
from bot.dialog.notify import Keyboard
from bot.integrations.caldav_calendar import CalDAVCalendar
from bot.settings import MeetingsSettings
from bot.store.db import make_engine, migrate
from tests.conftest import free_port
from tests.meetings.conftest import MSK, NOW, CalDAVServer, put_ics

CHAT, USER = Party(701, "Alice"), Party(701, "Alice")


class RecordingNotifier:
    """The Notifier protocol, keeping what admins were told."""

    def __init__(self) -> None:
        self.admin_texts: list[str] = []

    async def send(self, chat_id: int, text: str, **_: Any) -> int | None:
        return None

    async def send_file(self, chat_id: int, data: bytes, filename: str, **_: Any) -> int | None:
        return None

    async def notify_admins(self, text: str, *, buttons: Keyboard = (), html: bool = False) -> bool:
        self.admin_texts.append(text)
        return True


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'dk.db'}"
    engine = make_engine(url)
    migrate(url)
    yield engine
    engine.dispose()


def make_service(engine: Engine, server: CalDAVServer, calendar: str, people: Path, **caldav: Any
                 ) -> tuple[MeetingService, RecordingNotifier]:
    settings = MeetingsSettings(directory=people)
    notifier = RecordingNotifier()
    cal = CalDAVCalendar(server.settings(calendar, **caldav), MSK)
    return MeetingService(engine=engine, settings=settings, calendar=cal, directory=load_directory(people),
                          notifier=notifier), notifier


def buttons(reply: Reply) -> dict[str, str]:
    return {b.text: b.data for row in reply.buttons for b in row}


async def press(service: MeetingService, reply: Reply, label: str, now: datetime = NOW) -> Reply:
    result = await service.on_button(buttons(reply)[label], CHAT, USER, "ru", now)
    assert result is not None
    return result


async def test_request_to_booking_and_cancellation(engine: Engine, radicale: CalDAVServer, calendar_name: str,
                                                   people_file: Path) -> None:
    service, notifier = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("давайте созвонимся завтра в 15:00 на полчаса с Ивановым", CHAT, USER, "ru", NOW)
    assert offer.text.startswith("Свободное время")
    assert list(buttons(offer)) == ["Пт 27.11 14:00–14:30", "Пт 27.11 14:30–15:00", "Пт 27.11 15:00–15:30",
                                    "Пт 27.11 15:30–16:00", "Пт 27.11 16:00–16:30", "Другое время"]
    assert all(len(data.encode()) <= 64 for data in buttons(offer).values())

    confirm = await press(service, offer, "Пт 27.11 15:00–15:30")
    assert "Иван Иванов" in confirm.text and "Подтвердить" in buttons(confirm)
    booked = await press(service, confirm, "Подтвердить")

    assert booked.text.startswith("✅") and "Отменить встречу" in buttons(booked)
    assert booked.attachment is not None and b"ivanov@example.org" in booked.attachment.data
    assert b"DTSTART:20261127T120000Z" in booked.attachment.data, "15:00 MSK written as 12:00 UTC"
    day = datetime(2026, 11, 27, tzinfo=MSK)
    [(start, end)] = await service.calendar.busy(day, day + timedelta(days=1))  # type: ignore[union-attr]
    assert start.astimezone(MSK).hour == 15 and end - start == timedelta(minutes=30)
    assert notifier.admin_texts and "Встреча забронирована" in notifier.admin_texts[0]

    again = await press(service, confirm, "Подтвердить")  # a second tap on the old keyboard
    assert again.text == "Эта встреча уже забронирована."
    cancelled = await press(service, booked, "Отменить встречу")
    assert "отменена" in cancelled.text
    assert await service.calendar.busy(day, day + timedelta(days=1)) == []  # type: ignore[union-attr]
    assert "отменена" in notifier.admin_texts[-1]


async def test_a_person_the_directory_lacks_is_named_in_the_event_but_not_invited(
        engine: Engine, radicale: CalDAVServer, calendar_name: str, people_file: Path) -> None:
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("созвон завтра в 15:00 на полчаса с Ивановым и Петровым", CHAT, USER, "ru", NOW)
    confirm = await press(service, offer, "Пт 27.11 15:00–15:30")
    assert "Иван Иванов" in confirm.text and "Петров" in confirm.text
    booked = await press(service, confirm, "Подтвердить")
    assert booked.attachment is not None
    invite = booked.attachment.data
    assert b"ivanov@example.org" in invite and "Петров".encode() in invite
    assert invite.count(b"ATTENDEE") == 1, "only the directory's person gets an invitation"


async def test_questions_for_a_missing_duration_and_a_past_day(engine: Engine, radicale: CalDAVServer,
                                                                calendar_name: str, people_file: Path) -> None:
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    question = await service.start("созвонимся в пятницу в 11", CHAT, USER, "ru", NOW)
    assert "Сколько будет длиться" in question.text and list(buttons(question)) == ["30 мин", "60 мин", "90 мин"]
    offer = await press(service, question, "60 мин")
    assert "Пт 27.11 11:00–12:00" in buttons(offer)

    past = await service.start("вчера в 15 на час", CHAT, USER, "ru", NOW)
    assert "уже прошла" in past.text and "Завтра" in buttons(past), "a question with days, not a booking"
    offer = await press(service, past, "Завтра")
    assert next(iter(buttons(offer))) == "Пт 27.11 09:00–10:00"


async def test_a_day_word_the_rules_do_not_know_is_asked_about_never_today(
        engine: Engine, radicale: CalDAVServer, calendar_name: str, people_file: Path) -> None:
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    question = await service.start("созвонимся на днях в 15 на час", CHAT, USER, "ru", NOW)
    assert question.text.startswith("Не понял, какой день"), question.text
    assert "Завтра" in buttons(question) and not any(":" in label for label in buttons(question)), "days, no slots"
    offer = await press(service, question, "Завтра")
    assert next(iter(buttons(offer))).startswith("Пт 27.11")


async def test_weekend_request_and_other_time(engine: Engine, radicale: CalDAVServer, calendar_name: str,
                                              people_file: Path) -> None:
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("в субботу в 12 на час", CHAT, USER, "ru", NOW)
    assert "нерабочее время" in offer.text
    assert all(label.startswith(("Пт", "Пн", "Другое")) for label in buttons(offer))
    again = await press(service, offer, "Другое время")
    assert "На какой день" in again.text and len(buttons(again)) == 5


async def test_a_slot_taken_after_the_offer_gets_a_fresh_offer(engine: Engine, radicale: CalDAVServer,
                                                                calendar_name: str, people_file: Path) -> None:
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("завтра в 15:00 на полчаса", CHAT, USER, "ru", NOW)
    confirm = await press(service, offer, "Пт 27.11 15:00–15:30")
    put_ics(radicale, calendar_name, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:rival\r\n"
            "DTSTAMP:20261126T090000Z\r\nDTSTART:20261127T120000Z\r\nDTEND:20261127T123000Z\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    fresh = await press(service, confirm, "Подтвердить")
    assert fresh.text.startswith("Это время только что заняли")
    assert "Пт 27.11 15:00–15:30" not in buttons(fresh) and fresh.attachment is None


async def test_a_retry_after_a_lost_answer_does_not_duplicate_the_event(
        engine: Engine, radicale: CalDAVServer, calendar_name: str, people_file: Path) -> None:
    from bot.store import meeting_repo
    from bot.store.db import session_scope

    service, _ = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("завтра в 10:00 на полчаса", CHAT, USER, "ru", NOW)
    confirm = await press(service, offer, "Пт 27.11 10:00–10:30")
    await press(service, confirm, "Подтвердить")
    draft_id = int(buttons(confirm)["Подтвердить"].split(":")[1])
    with session_scope(engine) as session:  # as if the process died after the PUT, before the status update
        meeting_repo.update_draft(session, draft_id, status="open")
    rebooked = await press(service, confirm, "Подтвердить")
    assert rebooked.text.startswith("✅")
    day = datetime(2026, 11, 27, tzinfo=MSK)
    assert len(await service.calendar.busy(day, day + timedelta(days=1))) == 1  # type: ignore[union-attr]


async def test_calendar_down_and_wrong_password_keep_the_request_with_a_retry_button(
        engine: Engine, radicale: CalDAVServer, calendar_name: str, people_file: Path) -> None:
    down, _ = make_service(engine, radicale, calendar_name, people_file, url=f"http://127.0.0.1:{free_port()}/")
    reply = await down.start("завтра в 15:00 на полчаса", CHAT, USER, "ru", NOW)
    assert reply.text.startswith("Календарь сейчас недоступен") and list(buttons(reply)) == ["Повторить"]
    up, _ = make_service(engine, radicale, calendar_name, people_file)  # the server is back: same draft
    offer = await press(up, reply, "Повторить")
    assert "Пт 27.11 15:00–15:30" in buttons(offer)

    wrong, notifier = make_service(engine, radicale, calendar_name, people_file, password="wrong")
    reply = await wrong.start("tomorrow at 3pm for 30 minutes", CHAT, USER, "en", NOW)
    assert reply.text.startswith("The calendar refused") and list(buttons(reply)) == ["Retry"]
    assert notifier.admin_texts and "refused" in notifier.admin_texts[0]


async def test_not_configured_and_other_peoples_buttons(engine: Engine, radicale: CalDAVServer, calendar_name: str,
                                                         people_file: Path) -> None:
    off = MeetingService(engine=engine, settings=MeetingsSettings(), calendar=None, directory=load_directory(None))
    assert "не настроены" in (await off.start("завтра в 15", CHAT, USER, "ru", NOW)).text
    service, _ = make_service(engine, radicale, calendar_name, people_file)
    offer = await service.start("завтра в 15:00 на полчаса", CHAT, USER, "ru", NOW)
    data = buttons(offer)["Другое время"]
    stranger = await service.on_button(data, CHAT, Party(999, "Mallory"), "ru", NOW)
    assert stranger is not None and not stranger.spent and "для того, кто назначает" in stranger.text
    assert await service.on_button("fb:1:1", CHAT, USER, "ru", NOW) is None
