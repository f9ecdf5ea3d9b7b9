"""What the meeting flow shows: replies (text, buttons, a file), button data, dates in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.dialog.notify import Button, Keyboard
from bot.dialog.ownership import row_id
from bot.i18n import Lang, t

PREFIX = "mt"  # callback data: mt:<draft id>:<action>[:<argument>], far below Telegram's 64 bytes
_WEEKDAYS = {"ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Party:
    """A chat or a person, whatever the transport: its id and a name to show."""

    id: int | None
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (the booked event as .ics)."""

    data: bytes
    filename: str
    mime_type: str = "text/calendar"


@dataclass(frozen=True)
class Reply:
    """One answer of the meeting flow: text, inline buttons, and an optional file the text is the caption of."""

    text: str
    buttons: Keyboard = ()
    attachment: Attachment | None = None
    spent: bool = True  # the pressed keyboard is used up (False: someone else pressed it, it stays)
    toast: bool = False  # for the presser alone (a button's pop-up), not a message in the chat


def data(draft_id: int, action: str, arg: str = "") -> str:
    """Callback data for a draft's button."""
    return f"{PREFIX}:{draft_id}:{action}" + (f":{arg}" if arg else "")


def parse_data(raw: str) -> tuple[int, str, str] | None:
    """(draft id, action, argument) from callback data, or None when it is not ours."""
    parts = raw.split(":")
    draft_id = row_id(parts[1]) if len(parts) >= 3 and parts[0] == PREFIX else None
    if draft_id is None:
        return None
    return draft_id, parts[2], parts[3] if len(parts) > 3 else ""


def button_day(arg: str) -> date | None:
    """The day of a day button's argument (YYYYMMDD); None for anything that is not a real date."""
    try:
        return date(int(arg[:4]), int(arg[4:6]), int(arg[6:8]))
    except ValueError:
        return None


def day_label(day: date, lang: Lang, today: date | None = None) -> str:
    """«Пт 27.11» / "Fri 27 Nov"; «Сегодня»/«Завтра» next to today."""
    if today is not None and day == today:
        return t("btn_meet_today", lang)
    if today is not None and day == today + timedelta(days=1):
        return t("btn_meet_tomorrow", lang)
    name = _WEEKDAYS[lang][day.weekday()]
    if lang == "en":
        return f"{name} {day.day} {_MONTHS_EN[day.month - 1]}" + (f" {day.year}" if today and day.year != today.year
                                                                    else "")
    return f"{name} {day:%d.%m}" + (f".{day.year}" if today and day.year != today.year else "")


def slot_label(start: datetime, minutes: int, lang: Lang) -> str:
    """«Пт 27.11 15:00–15:30» in the zone ``start`` is in."""
    end = start + timedelta(minutes=minutes)
    return f"{day_label(start.date(), lang)} {start:%H:%M}–{end:%H:%M}"


def day_buttons(draft_id: int, days: list[date], lang: Lang, today: date) -> Keyboard:
    """One row of day buttons (d:YYYYMMDD)."""
    return [[Button(day_label(d, lang, today), data(draft_id, "d", f"{d:%Y%m%d}")) for d in days]]


def duration_buttons(draft_id: int, default: int, lang: Lang) -> Keyboard:
    """30/60/90 minutes, the configured default first."""
    options = [default, *[m for m in (30, 60, 90) if m != default]]
    return [[Button(t("meet_minutes", lang, minutes=m), data(draft_id, "m", str(m))) for m in options]]


def slot_buttons(draft_id: int, slots: list[datetime], minutes: int, lang: Lang) -> Keyboard:
    """One slot per row (s:<index into the draft's offer>), then «Другое время»."""
    rows = [[Button(slot_label(s, minutes, lang), data(draft_id, "s", str(i)))] for i, s in enumerate(slots)]
    return [*rows, [Button(t("btn_meet_other", lang), data(draft_id, "o"))]]


def retry_buttons(draft_id: int, lang: Lang) -> Keyboard:
    """«Повторить» after a calendar failure."""
    return [[Button(t("btn_meet_retry", lang), data(draft_id, "r"))]]


def who(participants: list[str], lang: Lang) -> str:
    """«, участники: A, B» or nothing."""
    return t("meet_with", lang, names=", ".join(participants)) if participants else ""
