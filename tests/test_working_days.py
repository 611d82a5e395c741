"""Working days: the official calendar, 调休, the 20-working-day publicity deadline, admin edits."""

from __future__ import annotations

import datetime as dt

import pytest

from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.domain.working_days import add_working_days, count_working_days, is_working_day
from gxq_desktop.services.calendar import CalendarService, official_days
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import PermissionDenied
from gxq_desktop.services.reference_data import install_reference_data

D = dt.date


def test_pure_arithmetic_without_exceptions() -> None:
    # Friday + 1 working day = Monday; 5 working days = one calendar week.
    assert add_working_days(D(2025, 3, 7), 1, {}) == D(2025, 3, 10)
    assert add_working_days(D(2025, 3, 3), 5, {}) == D(2025, 3, 10)
    assert add_working_days(D(2025, 3, 3), 0, {}) == D(2025, 3, 3)
    assert add_working_days(D(2025, 3, 10), -1, {}) == D(2025, 3, 7)
    assert count_working_days(D(2025, 3, 3), D(2025, 3, 10), {}) == 5


def test_exceptions_override_the_weekday_rule() -> None:
    exceptions = {D(2026, 10, 1): False, D(2026, 10, 10): True}
    assert not is_working_day(D(2026, 10, 1), exceptions)  # Thursday, holiday
    assert is_working_day(D(2026, 10, 10), exceptions)  # Saturday, 调休
    assert not is_working_day(D(2026, 10, 11), exceptions)  # ordinary Sunday


def test_official_calendar_knows_national_day_2026() -> None:
    days = {od.day: od for od in official_days()}
    assert days[D(2026, 10, 1)].is_workday is False
    assert days[D(2026, 10, 1)].note == "国庆节"
    assert days[D(2026, 10, 10)].is_workday is True  # Saturday worked in lieu


@pytest.fixture
def calendar_db(db: Database, admin: Actor) -> Database:
    install_reference_data(db, admin)
    return db


@pytest.mark.db
def test_national_day_and_tiaoxiu_in_the_database(calendar_db: Database, admin: Actor) -> None:
    cal = CalendarService(calendar_db, admin)
    assert not cal.is_working_day(D(2026, 10, 1))
    assert not cal.is_working_day(D(2026, 10, 5))  # Monday inside the holiday
    assert cal.is_working_day(D(2026, 10, 10))  # 调休 Saturday
    assert cal.is_working_day(D(2026, 9, 20))  # 调休 Sunday
    assert cal.is_working_day(D(2026, 10, 8))
    days = {d.day: d for d in cal.list_year(2026)}
    assert days[D(2026, 10, 1)].source == "official"
    assert days[D(2026, 10, 10)].is_workday


@pytest.mark.db
def test_twenty_working_days(calendar_db: Database, admin: Actor) -> None:
    cal = CalendarService(calendar_db, admin)
    # An ordinary stretch: 2026-11-02 (Mon) + 20 working days = 2026-11-30 (Mon).
    assert cal.due_date(D(2026, 11, 2)) == D(2026, 11, 30)
    # Across 中秋 and 国庆: result on Tue 2026-09-22. Working days after it: 9-23, 9-24 (9-25 中秋
    # off), 9-28, 9-29, 9-30 (5), 10-1…10-7 off, 10-8, 10-9, 10-10 调休 Saturday (8), 10-12…10-16 (13),
    # 10-19…10-23 (18), 10-26, 10-27 (20).
    assert cal.due_date(D(2026, 9, 22)) == D(2026, 10, 27)
    # Without the calendar the same count would end much earlier.
    assert add_working_days(D(2026, 9, 22), 20, {}) == D(2026, 10, 20)
    assert cal.due_date(D(2026, 11, 2), 5) == D(2026, 11, 9)


@pytest.mark.db
def test_admin_edit_overrides_and_survives_reinstall(calendar_db: Database, admin: Actor) -> None:
    cal = CalendarService(calendar_db, admin)
    # 2027 is not in the official data yet: New Year's Day counts as a working day until announced.
    assert cal.due_date(D(2026, 12, 31), 3) == D(2027, 1, 5)
    # The notice arrives: 2027-01-01 (Fri) is a holiday → 1-4, 1-5, 1-6.
    cal.set_day(D(2027, 1, 1), False, "元旦")
    assert cal.due_date(D(2026, 12, 31), 3) == D(2027, 1, 6)
    # A further day off and a 调休 Saturday.
    cal.set_day(D(2027, 1, 4), False, "元旦")
    assert cal.due_date(D(2026, 12, 31), 3) == D(2027, 1, 7)
    cal.set_day(D(2027, 1, 2), True, "元旦调休")
    assert cal.due_date(D(2026, 12, 31), 3) == D(2027, 1, 6)
    # An admin may also correct an official day.
    cal.set_day(D(2026, 10, 8), False, "临时调整")
    assert not cal.is_working_day(D(2026, 10, 8))
    install_reference_data(calendar_db, admin)  # the official install keeps admin rows
    assert not cal.is_working_day(D(2026, 10, 8))
    listed = {d.day: d for d in cal.list_year(2027)}
    assert listed[D(2027, 1, 4)].source == "admin" and listed[D(2027, 1, 4)].note == "元旦"
    assert cal.reset_day(D(2026, 10, 8)) is None  # no official entry: back to the weekday rule
    restored = cal.reset_day(D(2026, 10, 1))
    assert restored is not None and restored.source == "official" and not restored.is_workday
    assert cal.is_working_day(D(2026, 10, 8))


@pytest.mark.db
def test_only_administrators_edit_the_calendar(calendar_db: Database, actors: dict[Role, Actor]) -> None:
    for role in (Role.CLERK, Role.INSPECTOR, Role.SECTION_HEAD):
        with pytest.raises(PermissionDenied):
            CalendarService(calendar_db, actors[role]).set_day(D(2027, 1, 4), False, "元旦")
    # Everyone may compute a due date.
    assert CalendarService(calendar_db, actors[Role.CLERK]).due_date(D(2026, 11, 2)) == D(2026, 11, 30)
