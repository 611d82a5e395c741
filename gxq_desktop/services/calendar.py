"""The working-day calendar (工作日): official holidays and 调休 workdays, editable by administrators.

Only exceptions are stored (:class:`~gxq_desktop.db.models.CalendarDay`). The official rows come from the
``chinese_calendar`` package (State Council notices); next year's notice is published late in the year,
so an administrator can add or correct days (``source="admin"``), and a later official install never
overwrites an administrator's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from chinese_calendar import constants as cc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gxq_desktop.db.models import CalendarDay
from gxq_desktop.domain import working_days
from gxq_desktop.domain.roles import Permission

from .base import Service
from .errors import ValidationError

SOURCE_OFFICIAL = "official"
SOURCE_ADMIN = "admin"

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True, slots=True)
class CalendarDayInfo:
    day: dt.date
    is_workday: bool
    note: str | None
    source: str  # official / admin

    @property
    def label(self) -> str:
        kind = "调休上班" if self.is_workday else "放假"
        return f"{self.note or ''}{kind}" if self.note else kind


@dataclass(frozen=True, slots=True)
class OfficialDay:
    day: dt.date
    is_workday: bool
    note: str


def _holiday_name(value: object) -> str:
    name = getattr(value, "value", None)
    if isinstance(name, tuple):  # some versions keep (english, chinese, days)
        name = name[0]
    text = str(name if name is not None else value)
    return HOLIDAY_NAMES.get(text, text)


def official_days() -> list[OfficialDay]:
    """Every official exception the installed ``chinese_calendar`` knows, oldest first.

    Holidays (including those on weekends, so a year's list shows the whole 国庆 week) and the
    weekend days worked in lieu (调休上班).
    """
    days: dict[dt.date, OfficialDay] = {}
    for day, holiday in cc.holidays.items():
        days[day] = OfficialDay(day, False, _holiday_name(holiday))
    for day, holiday in cc.workdays.items():
        if day.weekday() >= 5:  # the package also lists some ordinary weekdays; only 调休 matter
            days[day] = OfficialDay(day, True, _holiday_name(holiday))
    return [days[d] for d in sorted(days)]


def official_years() -> tuple[int, int]:
    """(first, last) year the installed ``chinese_calendar`` covers."""
    years = sorted({d.year for d in cc.holidays})
    return years[0], years[-1]


def install_official_calendar(session: Session) -> tuple[int, int]:
    """Insert or correct official rows; administrator rows are left alone. Returns (added, updated)."""
    existing = {row.day: row for row in session.scalars(select(CalendarDay))}
    added = updated = 0
    for od in official_days():
        row = existing.get(od.day)
        if row is None:
            session.add(
                CalendarDay(day=od.day, is_workday=od.is_workday, note=od.note, source=SOURCE_OFFICIAL)
            )
            added += 1
        elif row.source == SOURCE_OFFICIAL and (row.is_workday != od.is_workday or row.note != od.note):
            row.is_workday = od.is_workday
            row.note = od.note
            updated += 1
    return added, updated


def exceptions_between(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The calendar's exceptions in [start, end], for :mod:`gxq_desktop.domain.working_days`."""
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= start, CalendarDay.day <= end
        )
    )
    return {day: bool(is_workday) for day, is_workday in rows}


def _span_for(n: int) -> dt.timedelta:
    # Generous: 20 working days never take more than ~6 weeks, even around 春节 or 国庆.
    return dt.timedelta(days=abs(n) * 3 + 30)


def due_date_in_session(
    session: Session, result_date: dt.date, n: int = working_days.PUBLICITY_WORKING_DAYS
) -> dt.date:
    """The date ``n`` working days after ``result_date``, inside a caller's transaction."""
    span = _span_for(n)
    lo, hi = (result_date, result_date + span) if n >= 0 else (result_date - span, result_date)
    return working_days.add_working_days(result_date, n, exceptions_between(session, lo, hi))


class CalendarService(Service):
    def due_date(self, result_date: dt.date, n: int = working_days.PUBLICITY_WORKING_DAYS) -> dt.date:
        """Publicity due date: ``n`` (default 20) working days after the inspection result."""
        with self.read() as s:
            return due_date_in_session(s, result_date, n)

    def is_working_day(self, day: dt.date) -> bool:
        with self.read() as s:
            return working_days.is_working_day(day, exceptions_between(s, day, day))

    def list_year(self, year: int) -> list[CalendarDayInfo]:
        with self.read() as s:
            rows = s.scalars(
                select(CalendarDay)
                .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
                .order_by(CalendarDay.day)
            )
            return [CalendarDayInfo(r.day, r.is_workday, r.note, r.source) for r in rows]

    def years(self) -> list[int]:
        """Years that have any calendar row: a year without one is probably not announced yet."""
        with self.read() as s:
            days: Iterable[dt.date] = s.scalars(select(CalendarDay.day))
            return sorted({d.year for d in days})

    def is_year_known(self, year: int) -> bool:
        with self.read() as s:
            count = s.scalar(
                select(func.count())
                .select_from(CalendarDay)
                .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
            )
            return bool(count)

    def set_day(self, day: dt.date, is_workday: bool, note: str | None = None) -> CalendarDayInfo:
        """Record a day as worked or not (an announced holiday, a 调休 Saturday …)."""
        self.require(Permission.MANAGE_SYSTEM)
        note = (note or "").strip() or None
        if note is not None and len(note) > 64:
            raise ValidationError("说明最长 64 个字符。", field="note")
        with self.tx() as s:
            row = s.get(CalendarDay, day)
            before = (
                None
                if row is None
                else {"is_workday": row.is_workday, "note": row.note, "source": row.source}
            )
            if row is None:
                row = CalendarDay(day=day)
                s.add(row)
            row.is_workday = is_workday
            row.note = note
            row.source = SOURCE_ADMIN
            row.updated_by_id = self.actor.user_id
            kind = "工作日" if is_workday else "休息日"
            self.audit(
                s,
                "calendar.set_day",
                f"将 {day.isoformat()} 设为{kind}" + (f"（{note}）" if note else ""),
                entity_type="CalendarDay",
                details={"day": day.isoformat(), "is_workday": is_workday, "note": note, "before": before},
            )
            return CalendarDayInfo(day, is_workday, note, SOURCE_ADMIN)

    def reset_day(self, day: dt.date) -> CalendarDayInfo | None:
        """Undo an administrator's change: back to the official entry, or to the weekday rule."""
        self.require(Permission.MANAGE_SYSTEM)
        official = {od.day: od for od in official_days()}.get(day)
        with self.tx() as s:
            row = s.get(CalendarDay, day)
            if official is None:
                if row is not None:
                    s.delete(row)
                result = None
            else:
                if row is None:
                    row = CalendarDay(day=day)
                    s.add(row)
                row.is_workday, row.note, row.source = official.is_workday, official.note, SOURCE_OFFICIAL
                row.updated_by_id = self.actor.user_id
                result = CalendarDayInfo(day, official.is_workday, official.note, SOURCE_OFFICIAL)
            self.audit(
                s,
                "calendar.reset_day",
                f"恢复 {day.isoformat()} 的官方安排",
                entity_type="CalendarDay",
                details={"day": day.isoformat()},
            )
            return result


__all__ = [
    "CalendarDayInfo",
    "CalendarService",
    "OfficialDay",
    "due_date_in_session",
    "exceptions_between",
    "install_official_calendar",
    "official_days",
    "official_years",
]
