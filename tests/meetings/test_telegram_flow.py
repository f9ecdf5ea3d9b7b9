"""/meet through the Bot API emulator and PTB to a real Radicale: slots → confirm → event → cancel."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.container import Container
from tests.conftest import free_port, make_settings
from tests.meetings.conftest import MSK, NOW, CalDAVServer
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.bot_api_state import StoredMessage
from tests.telegram.conftest import (
    ADMIN_CHAT_ID,
    ALICE_ID,
    TEAM_CHAT_ID,
    BotUnderTest,
    eventually,
    start_bot,
    stop_bot,
)

REQUEST = "/meet давайте созвонимся завтра в 15:00 на полчаса"



async def meeting_bot(tg: BotApiEmulator, tmp_path: Path, caldav: dict[str, Any], people: Path) -> BotUnderTest:
    """The real application over the emulator; meetings need no knowledge index, so none is loaded."""
    light = SimpleNamespace(settings=make_settings(tmp_path, llm={"base_url": f"http://127.0.0.1:{free_port()}/v1"}),
                            embed_model=None)
    bot = await start_bot(tg, light, tmp_path, share_index=False,  # type: ignore[arg-type]  # see above
                          caldav=caldav, meetings={"directory": people}, jobs={"ingest_in_bot": "no"})
    bot.container.meetings.clock = lambda: NOW  # «завтра» is Friday 27.11, whatever day the test runs
    return bot


def keyboard(message: StoredMessage) -> dict[str, str]:
    markup = message.reply_markup or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def next_bot_message(tg: BotApiEmulator, chat_id: int, count: int) -> StoredMessage:
    """Wait until the bot has sent ``count`` messages to the chat; the newest one."""
    await eventually(lambda: len(tg.messages_in(chat_id, from_bot=True)) >= count, timeout=30)
    return tg.messages_in(chat_id, from_bot=True)[count - 1]


def events_on(server: CalDAVServer, calendar: str) -> list[Any]:
    from caldav.davclient import DAVClient

    with DAVClient(url=server.url, username=server.username, password=server.password) as client:
        cal = client.get_principal().calendar(name=calendar)
        start = datetime(2026, 11, 27, tzinfo=MSK)
        return [e.icalendar_component for e in cal.search(start=start, end=start + timedelta(days=1), event=True)]


@pytest.mark.parametrize("request_text", [REQUEST, REQUEST.removeprefix("/meet ")], ids=["command", "plain text"])
async def test_a_meeting_request_books_and_cancels_an_event(tg: BotApiEmulator, tmp_path: Path,
                                                            radicale: CalDAVServer, calendar_name: str,
                                                            people_file: Path, request_text: str) -> None:
    """/meet, or plain words the intent router recognises, lead to the same booking."""
    caldav = {"url": radicale.url, "username": "bot", "password": "s3cret", "calendar": calendar_name}
    bot = await meeting_bot(tg, tmp_path, caldav, people_file)
    try:
        alice = tg.user(ALICE_ID, "Alice")
        await tg.inject_message(tg.private_chat(alice), alice, request_text)

        offer = await next_bot_message(tg, ALICE_ID, 1)
        assert offer.text is not None and offer.text.startswith("Свободное время")
        await tg.inject_callback_query(offer, alice, keyboard(offer)["Пт 27.11 15:00–15:30"])
        confirm = await next_bot_message(tg, ALICE_ID, 2)
        assert "15:00–15:30" in (confirm.text or "")
        await eventually(lambda: tg.messages_in(ALICE_ID, from_bot=True)[0].reply_markup is None)  # spent
        await tg.inject_callback_query(confirm, alice, keyboard(confirm)["Подтвердить"])

        booked = await next_bot_message(tg, ALICE_ID, 3)
        assert booked.payload["document"]["file_name"] == "meeting.ics"
        assert (booked.text or "").startswith("✅ Встреча забронирована")
        [event] = events_on(radicale, calendar_name)
        assert event.decoded("DTSTART").astimezone(MSK) == datetime(2026, 11, 27, 15, tzinfo=MSK)
        assert "Alice" in str(event["DESCRIPTION"]) and str(ALICE_ID) in str(event["DESCRIPTION"])
        await eventually(lambda: any("Встреча забронирована" in (m.text or "")
                                     for m in tg.messages_in(ADMIN_CHAT_ID, from_bot=True)))
        assert tg.callback_answers, "every button press is answered"

        await tg.inject_callback_query(booked, alice, keyboard(booked)["Отменить встречу"])
        cancelled = await next_bot_message(tg, ALICE_ID, 4)
        assert "отменена" in (cancelled.text or "")
        assert events_on(radicale, calendar_name) == []
    finally:
        await stop_bot(bot)


async def test_calendar_down_is_one_clear_sentence_with_retry(tg: BotApiEmulator, tmp_path: Path,
                                                             radicale: CalDAVServer, calendar_name: str,
                                                             people_file: Path) -> None:
    caldav = {"url": f"http://127.0.0.1:{free_port()}/", "username": "bot", "password": "s3cret"}
    bot = await meeting_bot(tg, tmp_path, caldav, people_file)
    try:
        alice = tg.user(ALICE_ID, "Alice")
        await tg.inject_message(tg.private_chat(alice), alice, REQUEST)
        reply = await next_bot_message(tg, ALICE_ID, 1)
        assert reply.text == ("Календарь сейчас недоступен. Запрос сохранён — нажмите «Повторить» чуть позже.")
        assert list(keyboard(reply)) == ["Повторить"]
    finally:
        await stop_bot(bot)


async def test_meet_without_a_calendar_says_so(tg: BotApiEmulator, tmp_path: Path, people_file: Path) -> None:
    bot = await meeting_bot(tg, tmp_path, {}, people_file)
    try:
        alice = tg.user(ALICE_ID, "Alice")
        await tg.inject_message(tg.private_chat(alice), alice, REQUEST)
        reply = await next_bot_message(tg, ALICE_ID, 1)
        assert (reply.text or "").startswith("Встречи не настроены")
    finally:
        await stop_bot(bot)


def test_container_builds_the_service_from_settings(tmp_path: Path, people_file: Path) -> None:
    container = Container(make_settings(tmp_path, caldav={"url": "http://127.0.0.1:1/"},
                                        meetings={"directory": people_file, "timezone": "Asia/Yekaterinburg"}))
    try:
        service = container.meetings
        assert service.configured and service.zone.key == "Asia/Yekaterinburg"
        assert service.directory.find("Ивановым") is not None
    finally:
        container.close_sync()


async def test_in_a_group_only_the_requester_presses_and_an_ambiguous_date_offers_both_readings(
        tg: BotApiEmulator, tmp_path: Path, radicale: CalDAVServer, calendar_name: str, people_file: Path) -> None:
    caldav = {"url": radicale.url, "username": "bot", "password": "s3cret", "calendar": calendar_name}
    bot = await meeting_bot(tg, tmp_path, caldav, people_file)
    try:
        team = tg.group_chat(TEAM_CHAT_ID, "Team")
        alice, bob = tg.user(ALICE_ID, "Alice"), tg.user(702, "Bob")
        await tg.inject_message(team, alice, "/meet созвон 12/03 в 14:00 на полчаса")
        question = await next_bot_message(tg, TEAM_CHAT_ID, 1)
        readings = keyboard(question)

        since = tg.mark()
        await tg.inject_callback_query(question, bob, readings["Чт 03.12"])
        toast = await tg.wait_for_call("answerCallbackQuery", 10, since=since)
        await tg.inject_callback_query(question, alice, readings["Пт 12.03.2027"])
        far = await next_bot_message(tg, TEAM_CHAT_ID, 2)
    finally:
        await stop_bot(bot)
    assert (question.text or "").startswith("Дату можно понять по-разному")
    assert list(readings) == ["Чт 03.12", "Пт 12.03.2027"], "both readings, the far one too"
    assert toast.params["text"] == "Эти кнопки — для того, кто назначает встречу.", "a toast for Bob alone"
    assert not any("для того, кто назначает" in (m.text or "") for m in tg.messages_in(TEAM_CHAT_ID)), \
        "nothing posted into the chat"
    assert (far.text or "").startswith("Пт 12.03.2027 — дальше чем на 90 дней"), "the far reading says why"
    assert len(keyboard(far)) == 5, "…and offers nearer days"
