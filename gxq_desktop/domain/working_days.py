"""Working-day arithmetic on the official calendar (pure functions).

The calendar is given as its exceptions only: ``{day: is_workday}`` for public holidays that fall on
weekdays (False) and 调休 weekend days that are worked (True). Every other Monday–Friday is a working
day and every other Saturday/Sunday is not.

Deadlines count from the day after the starting event: a result dated Friday with one working day to
go is due the following Monday (企业信息公示暂行条例 第六条: publish within 20 working days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

PUBLICITY_WORKING_DAYS = 20  # 企业信息公示暂行条例 第六条

_ONE_DAY = dt.timedelta(days=1)


def is_working_day(day: dt.date, exceptions: Mapping[dt.date, bool]) -> bool:
    found = exceptions.get(day)
    if found is not None:
        return found
    return day.weekday() < 5


def add_working_days(start: dt.date, n: int, exceptions: Mapping[dt.date, bool]) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    ``n == 0`` returns ``start`` unchanged; a negative ``n`` counts backwards.
    """
    if n == 0:
        return start
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    day = start
    while remaining:
        day += step
        if is_working_day(day, exceptions):
            remaining -= 1
    return day


def count_working_days(start: dt.date, end: dt.date, exceptions: Mapping[dt.date, bool]) -> int:
    """Working days in the interval (start, end]: how many have passed since ``start`` by ``end``."""
    if end <= start:
        return 0
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        if is_working_day(day, exceptions):
            count += 1
    return count


def next_working_day(day: dt.date, exceptions: Mapping[dt.date, bool]) -> dt.date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day, exceptions):
        day += _ONE_DAY
    return day
