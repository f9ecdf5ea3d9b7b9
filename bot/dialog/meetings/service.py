"""Booking meetings from a chat, transport-neutral: text in, replies (text + buttons + .ics) out.

parse → one question when something is missing (day, duration) → up to 5 free slots nearest to the request →
confirm → the slot is checked again and the event written under the draft's UID (a retry never duplicates it) →
a confirmation with the .ics and «Отменить встречу»; admins are told through the ``Notifier``. A calendar failure
keeps the draft and answers with «Повторить».
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

import bot.dialog.meetings.text as ui
from bot.dialog.meetings.directory import Directory
from bot.dialog.meetings.llm import parse_with_fallback
from bot.dialog.meetings.slots import WorkRules, free_slots, search_window
from bot.dialog.meetings.text import Attachment, Party, Reply
from bot.dialog.notify import Button, Notifier
from bot.i18n import Lang, t
from bot.integrations.caldav_calendar import (
    Attendee,
    CalDAVCalendar,
    CalendarAuthFailed,
    CalendarError,
    CalendarUnavailable,
    NewEvent,
    build_ics,
)
from bot.settings import MeetingsSettings
from bot.store import meeting_repo as repo
from bot.store.db import in_session
from bot.store.meeting_models import MeetingDraft

log = logging.getLogger(__name__)


class MeetingService:
    """The meeting flow over a draft table; replies never name Telegram."""

    BUTTON_PATTERN = rf"^{ui.PREFIX}:\d+:"  # the callback data of this service's buttons

    def __init__(self, *, engine: Engine, settings: MeetingsSettings, calendar: CalDAVCalendar | None,
                 directory: Directory, notifier: Notifier | None = None, llm: Any = None,
                 server_kind: str = "llamacpp", admin_lang: Lang = "ru",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.calendar = calendar
        self.directory = directory
        self.notifier = notifier
        self.llm = llm
        self.server_kind = server_kind
        self.admin_lang = admin_lang
        self.rules = WorkRules.from_settings(settings)
        self.zone = ZoneInfo(settings.timezone)
        self.clock = clock or (lambda: datetime.now(self.zone))  # tests pin "now"

    @property
    def configured(self) -> bool:
        """Whether a calendar is connected."""
        return self.calendar is not None

    def _now(self, now: datetime | None) -> datetime:
        return (now or self.clock()).astimezone(self.zone)

    async def start(self, text: str, chat: Party, user: Party, lang: Lang, now: datetime | None = None) -> Reply:
        """A new request: parse it, store a draft, and answer with a question or slot buttons."""
        if not self.configured:
            return Reply(t("meet_not_configured", lang))
        if not text.strip():
            return Reply(t("meet_usage", lang))
        now = self._now(now)
        req = await parse_with_fallback(text, now=now, tz=self.settings.timezone, directory=self.directory,
                                        max_days_ahead=self.settings.max_days_ahead, llm=self.llm,
                                        server_kind=self.server_kind)
        log.info("meeting request in chat %s parsed by %s: needs %s", chat.id, req.source, req.needs)
        draft = await in_session(self.engine, repo.add_draft, chat_id=chat.id or 0, user_id=user.id,
                                 requester=user.name, chat_title=chat.name, lang=lang, text=text,
                                 start_at=req.start, day=req.day.isoformat() if req.day else None,
                                 time_of_day=req.time_of_day, duration_min=req.duration_min,
                                 # people the directory lacks stay named in the event (not invited: no address)
                                 participants=req.participants + req.unknown_people, title=req.title,
                                 problem=req.problem,
                                 candidates=[d.isoformat() for d in req.candidates],
                                 uid=f"dk-{uuid.uuid4().hex}@dialog-keeper")
        return await self._advance(draft, now)

    async def on_button(self, raw: str, chat: Party, user: Party, lang: Lang, now: datetime | None = None
                        ) -> Reply | None:
        """A pressed button (``mt:…`` data); None when the data is not a meeting button."""
        parsed = ui.parse_data(raw)
        if parsed is None:
            return None
        draft_id, action, arg = parsed
        draft = await in_session(self.engine, repo.get_draft, draft_id)
        if draft is None or draft.chat_id != chat.id:  # unknown, or a draft of another chat: forged data
            return Reply(t("meet_expired", lang), spent=False, toast=True)
        if draft.user_id is not None and user.id is not None and draft.user_id != user.id:
            return Reply(t("meet_not_yours", lang), spent=False, toast=True)
        if not self.configured:
            return Reply(t("meet_not_configured", lang))
        now = self._now(now)
        lang = _lang(draft.lang, lang)
        if action == "x" or (action == "r" and draft.retry == "cancel"):
            return await self._cancel(draft, lang)
        if draft.status != "open":
            return Reply(t("meet_already_booked" if draft.status == "booked" else "meet_gone", lang))
        number = int(arg) if arg.isascii() and arg.isdigit() and len(arg) <= 8 else None  # data is untrusted
        if action == "d" and number is not None and len(arg) == 8:
            day = ui.button_day(arg)
            if day is None:
                return Reply(t("meet_expired", lang), spent=False, toast=True)
            problem = "past" if day < now.date() else \
                "too_far" if day > now.date() + timedelta(days=self.settings.max_days_ahead) else None
            if problem is not None:  # one reading of an ambiguous date may be out of range: say so, ask again
                return self._day_question(await self._update(draft, problem=problem, candidates=[day.isoformat()]),
                                          now)
            draft = await self._update(draft, day=day.isoformat(), start_at=None, problem=None)
        elif action == "m" and number is not None:
            draft = await self._update(draft, duration_min=max(5, min(number, 480)))
        elif action == "o":
            draft = await self._update(draft, start_at=None, day=None, problem=None, chosen_at=None)
        elif action == "s" and number is not None and number < len(draft.offered):
            draft = await self._update(draft, chosen_at=datetime.fromisoformat(draft.offered[number]))
            return self._confirm_question(draft)
        elif action in ("ok", "r") and draft.chosen_at is not None and (action == "ok" or draft.retry == "book"):
            return await self._book(draft, now)
        return await self._advance(draft, now)

    async def slots_for_day(self, day: date, duration_min: int, now: datetime | None = None) -> list[datetime]:
        """Every free slot of one day; raises CalendarError."""
        assert self.calendar is not None, "no calendar configured"
        return await day_slots(self.calendar, self.rules, day, duration_min, self._now(now))

    # ------------------------------------------------------------------------------------- the steps
    async def _update(self, draft: MeetingDraft, **changes: Any) -> MeetingDraft:
        updated = await in_session(self.engine, repo.update_draft, draft.id or 0, **changes)
        assert updated is not None  # the draft was just read; drafts are never deleted
        return updated

    async def _advance(self, draft: MeetingDraft, now: datetime) -> Reply:
        lang = _lang(draft.lang)
        if draft.problem or (draft.start_at is None and draft.day is None):
            return self._day_question(draft, now)
        if draft.duration_min is None:
            return Reply(t("meet_ask_duration", lang, title=draft.title),
                         ui.duration_buttons(draft.id or 0, self.settings.default_duration, lang))
        return await self._offer(draft, now)

    def _day_question(self, draft: MeetingDraft, now: datetime) -> Reply:
        lang = _lang(draft.lang)
        today = now.date()
        readings = sorted(date.fromisoformat(c) for c in draft.candidates)
        first = today if self.rules.is_working_time(now, timedelta(minutes=self.rules.slot_minutes)) else \
            today + timedelta(days=1)
        # An ambiguous date offers every reading (one may be out of range: pressing it says so and asks again).
        days = readings if draft.problem == "ambiguous" and readings else self.rules.working_days(first, 5)
        shown = draft.candidates[0] if draft.candidates else ""
        label = ui.day_label(date.fromisoformat(shown), lang, today) if shown else ""
        texts = {"past": t("meet_past", lang, day=label),
                 "too_far": t("meet_too_far", lang, day=label, days=self.settings.max_days_ahead),
                 "ambiguous": t("meet_ambiguous", lang),
                 "unclear_day": t("meet_unclear_day", lang, title=draft.title)}
        text = texts.get(draft.problem or "", t("meet_ask_day", lang, title=draft.title))
        return Reply(text, ui.day_buttons(draft.id or 0, days, lang, today))

    async def _offer(self, draft: MeetingDraft, now: datetime, *, prefix: str = "") -> Reply:
        assert self.calendar is not None and draft.duration_min is not None
        lang = _lang(draft.lang)
        minutes = draft.duration_min
        duration = timedelta(minutes=minutes)
        asked = draft.start_at.astimezone(self.zone) if draft.start_at else None
        if asked is None:
            day = date.fromisoformat(draft.day or now.date().isoformat())
            ref = max(now, datetime.combine(day, self.rules.start, self.zone))
        else:
            ref = asked
        window = search_window(ref, now)
        try:
            busy = await self.calendar.busy(*window, exclude_uids=frozenset({draft.uid}))
        except CalendarError as exc:
            return await self._failed(draft, exc, "offer")
        slots = free_slots(busy, self.rules, ref=ref, now=now, duration=duration, window=window,
                           after_ref=draft.time_of_day in ("afternoon", "evening"))
        draft = await self._update(draft, offered=[s.isoformat() for s in slots], retry=None)
        when = ui.slot_label(ref, minutes, lang) if asked else ui.day_label(ref.date(), lang, now.date())
        if not slots:
            return Reply(prefix + t("meet_no_slots", lang, when=when),
                         ui.day_buttons(draft.id or 0, self.rules.working_days(ref.date() + timedelta(days=1), 5),
                                        lang, now.date()))
        values = {"when": when, "minutes": minutes, "zone": self.settings.timezone, "title": draft.title}
        if asked is not None and asked not in slots:
            key = "meet_requested_off" if not self.rules.is_working_time(asked, duration) else "meet_requested_busy"
        else:
            key = "meet_slots"
        return Reply(prefix + t(key, lang, **values),
                     ui.slot_buttons(draft.id or 0, slots, minutes, lang))

    def _confirm_question(self, draft: MeetingDraft) -> Reply:
        lang = _lang(draft.lang)
        assert draft.chosen_at is not None and draft.duration_min is not None
        when = ui.slot_label(draft.chosen_at.astimezone(self.zone), draft.duration_min, lang)
        text = t("meet_confirm", lang, title=draft.title, when=when, zone=self.settings.timezone,
                 who=ui.who(draft.participants, lang))
        return Reply(text, [[Button(t("btn_meet_confirm", lang), ui.data(draft.id or 0, "ok")),
                             Button(t("btn_meet_other", lang), ui.data(draft.id or 0, "o"))]])

    async def _book(self, draft: MeetingDraft, now: datetime) -> Reply:
        assert self.calendar is not None and draft.chosen_at is not None and draft.duration_min is not None
        lang = _lang(draft.lang)
        start = draft.chosen_at.astimezone(self.zone)
        end = start + timedelta(minutes=draft.duration_min)
        event = self._event(draft, start, end)
        try:
            busy = await self.calendar.busy(start, end, exclude_uids=frozenset({draft.uid}))
            if busy or start < now:  # taken since the offer (or the offer went stale): offer afresh
                draft = await self._update(draft, start_at=start, chosen_at=None)
                return await self._offer(draft, now, prefix=t("meet_taken", lang) + "\n")
            await self.calendar.create(event)
        except CalendarError as exc:
            return await self._failed(draft, exc, "book")
        draft = await self._update(draft, status="booked", retry=None)
        when = ui.slot_label(start, int((end - start).total_seconds() // 60), lang)
        values = {"title": draft.title, "when": when, "zone": self.settings.timezone}
        await self._tell_admins("admin_meet_booked", draft, **values)
        return Reply(t("meet_booked", lang, who=ui.who(draft.participants, lang), **values),
                     [[Button(t("btn_meet_cancel", lang), ui.data(draft.id or 0, "x"))]],
                     Attachment(build_ics(event), "meeting.ics"))

    async def _cancel(self, draft: MeetingDraft, lang: Lang) -> Reply:
        assert self.calendar is not None
        if draft.status == "cancelled":
            return Reply(t("meet_gone", lang))
        try:
            await self.calendar.cancel(draft.uid)
        except CalendarError as exc:
            return await self._failed(draft, exc, "cancel")
        draft = await self._update(draft, status="cancelled", retry=None)
        when = ui.slot_label(draft.chosen_at.astimezone(self.zone), draft.duration_min or 0, lang) \
            if draft.chosen_at else "—"
        await self._tell_admins("admin_meet_cancelled", draft, title=draft.title, when=when)
        return Reply(t("meet_cancelled", lang, title=draft.title, when=when))

    async def _failed(self, draft: MeetingDraft, exc: CalendarError, step: str) -> Reply:
        log.warning("meeting draft %s: %s failed: %s", draft.id, step, exc)
        await self._update(draft, retry=step)
        lang = _lang(draft.lang)
        key = ("meet_auth_failed" if isinstance(exc, CalendarAuthFailed)
               else "meet_unreachable" if isinstance(exc, CalendarUnavailable) else "meet_calendar_error")
        if isinstance(exc, CalendarAuthFailed) and self.notifier is not None:
            await self.notifier.notify_admins(t("admin_meet_calendar", self.admin_lang, error=exc))
        return Reply(t(key, lang), ui.retry_buttons(draft.id or 0, lang))

    def _event(self, draft: MeetingDraft, start: datetime, end: datetime) -> NewEvent:
        people = [p for p in (self.directory.by_name(n) for n in draft.participants) if p is not None and p.email]
        requester = next((p for p in self.directory.people if draft.user_id and p.telegram_id == draft.user_id), None)
        if requester is not None and requester.email and requester not in people:
            people.append(requester)
        summary = f"{draft.title} ({', '.join(draft.participants)})" if draft.participants else draft.title
        description = (f"Requested in Telegram by {draft.requester or '?'} (user id {draft.user_id}), "
                       f"chat {draft.chat_title or draft.chat_id} (id {draft.chat_id}).\nMessage: {draft.text}")
        return NewEvent(uid=draft.uid, start=start, end=end, summary=summary, description=description,
                        organizer=self.settings.organizer_email,
                        attendees=[Attendee(p.name, p.email) for p in people])

    async def _tell_admins(self, key: str, draft: MeetingDraft, **values: Any) -> None:
        if self.notifier is None:
            return
        values.setdefault("zone", self.settings.timezone)
        await self.notifier.notify_admins(t(key, self.admin_lang, who=draft.requester or draft.user_id,
                                            chat=draft.chat_title or draft.chat_id, **values))


async def day_slots(calendar: CalDAVCalendar, rules: WorkRules, day: date, duration_min: int, now: datetime
                    ) -> list[datetime]:
    """Every free slot of one day in working hours (``dialog-keeper meetings slots``); raises CalendarError."""
    start = datetime.combine(day, datetime.min.time(), rules.zone)
    end = start + timedelta(days=1)
    busy = await calendar.busy(start, end)
    return free_slots(busy, rules, ref=start, now=now, duration=timedelta(minutes=duration_min), limit=10_000,
                      window=(max(start, now), end))


def _lang(stored: str, default: Lang = "ru") -> Lang:
    """A draft's stored language as a ``Lang`` (the column is a plain string)."""
    return "en" if stored == "en" else ("ru" if stored == "ru" else default)
