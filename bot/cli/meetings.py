"""`meetings parse` and `meetings slots`: the meeting parser and the calendar's free time, for admins."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date, datetime

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_SETUP, EXIT_USAGE, Command, fail
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``meetings parse`` and ``meetings slots`` sub-commands."""
    meetings = sub.add_parser("meetings", help="meetings: parse a request, list free slots")
    actions = meetings.add_subparsers(dest="meetings_action", required=True)
    parse = actions.add_parser("parse", help="print what a meeting request asks for, as JSON")
    parse.add_argument("text", nargs="+", help="the request, e.g. «завтра в 15:00 на полчаса с Ивановым»")
    parse.add_argument("--now", help="ISO date-time to read the text against (default: now)")
    parse.add_argument("--tz", help="time zone (default: DK_MEETINGS__TIMEZONE)")
    parse.add_argument("--no-llm", action="store_true", help="rules only, even when they find no date")
    slots = actions.add_parser("slots", help="print the free slots of a day from the CalDAV calendar")
    slots.add_argument("--date", required=True, help="YYYY-MM-DD")
    slots.add_argument("--duration", type=int, help="minutes (default: DK_MEETINGS__DEFAULT_DURATION)")
    return {"meetings": cmd_meetings}


def cmd_meetings(settings: Settings, args: argparse.Namespace) -> int:
    """Dispatch ``meetings parse|slots``."""
    return cmd_parse(settings, args) if args.meetings_action == "parse" else cmd_slots(settings, args)


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    """Parse the text (rules first, the LLM only when they find no date) and print the JSON."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from bot.dialog.meetings.directory import DirectoryError, load_directory
    from bot.dialog.meetings.llm import parse_with_fallback

    tz = args.tz or settings.meetings.timezone
    try:
        zone = ZoneInfo(tz)
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(zone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        return fail(f"bad --now or --tz: {exc}", EXIT_USAGE)
    now = now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
    try:
        directory = load_directory(settings.meetings.directory)
    except DirectoryError as exc:
        return fail(str(exc), EXIT_SETUP)

    async def run() -> dict[str, object]:
        from bot.container import Container

        async with Container(settings) as container:  # the LLM client is built (and closed) only when asked for
            req = await parse_with_fallback(" ".join(args.text), now=now, tz=tz, directory=directory,
                                            max_days_ahead=settings.meetings.max_days_ahead,
                                            llm=None if args.no_llm else container.llm,
                                            server_kind=settings.llm.server_kind)
        return req.to_json()

    print(json.dumps(asyncio.run(run()), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_slots(settings: Settings, args: argparse.Namespace) -> int:
    """Free slots of one day in working hours, one per line (start–end, the meetings zone)."""
    from zoneinfo import ZoneInfo

    from bot.container import Container
    from bot.dialog.meetings.service import day_slots
    from bot.dialog.meetings.slots import WorkRules
    from bot.integrations.caldav_calendar import CalendarError

    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        return fail(f"--date must be YYYY-MM-DD, not {args.date!r}", EXIT_USAGE)
    if not settings.caldav.configured:
        return fail("meetings are not configured: set DK_CALDAV__URL (README, Meetings)", EXIT_SETUP)
    duration = args.duration or settings.meetings.default_duration
    cfg = settings.meetings
    zone = ZoneInfo(cfg.timezone)
    calendar = Container(settings).calendar
    assert calendar is not None  # configured: checked above
    try:
        slots = asyncio.run(day_slots(calendar, WorkRules.from_settings(cfg), day, duration, datetime.now(zone)))
    except CalendarError as exc:
        return fail(str(exc), EXIT_FAILED)
    print(f"# {day.isoformat()} {settings.meetings.timezone}, {duration} min: {len(slots)} free slots")
    for start in slots:
        end = start.timestamp() + duration * 60
        print(f"{start.isoformat()} {start:%H:%M}-{datetime.fromtimestamp(end, start.tzinfo):%H:%M}")
    return EXIT_OK
