"""A CalDAV calendar (Radicale, Nextcloud, Baïkal, SOGo) through the ``caldav`` client.

The sync client runs in a worker thread (``asyncio.to_thread``), one connection per call. Events the bot writes
carry UTC times and a UID chosen before the first try: creating again with the same UID finds the event and does
nothing, so a retry never duplicates a booking. Busy time is computed in :mod:`bot.integrations.busy`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from bot.integrations.busy import Interval, busy_intervals
from bot.settings import CalDAVSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
PRODID = "-//Dialog Keeper//Meetings//EN"


class CalendarError(Exception):
    """The calendar could not do what was asked."""


class CalendarUnavailable(CalendarError):
    """The server cannot be reached (down, wrong URL, timeout)."""


class CalendarAuthFailed(CalendarError):
    """The server refused the username or password."""


class CalendarNotFound(CalendarError):
    """No calendar with the configured name or URL."""


@dataclass(frozen=True)
class Attendee:
    """A person invited to an event."""

    name: str
    email: str


@dataclass(frozen=True)
class NewEvent:
    """An event the bot books; ``uid`` is fixed before the first attempt."""

    uid: str
    start: datetime  # aware
    end: datetime
    summary: str
    description: str = ""
    organizer: str = "dialog-keeper@localhost"
    attendees: Sequence[Attendee] = field(default_factory=tuple)


def build_ics(event: NewEvent, *, stamp: datetime | None = None) -> bytes:
    """The VCALENDAR text of an event, times in UTC (no VTIMEZONE a server could mangle)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    vevent.add("dtstart", event.start.astimezone(UTC))
    vevent.add("dtend", event.end.astimezone(UTC))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{event.organizer}")
    organizer.params["cn"] = vText("Dialog Keeper")
    vevent.add("organizer", organizer)
    for person in event.attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        vevent.add("attendee", address)
    cal.add_component(vevent)
    return bytes(cal.to_ical())


class CalDAVCalendar:
    """One calendar on a CalDAV server; every method is async and raises only :class:`CalendarError`s."""

    def __init__(self, settings: CalDAVSettings, zone: ZoneInfo, *, all_day_blocks: bool = True) -> None:
        if not settings.url:
            raise CalendarError("DK_CALDAV__URL is not set")
        self.settings = settings
        self.zone = zone
        self.all_day_blocks = all_day_blocks
        self._calendar_url: str | None = None

    # ------------------------------------------------------------------------------------------ public
    async def busy(self, start: datetime, end: datetime, *, exclude_uids: frozenset[str] = frozenset()
                   ) -> list[Interval]:
        """Blocking intervals in [start, end), UTC, recurrences expanded on our side."""
        return await self._run(self._busy, start, end, exclude_uids)

    async def create(self, event: NewEvent) -> bool:
        """Write the event; False when one with its UID already exists (a retry), True when created now."""
        return await self._run(self._create, event)

    async def cancel(self, uid: str) -> bool:
        """Delete the event with this UID; False when there is none."""
        return await self._run(self._cancel, uid)

    async def exists(self, uid: str) -> bool:
        """Whether an event with this UID is on the calendar."""
        return await self._run(self._exists, uid)

    # ------------------------------------------------------------------------------------ in a thread
    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(calendar, *args)`` in a worker thread with a fresh connection."""
        return await asyncio.to_thread(self._guarded, fn, *args)

    def _guarded(self, fn: Callable[..., T], *args: Any) -> T:
        from caldav.davclient import DAVClient
        from caldav.lib import error

        password = self.settings.password.get_secret_value() if self.settings.password else None
        try:
            with DAVClient(url=self.settings.url, username=self.settings.username, password=password,
                                  timeout=int(self.settings.timeout_s)) as client:
                return fn(self._calendar(client), *args)
        except error.AuthorizationError as exc:
            raise CalendarAuthFailed(f"the CalDAV server refused the credentials of {self.settings.username!r}"
                                     ) from exc
        except CalendarError:
            raise
        except error.DAVError as exc:
            raise CalendarError(f"CalDAV error: {type(exc).__name__}: {str(exc)[:200]}") from exc
        except (OSError, *_network_errors()) as exc:  # type: ignore[misc]  # a tuple of classes
            raise CalendarUnavailable(f"the CalDAV server {self.settings.url} is unreachable: "
                                      f"{type(exc).__name__}") from exc

    def _calendar(self, client: Any) -> Any:
        if self._calendar_url:
            return client.calendar(url=self._calendar_url)
        wanted = (self.settings.calendar or "").strip()
        if wanted.startswith(("http://", "https://")):
            cal = client.calendar(url=wanted)
        else:
            principal = client.get_principal()
            calendars = principal.get_calendars()
            if wanted:
                cal = next((c for c in calendars if _name(c) == wanted or str(c.url).rstrip("/").endswith(
                    "/" + wanted)), None)
                if cal is None:
                    names = ", ".join(repr(_name(c)) for c in calendars) or "none"
                    raise CalendarNotFound(f"no calendar {wanted!r} on the server (there are: {names})")
            elif calendars:
                cal = calendars[0]
            else:  # a fresh account: one calendar for the bot's bookings
                cal = principal.make_calendar(name="Dialog Keeper", cal_id="dialog-keeper")
        self._calendar_url = str(cal.url)
        return cal

    def _busy(self, cal: Any, start: datetime, end: datetime, exclude: frozenset[str]) -> list[Interval]:
        # A day of margin on each side: the server's own time-range test may be off by its zone bugs;
        # our expansion below filters exactly.
        objects = cal.search(start=start - timedelta(days=1), end=end + timedelta(days=1), event=True,
                             expand=False)
        calendars = [obj.icalendar_instance for obj in objects]
        return busy_intervals(calendars, start.astimezone(UTC), end.astimezone(UTC), self.zone,
                              all_day_blocks=self.all_day_blocks, exclude_uids=exclude)

    def _exists(self, cal: Any, uid: str) -> bool:
        from caldav.lib import error

        try:
            cal.get_event_by_uid(uid)
        except error.NotFoundError:
            return False
        return True

    def _create(self, cal: Any, event: NewEvent) -> bool:
        from caldav.lib import error

        if self._exists(cal, event.uid):
            log.info("event %s already on the calendar; not written again", event.uid)
            return False
        try:
            cal.add_event(build_ics(event).decode(), no_overwrite=True)
        except error.ConsistencyError:  # written by a concurrent attempt between our check and the PUT
            return False
        log.info("event %s created", event.uid)
        return True

    def _cancel(self, cal: Any, uid: str) -> bool:
        from caldav.lib import error

        try:
            cal.get_event_by_uid(uid).delete()
        except error.NotFoundError:
            return False
        log.info("event %s deleted", uid)
        return True


def _name(cal: Any) -> str:
    from caldav.lib import error

    try:
        return str(cal.get_display_name() or "")
    except error.DAVError:  # a server without displayname: match by URL only
        return ""


def _network_errors() -> tuple[type[Exception], ...]:
    import niquests

    return (niquests.exceptions.ConnectionError, niquests.exceptions.Timeout)
