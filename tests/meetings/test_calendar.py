"""The CalDAV adapter against a real Radicale: busy time, idempotent create, cancel, errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar, Event

from bot.dialog.meetings.slots import WorkRules, free_slots
from bot.integrations.caldav_calendar import (
    Attendee,
    CalDAVCalendar,
    CalendarAuthFailed,
    CalendarNotFound,
    CalendarUnavailable,
    NewEvent,
)
from tests.conftest import free_port
from tests.meetings.conftest import MSK, CalDAVServer, put_ics, running_radicale

DAY = datetime(2026, 12, 1, tzinfo=MSK)  # a Tuesday


def _msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=MSK)


def _vevent(uid: str, body: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261120T000000Z\r\n{body.strip()}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _local(intervals: list[tuple[datetime, datetime]]) -> list[tuple[str, str]]:
    return [(a.astimezone(MSK).strftime("%d %H:%M"), b.astimezone(MSK).strftime("%d %H:%M")) for a, b in intervals]


async def test_a_moscow_tzid_event_blocks_exactly_its_own_hour(radicale: CalDAVServer, calendar_name: str) -> None:
    # Written as other clients do: TZID=Europe/Moscow with icalendar's VTIMEZONE, which Radicale's vobject
    # round-trip truncates (its own free-busy then says 11:00Z, an hour early).
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", "msk-hour")
    event.add("dtstamp", datetime(2026, 11, 20, tzinfo=UTC))
    event.add("dtstart", _msk(1, 15))
    event.add("dtend", _msk(1, 16))
    event.add("summary", "Планёрка")
    cal.add_component(event)
    cal.add_missing_timezones()
    put_ics(radicale, calendar_name, cal.to_ical().decode())
    calendar = CalDAVCalendar(radicale.settings(calendar_name), MSK)

    busy = await calendar.busy(DAY, DAY + timedelta(days=1))

    assert busy == [(datetime(2026, 12, 1, 12, tzinfo=UTC), datetime(2026, 12, 1, 13, tzinfo=UTC))]
    rules = WorkRules(MSK, _msk(1, 9).timetz(), _msk(1, 18).timetz(), frozenset(range(5)), 30, 0)
    slots = free_slots(busy, rules, ref=_msk(1, 15), now=_msk(1, 8), duration=timedelta(minutes=30), limit=20,
                       window=(_msk(1, 9), _msk(1, 18)))
    times = {s.strftime("%H:%M") for s in slots}
    assert {"14:30", "16:00"} <= times and not {"15:00", "15:30"} & times, "15:00–16:00 MSK and nothing else"


async def test_recurrences_exceptions_and_statuses(radicale: CalDAVServer, calendar_name: str) -> None:
    daily = _vevent("daily", "DTSTART;TZID=Europe/Moscow:20261120T100000\r\nDTEND;TZID=Europe/Moscow:20261120T103000"
                    "\r\nRRULE:FREQ=DAILY\r\nEXDATE;TZID=Europe/Moscow:20261202T100000\r\nSUMMARY:Стендап")
    moved = ("BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20261120T000000Z\r\nRECURRENCE-ID;TZID=Europe/Moscow:"
             "20261203T100000\r\nDTSTART;TZID=Europe/Moscow:20261203T160000\r\nDTEND;TZID=Europe/Moscow:"
             "20261203T163000\r\nSUMMARY:Стендап (перенесён)\r\nEND:VEVENT\r\n")
    put_ics(radicale, calendar_name, daily.replace("END:VCALENDAR", moved + "END:VCALENDAR"))
    put_ics(radicale, calendar_name, _vevent("transparent", "DTSTART:20261201T080000Z\r\nDTEND:20261201T090000Z"
                                             "\r\nTRANSP:TRANSPARENT"))
    put_ics(radicale, calendar_name, _vevent("cancelled", "DTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z"
                                             "\r\nSTATUS:CANCELLED"))
    put_ics(radicale, calendar_name, _vevent("tentative", "DTSTART:20261201T110000Z\r\nDTEND:20261201T113000Z"
                                             "\r\nSTATUS:TENTATIVE"))
    put_ics(radicale, calendar_name, _vevent("floating", "DTSTART:20261202T170000\r\nDTEND:20261202T173000"))
    put_ics(radicale, calendar_name, _vevent("all-day", "DTSTART;VALUE=DATE:20261204\r\nDTEND;VALUE=DATE:20261205"))
    calendar = CalDAVCalendar(radicale.settings(calendar_name), MSK)

    busy = _local(await calendar.busy(DAY, DAY + timedelta(days=4)))

    assert busy == [
        ("01 10:00", "01 10:30"),  # the daily stand-up
        ("01 14:00", "01 14:30"),  # TENTATIVE blocks (11:00Z); TRANSPARENT and CANCELLED do not
        ("02 17:00", "02 17:30"),  # floating time is wall time in the meetings zone; EXDATE removed 02 10:00
        ("03 16:00", "03 16:30"),  # the moved instance, not 03 10:00
        ("04 00:00", "05 00:00"),  # all-day blocks the whole local day (the default policy)
        ("04 10:00", "04 10:30"),  # the stand-up again
    ]
    ignoring = CalDAVCalendar(radicale.settings(calendar_name), MSK, all_day_blocks=False)
    assert ("04 00:00", "05 00:00") not in _local(await ignoring.busy(DAY, DAY + timedelta(days=4)))


async def test_create_is_idempotent_by_uid_and_cancel_removes_it(radicale: CalDAVServer, calendar_name: str) -> None:
    calendar = CalDAVCalendar(radicale.settings(calendar_name), MSK)
    event = NewEvent("dk-test-1@dialog-keeper", _msk(2, 11), _msk(2, 11, 30), "Встреча (Иван Иванов)",
                     "Requested in Telegram", attendees=[Attendee("Иван Иванов", "ivanov@example.org")])

    assert await calendar.create(event) is True
    assert await calendar.create(event) is False, "a retry finds the event and writes nothing"
    assert _local(await calendar.busy(DAY, DAY + timedelta(days=2))) == [("02 11:00", "02 11:30")]
    from caldav.davclient import DAVClient

    with DAVClient(url=radicale.url, username="bot", password="s3cret") as client:
        stored = client.get_principal().calendar(name=calendar_name).get_event_by_uid(event.uid)
        component = stored.icalendar_component
    assert str(component["DTSTART"].to_ical(), "ascii").endswith("Z"), "written in UTC"
    assert "ivanov@example.org" in str(component["ATTENDEE"]) and "mailto:" in str(component["ORGANIZER"])

    assert await calendar.cancel(event.uid) is True
    assert await calendar.cancel(event.uid) is False
    assert await calendar.busy(DAY, DAY + timedelta(days=2)) == []


async def test_wrong_password_unknown_calendar_and_a_dead_server_are_typed_errors(
        radicale: CalDAVServer, calendar_name: str) -> None:
    window = (DAY, DAY + timedelta(days=1))
    with pytest.raises(CalendarAuthFailed):
        await CalDAVCalendar(radicale.settings(calendar_name, password="wrong"), MSK).busy(*window)
    with pytest.raises(CalendarNotFound, match=r"no calendar .Нет такого"):
        await CalDAVCalendar(radicale.settings("Нет такого"), MSK).busy(*window)
    dead = radicale.settings(calendar_name, url=f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(CalendarUnavailable):
        await CalDAVCalendar(dead, MSK).busy(*window)


async def test_a_calendar_can_be_named_by_its_url(radicale: CalDAVServer, calendar_name: str) -> None:
    url = f"{radicale.url}bot/{calendar_name.split()[1]}/"
    calendar = CalDAVCalendar(radicale.settings(url), MSK)
    assert await calendar.create(NewEvent("dk-url@dialog-keeper", _msk(3, 9), _msk(3, 10), "x")) is True
    assert _local(await CalDAVCalendar(radicale.settings(calendar_name), MSK).busy(DAY, DAY + timedelta(days=3))) \
        == [("03 09:00", "03 10:00")]


def test_radicale_starts_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    with running_radicale(tmp_path):
        elapsed = time.monotonic() - started
    assert elapsed < 5, f"Radicale took {elapsed:.2f}s to open its port"
